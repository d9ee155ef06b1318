/**
 * Releases without AD (Calico Enterprise 3.18) through the real engine against the local API
 * server: a 3.17 stack upgraded to 3.18 previews exactly the deletion of its AD GlobalAlert and
 * the creation of the rule-based scan alert, with a warning naming both, and converges; a new
 * 3.18 stack deploys the alert; `afterAdRemoval` keeps the old behaviour (delete only, or fail);
 * preflight reads FelixConfiguration `default` and fails, naming the setting and its value,
 * before creating an alert that can never fire; on 3.19 the SecurityEventWebhook reads its URL from
 * a Secret that preflight requires. STAND-INS: the GlobalAlert, FelixConfiguration and
 * SecurityEventWebhook CRDs (test/fixtures/cluster/00-crd-*.yaml) and the intrusion detection
 * controller Deployment;
 * nothing runs Felix or evaluates the alert here, so these tests prove what is created and
 * refused, not that the alert fires. Needs scripts/toolchain.sh and a running
 * scripts/local-cluster.sh; skips with the reason otherwise.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { repoRoot } from "../helpers";
import {
    getObject,
    kubeContext,
    kubectl,
    missingPrerequisite,
    PlannedStep,
    restoreFelixDefault,
    setFelix,
    TestStack,
} from "./harness";

const skip = missingPrerequisite();
const globalAlerts = "globalalerts.projectcalico.org";
const scanAlertName = "calico-ad.port-scan";

const era317 = {
    calicoVersion: "3.17.1",
    clusterType: "management",
    kubeContext,
    awaitRollout: "false",
    detectors: ["dns_latency"],
};
const era318 = {
    calicoVersion: "3.18.0",
    clusterType: "management",
    kubeContext,
    awaitRollout: "false",
};

/** The Kubernetes objects a preview changes, as `op Kind name`. */
const kubernetesChanges = (steps: readonly PlannedStep[]) =>
    steps
        .filter((s) => s.op !== "same" && s.op !== "read" && s.type.startsWith("kubernetes:"))
        .map((s) => `${s.op} ${s.type.split(":").pop()} ${s.urn.split("::").pop()}`)
        .sort();

/** What the engine prints for a preview (warnings and errors), and whether it failed. */
async function previewOutput(stack: TestStack): Promise<{ output: string; failed: boolean }> {
    let output = "";
    try {
        await stack.stack.preview({ onOutput: (text) => (output += text) });
        return { output, failed: false };
    } catch (error) {
        return { output: `${output}${String(error)}`, failed: true };
    }
}

/** A throwaway stack that is removed without a destroy (it never deployed). */
async function withNewStack(
    label: string,
    config: Record<string, unknown>,
    body: (stack: TestStack) => Promise<void>,
): Promise<void> {
    const fresh = await TestStack.create(label, config);
    try {
        await body(fresh);
    } finally {
        await fresh.stack.workspace.removeStack(fresh.stack.name, { force: true });
        fs.rmSync(path.join(repoRoot, `Pulumi.${fresh.stack.name}.yaml`), { force: true });
    }
}

const scanAlertSpec = () =>
    (getObject(globalAlerts, scanAlertName) as { spec: Record<string, unknown> } | undefined)?.spec;

