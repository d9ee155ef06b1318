/**
 * The checks of a detection-test run (`npm run detection:run`, scripts/ci/detection-tests.sh):
 * its preview may only replace the simulation and verification Commands, which a new
 * `calico-ad:simulation.runId` does (components/runIdentity.ts), and its `detectionTests` must
 * say that every detector fired in this run. Pure: the CLI feeds them the engine's events
 * (through `summarizePreview`) and the stack's outputs.
 */
import { simulationComponentModule } from "../catalog/simulation";
import { DetectionTest } from "../verify/detectionTest";
import { ResourceChange, ResourceOperation, StackPreview } from "./summary";

const commandType = "command:local:Command";
const verificationType = `${simulationComponentModule}:AlertVerification`;

const done: Record<ResourceOperation, string> = {
    create: "created",
    update: "updated",
    replace: "replaced",
    delete: "deleted",
    read: "read",
    import: "imported",
    refresh: "refreshed",
    discard: "discarded",
};

/** The type of the resource's parent, from its URN's type chain (`parent$type`). */
export function parentTypeOf(urn: string): string | undefined {
    const chain = urn.split("::")[2]?.split("$") ?? [];
    return chain.length > 1 ? chain[chain.length - 2] : undefined;
}

/** A Command of a simulation component or of a verification. */
const isRunCommand = (resource: ResourceChange) =>
    resource.type === commandType &&
    (parentTypeOf(resource.urn)?.startsWith(`${simulationComponentModule}:`) ?? false);

/** What the preview of a run would do: the Commands it replaces, or why it must not run. */
export interface DetectionRunPreview {
    /** URNs of the simulation and verification Commands the run replaces. */
    readonly commands: readonly string[];
    /** Each reason not to run, naming the stack; empty when the run may go ahead. */
    readonly problems: readonly string[];
}

/**
 * Checks the preview of a run: it must succeed, replace at least one simulation Command and one
 * verification Command, and change nothing else (the stack's AD objects above all).
 */
export function checkRunPreview(preview: StackPreview): DetectionRunPreview {
    const at = `stack ${preview.stack}`;
    const errors = preview.errors.map((error) => `${at}: the preview failed: ${error}`);
    const replaced = preview.resources.filter((r) => r.operation === "replace" && isRunCommand(r));
    const others = preview.resources.filter((r) => !replaced.includes(r));
    const problems = [
        ...errors,
        ...others.map(
            (r) =>
                `${at}: ${r.label} would be ${done[r.operation]}; a detection-test run may only replace the simulation and verification Commands: deploy the stack first (or fix its drift), then run again`,
        ),
    ];
    if (errors.length === 0 && replaced.length === 0) {
        problems.push(
            `${at}: no simulation would run: enable one under calico-ad:simulation (and its verify block)`,
        );
    } else if (
        errors.length === 0 &&
        !replaced.some((r) => parentTypeOf(r.urn) === verificationType)
    ) {
        problems.push(
            `${at}: nothing would check the alerts: set calico-ad:simulation.verify.enabled to true`,
        );
    }
    return { commands: replaced.map((r) => r.urn), problems };
}

/**
 * The failures of a run's results: each detector that did not fire, naming the stack, and each
 * result that is not this run's (a Command the run did not replace).
 */
export function runFailures(
    stack: string,
    runId: string,
    tests: readonly DetectionTest[] | undefined,
): string[] {
    const at = `stack ${stack}`;
    if (!tests || tests.length === 0) {
        return [`${at}: no detectionTests output: set calico-ad:simulation.verify.enabled to true`];
    }
    return tests.flatMap((test) => {
        if (test.runId !== runId) {
            return [
                `${at}: the ${test.detector} result of ${test.simulation} is from run ${test.runId ?? "(none)"}, not from this run ${runId}`,
            ];
        }
        return test.found
            ? []
            : [
                  `${at}: detector ${test.detector} did not fire after the ${test.simulation} simulation (${test.status}: ${test.reason ?? "no reason given"})`,
              ];
    });
}

/** One Markdown table of a run's results, for the job summary. */
export function renderRunResults(
    stack: string,
    runId: string,
    tests: readonly DetectionTest[],
    failures: readonly string[],
): string {
    const rows = tests.map(
        (t) =>
            `| ${t.simulation} | ${t.detector} | ${t.status} | ${t.secondsAfterSimulation ?? ""} | ${(t.description ?? t.reason ?? "").replace(/\|/g, "\\|")} |`,
    );
    return [
        `### Detection tests of ${stack} (run ${runId}): ${failures.length === 0 ? "every detector fired" : `${failures.length} failure(s)`}`,
        "",
        "| Simulation | Detector | Status | Seconds to alert | Alert or reason |",
        "| --- | --- | --- | --- | --- |",
        ...rows,
        "",
        ...failures.map((f) => `- ${f}`),
        "",
    ].join("\n");
}
