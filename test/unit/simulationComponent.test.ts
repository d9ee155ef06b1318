import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { Simulation } from "../../components/simulation";
import {
    bucketGuardSeconds,
    nmapIpSweepArgs,
    nmapPortScanArgs,
    portRangeFor,
} from "../../scan/arithmetic";
import { simulationCommand } from "../../simulations/definition";
import { ipSweep, ipSweepScript } from "../../simulations/ipSweep";
import { portScan, PortScanSimulationSettings, portScanScript } from "../../simulations/portScan";
import { recordResources, RecordedResource, valueOf } from "../helpers";

const portScanSettings: PortScanSimulationSettings = {
    namespace: "dev",
    scannerPod: "netshoot",
    targetNamespace: "dev",
    targetSelector: "app=centos",
    ports: "1-220",
    portCount: 220,
    portsSource: "stack config",
    threshold: 200,
};
/** The port scan as the generic component gets it, without a kube context. */
const portScanRun = simulationCommand(portScan, portScanSettings, undefined);

describe("nmap arguments", () => {
    it("derive the port range from the threshold with a margin", () => {
        assert.deepEqual(portRangeFor(200), { first: 1, last: 220 });
        assert.deepEqual(portRangeFor(500), { first: 1, last: 550 });
        assert.deepEqual(portRangeFor(32), { first: 1, last: 42 }, "at least 10 ports above");
        assert.deepEqual(portRangeFor(65000), { first: 1, last: 65535 }, "capped at 65535");
    });

    it("probe each port once, in order, fast, without DNS or ping, and never give up early", () => {
        const args = nmapPortScanArgs("1-220", "10.244.1.7");
        assert.deepEqual(args, [
            "-Pn",
            "-n",
            "--max-retries",
            "0",
            "--max-rtt-timeout",
            "100ms",
            "--min-rate",
            "1000",
            "-r",
            "-p",
            "1-220",
            "10.244.1.7",
        ]);
        assert.ok(!args.some((a) => a.includes("host-timeout")));
        assert.deepEqual(nmapIpSweepArgs("10.244.1.0/26").slice(-3), ["-p", "80", "10.244.1.0/26"]);
        assert.ok(nmapIpSweepArgs("10.244.1.0/26").includes("--max-retries"));
    });
});

