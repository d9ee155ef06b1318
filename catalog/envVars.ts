/**
 * Every environment variable of the manifest-era AD jobs container that a user sets, with the
 * releases whose documentation lists it and the default it documents there. The stack writes a
 * variable for a release only where a source below documents it (as upstream's manifests do not
 * write undocumented ones either), with that source's default.
 *
 * A release is documented by the docs as they stood on the day it shipped (operator tag dates,
 * ../shared/reference/calico-ad.md 0.1), in dimitri-nicolo/calico:
 * 3.5 customizing.md @6315e36be7 · 3.6 @d1549d8c29 · 3.7 @77d0dbac2b · 3.8 @b0479b9163 ·
 * 3.9 @f1e7f6fb54 · 3.10 @8ece6b1975 · 3.11 @0f02b75be0 (all under threat/anomaly-detection/) ·
 * 3.12 calico/reference/anomaly-detection/all-jobs-envars.md and
 * calico/_includes/content/anomaly-detection/general-envars.md @8e77472867.
 */
import { configKey } from "./configKeys";
import { manifestConstants } from "./eras";
import { adBucketMinutes, tcpPortRange } from "./simulation";
import { VersionRange } from "./versions";

export type EnvVarType = "integer" | "number" | "boolean" | "duration" | "fieldList";

/** What raising the value does to the number of alerts. */
export type AlertEffect = "more alerts" | "fewer alerts" | "no direct effect";

export type EnvDefault = number | boolean | string;

/** Releases whose documentation lists a variable, and the default it gives there. */
export interface DocumentedSpan {
    readonly releases: VersionRange;
    /** Undefined: no source documents a default, so the stack writes the variable only when set. */
    readonly default?: EnvDefault;
    /** Document path and revision (../shared/reference/calico-ad.md section 2). */
    readonly source: string;
}

export interface EnvVar {
    readonly name: string;
    readonly type: EnvVarType;
    readonly min?: number;
    readonly max?: number;
    /** For field lists: the allowed field names. */
    readonly fields?: readonly string[];
    /** Non-overlapping, in release order. */
    readonly documented: readonly DocumentedSpan[];
    /** Versions whose AD jobs image reads the variable: the ranges of `documented`. */
    readonly readBy: readonly VersionRange[];
    readonly raising: AlertEffect;
    /** The job whose behaviour it tunes; undefined for global variables. */
    readonly job?: string;
    /** The variable that took over its role in later releases. */
    readonly replacedBy?: string;
    readonly description: string;
}

type EnvVarData = Omit<EnvVar, "readBy">;
const envVar = (data: EnvVarData): EnvVar => ({
    ...data,
    readBy: data.documented.map((span) => span.releases),
});

const repo = "dimitri-nicolo/calico";
const customizing = (revision: string) =>
    `${repo} threat/anomaly-detection/customizing.md @${revision}`;
const allJobs312 = `${repo} calico/reference/anomaly-detection/all-jobs-envars.md @8e77472867`;
const general312 = `${repo} calico/_includes/content/anomaly-detection/general-envars.md @8e77472867`;

/** One span: `[from, until)` of minor releases, e.g. span("3.5", "3.12", ...). */
const span = (
    from: string,
    until: string,
    defaultValue: EnvDefault | undefined,
    source: string,
): DocumentedSpan => ({
    releases: { from: `${from}.0`, until: `${until}.0` },
    ...(defaultValue === undefined ? {} : { default: defaultValue }),
    source,
});

/** Documented from the first docs (3.5) through 3.11, and in the 3.12 reference. */
const wholeEra = (defaultValue: EnvDefault, source312: string): DocumentedSpan[] => [
    span("3.5", "3.12", defaultValue, customizing("6315e36be7")),
    span("3.12", "3.13", defaultValue, source312),
];

/** Generation 1 (Isolation Forest and friends): dropped from the docs by 85c902e2da, before 3.11. */
const generation1 = (from: string, defaultValue: EnvDefault, revision: string) => [
    span(from, "3.11", defaultValue, customizing(revision)),
];

