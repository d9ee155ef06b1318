/**
 * The attack simulations through the real engine: `pulumi up` runs the `@pulumi/command`
 * Command (the upstream command provider plugin), whose script finds the target pod with the
 * real kubectl against the local cluster and runs real nmap in the scanner pod.
 *
 * With the local node (scripts/local-cluster.sh starts kubelet and containerd where the machine
 * can): `kubectl exec` into the workshop's `dev/netshoot` pod, a real pod of the netshoot
 * STAND-IN image (nmap from this machine), at a target pod of the centos STAND-IN image that the
 * test runs; the probes are counted on the node's bridge by nftables (test/e2e/node.ts).
 *
 * Without a node (API server only) the old STAND-IN is used: a kubectl wrapper first on the
 * engine's PATH (test/netns/lab.ts `kubectlShim`) passes every other kubectl call to the real
 * kubectl and runs the `exec`ed command (nmap) in the lab's scanner network namespace instead;
 * the target pod is an API object whose status (Running, pod IP of the lab's dropping target)
 * the test writes, and the probes are counted in the target's network namespace.
 *
 * Either way `sleep` is made a no-op on the engine's PATH, so the 5-minute bucket guard cannot
 * add 30 s to a test. Needs root, nmap and nftables, scripts/toolchain.sh and a running
 * scripts/local-cluster.sh; skips with the reason otherwise (fails with
 * CALICO_AD_REQUIRE_ALL_TESTS=1).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { EngineEvent } from "@pulumi/pulumi/automation";
import * as yaml from "js-yaml";
import { checkRunPreview } from "../../preview/detectionRun";
import { summarizePreview } from "../../preview/summary";
import { repoRoot } from "../helpers";
import {
    createLab,
    createPodObject,
    kubectlShim,
    labUnavailable,
    realKubectl,
    skipReason,
} from "../netns/lab";
import {
    changes,
    committedConfig,
    getObject,
    missingPrerequisite,
    nodeUnavailable,
    PlannedStep,
    TestStack,
} from "./harness";
import { BridgeCounter, deleteNamespace, nodeBridge, podIP, runPod } from "./node";

const skip = missingPrerequisite() ?? skipReason(labUnavailable());
const commandType = "command:local:Command";
const targetNamespace = `cad-e2e-sim-${process.pid}`;
const targetSelector = `app=centos,calico-ad.test/e2e=${process.pid}`;
const ids = "tigera-intrusion-detection";

/** Where the scan goes and where its probes are counted. */
interface Wire {
    /** IP of the pod the scan finds by `targetSelector`. */
    readonly target: string;
    /** A range for the ip sweep whose probes are counted (and dropped). */
    readonly sweepRange: string;
    /** Added to the engine's environment. */
    readonly engineEnv: Record<string, string>;
    resetCounts(): void;
    counts(): { ports: number; addresses: number; probes: number };
    destroy(): void;
}

