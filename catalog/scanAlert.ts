/**
 * The releases without Anomaly Detection (CE 3.18+, CC 18.3+): the rules their API server applies
 * to a GlobalAlert, the rule-based port-scan alert calico-ad deploys there, the Felix flow log
 * settings that decide whether it can fire, and the SecurityEventWebhook that can deliver it.
 * Source: ../shared/reference/after-ad-removal.md sections 1 (GlobalAlert per release), 2 (flow
 * log aggregation), 4 (SecurityEventWebhook) and 5 (recommendation). What the source marks as
 * inference is marked so here.
 */
import { prerequisites } from "./prerequisites";
import { Product, VersionRange } from "./versions";

/** What the Calico API server of a release accepts in a GlobalAlert (section 1.1 to 1.3). */
export interface GlobalAlertRules {
    /** `spec.type` values; AnomalyDetection is refused from CE 3.18 / CC 18.2-era servers on. */
    readonly types: readonly string[];
    /** `spec.dataSet` values the docs of the release list. */
    readonly dataSets: readonly string[];
    readonly metrics: readonly string[];
    readonly conditions: readonly string[];
    /** `spec.severity` range. */
    readonly severity: { readonly min: number; readonly max: number };
    /** Shortest `period` and `lookback`, in seconds (validator GlobalAlertMinPeriod/MinLookback). */
    readonly minPeriodSeconds: number;
    readonly minLookbackSeconds: number;
}

const ruleBasedOnly = {
    types: ["RuleBased"],
    metrics: ["avg", "max", "min", "sum", "count"],
    conditions: ["eq", "not_eq", "lt", "lte", "gt", "gte"],
    severity: { min: 1, max: 100 },
    minPeriodSeconds: 60,
    minLookbackSeconds: 60,
} as const;

/** The GlobalAlert rules of each release without AD; Calico Cloud's docs add `vulnerability`. */
export const globalAlertRules: readonly {
    readonly product: Product;
    readonly range: VersionRange;
    readonly rules: GlobalAlertRules;
}[] = [
    {
        product: "enterprise",
        range: { from: "3.18.0" },
        rules: { ...ruleBasedOnly, dataSets: ["audit", "dns", "flows", "l7"] },
    },
    {
        product: "cloud",
        range: { from: "18.3.0" },
        rules: { ...ruleBasedOnly, dataSets: ["audit", "dns", "flows", "l7", "vulnerability"] },
    },
];

/**
 * The port-scan alert: denied flows reported at the destination, counted per source and
 * destination workload (section 5.1 sketch, **inference**: not a Tigera example). At denied
 * aggregation level 0 to 2 each flow log document keeps `dest_port`, so one document is about
 * one probed port of one target per flush interval: the count approximates AD's "destination
 * ports per source".
 */
export const scanAlert = {
    name: "calico-ad.port-scan",
    type: "RuleBased",
    dataSet: "flows",
    query: "action = deny AND reporter = dst AND proto = tcp",
    aggregateBy: ["source_namespace", "source_name_aggr", "dest_namespace", "dest_name_aggr"],
    metric: "count",
    condition: "gte",
    description:
        "Possible port scan: ${count} denied TCP flows from ${source_namespace}/${source_name_aggr} to ${dest_namespace}/${dest_name_aggr} (calico-ad)",
    /**
     * Flow log documents per source and target in one lookback. AD's own default was 500
     * distinct ports per 5-minute bucket; 100 keeps the workshop scan short and still sits far
     * above what a client opening a few denied connections produces (**inference**; measure on
     * the cluster).
     */
    defaultThreshold: 100,
    /** More than there are TCP ports per target only double counting could cross. */
    thresholdRange: { min: 1, max: 65535 },
    defaultSeverity: 100,
    /**
     * Time for a flushed document to reach the log store and be searchable, added to the
     * lookback (**inference**: not measured; Fluentd and Linseed batch for seconds).
     */
    shippingSeconds: 60,
} as const;

/** How calico-ad handles a release without AD (`calico-ad:afterAdRemoval`). */
export type AfterAdRemoval = "scanAlert" | "deleteOnly" | "fail";
export const afterAdRemovalChoices: readonly AfterAdRemoval[] = ["scanAlert", "deleteOnly", "fail"];

/** A Felix flow log setting that decides whether the scan alert can fire (section 2, 5.1). */
export interface FlowLogSetting {
    /** FelixConfiguration `spec` field. */
    readonly field: string;
    /** Felix's value when the field is unset. */
    readonly felixDefault: boolean | number | string;
    /** Why a value stops the alert, or undefined when it does not; `fatal` stops preflight. */
    readonly check: (
        value: unknown,
    ) => { readonly fatal: boolean; readonly why: string } | undefined;
}

/** The FelixConfiguration whose cluster-wide values preflight reads. */
export const felixConfiguration = prerequisites.felixConfiguration;

/** Denied flows at this aggregation level or below keep `dest_port` (level 3 drops it). */
export const maxDeniedAggregationKind = 2;

