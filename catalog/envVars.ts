/**
 * Every documented environment variable of the manifest-era AD jobs container that a user sets.
 * Source: ../shared/reference/calico-ad.md 2.1 to 2.3 (customizing.md, general-envars.md and
 * all-jobs-envars.md history). Generation 1 knobs (Isolation Forest scores and friends) were
 * documented up to CE 3.10; generation 2 (`*_SENSITIVITY`, 0 to 100) from CE 3.11.
 */
import { configKey } from "./configKeys";
import { manifestConstants } from "./eras";
import { adBucketMinutes, tcpPortRange } from "./simulation";
import { VersionRange } from "./versions";

export type EnvVarType = "integer" | "number" | "boolean" | "duration" | "fieldList";

/** What raising the value does to the number of alerts. */
export type AlertEffect = "more alerts" | "fewer alerts" | "no direct effect";

export interface EnvVar {
    readonly name: string;
    readonly type: EnvVarType;
    readonly default: number | boolean | string;
    readonly min?: number;
    readonly max?: number;
    /** For field lists: the allowed field names. */
    readonly fields?: readonly string[];
    /** Versions whose AD jobs image reads the variable. */
    readonly readBy: readonly VersionRange[];
    readonly raising: AlertEffect;
    /** The job whose behaviour it tunes; undefined for global variables. */
    readonly job?: string;
    /** The variable that took over its role in later releases. */
    readonly replacedBy?: string;
    readonly description: string;
}

const manifestEra: VersionRange[] = [{ from: "3.5.0", until: "3.13.0" }];
const generation1 = (from = "3.5.0"): VersionRange[] => [{ from, until: "3.11.0" }];
const generation2 = (from = "3.11.0"): VersionRange[] => [{ from, until: "3.13.0" }];

const isolationForestScore = (
    prefix: string,
    job: string,
    defaultScore: number,
    from: string,
    replacedBy: string,
): EnvVar[] => [
    {
        name: `AD_${prefix}_IsolationForest_n_estimators`,
        type: "integer",
        default: 100,
        min: 1,
        max: 10000,
        readBy: generation1(from),
        raising: "no direct effect",
        job,
        description: "number of trees in the Isolation Forest model",
        replacedBy,
    },
    {
        name: `AD_${prefix}_IsolationForest_score_threshold`,
        type: "number",
        default: defaultScore,
        min: -1,
        max: 0,
        readBy: generation1(from),
        raising: "more alerts",
        job,
        description: "anomaly score cut-off (negative); lower it for fewer alerts",
        replacedBy,
    },
];

const sensitivity = (name: string, job: string, defaultValue: number, from?: string): EnvVar => ({
    name,
    type: "number",
    default: defaultValue,
    min: 0,
    max: 100,
    readBy: generation2(from),
    raising: "more alerts",
    job,
    description: "detector sensitivity, 0 to 100",
});

const fieldList = (name: string, job: string, fields: readonly string[]): EnvVar => ({
    name,
    type: "fieldList",
    default: fields.join(","),
    fields,
    readBy: generation2(),
    raising: "no direct effect",
    job,
    description: "log fields modelled, one model each",
});

