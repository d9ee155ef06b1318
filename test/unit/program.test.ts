import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { rawConfig, recordResources, stackFileConfig, valueOf } from "../helpers";
import { DetectionTest } from "../../verify/detectionTest";
import program = require("../../index");

type Outputs = Record<string, unknown>;

/** Runs index.ts with the given stack config under mocks. */
async function runProgram(config: Record<string, string>) {
    const recorded = await recordResources();
    pulumi.runtime.setAllConfig(config);
    const outputs = (await program()) as Outputs;
    await new Promise((resolve) => setTimeout(resolve, 50));
    return { recorded, outputs };
}

/**
 * Puts a `kubectl` on PATH that reports every object as present and the workshop's cluster name,
 * standing in for a cluster so the program's preflight path runs under mocks.
 */
function fakeKubectlOnPath(): void {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), "calico-ad-fake-kubectl-"));
    const controller = JSON.stringify({
        spec: {
            template: {
                spec: {
                    containers: [
                        { env: [{ name: "CLUSTER_NAME", value: "cd8i1cf9.aks-calicocloud-repo" }] },
                    ],
                },
            },
        },
    });
    const script = `#!/bin/sh\nfor a; do case "$a" in json) echo '${controller}'; exit 0;; name) echo object/present; exit 0;; esac; done\n`;
    fs.writeFileSync(path.join(directory, "kubectl"), script, { mode: 0o755 });
    process.env.PATH = `${directory}${path.delimiter}${process.env.PATH}`;
}

/** The ip sweep of a /26 from `scannerPod` in dev. */
const sweepFrom = (scannerPod: string) => ({
    enabled: true,
    namespace: "dev",
    scannerPod,
    targetCidr: "10.244.1.0/26",
});

/** Runs the workshop stack (dev) with `blocks` added to its `calico-ad:simulation`. */
async function runDevWith(blocks: Record<string, unknown>) {
    fakeKubectlOnPath();
    const config = stackFileConfig("dev");
    const simulation = JSON.parse(config["calico-ad:simulation"]) as Record<string, unknown>;
    return runProgram({ ...config, ...rawConfig({ simulation: { ...simulation, ...blocks } }) });
}

type EnvEntry = { name: string; value?: string };