export const flowLogSettings: readonly FlowLogSetting[] = [
    {
        field: "flowLogsFileEnabled",
        felixDefault: false,
        // The operator sets FELIX_FLOWLOGSFILEENABLED=true on calico-node, and env vars take
        // precedence over FelixConfiguration (Felix configuration reference), so false only warns.
        check: (value) =>
            value === false || value === "false"
                ? {
                      fatal: false,
                      why: "flow logs are off unless calico-node's FELIX_FLOWLOGSFILEENABLED, which the Tigera operator sets to true and which takes precedence, turns them on",
                  }
                : undefined,
    },
    {
        field: "flowLogsFileEnabledForDenied",
        felixDefault: true,
        check: (value) =>
            value === false || value === "false"
                ? {
                      fatal: true,
                      why: "denied flows are not logged, so the alert, which counts denied flows, can never fire; allowed: true or unset",
                  }
                : undefined,
    },
    {
        field: "flowLogsFileAggregationKindForDenied",
        felixDefault: 1,
        check: (value) =>
            value === undefined
                ? undefined
                : !Number.isInteger(Number(value)) || Number(value) < 0 || Number(value) > 3
                  ? {
                        fatal: true,
                        why: "is not an aggregation level Felix knows; allowed: 0 to 2 (3 drops destination ports)",
                    }
                  : Number(value) > maxDeniedAggregationKind
                    ? {
                          fatal: true,
                          why: `aggregates denied flows across destination ports, so a scan of many ports is one flow log per target and the count never reaches the threshold; allowed: 0 to ${maxDeniedAggregationKind} (Felix's default is 1)`,
                      }
                    : undefined,
    },
];

/** `flowLogsFlushInterval`: how often Felix writes a flow log document; sets the alert's timing. */
export const flushIntervalField = "flowLogsFlushInterval";

/** Where SecurityEventWebhook exists (section 4.1): CE 3.19, CC 19.0. */
export const securityEventWebhookSince: Readonly<Record<Product, string>> = {
    enterprise: "3.19.0",
    cloud: "19.0.0",
};

/** A consumer of SecurityEventWebhook and its `spec.config` names. */
export interface WebhookConsumer {
    readonly name: string;
    /** Config names that must be set. */
    readonly required: readonly string[];
    readonly optional: readonly string[];
    /** Names that carry credentials, so only a Secret reference is accepted. */
    readonly secret: readonly string[];
}

/**
 * The consumers documented in CE 3.19 and later. Alertmanager (3.21+) is left out: the docs and
 * the code spell it differently (section 4.1).
 */
export const webhookConsumers: readonly WebhookConsumer[] = [
    { name: "Slack", required: ["url"], optional: [], secret: ["url"] },
    { name: "Generic", required: ["url"], optional: [], secret: ["url"] },
    {
        name: "Jira",
        required: ["url", "project", "issueType", "username", "apiToken"],
        optional: [],
        secret: ["apiToken"],
    },
];

export const webhookStates = ["Enabled", "Disabled", "Debug"] as const;

/** Fixed parts of the webhook: its name, and where referenced Secrets and ConfigMaps must be. */
export const webhookConstants = {
    name: "calico-ad.port-scan",
    referenceNamespace: "tigera-intrusion-detection",
    resource: "securityeventwebhooks.projectcalico.org",
} as const;

/**
 * The events query that selects this stack's scan alert: its GlobalAlert writes events of type
 * `global_alert` with `origin` set to the alert's name (section 1.4). The webhook routes by it,
 * and a verification of the alert would search by it.
 */
export const scanAlertEventQuery = (alertName: string): string =>
    `type = global_alert AND origin = "${alertName}"`;

/** The event a RuleBased GlobalAlert writes: its type, and its `origin` is the alert's name (1.4). */
export const globalAlertEventType = "global_alert";

/**
 * The cluster name under which a standalone or management cluster's IDS writes its GlobalAlert
 * events (section 1.5); a managed cluster's events carry its own name.
 */
export const standaloneAlertsClusterName = "cluster";

/** "7m", "2m10s": a whole number of seconds as a Go duration, as GlobalAlert takes it. */
export function formatDuration(seconds: number): string {
    const minutes = Math.floor(seconds / 60);
    const rest = seconds % 60;
    return `${minutes > 0 ? `${minutes}m` : ""}${rest > 0 || minutes === 0 ? `${rest}s` : ""}`;
}

/**
 * The alert's period and lookback for a flow log flush interval. Felix writes one document per
 * flow per flush, so running more often than that only counts the same documents again: the
 * period is the flush interval, at least the API server's minimum. The lookback covers one period,
 * the flush interval (a scan that straddles a flush boundary is counted whole) and the time a
 * document takes to become searchable, and so exceeds the flush interval as the docs require.
 */
export function scanAlertTiming(
    flushSeconds: number,
    minPeriodSeconds: number,
): { period: string; lookback: string; periodSeconds: number; lookbackSeconds: number } {
    const periodSeconds = Math.max(minPeriodSeconds, Math.ceil(flushSeconds));
    const lookbackSeconds = periodSeconds + Math.ceil(flushSeconds) + scanAlert.shippingSeconds;
    return {
        period: formatDuration(periodSeconds),
        lookback: formatDuration(lookbackSeconds),
        periodSeconds,
        lookbackSeconds,
    };
}