const isolationForest = (
    prefix: string,
    job: string,
    defaultScore: number,
    from: string,
    revision: string,
    replacedBy: string,
): EnvVar[] => [
    envVar({
        name: `AD_${prefix}_IsolationForest_n_estimators`,
        type: "integer",
        min: 1,
        max: 10000,
        documented: generation1(from, 100, revision),
        raising: "no direct effect",
        job,
        description: "number of trees in the Isolation Forest model",
        replacedBy,
    }),
    envVar({
        name: `AD_${prefix}_IsolationForest_score_threshold`,
        type: "number",
        min: -1,
        max: 0,
        documented: generation1(from, defaultScore, revision),
        raising: "more alerts",
        job,
        description: "anomaly score cut-off (negative); lower it for fewer alerts",
        replacedBy,
    }),
];

/**
 * Generation 2: 3.11's docs (0f02b75be0) give every sensitivity 2.5; 3.12's reference gives each
 * job its own default.
 */
const generation2 = (default311: EnvDefault, default312: EnvDefault): DocumentedSpan[] => [
    span("3.11", "3.12", default311, customizing("0f02b75be0")),
    span("3.12", "3.13", default312, allJobs312),
];
const only312 = (defaultValue: EnvDefault) => [span("3.12", "3.13", defaultValue, allJobs312)];

const sensitivity = (name: string, job: string, documented: readonly DocumentedSpan[]): EnvVar =>
    envVar({
        name,
        type: "number",
        min: 0,
        max: 100,
        documented,
        raising: "more alerts",
        job,
        description: "detector sensitivity, 0 to 100",
    });

/** A generic job's modelled fields: 3.11's and 3.12's documented defaults; any of them is allowed. */
const fieldList = (
    name: string,
    job: string,
    fields311: readonly string[],
    fields312 = fields311,
): EnvVar =>
    envVar({
        name,
        type: "fieldList",
        fields: [...new Set([...fields311, ...fields312])],
        documented: generation2(fields311.join(","), fields312.join(",")),
        raising: "no direct effect",
        job,
        description: "log fields modelled, one model each",
    });

const seasonalConstant = (
    name: string,
    documented: readonly DocumentedSpan[],
    replacedBy?: string,
) =>
    envVar({
        name,
        type: "number",
        min: 0,
        max: 1000000,
        documented,
        raising: "fewer alerts",
        job: "bytes_in",
        ...(replacedBy ? { replacedBy } : {}),
        description: "seasonal model constant of the bytes_in and bytes_out jobs",
    });

const minSizeForTrain = (name: string, job: string) =>
    envVar({
        name,
        type: "integer",
        min: 1,
        max: 100000000,
        // 3.12's reference lists no env var for bytes_in and bytes_out.
        documented: [span("3.5", "3.12", 1000, customizing("6315e36be7"))],
        raising: "fewer alerts",
        job,
        description: `samples needed before the ${job} model trains`,
    });

const genericFlowsFields = [
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
];
const genericL7Fields = ["duration_mean", "duration_max", "bytes_in", "bytes_out", "count"];
const dnsLatencyFields = ["latency_count", "latency_mean", "latency_max"];

