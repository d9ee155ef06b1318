import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { ClusterObject } from "../../catalog/prerequisites";
import { ClusterReader } from "../../cluster/clusterReader";
import {
    managedObjects,
    preflight,
    PreflightError,
    requiredObjects,
} from "../../cluster/preflight";
import { transitionWarning } from "../../config/removal";
import { parseSettings, RuleBasedEraSettings } from "../../config/settings";
import { errorOf, rawConfig, recordResources } from "../helpers";
import program = require("../../index");

const base = { calicoVersion: "3.18.0", clusterType: "management" };
const ruleBased = (values: Record<string, unknown> = {}) =>
    parseSettings(rawConfig({ ...base, ...values })) as RuleBasedEraSettings;
const problem = (values: Record<string, unknown>) =>
    errorOf(() => parseSettings(rawConfig({ ...base, ...values })));

const slack = {
    consumer: "Slack",
    config: { url: { secretKeyRef: { name: "slack-webhook", key: "url" } } },
};

describe("settings of releases without AD (calico-ad:afterAdRemoval scanAlert)", () => {
    it("settles the scan alert with its documented defaults on CE 3.18 and CC 18.3", () => {
        for (const settings of [
            ruleBased(),
            ruleBased({ product: "cloud", calicoVersion: "18.3.0", clusterType: "managed" }),
        ]) {
            assert.equal(settings.era, "ruleBased");
            assert.equal(settings.portScanThreshold, 100);
            assert.equal(settings.scanAlertSeverity, 100);
            assert.deepEqual(settings.globalAlertRules.types, ["RuleBased"]);
            assert.equal(settings.webhook, undefined);
        }
        assert.equal(ruleBased({ scanAlertThreshold: "250" }).portScanThreshold, 250);
    });

    it("refuses the AnomalyDetection detectors and AD env vars, naming the release's GlobalAlert types", () => {
        const message = problem({
            detectors: ["port_scan"],
            jobEnv: { AD_port_scan_threshold: 5 },
        });
        assert.match(
            message,
            /calico-ad:detectors: is set to \["port_scan"\] but it configures GlobalAlerts of type AnomalyDetection, which Calico Enterprise 3\.18\.0 refuses \(AD was removed; GlobalAlert types there: RuleBased\); the stack deploys the rule-based port-scan alert instead/,
        );
        assert.match(
            message,
            /calico-ad:jobEnv: is set to .* but it configures the AD jobs Deployment of the manifest era, and Calico Enterprise 3\.18\.0 has no AD/,
        );
    });

    it("refuses scan alert keys on releases that still have AD", () => {
        assert.match(
            errorOf(() =>
                parseSettings(
                    rawConfig({
                        calicoVersion: "3.17.1",
                        clusterType: "management",
                        scanAlertThreshold: "50",
                    }),
                ),
            ),
            /calico-ad:scanAlertThreshold: is set to "50" but applies only to releases without AD \(Calico Enterprise 3\.18 and later, Calico Cloud 18\.3 and later\)/,
        );
    });

    it("accepts afterAdRemoval on a release with AD, so a stack can choose before it upgrades", () => {
        assert.equal(
            parseSettings(
                rawConfig({
                    calicoVersion: "3.17.1",
                    clusterType: "management",
                    afterAdRemoval: "fail",
                }),
            ).era,
            "globalAlert",
        );
    });

    it("refuses bad values with the key, the value and what is allowed", () => {
        assert.match(
            problem({ scanAlertThreshold: "0" }),
            /calico-ad:scanAlertThreshold: "0" is not allowed; allowed: an integer from 1 to 65535/,
        );
        assert.match(
            problem({ scanAlertSeverity: "101" }),
            /calico-ad:scanAlertSeverity: "101" is not allowed; allowed: an integer from 1 to 100/,
        );
        assert.match(
            problem({ afterAdRemoval: "delete" }),
            /calico-ad:afterAdRemoval: "delete" is not allowed; allowed: scanAlert, deleteOnly, fail/,
        );
    });

    it("verifies the port scan's rule-based alert, waiting for Felix's flush, the logs' shipping and one alert period, on the release's events route", () => {
        const settings = ruleBased({
            simulation: {
                portScan: {
                    enabled: true,
                    namespace: "dev",
                    scannerPod: "netshoot",
                    targetSelector: "app=centos",
                },
                verify: { enabled: true, pollInterval: "10s" },
            },
        });
        // Felix's default flush of 300 s, 60 s shipping, a period of 300 s (the flush), one poll.
        assert.equal(settings.verification?.timeoutSeconds, 300 + 60 + 300 + 10);
        assert.deepEqual(settings.verification?.route.ca, {
            kind: "configmap",
            name: "tigera-ca-bundle",
            key: "tigera-ca-bundle.crt",
        });
    });

    it("derives the port scan from the scan alert's threshold", () => {
        const settings = ruleBased({
            scanAlertThreshold: "40",
            simulation: {
                portScan: {
                    enabled: true,
                    namespace: "dev",
                    scannerPod: "netshoot",
                    targetSelector: "app=centos",
                },
            },
        });
        assert.ok(settings.simulation?.portScan);
        assert.ok(settings.simulation.portScan.portCount > 40);
        assert.equal(settings.simulation.portScan.threshold, 40);
    });
});

