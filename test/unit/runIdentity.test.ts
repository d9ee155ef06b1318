/**
 * The run identity `calico-ad:simulation.runId`: validated with a message naming key, value and
 * what is allowed; the last trigger of exactly the simulation and verification Commands, kept
 * from the last run (ignoreChanges) when unset. The engine's side (a new value replaces exactly
 * those Commands, removing it changes nothing) is test/e2e/simulationLifecycle.test.ts.
 */
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { version } from "../../catalog/versions";
import { AlertVerification } from "../../components/alertVerification";
import { lastRunId, runTriggers } from "../../components/runIdentity";
import { Simulation } from "../../components/simulation";
import { parseSimulation } from "../../config/simulation";
import { stackFileSchema } from "../../config/stackFileSchema";
import { simulationCommand } from "../../simulations/definition";
import { portScan, PortScanSimulationSettings } from "../../simulations/portScan";
import { recordResources, valueOf } from "../helpers";

const context = {
    era: "manifest" as const,
    release: "Calico Enterprise 3.12.0",
    version: version("3.12.0"),
    portScanThreshold: 200,
    ipSweepThreshold: 32,
};
const portScanFields = {
    enabled: true,
    namespace: "dev",
    scannerPod: "netshoot",
    targetSelector: "app=centos",
};
const settings: PortScanSimulationSettings = {
    namespace: "dev",
    scannerPod: "netshoot",
    targetNamespace: "dev",
    targetSelector: "app=centos",
    ports: "1-220",
    portCount: 220,
    portsSource: "derived from the threshold",
    threshold: 200,
};

describe("calico-ad:simulation.runId", () => {
    it("reaches the settings as text, also when `pulumi config set --path` stored a number", () => {
        for (const [value, expected] of [
            ["8675309-1", "8675309-1"],
            [8675309, "8675309"],
            ["nightly_2026.12.07", "nightly_2026.12.07"],
        ] as const) {
            const result = parseSimulation({ portScan: portScanFields, runId: value }, context);
            assert.deepEqual(result.problems, []);
            assert.equal(result.settings?.runId, expected);
        }
        const unset = parseSimulation({ portScan: portScanFields }, context);
        assert.equal(unset.settings?.runId, undefined);
    });

    it("refuses a value a shell or a trigger should not carry, naming key, value and what is allowed", () => {
        for (const bad of ["-1", "a b", "$(touch x)", "a".repeat(64), "run\n1"]) {
            const { problems, settings: parsed } = parseSimulation(
                { portScan: portScanFields, runId: bad },
                context,
            );
            assert.equal(parsed, undefined, bad);
            assert.equal(problems.length, 1, problems.join("\n"));
            assert.ok(
                problems[0].startsWith(
                    `calico-ad:simulation.runId: ${JSON.stringify(bad)} is not allowed; allowed: letters, digits,`,
                ),
                problems[0],
            );
            assert.match(problems[0], /at most 63 characters/);
        }
    });

    it("is a field of calico-ad:simulation in the stack-file schema", () => {
        const schema = JSON.stringify(stackFileSchema());
        assert.match(schema, /"runId":\{"anyOf":\[\{"type":"string","pattern":"\^\[A-Za-z0-9\]/);
    });
});

describe("the run identity as a Command trigger", () => {
    it("is the last trigger, kept from the last run by ignoreChanges when unset", () => {
        assert.deepEqual(runTriggers([200, "dev"], "r1"), {
            triggers: [200, "dev", "r1"],
            ignoreChanges: [],
        });
        assert.deepEqual(runTriggers([200, "dev"], undefined), {
            triggers: [200, "dev", ""],
            ignoreChanges: ["triggers[2]"],
        });
        assert.deepEqual(runTriggers([], undefined).ignoreChanges, ["triggers[0]"]);
    });

    it("is read back from the triggers a Command last ran with", () => {
        assert.equal(lastRunId([200, "dev", "r1"]), "r1");
        assert.equal(lastRunId([200, "dev", ""]), undefined);
        assert.equal(lastRunId([200]), undefined, "a number is a threshold, not a run identity");
        assert.equal(lastRunId(undefined), undefined, "state of a calico-ad before run identities");
    });
});

/** Lets a component's registerOutputs reach the mocks before the next test replaces them. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

/** The resource options the Commands of `build` get, by resource name. */
async function commandOptions(build: (opts: pulumi.ComponentResourceOptions) => pulumi.Resource) {
    const recorded = await recordResources();
    const options: Record<string, pulumi.ResourceOptions> = {};
    const component = build({
        transformations: [
            (args) => {
                options[args.name] = args.opts;
                return undefined;
            },
        ],
    });
    await valueOf(component.urn);
    await settle();
    return { recorded, options };
}

describe("the Commands the run identity reaches (mocks)", () => {
    afterEach(settle);
    const run = simulationCommand(portScan, settings, undefined);

    for (const runId of ["r1", undefined]) {
        it(`the simulation's Command: run identity ${runId ?? "unset"} last in its triggers, ${runId ? "nothing ignored" : "that trigger ignored"}`, async () => {
            const { recorded, options } = await commandOptions(
                (opts) => new Simulation(`scan-${runId ?? "unset"}`, { run, runId }, opts),
            );
            const command = recorded.find((r) => r.type === "command:local:Command")!;
            const triggers = command.inputs.triggers as unknown[];
            assert.deepEqual(triggers, [...run.triggers, runId ?? ""]);
            assert.deepEqual(
                options[command.name].ignoreChanges,
                runId ? [] : [`triggers[${run.triggers.length}]`],
            );
            assert.ok(
                !Object.values(command.inputs.environment as object).includes("r1"),
                "not in the script's environment: a change of it alone would be an update",
            );
        });
    }

    it("the verification's Command: the run identity is its trigger, and its entry names the run", async () => {
        let verification: AlertVerification | undefined;
        const { recorded, options } = await commandOptions((opts) => {
            verification = new AlertVerification(
                "scan-verification",
                {
                    summary: "port scan of 10.0.0.1 (started at 1700000000) in 2 s",
                    simulation: "portScan",
                    title: "port scan",
                    detector: "port_scan",
                    sourceNamespace: "dev",
                    sourcePod: "netshoot",
                    clusterName: "cluster",
                    route: {
                        credentialSecret: "s",
                        ca: { kind: "secret", name: "ca", key: "ca.crt" },
                        tlsName: "es",
                        port: 9200,
                        service: { namespace: "ns", name: "es", port: 9200 },
                    },
                    timeoutSeconds: 60,
                    pollSeconds: 5,
                    onNotFound: "warn",
                    runId: "r1",
                },
                opts,
            );
            return verification;
        });
        const command = recorded.find((r) => r.type === "command:local:Command")!;
        assert.deepEqual(command.inputs.triggers, ["r1"]);
        assert.deepEqual(options[command.name].ignoreChanges, []);
        const report = await valueOf(verification!.report);
        assert.equal(report.runId, "r1", "read from the triggers the Command ran with");
    });
});