export const envVarCatalog: readonly EnvVar[] = [
    envVar({
        name: "AD_train_interval_minutes",
        type: "integer",
        min: 1,
        max: 525600,
        documented: wholeEra(1440, general312),
        raising: "no direct effect",
        description: "minutes between model retraining runs",
    }),
    envVar({
        name: "AD_search_interval_minutes",
        type: "integer",
        min: 1,
        max: 1440,
        documented: wholeEra(30, general312),
        raising: "no direct effect",
        description: "minutes between anomaly searches; lower means alerts arrive sooner",
    }),
    envVar({
        name: "AD_max_docs",
        type: "integer",
        min: 1,
        max: 10000000,
        documented: wholeEra(500000, general312),
        raising: "no direct effect",
        description:
            "training dataset size in log documents; lower it to read less Elasticsearch data",
    }),
    envVar({
        name: "AD_debug",
        type: "boolean",
        documented: [
            span(
                "3.5",
                "3.13",
                undefined,
                "undocumented; the workshop manifests set True (tigera-solutions/calicocloud-aks-workshop demo/90-anomaly-detection/ad-jobs-deployment-managed.yaml @01aa762 to @c820eba, images v3.7.0 to v3.12.0)",
            ),
        ],
        raising: "no direct effect",
        description: "verbose job logging (rendered as True or False); written only when set",
    }),
    envVar({
        name: "ES_query_size",
        type: "integer",
        min: 1,
        max: 10000,
        documented: [span("3.5", "3.12", 10000, customizing("6315e36be7"))],
        raising: "no direct effect",
        description: "rows per Elasticsearch read",
    }),
    envVar({
        name: "ES_scroll_time",
        type: "duration",
        documented: generation1("3.5", "20s", "6315e36be7"),
        raising: "no direct effect",
        description: "timeout per Elasticsearch read portion, e.g. 20s",
    }),
    envVar({
        name: "ES_bucket_size_minutes",
        type: "integer",
        min: 1,
        max: 60,
        documented: generation1("3.5", adBucketMinutes, "6315e36be7"),
        raising: "no direct effect",
        description: "minutes per aggregation bucket (aligned to the hour)",
    }),
    envVar({
        name: "AD_port_scan_threshold",
        type: "integer",
        min: 1,
        max: tcpPortRange.max,
        documented: wholeEra(500, allJobs312),
        raising: "fewer alerts",
        job: "port_scan",
        description: "distinct destination ports from one source per bucket that count as a scan",
    }),
    envVar({
        name: "AD_ip_sweep_threshold",
        type: "integer",
        min: 1,
        max: 65536,
        documented: wholeEra(32, allJobs312),
        raising: "fewer alerts",
        job: "ip_sweep",
        description: "distinct destination IPs from one source per bucket that count as a sweep",
    }),
    minSizeForTrain("AD_BytesInModel_min_size_for_train", "bytes_in"),
    minSizeForTrain("AD_BytesOutModel_min_size_for_train", "bytes_out"),
    // 8ece6b1975 ("Correct ad jobs bytes in/out environment variables") renamed it on the day
    // 3.10.0 shipped, so 3.10 is documented with the corrected names.
    seasonalConstant(
        "AD_SeasonalAD_c",
        [span("3.5", "3.10", 500, customizing("6315e36be7"))],
        "AD_BytesInModel_SeasonalAD_c",
    ),
    seasonalConstant("AD_BytesInModel_SeasonalAD_c", generation1("3.10", 500, "8ece6b1975")),
    seasonalConstant("AD_BytesOutModel_SeasonalAD_c", generation1("3.10", 500, "8ece6b1975")),
    envVar({
        name: "AD_ProcessRestarts_threshold",
        type: "integer",
        min: 1,
        max: 100000,
        documented: generation1("3.7", 4, "77d0dbac2b"),
        raising: "fewer alerts",
        job: "process_restarts",
        description: "process restarts per pod that count as excessive",
        replacedBy: "AD_PROCESS_RESTARTS_MIN_RESTARTS",
    }),
    envVar({
        name: "AD_ProcessRestarts_IsolationForest_score_threshold",
        type: "number",
        min: -1,
        max: 0,
        documented: generation1("3.7", -0.78, "77d0dbac2b"),
        raising: "more alerts",
        job: "process_restarts",
        description: "anomaly score cut-off (negative); lower it for fewer alerts",
        replacedBy: "AD_PROCESS_RESTARTS_SENSITIVITY",
    }),
    ...isolationForest(
        "DnsLatency",
        "dns_latency",
        -0.836,
        "3.6",
        "d1549d8c29",
        "AD_DNS_LATENCY_SENSITIVITY",
    ),
    ...isolationForest(
        "L7Latency",
        "l7_latency",
        -0.836,
        "3.6",
        "d1549d8c29",
        "AD_L7_LATENCY_SENSITIVITY",
    ),
    ...isolationForest(
        "HttpConnectionSpike",
        "http_connection_spike",
        -0.64,
        "3.8",
        "b0479b9163",
        "AD_HTTP_CONNECTION_SPIKE_SENSITIVITY",
    ),
    envVar({
        name: "AD_DGA_SCORE_THRESHOLD",
        type: "number",
        min: 0,
        max: 1,
        documented: [
            span("3.8", "3.12", 0.5, customizing("b0479b9163")),
            span("3.12", "3.13", 0.5, allJobs312),
        ],
        raising: "fewer alerts",
        job: "dga",
        description: "CatBoost score above which a domain is reported",
    }),
    sensitivity("AD_PROCESS_RESTARTS_SENSITIVITY", "process_restarts", generation2(2.5, 2)),
    envVar({
        name: "AD_PROCESS_RESTARTS_MIN_RESTARTS",
        type: "integer",
        min: 1,
        max: 100000,
        documented: generation2(4, 4),
        raising: "fewer alerts",
        job: "process_restarts",
        description: "restarts below which a process is never reported",
    }),
    sensitivity("AD_DNS_LATENCY_SENSITIVITY", "dns_latency", generation2(2.5, 15)),
    sensitivity("AD_L7_LATENCY_SENSITIVITY", "l7_latency", generation2(2.5, 7)),
    sensitivity("AD_L7_BYTES_SENSITIVITY", "l7_bytes", only312(5)),
    sensitivity(
        "AD_HTTP_CONNECTION_SPIKE_SENSITIVITY",
        "http_connection_spike",
        generation2(2.5, 20),
    ),
    envVar({
        name: "AD_HTTP_RESPONSE_CODES_THRESHOLD",
        type: "number",
        min: 0,
        max: 1,
        documented: only312(0.5),
        raising: "fewer alerts",
        job: "http_response_codes",
        description: "share of error responses that counts as unusual",
    }),
    envVar({
        name: "AD_HTTP_RESPONSE_CODES_EVENTS_PER_DAY_THRESHOLD",
        type: "number",
        min: 0,
        max: 1000,
        documented: only312(0.3),
        raising: "fewer alerts",
        job: "http_response_codes",
        description: "expected events per day below which a code is rare",
    }),
    envVar({
        name: "AD_HTTP_VERBS_THRESHOLD",
        type: "number",
        min: 0,
        max: 1,
        documented: only312(0.99),
        raising: "fewer alerts",
        job: "http_verbs",
        description: "rarity cut-off for HTTP verbs",
    }),
    envVar({
        name: "AD_HTTP_VERBS_EVENTS_PER_DAY_THRESHOLD",
        type: "number",
        min: 0,
        max: 1000,
        documented: only312(1),
        raising: "fewer alerts",
        job: "http_verbs",
        description: "expected events per day below which a verb is rare",
    }),
    sensitivity("AD_GENERIC_FLOWS_SENSITIVITY", "generic_flows", generation2(2.5, 1)),
    fieldList("AD_GENERIC_FLOWS_FIELDS", "generic_flows", genericFlowsFields),
    sensitivity("AD_GENERIC_DNS_SENSITIVITY", "generic_dns", generation2(2.5, 4)),
    fieldList(
        "AD_GENERIC_DNS_FIELDS",
        "generic_dns",
        ["count", ...dnsLatencyFields],
        dnsLatencyFields,
    ),
    sensitivity("AD_GENERIC_L7_SENSITIVITY", "generic_l7", generation2(2.5, 10)),
    fieldList("AD_GENERIC_L7_FIELDS", "generic_l7", genericL7Fields),
    ...(
        [
            ["AD_TIME_SERIES_DNS_ANOMALY_VALUE_THRESHOLD", "time_series_dns", 1],
            ["AD_TIME_SERIES_FLOWS_ANOMALY_VALUE_THRESHOLD", "time_series_flows", 6],
            ["AD_TIME_SERIES_L7_ANOMALY_VALUE_THRESHOLD", "time_series_l7", 6],
        ] as const
    ).map(([name, job, defaultValue]) =>
        envVar({
            name,
            type: "number",
            min: 0,
            max: 1000,
            documented: only312(defaultValue),
            raising: "fewer alerts",
            job,
            description: "deviation from the time series forecast that counts as an anomaly",
        }),
    ),
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