/** A PATH directory whose `sleep` returns at once. */
function noSleepBin(): string {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), "calico-ad-nosleep-"));
    fs.writeFileSync(path.join(bin, "sleep"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    return bin;
}

/** The local node: real pods, real `kubectl exec`, probes counted on the node's bridge. */
function nodeWire(): Wire {
    const bin = noSleepBin();
    const target = runPod(targetNamespace, "centos", "docker.io/library/centos:latest", {
        app: "centos",
        "calico-ad.test/e2e": String(process.pid),
    });
    const sweepRange = "198.18.64.0/26";
    const counter = new BridgeCounter(nodeBridge(), podIP("dev", "netshoot"), sweepRange);
    return {
        target,
        sweepRange,
        engineEnv: { PATH: `${bin}:${process.env.PATH}` },
        resetCounts: () => counter.resetCounts(),
        counts: () => counter.counts(),
        destroy: () => {
            counter.remove();
            deleteNamespace(targetNamespace);
            fs.rmSync(bin, { recursive: true, force: true });
        },
    };
}

/** STAND-IN without a node: `kubectl exec` handed to the netns lab, target pod status written. */
function labWire(): Wire {
    const lab = createLab();
    try {
        const shim = kubectlShim(lab, { realKubectl: realKubectl() });
        createPodObject({
            kubeContext: "calico-ad-local",
            namespace: targetNamespace,
            name: "centos",
            labels: { app: "centos", "calico-ad.test/e2e": String(process.pid) },
            phase: "Running",
            podIP: lab.dropTarget,
            createNamespace: true,
        });
        return {
            target: lab.dropTarget,
            sweepRange: lab.sweepRange,
            engineEnv: { PATH: `${shim.bin}:${process.env.PATH}` },
            resetCounts: () => lab.resetCounts(),
            counts: () => lab.counts("drop"),
            destroy: () => {
                deleteNamespace(targetNamespace);
                shim.remove();
                lab.destroy();
            },
        };
    } catch (error) {
        lab.destroy();
        throw error;
    }
}

/** kubectl against the local API server; throws with its stderr when it fails. */
/** The workshop stack with its port-scan threshold and simulation settings replaced. */
function stackConfig(
    jobEnv: Record<string, unknown>,
    simulation: Record<string, unknown>,
): Record<string, unknown> {
    const base = committedConfig("local");
    return {
        ...base,
        "calico-ad:jobEnv": { ...(base["calico-ad:jobEnv"] as object), ...jobEnv },
        "calico-ad:simulation": simulation,
    };
}

const commandSteps = (steps: readonly PlannedStep[]) =>
    steps.filter((step) => step.type === commandType);
const changedOps = (steps: readonly PlannedStep[]) =>
    steps.filter((step) => step.op !== "same").map((step) => `${step.op} ${step.type}`);

/**
 * uid and version of each AD object, to show that they were left alone: the policies'
 * resourceVersion, and the Deployment's generation (its spec), since on the local node the
 * deployment controller writes the Deployment's status, and so its resourceVersion, on its own.
 */
function adObjectVersions(): string[] {
    return [
        ["deployment", "ad-jobs-deployment", ids],
        ["networkpolicies.projectcalico.org", "allow-tigera.allow-anomaly-detection", ids],
        [
            "networkpolicies.projectcalico.org",
            "allow-tigera.elasticsearch-access-anomaly-detection",
            "tigera-guardian",
        ],
    ].map(([resource, name, namespace]) => {
        const object = getObject(resource, name, namespace) as
            { metadata: { uid: string; resourceVersion: string; generation?: number } } | undefined;
        assert.ok(object, `${resource} ${namespace}/${name} exists`);
        const version =
            resource === "deployment"
                ? `generation ${object.metadata.generation}`
                : object.metadata.resourceVersion;
        return `${name}:${object.metadata.uid}:${version}`;
    });
}

/**
 * `npm run detection:run` as the workflow runs it (compiled), against the test's stack, whose
 * structured values are first written as YAML maps, as in a committed stack file (the harness
 * stores them as JSON text, which `pulumi config set --path` would replace).
 */
function detectionRun(stack: TestStack, runId: string): { status: number; stderr: string } {
    const file = path.join(repoRoot, `Pulumi.${stack.stack.name}.yaml`);
    const stackFile = yaml.load(fs.readFileSync(file, "utf8")) as {
        config: Record<string, unknown>;
    };
    for (const [key, value] of Object.entries(stackFile.config)) {
        if (typeof value === "string" && value.startsWith("{")) {
            stackFile.config[key] = JSON.parse(value);
        }
    }
    fs.writeFileSync(file, yaml.dump(stackFile));
    const run = spawnSync(
        process.execPath,
        [
            path.join(repoRoot, "bin/preview/cli/detectionRun.js"),
            "--stack",
            stack.stack.name,
            "--run-id",
            runId,
            "--policy-pack",
            "policy",
        ],
        {
            cwd: repoRoot,
            encoding: "utf8",
            env: { ...process.env, ...stack.stack.workspace.envVars },
            timeout: 300_000,
        },
    );
    return { status: run.status ?? 1, stderr: run.stderr };
}

const node = skip === undefined ? nodeUnavailable() : skip;
const where =
    node === undefined
        ? "real kubectl exec into the node's netshoot pod (STAND-IN images), counted on the node's bridge"
        : "STAND-IN: no node, kubectl exec runs in a network namespace";

describe(`simulations through pulumi up (real engine, real nmap; ${where})`, { skip }, () => {
    let wire: Wire;
    let engineEnv: Record<string, string>;

    before(() => {
        wire = node === undefined ? nodeWire() : labWire();
        engineEnv = wire.engineEnv;
    });
    after(() => {
        wire?.destroy();
    });

    describe("port scan (workshop stack, manifest era 3.12)", { concurrency: false }, () => {
        let stack: TestStack;
        const portScan = (enabled: boolean) => ({
            portScan: {
                enabled,
                namespace: "dev",
                scannerPod: "netshoot",
                targetNamespace,
                targetSelector,
            },
        });
        let deployedVersions: string[];

        before(async () => {
            stack = await TestStack.create(
                "portscan",
                stackConfig({ AD_port_scan_threshold: 200 }, portScan(true)),
                { env: engineEnv },
            );
        });
        after(async () => stack?.remove());

        it("previews the Command without running it", async () => {
            wire.resetCounts();
            const { steps } = await stack.preview();
            assert.deepEqual(
                commandSteps(steps).map((s) => s.op),
                ["create"],
            );
            assert.equal(wire.counts().probes, 0, "preview sends no probe");
        });

        it("up deploys AD, then scans more distinct ports than the threshold, once each", async () => {
            wire.resetCounts();
            const result = await stack.stack.up();
            const seen = wire.counts();
            assert.equal(seen.ports, 220, "ports 1-220 for threshold 200, counted on the wire");
            assert.equal(seen.probes, 220, "one probe per port");
            const summary = result.outputs.portScan.value as string;
            assert.ok(
                summary.startsWith(
                    `port scan of ${wire.target} (${targetNamespace}, ${targetSelector}) from dev/netshoot: ports 1-220 for threshold 200 in `,
                ),
                summary,
            );
            assert.match(
                summary,
                /; Nmap done: 1 IP address \(1 host up\) scanned in [\d.]+ seconds$/,
            );
            deployedVersions = adObjectVersions();
        });

        it("a second up changes nothing and scans nothing", async () => {
            wire.resetCounts();
            const { steps } = await stack.preview({ expectNoChanges: true });
            assert.deepEqual(changedOps(steps), []);
            const result = await stack.stack.up();
            assert.deepEqual(Object.keys(result.summary.resourceChanges ?? {}), ["same"]);
            assert.equal(wire.counts().probes, 0);
            assert.deepEqual(adObjectVersions(), deployedVersions);
        });

        it("a threshold change replaces the Command and scans once, with the new range", async () => {
            await stack.setConfig(stackConfig({ AD_port_scan_threshold: 300 }, portScan(true)));
            const { steps } = await stack.preview();
            const ops = commandSteps(steps).map((s) => s.op);
            assert.ok(
                ops.length > 0 &&
                    ops.every((op) =>
                        ["replace", "create-replacement", "delete-replaced", "update"].includes(op),
                    ),
                `Command steps: ${ops.join(", ")}`,
            );
            assert.ok(
                steps.some((s) => s.type === "kubernetes:apps/v1:Deployment" && s.op === "update"),
                "the Deployment's env is updated in the same preview",
            );
            wire.resetCounts();
            const result = await stack.stack.up();
            const seen = wire.counts();
            assert.equal(seen.ports, 330, "ports 1-330 for threshold 300");
            assert.equal(seen.probes, 330, "the scan ran exactly once");
            assert.match(result.outputs.portScan.value as string, /ports 1-330 for threshold 300/);
            deployedVersions = adObjectVersions();
        });

        it("turning the simulation off deletes the Command, scans nothing and keeps AD as it is", async () => {
            await stack.setConfig(stackConfig({ AD_port_scan_threshold: 300 }, portScan(false)));
            const { steps } = await stack.preview();
            // The default command provider goes with the last Command.
            assert.deepEqual(changedOps(steps).sort(), [
                "delete calico-ad:simulation:PortScanSimulation",
                `delete ${commandType}`,
                "delete pulumi:providers:command",
            ]);
            wire.resetCounts();
            const result = await stack.stack.up();
            assert.equal(wire.counts().probes, 0);
            assert.equal(result.outputs.portScan, undefined);
            assert.deepEqual(adObjectVersions(), deployedVersions);
        });

        it("turning it on again scans once; destroy then scans nothing", async () => {
            await stack.setConfig(stackConfig({ AD_port_scan_threshold: 300 }, portScan(true)));
            wire.resetCounts();
            await stack.stack.up();
            assert.equal(wire.counts().probes, 330);
            wire.resetCounts();
            await stack.stack.destroy();
            assert.equal(wire.counts().probes, 0, "destroy runs no scan");
            assert.equal(getObject("deployment", "ad-jobs-deployment", ids), undefined);
        });
    });

    describe(
        "a detection-test run: the run identity re-runs exactly the simulations and their verifications",
        { concurrency: false },
        () => {
            let stack: TestStack;
            let deployedVersions: string[];
            const simulation = (options: { runId?: string; ipSweep?: boolean }) => ({
                portScan: {
                    enabled: true,
                    namespace: "dev",
                    scannerPod: "netshoot",
                    targetNamespace,
                    targetSelector,
                },
                ipSweep: {
                    enabled: options.ipSweep ?? true,
                    namespace: "dev",
                    scannerPod: "netshoot",
                    targetCidr: wire.sweepRange,
                },
                // Nothing answers on port 1: each search ends `unreachable` within the timeout,
                // so the verification Commands run without waiting minutes for an alert.
                verify: {
                    enabled: true,
                    timeout: "5s",
                    pollInterval: "1s",
                    connectTo: "127.0.0.1:1",
                },
                ...(options.runId === undefined ? {} : { runId: options.runId }),
            });
            const config = (options: { runId?: string; ipSweep?: boolean }) =>
                stackConfig(
                    { AD_port_scan_threshold: 200, AD_ip_sweep_threshold: 32 },
                    simulation(options),
                );
            /** The preview's engine events, summarised as the CI run reads them. */
            const previewEvents = async () => {
                const events: EngineEvent[] = [];
                await stack.stack.preview({ diff: true, onEvent: (event) => events.push(event) });
                return summarizePreview(stack.stack.name, events);
            };
            const runCommands = [
                "ip-sweep-nmap",
                "ip-sweep-verification-search",
                "port-scan-nmap",
                "port-scan-verification-search",
            ];

            before(async () => {
                stack = await TestStack.create("runid", config({}), { env: engineEnv });
            });
            after(async () => stack?.remove());

            it("up runs each simulation once; a second up replaces no Command and sends nothing", async () => {
                wire.resetCounts();
                await stack.stack.up();
                assert.equal(
                    wire.counts().probes,
                    220 + 64,
                    "the scan's ports and the sweep's addresses",
                );
                deployedVersions = adObjectVersions();
                wire.resetCounts();
                const { steps } = await stack.preview({ expectNoChanges: true });
                assert.deepEqual(changes(steps), []);
                const result = await stack.stack.up();
                assert.deepEqual(Object.keys(result.summary.resourceChanges ?? {}), ["same"]);
                assert.equal(wire.counts().probes, 0);
            });

            it("a new runId: the preview replaces exactly the simulation and verification Commands, and up runs each simulation once more", async () => {
                await stack.setConfig(config({ runId: "r1" }));
                const preview = await previewEvents();
                assert.deepEqual(
                    preview.resources.map((r) => `${r.operation} ${r.name}`).sort(),
                    runCommands.map((name) => `replace ${name}`),
                );
                for (const resource of preview.resources) {
                    const fields = resource.changes.map((c) => c.field);
                    assert.ok(
                        fields.some((field) => /^triggers\[\d+\]$/.test(field)),
                        `${resource.name}: ${fields.join(", ")}`,
                    );
                    if (resource.name.endsWith("-nmap")) {
                        assert.equal(
                            fields.length,
                            1,
                            `${resource.name}: only the run identity changes: ${fields.join(", ")}`,
                        );
                    }
                }
                const checked = checkRunPreview(preview);
                assert.deepEqual(checked.problems, []);
                assert.equal(checked.commands.length, 4);
                wire.resetCounts();
                const result = await stack.stack.up();
                assert.equal(wire.counts().probes, 220 + 64, "each simulation ran exactly once");
                assert.deepEqual(result.summary.resourceChanges, {
                    replace: 4,
                    same: result.summary.resourceChanges?.same,
                });
                const tests = result.outputs.detectionTests.value as {
                    runId?: string;
                    status: string;
                }[];
                assert.deepEqual(
                    tests.map((t) => [t.runId, t.status]),
                    [
                        ["r1", "unreachable"],
                        ["r1", "unreachable"],
                    ],
                );
                assert.deepEqual(adObjectVersions(), deployedVersions, "AD objects untouched");
            });

            it("removing the runId (the committed stack file after a CI run) changes nothing", async () => {
                await stack.setConfig(config({}));
                const { steps } = await stack.preview({ expectNoChanges: true });
                assert.deepEqual(changes(steps), []);
            });

            it("the CI command refuses a run whose preview changes more than the Commands, before running anything", async () => {
                await stack.setConfig(
                    stackConfig(
                        { AD_port_scan_threshold: 300, AD_ip_sweep_threshold: 32 },
                        simulation({}),
                    ),
                );
                wire.resetCounts();
                const run = detectionRun(stack, "r2");
                assert.equal(run.status, 1, run.stderr);
                assert.match(
                    run.stderr,
                    new RegExp(
                        `stack ${stack.stack.name}: Deployment tigera-intrusion-detection/ad-jobs-deployment would be updated; a detection-test run may only replace`,
                    ),
                );
                assert.equal(wire.counts().probes, 0, "no simulation ran");
                assert.deepEqual(adObjectVersions(), deployedVersions);
            });

            it("the CI command runs the simulations under its plan and fails naming the stack and each detector that did not fire", async () => {
                await stack.setConfig(config({}));
                wire.resetCounts();
                const run = detectionRun(stack, "r3");
                assert.equal(run.status, 1, run.stderr);
                assert.equal(
                    wire.counts().probes,
                    220 + 64,
                    `each simulation ran once: ${run.stderr}`,
                );
                for (const [detector, simulation] of [
                    ["port_scan", "portScan"],
                    ["ip_sweep", "ipSweep"],
                ]) {
                    assert.match(
                        run.stderr,
                        new RegExp(
                            `stack ${stack.stack.name}: detector ${detector} did not fire after the ${simulation} simulation \\(unreachable: `,
                        ),
                    );
                }
                assert.deepEqual(adObjectVersions(), deployedVersions);
            });

            it("turning one simulation off deletes only its Commands and components", async () => {
                await stack.setConfig(config({ ipSweep: false }));
                const { steps } = await stack.preview();
                assert.deepEqual(
                    changes(steps)
                        .map((s) => `${s.op} ${s.type}`)
                        .sort(),
                    [
                        "delete calico-ad:simulation:AlertVerification",
                        "delete calico-ad:simulation:IpSweepSimulation",
                        `delete ${commandType}`,
                        `delete ${commandType}`,
                    ],
                );
                wire.resetCounts();
                await stack.stack.up();
                assert.equal(wire.counts().probes, 0, "deleting runs nothing");
                assert.deepEqual(adObjectVersions(), deployedVersions);
            });
        },
    );

    describe(
        "ip sweep (manifest era 3.12, which has the ip_sweep job)",
        { concurrency: false },
        () => {
            let stack: TestStack;
            const ipSweep = (enabled: boolean) => ({
                ipSweep: {
                    enabled,
                    namespace: "dev",
                    scannerPod: "netshoot",
                    targetCidr: wire.sweepRange,
                },
            });

            before(async () => {
                stack = await TestStack.create(
                    "ipsweep",
                    stackConfig({ AD_ip_sweep_threshold: 32 }, ipSweep(true)),
                    { env: engineEnv },
                );
            });
            after(async () => stack?.remove());

            it("up sweeps more distinct addresses than the threshold, once each", async () => {
                wire.resetCounts();
                const result = await stack.stack.up();
                const seen = wire.counts();
                assert.equal(seen.addresses, 64, `every address of ${wire.sweepRange}`);
                assert.equal(seen.probes, 64, "one probe per address");
                assert.match(
                    result.outputs.ipSweep.value as string,
                    new RegExp(
                        `^ip sweep of ${wire.sweepRange.replace(/\./g, "\\.")} from dev/netshoot for threshold 32 in `,
                    ),
                );
            });

            it("a second up sweeps nothing", async () => {
                wire.resetCounts();
                await stack.stack.up();
                assert.equal(wire.counts().probes, 0);
            });

            it("a threshold change re-runs the sweep exactly once", async () => {
                await stack.setConfig(stackConfig({ AD_ip_sweep_threshold: 40 }, ipSweep(true)));
                const { steps } = await stack.preview();
                assert.ok(commandSteps(steps).some((s) => s.op !== "same"));
                wire.resetCounts();
                const result = await stack.stack.up();
                assert.equal(wire.counts().probes, 64);
                assert.match(result.outputs.ipSweep.value as string, /for threshold 40 in /);
            });

            it("turning it off sweeps nothing and keeps AD; destroy sweeps nothing", async () => {
                const before = adObjectVersions();
                await stack.setConfig(stackConfig({ AD_ip_sweep_threshold: 40 }, ipSweep(false)));
                wire.resetCounts();
                await stack.stack.up();
                assert.equal(wire.counts().probes, 0);
                assert.deepEqual(adObjectVersions(), before);
                await stack.setConfig(stackConfig({ AD_ip_sweep_threshold: 40 }, ipSweep(true)));
                await stack.stack.up();
                wire.resetCounts();
                await stack.stack.destroy();
                assert.equal(wire.counts().probes, 0, "destroy runs no sweep");
            });
        },
    );
});
