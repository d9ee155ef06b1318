import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { durationSeconds } from "../catalog/envValues";
import {
    formatDuration,
    GlobalAlertRules,
    scanAlertEventQuery,
    scanAlert,
    scanAlertTiming,
    webhookConstants,
} from "../catalog/scanAlert";
import { quote } from "../common/quote";
import { ownerAnnotations } from "../common/ownership";
import { WebhookSettings } from "../config/webhook";
import { withoutControllersAnnotations } from "./adJobsDeployment";

/** Arguments of the rule-based port-scan alert of releases without AD (CE 3.18+, CC 18.3+). */
export interface ScanAlertArgs {
    /** Flow log documents per source and destination that fire the alert. */
    readonly threshold: number;
    /** Severity of the alert, checked against the release's rules when the spec is built. */
    readonly severity: number;
    /** Felix's flow log flush interval in force, in seconds; sets period and lookback. */
    readonly flushSeconds: number;
    /** What the release's API server accepts in a GlobalAlert (catalog/scanAlert.ts). */
    readonly rules: GlobalAlertRules;
    /** Delivery of the alert's events; undefined creates no webhook. */
    readonly webhook?: WebhookSettings;
    /** False deletes in the background, for API servers without a garbage collector. */
    readonly awaitRollout: boolean;
    /** The owning stack (`common/ownership.ts`), annotated on each object. */
    readonly owner?: string;
}

export { formatDuration, scanAlertTiming };

const metadataOf = (name: string, args: Pick<ScanAlertArgs, "awaitRollout" | "owner">) => {
    const annotations = {
        ...ownerAnnotations(args.owner),
        ...(args.awaitRollout ? {} : withoutControllersAnnotations),
    };
    return { name, ...(Object.keys(annotations).length > 0 ? { annotations } : {}) };
};

/** What `buildScanAlert` needs: the arguments with the timing settled. */
export type ScanAlertSpecArgs = Pick<
    ScanAlertArgs,
    "threshold" | "severity" | "awaitRollout" | "owner"
> & { readonly period: string; readonly lookback: string };

/** The RuleBased GlobalAlert that counts denied flows per source and destination. */
export function buildScanAlert(args: ScanAlertSpecArgs): Record<string, unknown> {
    return {
        apiVersion: "projectcalico.org/v3",
        kind: "GlobalAlert",
        metadata: metadataOf(scanAlert.name, args),
        spec: {
            type: scanAlert.type,
            description: scanAlert.description,
            severity: args.severity,
            dataSet: scanAlert.dataSet,
            period: args.period,
            lookback: args.lookback,
            query: scanAlert.query,
            aggregateBy: [...scanAlert.aggregateBy],
            metric: scanAlert.metric,
            condition: scanAlert.condition,
            threshold: args.threshold,
        },
    };
}

/**
 * How a GlobalAlert spec breaks the release's rules (empty when it keeps them): a type, data
 * set, metric or condition the release refuses, a severity out of range, a period or lookback
 * below the minimum, and `${...}` variables in the description that are neither an `aggregateBy`
 * field nor the metric (the Calico validator's description rule).
 */
export function globalAlertSpecProblems(
    spec: Record<string, unknown>,
    rules: GlobalAlertRules,
): string[] {
    const problems: string[] = [];
    const oneOf = (field: string, allowed: readonly string[]) => {
        if (spec[field] !== undefined && !allowed.includes(String(spec[field]))) {
            problems.push(
                `spec.${field} ${quote(spec[field])} is not accepted by this release; allowed: ${allowed.join(", ")}`,
            );
        }
    };
    oneOf("type", rules.types);
    oneOf("dataSet", rules.dataSets);
    oneOf("metric", rules.metrics);
    oneOf("condition", rules.conditions);
    const severity = Number(spec.severity);
    if (!(severity >= rules.severity.min && severity <= rules.severity.max)) {
        problems.push(
            `spec.severity ${quote(spec.severity)} is out of range; allowed: ${rules.severity.min} to ${rules.severity.max}`,
        );
    }
    const minimum = (field: string, seconds: number) => {
        const value = durationSeconds(String(spec[field] ?? ""));
        if (value === undefined || value < seconds) {
            problems.push(`spec.${field} ${quote(spec[field])} is shorter than ${seconds}s`);
        }
    };
    minimum("period", rules.minPeriodSeconds);
    minimum("lookback", rules.minLookbackSeconds);
    const variables = [...String(spec.description ?? "").matchAll(/\$\{([^}]*)\}/g)].map(
        (m) => m[1],
    );
    const known = [...((spec.aggregateBy as string[] | undefined) ?? []), String(spec.metric)];
    for (const variable of variables.filter((v) => !known.includes(v))) {
        problems.push(
            `spec.description uses \${${variable}}, which is neither an aggregateBy field nor the metric`,
        );
    }
    return problems;
}

