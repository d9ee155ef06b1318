/**
 * Demo mode through the real engine against the local API server: the preview shows the Felix
 * Command with the demo interval and the AD Deployment's search interval; `pulumi up` lowers
 * both flush intervals of FelixConfiguration `default` with the real kubectl; turning demo mode
 * off, and destroying the stack, put back exactly what Felix had before (a set value, and an
 * unset one). STAND-IN: the FelixConfiguration CRD is test/fixtures/cluster/00-crd-felixconfigurations.yaml
 * (the vendored Calico CRD archive has no FelixConfiguration); nothing runs Felix here.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { documentedAt, findEnvVar } from "../../catalog/lookup";
import { version } from "../../catalog/versions";
import {
    changes,
    committedConfig,
    deploymentEnv,
    getObject,
    kubectl,
    missingPrerequisite,
    setFelix,
    TestStack,
} from "./harness";

const skip = missingPrerequisite();
const felix = "felixconfigurations.projectcalico.org";

function felixSpec(): Record<string, unknown> {
    return (getObject(felix, "default") as { spec: Record<string, unknown> }).spec;
}

function felixAnnotations(): Record<string, string> {
    return (
        (getObject(felix, "default") as { metadata: { annotations?: Record<string, string> } })
            .metadata.annotations ?? {}
    );
}

describe(
    "demo mode through pulumi up (real engine and kubectl; STAND-IN: FelixConfiguration CRD)",
    { skip, concurrency: false },
    () => {
        let stack: TestStack;
        const config = (demo: boolean) => {
            const base = committedConfig("local");
            const jobEnv = { ...(base["calico-ad:jobEnv"] as Record<string, unknown>) };
            delete jobEnv.AD_search_interval_minutes;
            return { ...base, "calico-ad:jobEnv": jobEnv, "calico-ad:demo": String(demo) };
        };

        before(async () => {
            setFelix({ flowLogsFlushInterval: "15s", bpfLogLevel: "Info" });
            stack = await TestStack.create("demo", config(false));
            await stack.stack.up();
        });
        after(async () => {
            await stack?.remove();
            kubectl(["delete", felix, "default", "--ignore-not-found"]);
        });

        it("preview shows exactly the demo changes: the Felix Command and the AD search interval", async () => {
            await stack.setConfig(config(true));
            const { steps } = await stack.preview();
            assert.deepEqual(
                changes(steps)
                    .map((s) => `${s.op} ${s.type}`)
                    .sort(),
                [
                    "create calico-ad:demo:FelixFlushIntervals",
                    "create command:local:Command",
                    "create pulumi:providers:command",
                    "update kubernetes:apps/v1:Deployment",
                ],
            );
            const command = steps.find((s) => s.type === "command:local:Command");
            const commandEnv = command?.newInputs.environment as Record<string, string>;
            assert.equal(commandEnv.DEMO_INTERVAL, "10s");
            assert.equal(commandEnv.FELIX_RESOURCE, felix);
            const deployment = steps.find((s) => s.type === "kubernetes:apps/v1:Deployment");
            const env = (inputs: Record<string, unknown> | undefined) =>
                Object.fromEntries(
                    (
                        inputs as {
                            spec: {
                                template: {
                                    spec: {
                                        containers: { env: { name: string; value?: string }[] }[];
                                    };
                                };
                            };
                        }
                    ).spec.template.spec.containers[0].env.map((e) => [e.name, e.value]),
                );
            const before = env(deployment?.oldInputs);
            const after = env(deployment?.newInputs);
            assert.deepEqual(
                Object.keys(after).filter((name) => after[name] !== before[name]),
                ["AD_search_interval_minutes"],
                "the Deployment's only change is the search interval",
            );
            assert.equal(after.AD_search_interval_minutes, "5");
            assert.equal(felixSpec().flowLogsFlushInterval, "15s", "preview changes nothing");
        });

        it("up lowers both flush intervals and the search interval, recording what Felix had", async () => {
            const result = await stack.stack.up();
            assert.deepEqual(felixSpec(), {
                flowLogsFlushInterval: "10s",
                dnsLogsFlushInterval: "10s",
                bpfLogLevel: "Info",
            });
            assert.equal(deploymentEnv().AD_search_interval_minutes, "5");
            assert.deepEqual(result.outputs.demoFelixBefore.value, {
                flowLogsFlushInterval: "15s",
                dnsLogsFlushInterval: null,
            });
            await stack.preview({ expectNoChanges: true });
        });

        it("turning it off restores Felix exactly (set value back, unset field removed) and the default interval", async () => {
            await stack.setConfig(config(false));
            await stack.stack.up();
            assert.deepEqual(felixSpec(), { flowLogsFlushInterval: "15s", bpfLogLevel: "Info" });
            // The Deployment writes every setting out, so "restored" is the catalog's default.
            const searchInterval = documentedAt(
                findEnvVar("AD_search_interval_minutes")!,
                version(String(committedConfig("local")["calico-ad:calicoVersion"])),
            );
            assert.equal(
                deploymentEnv().AD_search_interval_minutes,
                String(searchInterval?.default),
            );
        });

        it("destroy restores Felix too", async () => {
            await stack.setConfig(config(true));
            await stack.stack.up();
            assert.equal(felixSpec().dnsLogsFlushInterval, "10s");
            await stack.stack.destroy();
            assert.deepEqual(felixSpec(), { flowLogsFlushInterval: "15s", bpfLogLevel: "Info" });
        });
    },
);

describe(
    "demo mode, GlobalAlert era 3.17 (real engine; STAND-IN: FelixConfiguration CRD)",
    { skip, concurrency: false },
    () => {
        let stack: TestStack;
        const globalAlert = "globalalerts.projectcalico.org";
        const config = (demo: boolean) => ({
            calicoVersion: "3.17.1",
            clusterType: "management",
            kubeContext: "calico-ad-local",
            awaitRollout: "false",
            detectors: ["port_scan"],
            detectorPeriod: "15m",
            demo: String(demo),
        });
        const period = () =>
            (getObject(globalAlert, "tigera.io.detector.port-scan") as { spec: { period: string } })
                .spec.period;

        before(async () => {
            setFelix({ flowLogsFlushInterval: "300s", dnsLogsFlushInterval: "300s" });
            stack = await TestStack.create("demo-ga", config(false));
            await stack.stack.up();
        });
        after(async () => {
            await stack?.remove();
            kubectl(["delete", felix, "default", "--ignore-not-found"]);
        });

        it("preview shows the Felix Command and the detector period going from 15m to 5m, nothing else", async () => {
            await stack.setConfig(config(true));
            const { steps } = await stack.preview();
            assert.deepEqual(
                changes(steps)
                    .map((s) => `${s.op} ${s.type}`)
                    .sort(),
                [
                    "create calico-ad:demo:FelixFlushIntervals",
                    "create command:local:Command",
                    "create pulumi:providers:command",
                    "update kubernetes:projectcalico.org/v3:GlobalAlert",
                ],
            );
            const update = steps.find((s) => s.op === "update");
            assert.equal((update?.oldInputs.spec as { period: string }).period, "15m");
            assert.equal((update?.newInputs.spec as { period: string }).period, "5m");
        });

        it("up applies both; turning demo off restores 300s and 15m", async () => {
            await stack.stack.up();
            assert.equal(period(), "5m");
            assert.equal(felixSpec().flowLogsFlushInterval, "10s");
            await stack.setConfig(config(false));
            await stack.stack.up();
            assert.equal(period(), "15m");
            assert.deepEqual(felixSpec(), {
                flowLogsFlushInterval: "300s",
                dnsLogsFlushInterval: "300s",
            });
        });

        it("two demo stacks share Felix: the second records what Felix had before the first, and only the last to turn demo off restores it", async () => {
            const second = await TestStack.create("demo-ga-second", {
                ...config(true),
                detectors: ["dga"],
            });
            try {
                await stack.setConfig(config(true));
                await stack.stack.up();
                const secondUp = await second.stack.up();
                assert.deepEqual(secondUp.outputs.demoFelixBefore.value, {
                    flowLogsFlushInterval: "300s",
                    dnsLogsFlushInterval: "300s",
                });
                assert.equal(
                    felixAnnotations()["calico-ad/demo-holders"]?.split(" ").length,
                    2,
                    JSON.stringify(felixAnnotations()),
                );

                await stack.setConfig(config(false));
                await stack.stack.up();
                assert.equal(felixSpec().flowLogsFlushInterval, "10s", "the second still holds it");

                await second.stack.destroy();
                assert.deepEqual(felixSpec(), {
                    flowLogsFlushInterval: "300s",
                    dnsLogsFlushInterval: "300s",
                });
                assert.deepEqual(
                    Object.keys(felixAnnotations()).filter((key) => key.startsWith("calico-ad/")),
                    [],
                );
            } finally {
                await second.remove();
            }
        });
    },
);
