/**
 * One detection-test run of one stack: re-runs its enabled simulations and their verifications,
 * and nothing else, then fails naming the stack and each detector that did not fire.
 *
 *   npm run detection:run -- --stack dev --run-id 8675309-1 [--policy-pack policy] [--out summary.md]
 *
 * It sets `calico-ad:simulation.runId` in this checkout's copy of the stack file (never
 * committed), previews with the policy pack and saves the update plan, refuses to go on unless
 * the preview only replaces the simulation and verification Commands
 * (preview/detectionRun.ts), then runs `pulumi up` bound to that plan, so the update cannot do
 * more than the checked preview. Exit code: 0 when every detector fired in this run, 1 when one
 * did not or the run was refused, 2 on bad arguments. The backend, passphrase and kubeconfig
 * come from the environment, as for `npm run preview:summary`.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { EngineEvent, LocalWorkspace } from "@pulumi/pulumi/automation";
import { configKey } from "../../catalog/configKeys";
import { runIdProblem } from "../../config/simulationFields";
import { DetectionTest } from "../../verify/detectionTest";
import { checkRunPreview, renderRunResults, runFailures } from "../detectionRun";
import { summarizePreview } from "../summary";

const runIdKey = `${configKey("simulation")}.runId`;

/** A GitHub Actions error annotation (plain text elsewhere), one per failure. */
const report = (stack: string, lines: readonly string[]) => {
    for (const line of lines) {
        process.stderr.write(
            process.env.GITHUB_ACTIONS === "true"
                ? `::error title=Detection tests of stack ${stack}::${line}\n`
                : `${line}\n`,
        );
    }
};

/** The last lines of a failed CLI run's stderr (the engine's own error), or its message. */
function failureLines(error: unknown): string[] {
    const message = error instanceof Error ? error.message : String(error);
    const stderr = /stderr:([\s\S]*?)(?:\n\s*err\?:|$)/.exec(message)?.[1] ?? message;
    return stderr
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line !== "")
        .slice(-10);
}

async function main(): Promise<number> {
    const { values } = parseArgs({
        options: {
            stack: { type: "string" },
            "run-id": { type: "string" },
            "policy-pack": { type: "string", multiple: true },
            out: { type: "string" },
            "work-dir": { type: "string", default: "." },
        },
    });
    const stackName = values.stack;
    const runId = values["run-id"] ?? "";
    const bad = runIdProblem(runId);
    if (!stackName || bad) {
        throw new Error(
            !stackName ? "--stack is required" : `--run-id (${runIdKey}): ${bad ?? ""}`,
        );
    }
    const stack = await LocalWorkspace.selectStack({
        stackName,
        workDir: path.resolve(values["work-dir"]),
    });
    await stack.setConfig(runIdKey, { value: runId }, true);
    const policyPacks = values["policy-pack"]?.map((p) => path.resolve(p));
    const plan = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "calico-ad-run-")), "plan.json");
    const log = (text: string) => process.stderr.write(text);

    log(`detection tests of stack ${stackName}, run ${runId}: preview ...\n`);
    const events: EngineEvent[] = [];
    let previewFailure: string | undefined;
    try {
        await stack.preview({
            diff: true,
            policyPacks,
            plan,
            color: "never",
            onEvent: (event) => events.push(event),
            onOutput: log,
        });
    } catch (error) {
        previewFailure = failureLines(error).join("\n");
    }
    const checked = checkRunPreview(summarizePreview(stackName, events, previewFailure));
    if (checked.problems.length > 0) {
        report(stackName, checked.problems);
        return 1;
    }
    log(`\nreplacing ${checked.commands.length} Command(s): ${checked.commands.join(", ")}\n`);
    let tests: DetectionTest[] | undefined;
    try {
        const result = await stack.up({ policyPacks, plan, color: "never", onOutput: log });
        tests = result.outputs.detectionTests?.value as DetectionTest[] | undefined;
    } catch (error) {
        report(stackName, [
            `pulumi up failed (with onNotFound: error it names each detector that did not fire):`,
            ...failureLines(error),
        ]);
        return 1;
    }
    const failures = runFailures(stackName, runId, tests);
    if (values.out) {
        fs.appendFileSync(values.out, renderRunResults(stackName, runId, tests ?? [], failures));
    }
    report(stackName, failures);
    if (failures.length === 0) {
        log(`stack ${stackName}: every detector fired in run ${runId}\n`);
    }
    return failures.length === 0 ? 0 : 1;
}

main().then(
    (code) => {
        process.exitCode = code;
    },
    (error: unknown) => {
        process.stderr.write(
            `detection-run: ${error instanceof Error ? error.message : String(error)}\n`,
        );
        process.exitCode = 2;
    },
);