describe("calico-ad:scanAlertWebhook", () => {
    it("takes Slack on CE 3.19 with its URL from a Secret", () => {
        const settings = ruleBased({ calicoVersion: "3.19.0", scanAlertWebhook: slack });
        assert.deepEqual(settings.webhook, {
            consumer: "Slack",
            state: "Enabled",
            config: [
                { name: "url", valueFrom: { kind: "secret", name: "slack-webhook", key: "url" } },
            ],
        });
    });

    it("is refused on CE 3.18 and CC 18.3, which have no SecurityEventWebhook", () => {
        assert.match(
            problem({ scanAlertWebhook: slack }),
            /calico-ad:scanAlertWebhook: Calico Enterprise 3\.18\.0 has no SecurityEventWebhook resource \(it arrived in Calico Enterprise 3\.19\.0 and Calico Cloud 19\.0\.0\)/,
        );
        assert.match(
            problem({ product: "cloud", calicoVersion: "18.3.0", scanAlertWebhook: slack }),
            /Calico Cloud 18\.3\.0 has no SecurityEventWebhook/,
        );
        assert.match(
            errorOf(() =>
                parseSettings(
                    rawConfig({
                        calicoVersion: "3.17.1",
                        clusterType: "management",
                        scanAlertWebhook: slack,
                    }),
                ),
            ),
            /calico-ad:scanAlertWebhook: is set to .* but applies only to releases without AD/,
        );
    });

    it("refuses credentials in plain text, unknown consumers and missing config", () => {
        const on319 = (webhook: unknown) =>
            problem({ calicoVersion: "3.19.0", scanAlertWebhook: webhook });
        assert.match(
            on319({
                consumer: "Slack",
                config: { url: "https://hooks.slack.com/services/T/B/secret" },
            }),
            /calico-ad:scanAlertWebhook.config.url: a plain value is not allowed; allowed: \{secretKeyRef: \{name: <Secret>, key: <key>\}\} naming an existing Secret in tigera-intrusion-detection, because url carries credentials/,
        );
        assert.doesNotMatch(
            on319({
                consumer: "Slack",
                config: { url: "https://hooks.slack.com/services/T/B/secret" },
            }),
            /hooks\.slack\.com/,
            "the message does not repeat the credential",
        );
        assert.match(
            on319({ consumer: "Teams", config: {} }),
            /calico-ad:scanAlertWebhook.consumer: "Teams" is not allowed; allowed: Slack, Generic, Jira/,
        );
        const jira = on319({
            consumer: "Jira",
            state: "On",
            config: {
                url: "https://example.atlassian.net",
                project: "SEC",
                apiToken: { configMapKeyRef: { name: "jira", key: "token" } },
            },
        });
        assert.match(
            jira,
            /calico-ad:scanAlertWebhook.state: "On" is not allowed; allowed: Enabled, Disabled, Debug/,
        );
        assert.match(
            jira,
            /calico-ad:scanAlertWebhook.config.apiToken: .* is not allowed; allowed: \{secretKeyRef/,
        );
        assert.match(
            jira,
            /calico-ad:scanAlertWebhook.config.issueType: required by the Jira consumer/,
        );
        assert.match(
            jira,
            /calico-ad:scanAlertWebhook.config.username: required by the Jira consumer/,
        );
        assert.match(
            on319({
                consumer: "Slack",
                config: { url: { secretKeyRef: { name: "Bad_Name", key: "url" } } },
                query: "x",
            }),
            /calico-ad:scanAlertWebhook.query: unknown field; allowed: consumer, state, config[\s\S]*config.url.secretKeyRef.name: "Bad_Name" is not a valid Secret or ConfigMap name/,
        );
    });
});

/** A cluster with every object present, and FelixConfiguration `default` holding `felixSpec`. */
class FelixCluster implements ClusterReader {
    constructor(
        private readonly felixSpec: Record<string, unknown> | undefined,
        private readonly missing: readonly string[] = [],
    ) {}
    async exists(o: ClusterObject) {
        return !this.missing.includes(o.name ?? o.resource);
    }
    async get(o: ClusterObject): Promise<unknown> {
        if (o.resource === "felixconfigurations.projectcalico.org") {
            return this.felixSpec && { spec: this.felixSpec };
        }
        return o.resource === "deployments" ? { spec: {} } : undefined;
    }
}

describe("preflight of the scan alert", () => {
    it("needs the GlobalAlert API and the controller, and with a webhook its API and Secrets", () => {
        const describe = (o: ClusterObject) =>
            `${o.resource}/${o.namespace ?? ""}/${o.name ?? "*"}`;
        assert.deepEqual(requiredObjects(ruleBased()).map(describe), [
            "globalalerts.projectcalico.org//*",
            "namespaces//tigera-intrusion-detection",
            "deployments/tigera-intrusion-detection/intrusion-detection-controller",
        ]);
        const withWebhook = ruleBased({ calicoVersion: "3.19.0", scanAlertWebhook: slack });
        assert.deepEqual(requiredObjects(withWebhook).slice(3).map(describe), [
            "securityeventwebhooks.projectcalico.org//*",
            "secrets/tigera-intrusion-detection/slack-webhook",
        ]);
        assert.deepEqual(managedObjects(withWebhook).map(describe), [
            "globalalerts.projectcalico.org//calico-ad.port-scan",
            "securityeventwebhooks.projectcalico.org//calico-ad.port-scan",
        ]);
    });

    it("returns the flush interval read from Felix", async () => {
        const result = await preflight(
            ruleBased(),
            new FelixCluster({ flowLogsFlushInterval: "15s" }),
        );
        assert.equal(result.flowLogs?.flushSeconds, 15);
    });

    it("fails before anything changes when denied flows are not logged, with the other problems", async () => {
        try {
            await preflight(
                ruleBased({ calicoVersion: "3.19.0", scanAlertWebhook: slack }),
                new FelixCluster({ flowLogsFileEnabledForDenied: false }, ["slack-webhook"]),
            );
            assert.fail("preflight passed");
        } catch (error) {
            assert.ok(error instanceof PreflightError, String(error));
            assert.match(
                error.message,
                /^preflight found 2 problems in the cluster; nothing was changed/,
            );
            assert.match(
                error.message,
                /missing secrets\/slack-webhook in namespace tigera-intrusion-detection: named in calico-ad:scanAlertWebhook.config/,
            );
            assert.match(
                error.message,
                /the scan alert can never fire: .*flowLogsFileEnabledForDenied is false/,
            );
        }
    });
});

describe("the upgrade warning", () => {
    it("names what is deleted, what is created and how to keep the old behaviour", () => {
        assert.equal(
            transitionWarning(
                {
                    release: "Calico Enterprise 3.18.0",
                    reason: "Anomaly Detection was removed in Calico Enterprise 3.18",
                },
                ["GlobalAlert tigera.io.detector.dns-latency"],
                ["GlobalAlert calico-ad.port-scan"],
                100,
            ),
            "Anomaly Detection was removed in Calico Enterprise 3.18. This stack deployed Anomaly Detection before, so moving it to Calico Enterprise 3.18.0 deletes its AD objects: GlobalAlert tigera.io.detector.dns-latency, and creates GlobalAlert calico-ad.port-scan in their place: a RuleBased alert on denied TCP flows that approximates AD's port-scan detector (threshold 100 flow logs per source and destination; see docs/configuration.md); set calico-ad:afterAdRemoval to deleteOnly to only delete the AD objects, or to fail to refuse the release",
        );
    });
});

describe("the whole program on a release without AD (mocks)", () => {
    it("renders the rule-based alert, with Felix's default flush interval, and no AD objects", async () => {
        const recorded = await recordResources();
        pulumi.runtime.setAllConfig(
            rawConfig({ ...base, renderDirectory: "out", clusterName: "cluster" }),
        );
        const outputs = (await program()) as Record<string, unknown>;
        await new Promise((resolve) => setTimeout(resolve, 50));
        assert.deepEqual(recorded.map((r) => r.type).sort(), [
            "calico-ad:globalalert:ScanAlert",
            "kubernetes:projectcalico.org/v3:GlobalAlert",
            "pulumi:providers:kubernetes",
        ]);
        assert.equal(outputs.era, "ruleBased");
        assert.deepEqual(outputs.deployed, ["GlobalAlert calico-ad.port-scan"]);
        assert.deepEqual(outputs.scanAlert, {
            period: "5m",
            lookback: "11m",
            flushInterval:
                "Felix's default, assumed because the stack renders without reading the cluster",
        });
    });

    it("fails with the removal message when afterAdRemoval is fail, creating nothing", async () => {
        const recorded = await recordResources();
        pulumi.runtime.setAllConfig(
            rawConfig({
                ...base,
                renderDirectory: "out",
                clusterName: "cluster",
                afterAdRemoval: "fail",
            }),
        );
        await assert.rejects(
            program(),
            /Calico Enterprise 3\.18\.0 is not supported: Anomaly Detection was removed/,
        );
        assert.deepEqual(recorded, []);
    });
});