export const envVarCatalog: readonly EnvVar[] = [
    {
        name: "AD_train_interval_minutes",
        type: "integer",
        default: 1440,
        min: 1,
        max: 525600,
        readBy: manifestEra,
        raising: "no direct effect",
        description: "minutes between model retraining runs",
    },
    {
        name: "AD_search_interval_minutes",
        type: "integer",
        default: 30,
        min: 1,
        max: 1440,
        readBy: manifestEra,
        raising: "no direct effect",
        description: "minutes between anomaly searches; lower means alerts arrive sooner",
    },
    {
        name: "AD_max_docs",
        type: "integer",
        default: 500000,
        min: 1,
        max: 10000000,
        readBy: manifestEra,
        raising: "no direct effect",
        description:
            "training dataset size in log documents; lower it to read less Elasticsearch data",
    },
    {
        name: "AD_debug",
        type: "boolean",
        default: false,
        readBy: manifestEra,
        raising: "no direct effect",
        description: "verbose job logging (rendered as True or False)",
    },
    {
        name: "ES_query_size",
        type: "integer",
        default: 10000,
        min: 1,
        max: 10000,
        readBy: [{ from: "3.5.0", until: "3.12.0" }],
        raising: "no direct effect",
        description: "rows per Elasticsearch read",
    },
    {
        name: "ES_scroll_time",
        type: "duration",
        default: "20s",
        readBy: generation1(),
        raising: "no direct effect",
        description: "timeout per Elasticsearch read portion, e.g. 20s",
    },
    {
        name: "ES_bucket_size_minutes",
        type: "integer",
        default: adBucketMinutes,
        min: 1,
        max: 60,
        readBy: generation1(),
        raising: "no direct effect",
        description: "minutes per aggregation bucket (aligned to the hour)",
    },
    {
        name: "AD_port_scan_threshold",
        type: "integer",
        default: 500,
        min: 1,
        max: tcpPortRange.max,
        readBy: manifestEra,
        raising: "fewer alerts",
        job: "port_scan",
        description: "distinct destination ports from one source per bucket that count as a scan",
    },
    {
        name: "AD_ip_sweep_threshold",
        type: "integer",
        default: 32,
        min: 1,
        max: 65536,
        readBy: manifestEra,
        raising: "fewer alerts",
        job: "ip_sweep",
        description: "distinct destination IPs from one source per bucket that count as a sweep",
    },
    {
        name: "AD_BytesInModel_min_size_for_train",
        type: "integer",
        default: 1000,
        min: 1,
        max: 100000000,
        readBy: manifestEra,
        raising: "fewer alerts",
        job: "bytes_in",
        description: "samples needed before the bytes_in model trains",
    },
    {
        name: "AD_BytesOutModel_min_size_for_train",
        type: "integer",
        default: 1000,
        min: 1,
        max: 100000000,
        readBy: manifestEra,
        raising: "fewer alerts",
        job: "bytes_out",
        description: "samples needed before the bytes_out model trains",
    },
    {
        name: "AD_SeasonalAD_c",
        type: "number",
        default: 500,
        min: 0,
        max: 1000000,
        readBy: generation1(),
        raising: "fewer alerts",
        job: "bytes_in",
        description: "seasonal model constant of the bytes_in and bytes_out jobs",
    },
    {
        name: "AD_ProcessRestarts_threshold",
        type: "integer",
        default: 4,
        min: 1,
        max: 100000,
        readBy: generation1("3.7.0"),
        raising: "fewer alerts",
        job: "process_restarts",
        description: "process restarts per pod that count as excessive",
        replacedBy: "AD_PROCESS_RESTARTS_MIN_RESTARTS",
    },
    {
        name: "AD_ProcessRestarts_IsolationForest_score_threshold",
        type: "number",
        default: -0.78,
        min: -1,
        max: 0,
        readBy: generation1("3.7.0"),
        raising: "more alerts",
        job: "process_restarts",
        description: "anomaly score cut-off (negative); lower it for fewer alerts",
        replacedBy: "AD_PROCESS_RESTARTS_SENSITIVITY",
    },
    ...isolationForestScore(
        "DnsLatency",
        "dns_latency",
        -0.836,
        "3.6.0",
        "AD_DNS_LATENCY_SENSITIVITY",
    ),
    ...isolationForestScore(
        "L7Latency",
        "l7_latency",
        -0.836,
        "3.6.0",
        "AD_L7_LATENCY_SENSITIVITY",
    ),
    ...isolationForestScore(
        "HttpConnectionSpike",
        "http_connection_spike",
        -0.64,
        "3.8.0",
        "AD_HTTP_CONNECTION_SPIKE_SENSITIVITY",
    ),
    {
        name: "AD_DGA_SCORE_THRESHOLD",
        type: "number",
        default: 0.5,
        min: 0,
        max: 1,
        readBy: manifestEra,
        raising: "fewer alerts",
        job: "dga",
        description: "CatBoost score above which a domain is reported",
    },
    sensitivity("AD_PROCESS_RESTARTS_SENSITIVITY", "process_restarts", 2),
    {
        name: "AD_PROCESS_RESTARTS_MIN_RESTARTS",
        type: "integer",
        default: 4,
        min: 1,
        max: 100000,
        readBy: generation2(),
        raising: "fewer alerts",
        job: "process_restarts",
        description: "restarts below which a process is never reported",
    },
    sensitivity("AD_DNS_LATENCY_SENSITIVITY", "dns_latency", 15),
    sensitivity("AD_L7_LATENCY_SENSITIVITY", "l7_latency", 7),
    sensitivity("AD_L7_BYTES_SENSITIVITY", "l7_bytes", 5, "3.12.0"),
    sensitivity("AD_HTTP_CONNECTION_SPIKE_SENSITIVITY", "http_connection_spike", 20),
    {
        name: "AD_HTTP_RESPONSE_CODES_THRESHOLD",
        type: "number",
        default: 0.5,
        min: 0,
        max: 1,
        readBy: generation2(),
        raising: "fewer alerts",
        job: "http_response_codes",
        description: "share of error responses that counts as unusual",
    },
    {
        name: "AD_HTTP_RESPONSE_CODES_EVENTS_PER_DAY_THRESHOLD",
        type: "number",
        default: 0.3,
        min: 0,
        max: 1000,
        readBy: generation2(),
        raising: "fewer alerts",
        job: "http_response_codes",
        description: "expected events per day below which a code is rare",
    },
    {
        name: "AD_HTTP_VERBS_THRESHOLD",
        type: "number",
        default: 0.99,
        min: 0,
        max: 1,
        readBy: generation2(),
        raising: "fewer alerts",
        job: "http_verbs",
        description: "rarity cut-off for HTTP verbs",
    },
    {
        name: "AD_HTTP_VERBS_EVENTS_PER_DAY_THRESHOLD",
        type: "number",
        default: 1,
        min: 0,
        max: 1000,
        readBy: generation2(),
        raising: "fewer alerts",
        job: "http_verbs",
        description: "expected events per day below which a verb is rare",
    },
    sensitivity("AD_GENERIC_FLOWS_SENSITIVITY", "generic_flows", 1),
    fieldList("AD_GENERIC_FLOWS_FIELDS", "generic_flows", [
        "bytes_in",
        "bytes_out",
        "num_flows",
        "num_flows_started",
        "num_flows_completed",
        "packets_in",
        "packets_out",
        "num_process_names",
        "num_process_ids",
        "num_original_source_ips",
    ]),
    sensitivity("AD_GENERIC_DNS_SENSITIVITY", "generic_dns", 4),
    fieldList("AD_GENERIC_DNS_FIELDS", "generic_dns", [
        "count",
        "latency_count",
        "latency_mean",
        "latency_max",
    ]),
    sensitivity("AD_GENERIC_L7_SENSITIVITY", "generic_l7", 10),
    fieldList("AD_GENERIC_L7_FIELDS", "generic_l7", [
        "duration_mean",
        "duration_max",
        "bytes_in",
        "bytes_out",
        "count",
    ]),
    ...(
        [
            ["AD_TIME_SERIES_DNS_ANOMALY_VALUE_THRESHOLD", "time_series_dns", 1],
            ["AD_TIME_SERIES_FLOWS_ANOMALY_VALUE_THRESHOLD", "time_series_flows", 6],
            ["AD_TIME_SERIES_L7_ANOMALY_VALUE_THRESHOLD", "time_series_l7", 6],
        ] as const
    ).map(([name, job, defaultValue]): EnvVar => ({
        name,
        type: "number",
        default: defaultValue,
        min: 0,
        max: 1000,
        readBy: generation2("3.12.0"),
        raising: "fewer alerts",
        job,
        description: "deviation from the time series forecast that counts as an anomaly",
    })),
];

/** Env vars the manifest sets itself, and the stack key that controls each instead. */
const releaseKeys = `${configKey("calicoVersion")} and ${configKey("clusterType")}`;
export const reservedEnvVars: Readonly<Record<string, string>> = {
    CLUSTER_NAME: configKey("clusterName"),
    AD_DISABLED_JOBS: configKey("disabledJobs"),
    ELASTIC_HOST: releaseKeys,
    ELASTIC_PORT: releaseKeys,
    ES_CA_CERT: releaseKeys,
    ...Object.fromEntries(
        Object.keys(manifestConstants.esAccessSecretKeys).map((name) => [
            name,
            `the ${manifestConstants.esAccessSecret} secret`,
        ]),
    ),
    AD_NEED_API: configKey("calicoVersion"),
};