/** A PATH whose kubectl, date and sleep record their calls instead of reaching a cluster. */
class FakeTools {
    readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "calico-ad-fake-"));
    readonly calls = path.join(this.dir, "kubectl-calls.jsonl");
    readonly sleeps = path.join(this.dir, "sleeps");
    /** A file that any injected command would create. */
    readonly canary = path.join(this.dir, "pwned");

    constructor() {
        const bin = path.join(this.dir, "bin");
        fs.mkdirSync(bin);
        const write = (name: string, text: string) =>
            fs.writeFileSync(path.join(bin, name), text, { mode: 0o755 });
        write(
            "kubectl",
            [
                `#!${process.execPath}`,
                `const fs = require("fs");`,
                `const args = process.argv.slice(2);`,
                `fs.appendFileSync(${JSON.stringify(this.calls)}, JSON.stringify(args) + "\\n");`,
                `if (args.includes("get")) process.stdout.write(process.env.FAKE_POD_IPS ?? "");`,
                `if (args.includes("exec")) {`,
                `    process.stdout.write(process.env.FAKE_NMAP_OUTPUT ?? "");`,
                `    process.exitCode = Number(process.env.FAKE_EXEC_EXIT ?? 0);`,
                `}`,
            ].join("\n"),
        );
        write("date", `#!/bin/sh\necho "$FAKE_EPOCH"\n`);
        write("sleep", `#!/bin/sh\necho "$1" >> ${JSON.stringify(this.sleeps)}\n`);
    }

    run(script: string, env: Record<string, string>) {
        fs.rmSync(this.calls, { force: true });
        fs.rmSync(this.sleeps, { force: true });
        const result = spawnSync("/bin/sh", ["-c", script], {
            env: {
                PATH: `${path.join(this.dir, "bin")}:${process.env.PATH}`,
                FAKE_EPOCH: "1700000000", // 100 s left in the 5-minute bucket
                FAKE_POD_IPS: "10.244.1.7 10.244.1.8",
                FAKE_NMAP_OUTPUT: nmapOutput,
                ...env,
            },
            encoding: "utf8",
            cwd: this.dir,
        });
        const calls = fs.existsSync(this.calls)
            ? fs
                  .readFileSync(this.calls, "utf8")
                  .trim()
                  .split("\n")
                  .map((line) => JSON.parse(line) as string[])
            : [];
        const sleeps = fs.existsSync(this.sleeps)
            ? fs.readFileSync(this.sleeps, "utf8").trim().split("\n")
            : [];
        return {
            status: result.status,
            stdout: result.stdout,
            stderr: result.stderr,
            calls,
            sleeps,
        };
    }

    remove() {
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

const nmapOutput = [
    "Starting Nmap 7.93 ( https://nmap.org ) at 2026-11-29 23:25 UTC",
    "Warning: 10.244.1.7 giving up on port because retransmission cap hit (0).",
    "Nmap scan report for 10.244.1.7",
    "Host is up.",
    "All 220 scanned ports on 10.244.1.7 are in ignored states.",
    "Not shown: 220 filtered tcp ports (no-response)",
    "",
    "Nmap done: 1 IP address (1 host up) scanned in 0.42 seconds",
    "",
].join("\n");

const portScanEnv = {
    SCAN_NAMESPACE: "dev",
    SCANNER_POD: "netshoot",
    TARGET_NAMESPACE: "dev",
    TARGET_SELECTOR: "app=centos",
    SCAN_PORTS: "1-220",
    SCAN_THRESHOLD: "200",
    KUBE_CONTEXT: "",
};

describe("the fixed scripts, run with a fake kubectl", () => {
    let tools: FakeTools;
    before(() => {
        tools = new FakeTools();
    });
    after(() => tools.remove());

    it("port scan: finds the target by selector and runs exactly nmapPortScanArgs in the scanner", () => {
        const run = tools.run(portScanScript, portScanEnv);
        assert.equal(run.status, 0, run.stderr);
        assert.deepEqual(run.calls, [
            [
                "--namespace",
                "dev",
                "get",
                "pods",
                "--selector",
                "app=centos",
                "--field-selector",
                "status.phase=Running",
                "--output",
                "jsonpath={.items[*].status.podIP}",
            ],
            [
                "--namespace",
                "dev",
                "exec",
                "netshoot",
                "--",
                "nmap",
                ...nmapPortScanArgs("1-220", "10.244.1.7"),
            ],
        ]);
        assert.equal(
            run.stdout,
            "port scan of 10.244.1.7 (dev, app=centos) from dev/netshoot: ports 1-220 for threshold 200 in 0 s (started at 1700000000); Nmap done: 1 IP address (1 host up) scanned in 0.42 seconds\n",
            "stdout is one summary line, not nmap's output",
        );
        assert.equal(run.stderr, "");
        assert.deepEqual(run.sleeps, []);
    });

    it("passes --context only when a kube context is set", () => {
        const run = tools.run(portScanScript, { ...portScanEnv, KUBE_CONTEXT: "kind-calico-ad" });
        assert.ok(
            run.calls.every((call) => call[0] === "--context" && call[1] === "kind-calico-ad"),
        );
    });

    it("waits for the next 5-minute bucket when the current one is about to close", () => {
        const run = tools.run(portScanScript, { ...portScanEnv, FAKE_EPOCH: "1700000090" });
        assert.equal(run.status, 0, run.stderr);
        assert.deepEqual(run.sleeps, ["10"]);
        assert.ok(10 < bucketGuardSeconds);
        assert.match(run.stderr, /waiting 10 s for the next 5-minute bucket/);
    });

    it("fails with a clear message when no pod matches or nmap fails", () => {
        const none = tools.run(portScanScript, { ...portScanEnv, FAKE_POD_IPS: "" });
        assert.notEqual(none.status, 0);
        assert.match(none.stderr, /no Running pod with an IP in namespace dev matches app=centos/);
        assert.equal(none.calls.length, 1, "no exec without a target");

        const failed = tools.run(portScanScript, {
            ...portScanEnv,
            FAKE_EXEC_EXIT: "126",
            FAKE_NMAP_OUTPUT: 'exec: "nmap": executable file not found in $PATH',
        });
        assert.notEqual(failed.status, 0);
        assert.match(failed.stderr, /executable file not found/);
        assert.match(failed.stderr, /the scanner pod needs nmap/);
        assert.equal(failed.stdout, "");
    });

    it("ip sweep: runs exactly nmapIpSweepArgs in the scanner", () => {
        const run = tools.run(ipSweepScript, {
            SCAN_NAMESPACE: "dev",
            SCANNER_POD: "netshoot",
            SWEEP_CIDR: "10.244.1.0/26",
            SCAN_THRESHOLD: "32",
            KUBE_CONTEXT: "kind-calico-ad",
            FAKE_NMAP_OUTPUT: "Nmap done: 64 IP addresses (64 hosts up) scanned in 0.21 seconds\n",
        });
        assert.equal(run.status, 0, run.stderr);
        assert.deepEqual(run.calls, [
            [
                "--context",
                "kind-calico-ad",
                "--namespace",
                "dev",
                "exec",
                "netshoot",
                "--",
                "nmap",
                ...nmapIpSweepArgs("10.244.1.0/26"),
            ],
        ]);
        assert.equal(
            run.stdout,
            "ip sweep of 10.244.1.0/26 from dev/netshoot for threshold 32 in 0 s (started at 1700000000); Nmap done: 64 IP addresses (64 hosts up) scanned in 0.21 seconds\n",
        );
    });

    it("hands hostile values to kubectl verbatim and executes none of them", () => {
        const payloads = (canary: string) => [
            `; touch ${canary}`,
            `$(touch ${canary})`,
            `\`touch ${canary}\``,
            `x\ntouch ${canary}\n`,
            `x' ; touch ${canary} ; '`,
            `x" ; touch ${canary} ; "`,
            `x && touch ${canary}`,
        ];
        for (const value of payloads(tools.canary)) {
            const env = Object.fromEntries(Object.keys(portScanEnv).map((k) => [k, value]));
            const run = tools.run(portScanScript, { ...env, SCAN_THRESHOLD: "200" });
            assert.ok(!fs.existsSync(tools.canary), `executed: ${JSON.stringify(value)}`);
            assert.deepEqual(
                run.calls[0].slice(0, 6),
                ["--context", value, "--namespace", value, "get", "pods"],
                "each value arrives as one argument",
            );
            assert.equal(run.calls[0][7], value);
            assert.equal(run.calls[1][run.calls[1].length - 1], "10.244.1.7");

            const sweep = tools.run(ipSweepScript, {
                ...env,
                SWEEP_CIDR: value,
                SCAN_THRESHOLD: "32",
            });
            assert.equal(sweep.status, 0);
            assert.ok(!fs.existsSync(tools.canary), `executed: ${JSON.stringify(value)}`);
            assert.equal(sweep.calls[0][sweep.calls[0].length - 1], value);
        }
    });

    it("refuses a pod IP that is not an address", () => {
        const run = tools.run(portScanScript, {
            ...portScanEnv,
            FAKE_POD_IPS: `$(touch ${tools.canary})`,
        });
        assert.notEqual(run.status, 0);
        assert.match(run.stderr, /unexpected pod IP/);
        assert.equal(run.calls.length, 1);
        assert.ok(!fs.existsSync(tools.canary));
    });
});

const commandType = "command:local:Command";

/** Lets a component's registerOutputs reach the mocks before the next test replaces them. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

describe("Simulation running the port scan (mocks)", () => {
    afterEach(settle);
    it("registers one Command with the fixed script, the values only in its environment", async () => {
        const recorded = await recordResources();
        const component = new Simulation("scan-values", {
            run: simulationCommand(portScan, portScanSettings, "kind-calico-ad"),
        });
        await valueOf(component.command.urn);

        assert.deepEqual(recorded.map((r) => `${r.type} ${r.name}`).sort(), [
            "calico-ad:simulation:PortScanSimulation scan-values",
            `${commandType} scan-values-nmap`,
        ]);
        const inputs = recorded.find((r) => r.type === commandType)!.inputs;
        assert.deepEqual(inputs.interpreter, [
            "/bin/sh",
            "-c",
            portScanScript,
            "calico-ad-port-scan",
        ]);
        assert.equal(inputs.create, "port-scan", "a failed scan's error quotes only this word");
        assert.equal(inputs.delete, undefined, "turning it off runs nothing");
        assert.equal(inputs.update, undefined, "a change re-runs the scan through create");
        assert.deepEqual(inputs.environment, {
            SCAN_NAMESPACE: "dev",
            SCANNER_POD: "netshoot",
            TARGET_NAMESPACE: "dev",
            TARGET_SELECTOR: "app=centos",
            SCAN_PORTS: "1-220",
            SCAN_THRESHOLD: "200",
            KUBE_CONTEXT: "kind-calico-ad",
        });
        assert.deepEqual(inputs.triggers, [
            200,
            "dev",
            "netshoot",
            "dev",
            "app=centos",
            "1-220",
            "kind-calico-ad",
            "", // the run identity, unset (test/unit/runIdentity.test.ts)
        ]);
        for (const value of ["app=centos", "1-220", "kind-calico-ad"]) {
            assert.ok(!portScanScript.includes(value), `${value} is not in the script text`);
        }
    });

    it("runs after the resources it is given", async () => {
        await recordResources();
        const anomalyDetection = new pulumi.ComponentResource("test:index:Ad", "ad");
        const optionsOf: Record<string, pulumi.ResourceOptions> = {};
        const component = new Simulation(
            "scan-order",
            { run: portScanRun, runAfter: [anomalyDetection] },
            {
                transformations: [
                    (args) => {
                        optionsOf[args.type] = args.opts;
                        return undefined;
                    },
                ],
            },
        );
        await valueOf(component.command.urn);
        assert.deepEqual(optionsOf[commandType].dependsOn, [anomalyDetection]);
        assert.equal(optionsOf[commandType].parent, component);
    });

    it("exports nmap's summary line as given by the command's stdout", async () => {
        await pulumi.runtime.setMocks(
            {
                newResource: (args) => ({
                    id: `${args.name}-id`,
                    state:
                        args.type === commandType
                            ? { ...args.inputs, stdout: "port scan of 10.244.1.7 ...\n" }
                            : args.inputs,
                }),
                call: (args) => args.inputs,
            },
            "calico-ad",
            "test",
            false,
        );
        const component = new Simulation("scan-summary", { run: portScanRun });
        assert.equal(await valueOf(component.summary), "port scan of 10.244.1.7 ...");
    });

    it("in preview registers the Command and calls nothing: the command provider runs it on up only", async () => {
        const recorded: RecordedResource[] = [];
        const calls: string[] = [];
        await pulumi.runtime.setMocks(
            {
                newResource: (args) => {
                    recorded.push({ type: args.type, name: args.name, inputs: args.inputs });
                    return { id: `${args.name}-id`, state: args.inputs };
                },
                call: (args) => {
                    calls.push(args.token);
                    return args.inputs;
                },
            },
            "calico-ad",
            "test",
            true,
        );
        const component = new Simulation("scan-preview", { run: portScanRun });
        await valueOf(component.command.urn);
        assert.deepEqual(
            recorded.map((r) => r.type),
            ["calico-ad:simulation:PortScanSimulation", commandType],
        );
        assert.deepEqual(calls, [], "no invoke such as local.run, which would run in preview");
    });
});

describe("Simulation running the ip sweep (mocks)", () => {
    afterEach(settle);
    it("registers one Command with the fixed script and the range in its environment", async () => {
        const recorded = await recordResources();
        const component = new Simulation("ip-sweep", {
            run: simulationCommand(
                ipSweep,
                {
                    namespace: "dev",
                    scannerPod: "netshoot",
                    targetCidr: "10.244.1.0/26",
                    addressCount: 64,
                    threshold: 32,
                },
                undefined,
            ),
        });
        await valueOf(component.command.urn);
        const command = recorded.find((r) => r.type === commandType)!;
        assert.equal(command.name, "ip-sweep-nmap");
        assert.deepEqual(command.inputs.interpreter, [
            "/bin/sh",
            "-c",
            ipSweepScript,
            "calico-ad-ip-sweep",
        ]);
        assert.equal(command.inputs.create, "ip-sweep");
        assert.equal(command.inputs.delete, undefined);
        assert.deepEqual(command.inputs.environment, {
            SCAN_NAMESPACE: "dev",
            SCANNER_POD: "netshoot",
            SWEEP_CIDR: "10.244.1.0/26",
            SCAN_THRESHOLD: "32",
            KUBE_CONTEXT: "",
        });
        // The kube context (current: ""), then the run identity (unset: "").
        assert.deepEqual(command.inputs.triggers, [32, "dev", "netshoot", "10.244.1.0/26", "", ""]);
        assert.ok(!ipSweepScript.includes("10.244.1.0/26"));
    });
});