/** The SecurityEventWebhook whose query selects only this alert's events. */
export function buildScanAlertWebhook(
    webhook: WebhookSettings,
    args: Pick<ScanAlertArgs, "awaitRollout" | "owner">,
): Record<string, unknown> {
    const refField = { secret: "secretKeyRef", configMap: "configMapKeyRef" } as const;
    return {
        apiVersion: "projectcalico.org/v3",
        kind: "SecurityEventWebhook",
        metadata: metadataOf(webhookConstants.name, args),
        spec: {
            consumer: webhook.consumer,
            state: webhook.state,
            query: scanAlertEventQuery(scanAlert.name),
            config: webhook.config.map((entry) =>
                "value" in entry
                    ? { name: entry.name, value: entry.value }
                    : {
                          name: entry.name,
                          valueFrom: {
                              [refField[entry.valueFrom.kind]]: {
                                  name: entry.valueFrom.name,
                                  key: entry.valueFrom.key,
                              },
                          },
                      },
            ),
        },
    };
}

/**
 * Where Anomaly Detection was removed, a `projectcalico.org/v3` GlobalAlert of type RuleBased
 * that approximates AD's port-scan detector, and optionally the SecurityEventWebhook that
 * delivers its events. `name` is what a verification of the alert reads: the GlobalAlert's
 * `status.lastEvent`, or events with `origin` equal to it.
 */
export class ScanAlert extends pulumi.ComponentResource {
    public readonly alert: k8s.apiextensions.CustomResource;
    public readonly webhook?: k8s.apiextensions.CustomResource;
    /** The GlobalAlert's name, the `origin` of its events. */
    public readonly name: pulumi.Output<string>;
    /** The period and lookback derived from the flush interval. */
    public readonly timing: { readonly period: string; readonly lookback: string };

    /**
     * @param name The _unique_ name of the component.
     * @param args The threshold, timing and optional delivery of the alert.
     * @param opts Options; pass the Kubernetes provider via `provider` or `providers`.
     */
    constructor(name: string, args: ScanAlertArgs, opts?: pulumi.ComponentResourceOptions) {
        super("calico-ad:globalalert:ScanAlert", name, {}, opts);
        const { period, lookback } = scanAlertTiming(
            args.flushSeconds,
            args.rules.minPeriodSeconds,
        );
        this.timing = { period, lookback };
        const alert = buildScanAlert({ ...args, period, lookback });
        const problems = globalAlertSpecProblems(alert.spec as Record<string, unknown>, args.rules);
        if (problems.length > 0) {
            throw new Error(
                `catalog error: the scan alert breaks the release's GlobalAlert rules: ${problems.join("; ")}`,
            );
        }
        this.alert = new k8s.apiextensions.CustomResource(
            `${name}-port-scan`,
            alert as k8s.apiextensions.CustomResourceArgs,
            { parent: this },
        );
        if (args.webhook) {
            this.webhook = new k8s.apiextensions.CustomResource(
                `${name}-webhook`,
                buildScanAlertWebhook(args.webhook, args) as k8s.apiextensions.CustomResourceArgs,
                { parent: this, dependsOn: [this.alert] },
            );
        }
        this.name = this.alert.metadata.name;
        this.registerOutputs({ name: this.name, timing: this.timing });
    }
}
