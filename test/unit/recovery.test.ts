import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
    lockDirectory,
    lockVerdict,
    ownedObjectsNotInState,
    parseExportedState,
    parseLockFile,
    pendingOperations,
    pluginEnginePort,
    ProcessFacts,
    strayPlugins,
} from "../../recovery/interruptedUpdate";

const lockText =
    '{"pid":13184,"username":"root","hostname":"vm","timestamp":"2026-12-02T03:18:22.378562771Z"}';
const lockedAt = Date.parse("2026-12-02T03:18:22.378Z") / 1000;

const proc = (pid: number, argv: string[], extra: Partial<ProcessFacts> = {}): ProcessFacts => ({
    pid,
    parentPid: 1,
    uid: 0,
    argv,
    cwd: "/work/project",
    startedAt: lockedAt + 5,
    ...extra,
});

describe("the lock a killed pulumi up leaves (file backend)", () => {
    it("parses the lock file the Pulumi CLI writes", () => {
        assert.deepEqual(parseLockFile("l.json", lockText), {
            pid: 13184,
            username: "root",
            hostname: "vm",
            timestamp: "2026-12-02T03:18:22.378562771Z",
        });
    });

    it("refuses a file that is not a lock file, quoting it", () => {
        assert.throws(
            () => parseLockFile("/s/x.json", '{"pid":"x"}'),
            /\/s\/x\.json is not a Pulumi lock file .*"\{\\"pid\\":\\"x\\"\}"/,
        );
    });

    it("finds the stack's lock directory of a file:// backend, and none for other backends", () => {
        assert.equal(
            lockDirectory("file:///tmp/state?no_tmp_dir=true", "organization/calico-ad/dev"),
            "/tmp/state/.pulumi/locks/organization/calico-ad/dev",
        );
        assert.equal(
            lockDirectory("file://~/st", "organization/calico-ad/dev", "/home/u"),
            "/home/u/st/.pulumi/locks/organization/calico-ad/dev",
        );
        assert.equal(lockDirectory("s3://bucket", "organization/calico-ad/dev"), undefined);
        assert.equal(lockDirectory("https://api.pulumi.com", "org/calico-ad/dev"), undefined);
    });

    const lock = parseLockFile("l.json", lockText);
    const cli = proc(13184, ["pulumi", "up", "--stack", "dev"], { startedAt: lockedAt - 2 });

    it("is live while the pulumi CLI that wrote it runs", () => {
        const verdict = lockVerdict(lock, "vm", cli);
        assert.equal(verdict.state, "live");
        assert.match(
            verdict.reason,
            /pulumi \(pid 13184 on "vm".*is still running: "pulumi up --stack dev"/,
        );
    });

    it("is stale when its pid is gone, runs another program, or started after the lock", () => {
        assert.equal(lockVerdict(lock, "vm", undefined).state, "stale");
        assert.equal(
            lockVerdict(lock, "vm", { ...cli, argv: ["/usr/bin/sleep", "9"] }).state,
            "stale",
        );
        assert.equal(lockVerdict(lock, "vm", { ...cli, startedAt: lockedAt + 60 }).state, "stale");
    });

    it("cannot be judged from another host, whatever runs here under that pid", () => {
        const verdict = lockVerdict(lock, "other-host", undefined);
        assert.equal(verdict.state, "unknown");
        assert.match(verdict.reason, /another host .*then run `pulumi cancel`/);
    });
});

describe("plugin processes a killed run leaves", () => {
    const provider = [
        "/p/plugins/resource-kubernetes-v4.25.0/pulumi-resource-kubernetes",
        "127.0.0.1:37063",
    ];
    const languageHost = ["/p/bin/pulumi-language-nodejs", "127.0.0.1:37063"];
    const program = (stack: string) => [
        "/usr/bin/node",
        "/work/project/node_modules/@pulumi/pulumi/cmd/run/index.js",
        "--monitor",
        "127.0.0.1:33979",
        "--engine",
        "127.0.0.1:37063",
        "--stack",
        stack,
        ".",
    ];

    it("reads the engine port from plugin arguments and from the program of the stack", () => {
        assert.equal(pluginEnginePort(provider, "dev"), 37063);
        assert.equal(pluginEnginePort(languageHost, "dev"), 37063);
        assert.equal(pluginEnginePort(program("dev"), "dev"), 37063);
        assert.equal(pluginEnginePort(program("prod"), "dev"), undefined);
        assert.equal(pluginEnginePort(["pulumi", "up"], "dev"), undefined);
        assert.equal(pluginEnginePort(["/usr/bin/kubelet", "127.0.0.1:1"], "dev"), undefined);
    });

    const options = {
        uid: 0,
        projectDir: "/work/project",
        stack: "dev",
        since: lockedAt,
        engineAnswers: (port: number) => port === 40000,
    };
    const pids = (processes: ProcessFacts[]) => strayPlugins(processes, options).map((p) => p.pid);

    it("matches the orphaned plugins and program whose engine no longer answers", () => {
        assert.deepEqual(
            pids([
                proc(10, provider),
                proc(11, languageHost),
                proc(12, program("dev"), { parentPid: 11 }),
            ]),
            [10, 11, 12],
        );
    });

    it("never matches a live run, another checkout, user or stack, a child of a running CLI, or an older process", () => {
        const live = ["/p/pulumi-resource-kubernetes", "127.0.0.1:40000"];
        assert.deepEqual(
            pids([
                proc(20, live),
                proc(21, provider, { cwd: "/work/other-checkout" }),
                proc(22, provider, { uid: 1000 }),
                proc(23, program("prod")),
                proc(24, ["pulumi", "up"], { startedAt: lockedAt - 10 }),
                proc(25, provider, { parentPid: 24 }),
                proc(26, provider, { startedAt: lockedAt - 600 }),
            ]),
            [],
        );
    });
});

describe("the state and the cluster after a killed run", () => {
    const state = parseExportedState(
        JSON.stringify({
            version: 3,
            deployment: {
                resources: [
                    {
                        urn: "urn:a",
                        type: "pulumi:providers:kubernetes",
                        id: "p",
                        inputs: { context: "c" },
                    },
                    {
                        urn: "urn:p",
                        type: "kubernetes:projectcalico.org/v3:NetworkPolicy",
                        id: "tigera-intrusion-detection/allow-tigera.allow-anomaly-detection",
                    },
                    {
                        urn: "urn:g",
                        type: "kubernetes:projectcalico.org/v3:GlobalAlert",
                        id: "tigera.io.detector.port-scan",
                    },
                ],
                pending_operations: [
                    {
                        type: "creating",
                        resource: { urn: "urn:d", type: "kubernetes:apps/v1:Deployment" },
                    },
                ],
            },
        }),
    );

    it("lists the pending operations", () => {
        assert.deepEqual(pendingOperations(state), [{ type: "creating", urn: "urn:d" }]);
    });

    const object = (
        apiVersion: string,
        kind: string,
        name: string,
        owner?: string,
        namespace?: string,
    ) => ({
        apiVersion,
        kind,
        metadata: { name, namespace, annotations: owner ? { "calico-ad/stack": owner } : {} },
    });

    it("finds the stack's objects that the state does not hold, and only those", () => {
        const owner = "organization/calico-ad/dev";
        const ns = "tigera-intrusion-detection";
        assert.deepEqual(
            ownedObjectsNotInState(state, owner, [
                {
                    resource: "deployments.apps",
                    items: [
                        object("apps/v1", "Deployment", "ad-jobs-deployment", owner, ns),
                        object(
                            "apps/v1",
                            "Deployment",
                            "someone-elses",
                            "organization/calico-ad/prod",
                            ns,
                        ),
                        object("apps/v1", "Deployment", "hand-applied", undefined, ns),
                    ],
                },
                {
                    resource: "networkpolicies.projectcalico.org",
                    items: [
                        object(
                            "projectcalico.org/v3",
                            "NetworkPolicy",
                            "allow-tigera.allow-anomaly-detection",
                            owner,
                            ns,
                        ),
                    ],
                },
                {
                    resource: "globalalerts.projectcalico.org",
                    items: [
                        object(
                            "projectcalico.org/v3",
                            "GlobalAlert",
                            "tigera.io.detector.port-scan",
                            owner,
                        ),
                        object(
                            "projectcalico.org/v3",
                            "GlobalAlert",
                            "tigera.io.detector.dga",
                            owner,
                        ),
                    ],
                },
            ]),
            [
                { resource: "deployments.apps", namespace: ns, name: "ad-jobs-deployment" },
                {
                    resource: "globalalerts.projectcalico.org",
                    namespace: undefined,
                    name: "tigera.io.detector.dga",
                },
            ],
        );
    });

    it("refuses what is not an exported state", () => {
        assert.throws(
            () => parseExportedState('{"version":3}'),
            /not the output of `pulumi stack export`/,
        );
    });
});
