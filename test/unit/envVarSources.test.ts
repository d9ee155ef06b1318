/**
 * The env vars the stack writes per manifest-era release, checked against a table written by hand
 * from the upstream documentation each release shipped with (dimitri-nicolo/calico, revisions as
 * in ../shared/reference/calico-ad.md 2.1 to 2.3), independently of catalog/envVars.ts.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildAdJobsManifests } from "../../components/adJobsDeployment";
import { ManifestEraSettings, parseSettings } from "../../config/settings";
import { summarize } from "../../config/summary";
import { rawConfig } from "../helpers";

type Table = Readonly<Record<string, string>>;

const everyRelease: Table = {
    AD_train_interval_minutes: "1440",
    AD_search_interval_minutes: "30",
    AD_max_docs: "500000",
    AD_port_scan_threshold: "500",
    AD_ip_sweep_threshold: "32",
};

/** threat/anomaly-detection/customizing.md @6315e36be7 (2021-01-27). */
const ce35: Table = {
    ...everyRelease,
    ES_query_size: "10000",
    ES_scroll_time: "20s",
    ES_bucket_size_minutes: "5",
    AD_BytesInModel_min_size_for_train: "1000",
    AD_BytesOutModel_min_size_for_train: "1000",
    AD_SeasonalAD_c: "500",
};
/** @d1549d8c29 (2021-03-25): the dns_latency and l7_latency jobs. */
const ce36: Table = {
    ...ce35,
    AD_DnsLatency_IsolationForest_n_estimators: "100",
    AD_DnsLatency_IsolationForest_score_threshold: "-0.836",
    AD_L7Latency_IsolationForest_n_estimators: "100",
    AD_L7Latency_IsolationForest_score_threshold: "-0.836",
};
/** @77d0dbac2b (2021-04-28): the process_restarts job. */
const ce37: Table = {
    ...ce36,
    AD_ProcessRestarts_IsolationForest_score_threshold: "-0.78",
    AD_ProcessRestarts_threshold: "4",
};
/** @b0479b9163 (2021-05-21): the http_connection_spike and dga jobs. */
const ce38: Table = {
    ...ce37,
    AD_HttpConnectionSpike_IsolationForest_n_estimators: "100",
    AD_HttpConnectionSpike_IsolationForest_score_threshold: "-0.64",
    AD_DGA_SCORE_THRESHOLD: "0.5",
};
/** @f1e7f6fb54 (2021-08-09): adds only AD_DISABLED_JOBS, which the stack sets from disabledJobs. */
const ce39 = ce38;
/** @8ece6b1975 (2021-09-24, the day 3.10.0 shipped): the seasonal constant's corrected names. */
const ce310: Table = {
    ...Object.fromEntries(Object.entries(ce39).filter(([name]) => name !== "AD_SeasonalAD_c")),
    AD_BytesInModel_SeasonalAD_c: "500",
    AD_BytesOutModel_SeasonalAD_c: "500",
};
/** @0f02b75be0 (2021-11-02): generation 2, every sensitivity 2.5; ES_scroll_time, ES_bucket_size_minutes and Isolation Forest gone. */
const ce311: Table = {
    ...everyRelease,
    ES_query_size: "10000",
    AD_BytesInModel_min_size_for_train: "1000",
    AD_BytesOutModel_min_size_for_train: "1000",
    AD_DGA_SCORE_THRESHOLD: "0.5",
    AD_PROCESS_RESTARTS_SENSITIVITY: "2.5",
    AD_PROCESS_RESTARTS_MIN_RESTARTS: "4",
    AD_DNS_LATENCY_SENSITIVITY: "2.5",
    AD_L7_LATENCY_SENSITIVITY: "2.5",
    AD_HTTP_CONNECTION_SPIKE_SENSITIVITY: "2.5",
    AD_GENERIC_FLOWS_SENSITIVITY: "2.5",
    AD_GENERIC_FLOWS_FIELDS:
        "bytes_in,bytes_out,num_flows,num_flows_started,num_flows_completed,packets_in,packets_out,num_process_names,num_process_ids,num_original_source_ips",
    AD_GENERIC_DNS_SENSITIVITY: "2.5",
    AD_GENERIC_DNS_FIELDS: "count,latency_count,latency_mean,latency_max",
    AD_GENERIC_L7_SENSITIVITY: "2.5",
    AD_GENERIC_L7_FIELDS: "duration_mean,duration_max,bytes_in,bytes_out,count",
};
/**
 * calico/reference/anomaly-detection/all-jobs-envars.md and general-envars.md @8e77472867
 * (2022-02-16): per-job defaults; no ES_query_size and no env var for bytes_in or bytes_out.
 */
