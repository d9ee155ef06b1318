import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { globalAlertRulesOf } from "../../catalog/lookup";
import { globalAlertRules, scanAlert } from "../../catalog/scanAlert";
import { version } from "../../catalog/versions";
import { flowLogFindings, flushInForce } from "../../cluster/flowLogs";
import {
    buildScanAlert,
    buildScanAlertWebhook,
    formatDuration,
    globalAlertSpecProblems,
    ScanAlert,
    scanAlertTiming,
} from "../../components/scanAlert";
import { recordResources } from "../helpers";

const rulesOf = (product: "enterprise" | "cloud", v: string) => {
    const rules = globalAlertRulesOf(product, version(v));
    assert.ok(rules, `${product} ${v} has GlobalAlert rules`);
    return rules;
};

const specOf = (flushSeconds: number, extra: Record<string, unknown> = {}) => {
    const timing = scanAlertTiming(flushSeconds, 60);
    const alert = buildScanAlert({
        threshold: 100,
        severity: 100,
        awaitRollout: true,
        owner: "organization/calico-ad/prod",
        period: timing.period,
        lookback: timing.lookback,
    });
    return { ...(alert.spec as Record<string, unknown>), ...extra };
};

describe("the scan alert's spec per release (components/scanAlert.ts)", () => {
    for (const [product, release] of [
        ["enterprise", "3.18.0"],
        ["enterprise", "3.19.8"],
        ["enterprise", "3.24.0"],
        ["cloud", "18.3.0"],
        ["cloud", "23.0.0"],
    ] as const) {
        it(`keeps every GlobalAlert rule of ${product} ${release}, with Felix's default and demo flush`, () => {
            for (const flush of [300, 10]) {
                assert.deepEqual(
                    globalAlertSpecProblems(specOf(flush), rulesOf(product, release)),
                    [],
                );
            }
        });
    }

    it("has no rules (so no scan alert) for releases that still have AD", () => {
        assert.equal(globalAlertRulesOf("enterprise", version("3.17.4")), undefined);
        assert.equal(globalAlertRulesOf("cloud", version("18.2.0")), undefined);
        assert.equal(globalAlertRules.length, 2);
    });

    it("is a RuleBased count of denied TCP flows reported at the destination, per source and destination", () => {
        const spec = specOf(300);
        assert.equal(spec.type, "RuleBased");
        assert.equal(spec.dataSet, "flows");
        assert.equal(spec.query, "action = deny AND reporter = dst AND proto = tcp");
        assert.deepEqual(spec.aggregateBy, [
            "source_namespace",
            "source_name_aggr",
            "dest_namespace",
            "dest_name_aggr",
        ]);
        assert.deepEqual([spec.metric, spec.condition, spec.threshold], ["count", "gte", 100]);
        assert.ok(!("detector" in spec), "no AnomalyDetection detector field");
    });

    it("refuses the AnomalyDetection type, a short period and unknown description variables", () => {
        const problems = globalAlertSpecProblems(
            specOf(300, {
                type: "AnomalyDetection",
                period: "30s",
                severity: 101,
                dataSet: "vulnerability",
                description: "scan by ${source_ip}",
            }),
            rulesOf("enterprise", "3.18.0"),
        );
        assert.deepEqual(problems, [
            'spec.type "AnomalyDetection" is not accepted by this release; allowed: RuleBased',
            'spec.dataSet "vulnerability" is not accepted by this release; allowed: audit, dns, flows, l7',
            "spec.severity 101 is out of range; allowed: 1 to 100",
            'spec.period "30s" is shorter than 60s',
            "spec.description uses ${source_ip}, which is neither an aggregateBy field nor the metric",
        ]);
        assert.deepEqual(
            globalAlertSpecProblems(
                specOf(300, { dataSet: "vulnerability" }),
                rulesOf("cloud", "18.3.0"),
            ),
            [],
            "Calico Cloud documents the vulnerability data set",
        );
    });

    it("annotates the owner, and skips awaiting without controllers", () => {
        const alert = buildScanAlert({
            threshold: 5,
            severity: 50,
            awaitRollout: false,
            owner: "o/p/s",
            period: "1m",
            lookback: "2m10s",
        }) as { metadata: { name: string; annotations: Record<string, string> } };
        assert.equal(alert.metadata.name, scanAlert.name);
        assert.equal(alert.metadata.annotations["calico-ad/stack"], "o/p/s");
        assert.equal(alert.metadata.annotations["pulumi.com/skipAwait"], "true");
    });
});

describe("the scan alert's period and lookback from the flush interval", () => {
    it("runs once per flush interval and looks back over period, flush and shipping", () => {
        assert.deepEqual(scanAlertTiming(300, 60), {
            period: "5m",
            lookback: "11m",
            periodSeconds: 300,
            lookbackSeconds: 660,
        });
    });

    it("keeps the minimum period of 1m for short flush intervals (demo mode's 10s)", () => {
        const timing = scanAlertTiming(10, 60);
        assert.equal(timing.period, "1m");
        assert.equal(timing.lookback, "2m10s");
        assert.ok(timing.lookbackSeconds > 10, "the lookback exceeds the flush interval");
    });

    it("writes durations the way GlobalAlert takes them", () => {
        assert.deepEqual([0, 45, 60, 90, 3600].map(formatDuration), [
            "0s",
            "45s",
            "1m",
            "1m30s",
            "60m",
        ]);
    });
});