describe(
    "upgrading 3.17 to 3.18 (real engine; STAND-IN: GlobalAlert and FelixConfiguration CRDs)",
    { skip, concurrency: false },
    () => {
        let stack: TestStack;

        before(async () => {
            setFelix({ flowLogsFlushInterval: "30s" });
            stack = await TestStack.create("upgrade-318", era317);
            await stack.stack.up();
        });
        after(async () => {
            await stack?.remove();
            restoreFelixDefault();
        });

        it("previews exactly the AD alert's deletion and the scan alert's creation, with a warning naming both", async () => {
            await stack.setConfig(era318);
            const { steps } = await stack.preview();
            assert.deepEqual(kubernetesChanges(steps), [
                "create GlobalAlert scan-alert-port-scan",
                "delete GlobalAlert anomaly-detection-detectors-dns-latency",
            ]);
            const { output } = await previewOutput(stack);
            assert.match(
                output,
                /warning: Anomaly Detection was removed in Calico Enterprise 3\.18 .*moving it to Calico Enterprise 3\.18\.0 deletes its AD objects: GlobalAlert tigera\.io\.detector\.dns-latency, and creates GlobalAlert calico-ad\.port-scan in their place/,
            );
            assert.ok(
                getObject(globalAlerts, "tigera.io.detector.dns-latency"),
                "preview changes nothing",
            );
        });

        it("up converges: the AD alert is gone and the rule-based alert is timed from Felix's flush interval", async () => {
            const result = await stack.stack.up();
            assert.equal(getObject(globalAlerts, "tigera.io.detector.dns-latency"), undefined);
            assert.deepEqual(scanAlertSpec(), {
                type: "RuleBased",
                description:
                    "Possible port scan: ${count} denied TCP flows from ${source_namespace}/${source_name_aggr} to ${dest_namespace}/${dest_name_aggr} (calico-ad)",
                severity: 100,
                dataSet: "flows",
                // flowLogsFlushInterval 30s: period the 1m minimum, lookback 1m + 30s + 60s.
                period: "1m",
                lookback: "2m30s",
                query: "action = deny AND reporter = dst AND proto = tcp",
                aggregateBy: [
                    "source_namespace",
                    "source_name_aggr",
                    "dest_namespace",
                    "dest_name_aggr",
                ],
                metric: "count",
                condition: "gte",
                threshold: 100,
            });
            assert.equal(result.outputs.era.value, "ruleBased");
            assert.deepEqual(result.outputs.deployed.value, ["GlobalAlert calico-ad.port-scan"]);
            assert.match(
                result.outputs.scanAlert.value.flushInterval,
                /felixconfigurations\.projectcalico\.org\/default spec\.flowLogsFlushInterval \(30s\)/,
            );
            await stack.preview({ expectNoChanges: true });
            const { output } = await previewOutput(stack);
            assert.doesNotMatch(
                output,
                /deletes its AD objects/,
                "the warning was for the upgrade only",
            );
        });

        it("a changed flush interval and threshold update the alert in place", async () => {
            setFelix({ flowLogsFlushInterval: "5m0s" });
            await stack.setConfig({ ...era318, scanAlertThreshold: "250" });
            const { steps } = await stack.preview();
            assert.deepEqual(kubernetesChanges(steps), ["update GlobalAlert scan-alert-port-scan"]);
            await stack.stack.up();
            const spec = scanAlertSpec();
            assert.deepEqual([spec?.period, spec?.lookback, spec?.threshold], ["5m", "11m", 250]);
        });
    },
);

describe(
    "afterAdRemoval deleteOnly keeps the old upgrade (real engine; STAND-IN: GlobalAlert CRD)",
    { skip, concurrency: false },
    () => {
        let stack: TestStack;

        before(async () => {
            stack = await TestStack.create("delete-only", era317);
            await stack.stack.up();
        });
        after(async () => stack?.remove());

        it("previews only the deletion of the AD objects with a warning, and up converges", async () => {
            await stack.setConfig({ ...era318, afterAdRemoval: "deleteOnly" });
            const { steps } = await stack.preview();
            assert.deepEqual(kubernetesChanges(steps), [
                "delete GlobalAlert anomaly-detection-detectors-dns-latency",
            ]);
            const { output } = await previewOutput(stack);
            assert.match(
                output,
                /warning: Anomaly Detection was removed in Calico Enterprise 3\.18 .*it deletes them: GlobalAlert tigera\.io\.detector\.dns-latency; nothing else changes/,
            );
            await stack.stack.up();
            assert.equal(getObject(globalAlerts, "tigera.io.detector.dns-latency"), undefined);
            assert.equal(getObject(globalAlerts, scanAlertName), undefined);
            await stack.preview({ expectNoChanges: true });
            const after = await previewOutput(stack);
            assert.doesNotMatch(after.output, /it deletes them/, "nothing left to warn about");
        });
    },
);