const ce312: Table = {
    ...everyRelease,
    AD_DGA_SCORE_THRESHOLD: "0.5",
    AD_HTTP_CONNECTION_SPIKE_SENSITIVITY: "20",
    AD_HTTP_RESPONSE_CODES_THRESHOLD: "0.5",
    AD_HTTP_RESPONSE_CODES_EVENTS_PER_DAY_THRESHOLD: "0.3",
    AD_HTTP_VERBS_THRESHOLD: "0.99",
    AD_HTTP_VERBS_EVENTS_PER_DAY_THRESHOLD: "1",
    AD_GENERIC_DNS_SENSITIVITY: "4",
    AD_GENERIC_DNS_FIELDS: "latency_count,latency_mean,latency_max",
    AD_TIME_SERIES_DNS_ANOMALY_VALUE_THRESHOLD: "1",
    AD_GENERIC_FLOWS_SENSITIVITY: "1",
    AD_GENERIC_FLOWS_FIELDS: ce311.AD_GENERIC_FLOWS_FIELDS,
    AD_TIME_SERIES_FLOWS_ANOMALY_VALUE_THRESHOLD: "6",
    AD_GENERIC_L7_SENSITIVITY: "10",
    AD_GENERIC_L7_FIELDS: ce311.AD_GENERIC_L7_FIELDS,
    AD_TIME_SERIES_L7_ANOMALY_VALUE_THRESHOLD: "6",
    AD_DNS_LATENCY_SENSITIVITY: "15",
    AD_L7_BYTES_SENSITIVITY: "5",
    AD_L7_LATENCY_SENSITIVITY: "7",
    AD_PROCESS_RESTARTS_SENSITIVITY: "2",
    AD_PROCESS_RESTARTS_MIN_RESTARTS: "4",
};

const documented: readonly (readonly [string, Table])[] = [
    ["3.5", ce35],
    ["3.6", ce36],
    ["3.7", ce37],
    ["3.8", ce38],
    ["3.9", ce39],
    ["3.10", ce310],
    ["3.11", ce311],
    ["3.12", ce312],
];

const settingsOf = (calicoVersion: string) =>
    parseSettings(
        rawConfig({ product: "enterprise", calicoVersion, clusterType: "standalone" }),
    ) as ManifestEraSettings;

const deploymentEnv = (settings: ManifestEraSettings) => {
    const { deployment } = buildAdJobsManifests({
        profile: settings.profile,
        clusterName: "cluster",
        image: settings.image,
        imagePullSecret: settings.imagePullSecret,
        jobEnv: settings.effectiveEnv,
        disabledJobs: settings.disabledJobs,
        awaitRollout: true,
    });
    const spec = deployment.spec as {
        template: { spec: { containers: { env: { name: string; value?: unknown }[] }[] } };
    };
    return spec.template.spec.containers[0].env;
};

describe("env vars written per release, against the documentation each release shipped with", () => {
    for (const [minor, table] of documented) {
        it(`${minor}: writes exactly the documented variables with their documented defaults, and leaves AD_debug to the image`, () => {
            const settings = settingsOf(`${minor}.0`);
            const written = Object.fromEntries(settings.effectiveEnv.map((e) => [e.name, e.value]));
            assert.deepEqual(written, { ...table });
            assert.ok(settings.effectiveEnv.every((e) => e.source === "default"));
            assert.deepEqual(settings.leftToImage, ["AD_debug"]);
            const env = deploymentEnv(settings).map((e) => e.name);
            assert.ok(!env.includes("AD_debug"), "AD_debug is not written unless set");
            assert.equal(
                env.includes("AD_DISABLED_JOBS"),
                Number(minor.split(".")[1]) >= 9,
                "AD_DISABLED_JOBS is written where it is documented (3.9 on)",
            );
        });
    }

    it("says in the stack outputs which values the stack writes and which it leaves to the image", () => {
        const summary = summarize(settingsOf("3.12.0"), "cluster");
        assert.deepEqual(summary.effectiveSettings.AD_GENERIC_DNS_FIELDS, {
            value: "latency_count,latency_mean,latency_max",
            source: "default",
        });
        assert.match(summary.effectiveSettings.AD_debug.source, /^left to the image/);
        assert.equal(summary.effectiveSettings.AD_debug.value, undefined);
    });

    it("writes AD_debug when stack config sets it", () => {
        const settings = parseSettings(
            rawConfig({
                product: "enterprise",
                calicoVersion: "3.12.0",
                clusterType: "standalone",
                jobEnv: { AD_debug: true },
            }),
        ) as ManifestEraSettings;
        assert.deepEqual(settings.leftToImage, []);
        assert.ok(deploymentEnv(settings).some((e) => e.name === "AD_debug" && e.value === "True"));
    });

    it("refuses disabledJobs for a release that does not read AD_DISABLED_JOBS, naming the key and release", () => {
        assert.throws(
            () =>
                parseSettings(
                    rawConfig({
                        product: "enterprise",
                        calicoVersion: "3.8.0",
                        clusterType: "standalone",
                        disabledJobs: ["dga"],
                    }),
                ),
            /calico-ad:disabledJobs: Calico Enterprise 3\.8\.0 does not read AD_DISABLED_JOBS \(documented from 3\.9\.0\)/,
        );
    });
});