describe("the webhook (SecurityEventWebhook)", () => {
    it("selects only this stack's alert events and references the Secret, never its value", () => {
        const webhook = buildScanAlertWebhook(
            {
                consumer: "Slack",
                state: "Enabled",
                config: [{ name: "url", valueFrom: { kind: "secret", name: "slack", key: "url" } }],
            },
            { awaitRollout: true, owner: "o/p/s" },
        ) as { kind: string; spec: Record<string, unknown> };
        assert.equal(webhook.kind, "SecurityEventWebhook");
        assert.equal(webhook.spec.query, 'type = global_alert AND origin = "calico-ad.port-scan"');
        assert.deepEqual(webhook.spec.config, [
            { name: "url", valueFrom: { secretKeyRef: { name: "slack", key: "url" } } },
        ]);
    });

    it("is created by the component only when configured", async () => {
        const recorded = await recordResources();
        const args = {
            threshold: 100,
            severity: 100,
            flushSeconds: 300,
            rules: rulesOf("enterprise", "3.19.0"),
            awaitRollout: true,
        };
        new ScanAlert("plain", args);
        new ScanAlert("delivered", {
            ...args,
            webhook: {
                consumer: "Generic",
                state: "Enabled",
                config: [{ name: "url", valueFrom: { kind: "secret", name: "sink", key: "url" } }],
            },
        });
        await new Promise((resolve) => setTimeout(resolve, 50));
        assert.deepEqual(recorded.map((r) => `${r.type} ${r.name}`).sort(), [
            "calico-ad:globalalert:ScanAlert delivered",
            "calico-ad:globalalert:ScanAlert plain",
            "kubernetes:projectcalico.org/v3:GlobalAlert delivered-port-scan",
            "kubernetes:projectcalico.org/v3:GlobalAlert plain-port-scan",
            "kubernetes:projectcalico.org/v3:SecurityEventWebhook delivered-webhook",
        ]);
        const alert = recorded.find((r) => r.name === "plain-port-scan")!.inputs as {
            spec: { period: string; lookback: string };
        };
        assert.deepEqual([alert.spec.period, alert.spec.lookback], ["5m", "11m"]);
    });

    it("refuses to build an alert the release's API server would refuse", () => {
        assert.throws(
            () =>
                new ScanAlert("bad", {
                    threshold: 100,
                    severity: 0,
                    flushSeconds: 300,
                    rules: rulesOf("enterprise", "3.18.0"),
                    awaitRollout: true,
                }),
            /breaks the release's GlobalAlert rules: spec.severity 0 is out of range/,
        );
    });
});

describe("Felix flow log settings (cluster/flowLogs.ts)", () => {
    it("takes Felix's defaults, with a warning, when FelixConfiguration default is missing", () => {
        const findings = flowLogFindings(undefined);
        assert.equal(findings.flushSeconds, 300);
        assert.deepEqual(findings.problems, []);
        assert.match(
            findings.warnings[0],
            /felixconfigurations.projectcalico.org\/default is missing/,
        );
    });

    it("reads the flush interval in the forms Felix writes it", () => {
        for (const [value, seconds] of [
            ["10s", 10],
            ["5m0s", 300],
            ["1m30s", 90],
        ] as const) {
            const findings = flowLogFindings({ spec: { flowLogsFlushInterval: value } });
            assert.equal(findings.flushSeconds, seconds, value);
            assert.match(findings.flushSource, new RegExp(`flowLogsFlushInterval \\(${value}\\)`));
        }
        assert.match(
            flowLogFindings({ spec: {} }).flushSource,
            /Felix's default .*leaves flowLogsFlushInterval unset/,
        );
    });

    it("fails, naming setting and value, when denied flows are not logged or lose their ports", () => {
        const findings = flowLogFindings({
            spec: {
                flowLogsFileEnabledForDenied: false,
                flowLogsFileAggregationKindForDenied: 3,
                flowLogsFlushInterval: "1.5m",
            },
        });
        assert.equal(findings.problems.length, 3);
        assert.match(
            findings.problems[0],
            /^the scan alert can never fire: felixconfigurations.projectcalico.org\/default spec.flowLogsFileEnabledForDenied is false: denied flows are not logged/,
        );
        assert.match(
            findings.problems[1],
            /spec.flowLogsFileAggregationKindForDenied is 3: aggregates denied flows across destination ports.*allowed: 0 to 2/,
        );
        assert.match(findings.problems[2], /spec.flowLogsFlushInterval is "1.5m", which/);
    });

    it("accepts aggregation levels that keep destination ports, and only warns about flowLogsFileEnabled", () => {
        for (const level of [0, 1, 2]) {
            assert.deepEqual(
                flowLogFindings({ spec: { flowLogsFileAggregationKindForDenied: level } }).problems,
                [],
            );
        }
        const findings = flowLogFindings({ spec: { flowLogsFileEnabled: false } });
        assert.deepEqual(findings.problems, []);
        assert.match(
            findings.warnings[0],
            /may never fire: .*flowLogsFileEnabled is false: .*FELIX_FLOWLOGSFILEENABLED/,
        );
    });

    it("uses demo mode's interval when the stack sets it, and Felix's default when it renders", () => {
        assert.equal(flushInForce(true, flowLogFindings({ spec: {} })).seconds, 10);
        assert.equal(flushInForce(false, undefined).seconds, 300);
        assert.equal(
            flushInForce(false, flowLogFindings({ spec: { flowLogsFlushInterval: "15s" } }))
                .seconds,
            15,
        );
    });
});