describe(
    "a new stack on 3.18 (real engine; STAND-IN: GlobalAlert and FelixConfiguration CRDs)",
    { skip, concurrency: false },
    () => {
        after(() => restoreFelixDefault());

        it("deploys the rule-based alert instead of failing, warning that Felix's defaults are assumed", async () => {
            kubectl([
                "delete",
                "felixconfigurations.projectcalico.org",
                "default",
                "--ignore-not-found",
            ]);
            const stack = await TestStack.create("new-318", era318);
            try {
                const { steps } = await stack.preview();
                assert.deepEqual(kubernetesChanges(steps), [
                    "create GlobalAlert scan-alert-port-scan",
                ]);
                const { output } = await previewOutput(stack);
                assert.match(
                    output,
                    /warning: felixconfigurations\.projectcalico\.org\/default is missing/,
                );
                assert.doesNotMatch(output, /deletes its AD objects/);
                await stack.stack.up();
                assert.deepEqual(
                    [scanAlertSpec()?.period, scanAlertSpec()?.lookback],
                    ["5m", "11m"],
                    "Felix's default flush interval of 300s",
                );
            } finally {
                await stack.remove();
            }
            assert.equal(getObject(globalAlerts, scanAlertName), undefined, "destroy removes it");
        });

        it("fails with the removal message when afterAdRemoval is fail", async () => {
            await withNewStack("fail-318", { ...era318, afterAdRemoval: "fail" }, async (stack) => {
                const { output, failed } = await previewOutput(stack);
                assert.ok(failed);
                assert.match(
                    output,
                    /calico-ad:calicoVersion: Calico Enterprise 3\.18\.0 is not supported: Anomaly Detection was removed in Calico Enterprise 3\.18 .*calico-ad:afterAdRemoval is fail/,
                );
            });
        });

        it("fails preflight, naming the Felix setting and its value, before creating an alert that can never fire", async () => {
            setFelix({
                flowLogsFileEnabledForDenied: false,
                flowLogsFileAggregationKindForDenied: 3,
            });
            await withNewStack("preflight-318", era318, async (stack) => {
                let output = "";
                await assert.rejects(stack.stack.up({ onOutput: (text) => (output += text) }));
                assert.match(
                    output,
                    /preflight found 2 problems in the cluster; nothing was changed/,
                );
                assert.match(
                    output,
                    /the scan alert can never fire: felixconfigurations\.projectcalico\.org\/default spec\.flowLogsFileEnabledForDenied is false: denied flows are not logged/,
                );
                assert.match(
                    output,
                    /spec\.flowLogsFileAggregationKindForDenied is 3: aggregates denied flows across destination ports/,
                );
                assert.equal(
                    getObject(globalAlerts, scanAlertName),
                    undefined,
                    "nothing was created",
                );
            });
        });
    },
);

describe(
    "delivery by SecurityEventWebhook on 3.19 (real engine; STAND-IN: SecurityEventWebhook CRD)",
    { skip, concurrency: false },
    () => {
        const secret = "calico-ad-e2e-slack";
        const url = "https://hooks.slack.invalid/services/T0/B0/e2e-credential";
        const webhooks = "securityeventwebhooks.projectcalico.org";
        const config = {
            ...era318,
            calicoVersion: "3.19.0",
            scanAlertWebhook: {
                consumer: "Slack",
                config: { url: { secretKeyRef: { name: secret, key: "url" } } },
            },
        };
        after(() => {
            kubectl([
                "delete",
                "secret",
                secret,
                "-n",
                "tigera-intrusion-detection",
                "--ignore-not-found",
            ]);
        });

        it("fails preflight while the referenced Secret is missing, naming it", async () => {
            await withNewStack("webhook-missing", config, async (stack) => {
                const { output, failed } = await previewOutput(stack);
                assert.ok(failed);
                assert.match(
                    output,
                    /missing secrets\/calico-ad-e2e-slack in namespace tigera-intrusion-detection: named in calico-ad:scanAlertWebhook\.config/,
                );
            });
        });

        it("creates the webhook for this stack's alert, reading the URL from the Secret; the state never holds it", async () => {
            const created = kubectl([
                "create",
                "secret",
                "generic",
                secret,
                "-n",
                "tigera-intrusion-detection",
                `--from-literal=url=${url}`,
            ]);
            assert.equal(created.status, 0, created.stderr);
            const stack = await TestStack.create("webhook-319", config);
            try {
                await stack.stack.up();
                const webhook = getObject(webhooks, scanAlertName) as {
                    spec: Record<string, unknown>;
                };
                assert.deepEqual(webhook.spec, {
                    consumer: "Slack",
                    state: "Enabled",
                    query: 'type = global_alert AND origin = "calico-ad.port-scan"',
                    config: [
                        { name: "url", valueFrom: { secretKeyRef: { name: secret, key: "url" } } },
                    ],
                });
                const state = JSON.stringify(await stack.stack.exportStack());
                assert.ok(state.includes(secret), "the state names the Secret");
                assert.ok(!state.includes("e2e-credential"), "the state never holds the URL");
                await stack.preview({ expectNoChanges: true });
            } finally {
                await stack.remove();
            }
            assert.equal(getObject(webhooks, scanAlertName), undefined, "destroy removes it");
        });
    },
);