describe("the whole program (mocks)", () => {
    it("deploys the workshop stack after preflight, with the port scan after the AD objects", async () => {
        fakeKubectlOnPath();
        const { recorded, outputs } = await runProgram(stackFileConfig("dev"));
        assert.equal(outputs.clusterName, "cd8i1cf9.aks-calicocloud-repo");
        const scan = recorded.find((r) => r.type === "command:local:Command");
        assert.ok(scan, "the port-scan command is registered");
        const environment = scan.inputs.environment as Record<string, string>;
        assert.equal(environment.SCAN_PORTS, "1-220");
        assert.equal(environment.TARGET_SELECTOR, "app=centos");
        assert.ok(recorded.some((r) => r.type === "calico-ad:simulation:PortScanSimulation"));
    });

    it("runs every enabled simulation through the one Simulation component and exports each summary", async () => {
        const ipSweep = sweepFrom("netshoot");
        const { recorded, outputs } = await runDevWith({ ipSweep });
        const components = recorded
            .filter((r) => r.type.startsWith("calico-ad:simulation:"))
            .map((r) => `${r.type} ${r.name}`)
            .sort();
        assert.deepEqual(components, [
            "calico-ad:simulation:IpSweepSimulation ip-sweep",
            "calico-ad:simulation:PortScanSimulation port-scan",
        ]);
        const commands = recorded.filter((r) => r.type === "command:local:Command");
        assert.deepEqual(commands.map((r) => r.name).sort(), ["ip-sweep-nmap", "port-scan-nmap"]);
        const sweep = commands.find((r) => r.name === "ip-sweep-nmap")!;
        assert.equal(
            (sweep.inputs.environment as Record<string, string>).SWEEP_CIDR,
            ipSweep.targetCidr,
        );
        assert.equal((sweep.inputs.environment as Record<string, string>).SCAN_THRESHOLD, "32");
        assert.ok("portScan" in outputs && "ipSweep" in outputs, Object.keys(outputs).join(", "));
    });

    it("verifies every enabled simulation with one verification each, and lists them in detectionTests with the port scan's entry as alertVerification", async () => {
        const { recorded, outputs } = await runDevWith({
            ipSweep: sweepFrom("netshoot2"),
            verify: { enabled: true },
        });
        const searches = recorded.filter(
            (r) => r.type === "command:local:Command" && r.name.endsWith("-search"),
        );
        const searched = searches.map((r) => {
            const environment = r.inputs.environment as Record<string, string>;
            const spec = JSON.parse(environment.VERIFY_SPEC) as Record<string, unknown>;
            return [r.name, environment.DETECTOR, spec.detector, spec.sourcePod].join(" ");
        });
        assert.deepEqual(searched.sort(), [
            "ip-sweep-verification-search ip_sweep ip_sweep netshoot2",
            "port-scan-verification-search port_scan port_scan netshoot",
        ]);
        // Under mocks no Command prints a report, so each entry says so, under its own detector.
        const tests = await valueOf(outputs.detectionTests as pulumi.Output<DetectionTest[]>);
        assert.deepEqual(
            tests.map((t) => [t.simulation, t.detector, t.status]),
            [
                ["portScan", "port_scan", "no-report"],
                ["ipSweep", "ip_sweep", "no-report"],
            ],
        );
        const alias = await valueOf(outputs.alertVerification as pulumi.Output<DetectionTest>);
        assert.equal(alias.detector, "port_scan");
    });

    it("a new calico-ad:simulation.runId changes only the triggers of the simulation and verification Commands", async () => {
        const run = (runId: string | undefined) =>
            runDevWith({ ipSweep: sweepFrom("netshoot"), verify: { enabled: true }, runId });
        const byName = (recorded: { type: string; name: string; inputs: unknown }[]) =>
            new Map(recorded.map((r) => [`${r.type} ${r.name}`, r.inputs as Outputs]));
        const first = await run("r1");
        const second = await run("r2");
        const before = byName(first.recorded);
        const after = byName(second.recorded);
        assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort());
        const changed = [...after].flatMap(([resource, inputs]) => {
            const fields = Object.keys({ ...inputs, ...before.get(resource) }).filter(
                (field) =>
                    JSON.stringify(inputs[field]) !== JSON.stringify(before.get(resource)?.[field]),
            );
            return fields.length > 0 ? [`${resource}: ${fields.join(", ")}`] : [];
        });
        assert.deepEqual(changed.sort(), [
            "command:local:Command ip-sweep-nmap: triggers",
            "command:local:Command ip-sweep-verification-search: triggers",
            "command:local:Command port-scan-nmap: triggers",
            "command:local:Command port-scan-verification-search: triggers",
        ]);
        for (const [resource, inputs] of after) {
            if (resource.startsWith("command:local:Command")) {
                assert.equal((inputs.triggers as unknown[]).at(-1), "r2", resource);
            }
        }
        const tests = await valueOf(
            second.outputs.detectionTests as pulumi.Output<DetectionTest[]>,
        );
        assert.deepEqual(
            tests.map((t) => t.runId),
            ["r2", "r2"],
        );
    });

    it("renders the workshop stack: provider, component, Deployment, two policies", async () => {
        const config = stackFileConfig("dev");
        delete config["calico-ad:simulation"];
        const { recorded, outputs } = await runProgram({
            ...config,
            ...rawConfig({
                renderDirectory: "rendered/dev",
                clusterName: "cd8i1cf9.aks-calicocloud-repo",
            }),
        });
        const types = recorded.map((r) => r.type).sort();
        assert.deepEqual(types, [
            "calico-ad:index:AnomalyDetection",
            "calico-ad:manifest:AdJobsDeployment",
            "kubernetes:apps/v1:Deployment",
            "kubernetes:projectcalico.org/v3:NetworkPolicy",
            "kubernetes:projectcalico.org/v3:NetworkPolicy",
            "pulumi:providers:kubernetes",
        ]);
        const provider = recorded.find((r) => r.type === "pulumi:providers:kubernetes")!;
        assert.equal(provider.inputs.renderYamlToDirectory, "rendered/dev");
        assert.equal(outputs.release, "Calico Cloud 3.12.0");
        assert.equal(outputs.clusterName, "cd8i1cf9.aks-calicocloud-repo");
        assert.deepEqual(outputs.deployed, [
            "NetworkPolicy tigera-intrusion-detection/allow-tigera.allow-anomaly-detection",
            "NetworkPolicy tigera-guardian/allow-tigera.elasticsearch-access-anomaly-detection",
            "Deployment tigera-intrusion-detection/ad-jobs-deployment",
        ]);
        const effective = outputs.effectiveSettings as Record<
            string,
            { value: string; source: string }
        >;
        assert.deepEqual(effective.AD_search_interval_minutes, {
            value: "5",
            source: "stack config",
        });
        assert.deepEqual(effective.AD_GENERIC_FLOWS_SENSITIVITY, { value: "1", source: "default" });
        // The Deployment carries every setting shown, defaults included, with the same value.
        const deployment = recorded.find((r) => r.type === "kubernetes:apps/v1:Deployment")!;
        const env = Object.fromEntries(
            (
                deployment.inputs as {
                    spec: { template: { spec: { containers: { env: EnvEntry[] }[] } } };
                }
            ).spec.template.spec.containers[0].env.map((e) => [e.name, e.value]),
        );
        for (const [name, { value }] of Object.entries(effective)) {
            assert.equal(env[name], value, name);
        }
        assert.deepEqual(outputs.disabled, ["bytes_in", "bytes_out", "process_bytes"]);
        assert.equal((outputs.warnings as string[]).length, 5);
    });

    it("deploys GlobalAlerts for the management example", async () => {
        const { recorded, outputs } = await runProgram({
            ...stackFileConfig("management"),
            ...rawConfig({ renderDirectory: "rendered/management" }),
        });
        assert.equal(
            recorded.filter((r) => r.type === "kubernetes:projectcalico.org/v3:GlobalAlert").length,
            3,
        );
        assert.ok(!recorded.some((r) => r.type === "kubernetes:apps/v1:Deployment"));
        assert.deepEqual(outputs.enabled, ["port_scan", "dga", "dns_tunnel"]);
        assert.ok((outputs.disabled as string[]).includes("http_verbs"));
    });

    it("refuses a simulation in render mode, since there is no cluster to scan", async () => {
        await recordResources();
        pulumi.runtime.setAllConfig({
            ...stackFileConfig("dev"),
            ...rawConfig({ renderDirectory: "out", clusterName: "x" }),
        });
        await assert.rejects(program(), /a simulation needs a cluster to scan/);
    });

    it("creates nothing when the config is bad", async () => {
        const recordedBefore = await recordResources();
        pulumi.runtime.setAllConfig(
            rawConfig({
                calicoVersion: "3.12.0",
                clusterType: "managed",
                clusterName: "x",
                renderDirectory: "out",
                jobEnv: { AD_port_scan_threshold: 0 },
            }),
        );
        await assert.rejects(program(), /AD_port_scan_threshold: 0 is out of range/);
        assert.deepEqual(recordedBefore, []);
    });
});
