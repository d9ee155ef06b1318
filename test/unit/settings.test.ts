import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
    ConfigError,
    parseSettings,
    ManifestEraSettings,
    GlobalAlertEraSettings,
} from "../../config/settings";
import { renderEnvValue } from "../../catalog/envValues";
import { clusterNameProblem } from "../../config/values";
import { findEnvVar } from "../../catalog/lookup";
import { errorOf, rawConfig, stackFileConfig } from "../helpers";

const manifest = (values: Record<string, unknown>) =>
    parseSettings(
        rawConfig({ calicoVersion: "3.12.0", clusterType: "standalone", ...values }),
    ) as ManifestEraSettings;
const globalAlert = (values: Record<string, unknown>) =>
    parseSettings(
        rawConfig({ calicoVersion: "3.15.0", clusterType: "management", ...values }),
    ) as GlobalAlertEraSettings;
const problem = (values: Record<string, unknown>) =>
    errorOf(() =>
        parseSettings(rawConfig({ calicoVersion: "3.12.0", clusterType: "standalone", ...values })),
    );

describe("the workshop stack (Pulumi.dev.yaml)", () => {
    const settings = parseSettings(stackFileConfig("dev")) as ManifestEraSettings;

    it("is a managed Calico Cloud 3.12.0 cluster in the manifest era", () => {
        assert.equal(settings.era, "manifest");
        assert.equal(settings.product, "cloud");
        assert.equal(settings.clusterType, "managed");
        assert.equal(settings.clusterName, undefined, "the name is read from the cluster");
        assert.equal(settings.image, "quay.io/tigera/anomaly_detection_jobs:v3.12.0");
    });

    it("renders its eleven env values as strings", () => {
        assert.equal(settings.jobEnv.length, 11);
        const env = Object.fromEntries(settings.jobEnv.map((e) => [e.name, e.value]));
        assert.equal(env.AD_port_scan_threshold, "200");
        assert.equal(env.AD_DnsLatency_IsolationForest_score_threshold, "-0.886");
        assert.equal(env.AD_debug, "True");
        assert.equal(env.AD_max_docs, "100000");
    });

    it("warns about the five knobs 3.12's reference no longer documents", () => {
        const warned = settings.warnings.map((w) => /jobEnv\.(\w+)/.exec(w)?.[1]).sort();
        assert.deepEqual(warned, [
            "AD_BytesInModel_min_size_for_train",
            "AD_BytesOutModel_min_size_for_train",
            "AD_DnsLatency_IsolationForest_score_threshold",
            "AD_ProcessRestarts_threshold",
            "AD_SeasonalAD_c",
        ]);
        assert.ok(
            settings.warnings.some((w) =>
                w.includes("reads AD_PROCESS_RESTARTS_MIN_RESTARTS instead"),
            ),
        );
    });

    it("fills every other setting with its default and says where each came from", () => {
        const effective = Object.fromEntries(settings.effectiveEnv.map((e) => [e.name, e]));
        assert.deepEqual(effective.AD_port_scan_threshold, {
            name: "AD_port_scan_threshold",
            value: "200",
            source: "stack config",
        });
        assert.equal(effective.AD_DNS_LATENCY_SENSITIVITY.value, "15");
        assert.equal(effective.AD_DNS_LATENCY_SENSITIVITY.source, "default");
        assert.equal(effective.AD_SeasonalAD_c.source, "stack config, not read by this release");
        assert.equal(settings.portScanThreshold, 200);
        assert.equal(settings.ipSweepThreshold, 32);
    });

    it("keeps the release's default disabled jobs", () => {
        assert.deepEqual(settings.disabledJobs, ["bytes_in", "bytes_out", "process_bytes"]);
        assert.equal(settings.enabledJobs.length, 16);
        assert.ok(!settings.enabledJobs.includes("bytes_in"));
    });
});

describe("the management example stack (Pulumi.management.yaml)", () => {
    it("enables three GlobalAlert-era detectors on 3.17.1", () => {
        const settings = parseSettings(stackFileConfig("management")) as GlobalAlertEraSettings;
        assert.equal(settings.era, "globalAlert");
        assert.deepEqual(settings.detectors, ["port_scan", "dga", "dns_tunnel"]);
        assert.equal(settings.portScanThreshold, 500);
    });
});

describe("bad input is rejected with key, value and what is allowed", () => {
    it("suggests the nearest env var for a misspelt one", () => {
        assert.match(
            problem({ jobEnv: { AD_port_scn_threshold: 200 } }),
            /calico-ad:jobEnv\.AD_port_scn_threshold: unknown AD env var; did you mean AD_port_scan_threshold\?/,
        );
    });

    it("names the range for an out-of-range threshold", () => {
        assert.match(
            problem({ jobEnv: { AD_port_scan_threshold: 0 } }),
            /jobEnv\.AD_port_scan_threshold: 0 is out of range; allowed: an integer from 1 to 65535/,
        );
        assert.match(
            problem({ jobEnv: { AD_DNS_LATENCY_SENSITIVITY: 101 } }),
            /101 is out of range; allowed: a number from 0 to 100/,
        );
    });

    it("rejects wrong types", () => {
        assert.match(
            problem({ jobEnv: { AD_port_scan_threshold: "lots" } }),
            /"lots" is not allowed; allowed: an integer/,
        );
        assert.match(
            problem({ jobEnv: { AD_port_scan_threshold: 200.5 } }),
            /200\.5 is not allowed; allowed: an integer/,
        );
        assert.match(
            problem({ jobEnv: { AD_debug: "yes" } }),
            /"yes" is not allowed; allowed: true or false/,
        );
        assert.match(
            problem({ jobEnv: "AD_port_scan_threshold=200" }),
            /calico-ad:jobEnv: expected a map/,
        );
    });

    it("accepts numbers that arrive as strings from `config set --path`", () => {
        const settings = manifest({
            jobEnv: { AD_DGA_SCORE_THRESHOLD: "0.75", AD_port_scan_threshold: "300" },
        });
        assert.deepEqual(settings.jobEnv, [
            { name: "AD_port_scan_threshold", value: "300" },
            { name: "AD_DGA_SCORE_THRESHOLD", value: "0.75" },
        ]);
    });

    it("points env vars the stack sets itself to the right key", () => {
        assert.match(
            problem({ jobEnv: { CLUSTER_NAME: "x" } }),
            /CLUSTER_NAME is set by the stack itself; use calico-ad:clusterName instead/,
        );
        assert.match(
            problem({ jobEnv: { AD_DISABLED_JOBS: "dga" } }),
            /use calico-ad:disabledJobs instead/,
        );
    });

    it("suggests the nearest config key for an unknown one", () => {
        assert.match(
            problem({ clustername: "prod" }),
            /calico-ad:clustername: unknown config key; did you mean calico-ad:clusterName\?/,
        );
    });

    it("rejects unknown and misspelt job IDs", () => {
        assert.match(
            problem({ disabledJobs: ["process_restart"] }),
            /disabledJobs\[0\]: "process_restart" is not a job ID; did you mean process_restarts\?/,
        );
        assert.match(
            errorOf(() =>
                parseSettings(
                    rawConfig({
                        calicoVersion: "3.8.0",
                        clusterType: "standalone",
                        disabledJobs: ["l7_bytes"],
                    }),
                ),
            ),
            /"l7_bytes" is not a job of Calico Enterprise 3\.8\.0 \(it runs in 3\.11\.0 up to/,
        );
    });

    it("renders disabled jobs comma-joined without spaces, whatever the input", () => {
        assert.deepEqual(manifest({ disabledJobs: "dga, process_restarts ,dga" }).disabledJobs, [
            "dga",
            "process_restarts",
        ]);
        assert.deepEqual(manifest({ disabledJobs: [] }).disabledJobs, []);
    });

    it("requires a full release version and the required keys", () => {
        assert.match(
            problem({ calicoVersion: "3.12" }),
            /calico-ad:calicoVersion: "3\.12" is not a release version; allowed: MAJOR\.MINOR\.PATCH/,
        );
        const message = errorOf(() => parseSettings(rawConfig({})));
        assert.match(message, /calico-ad:calicoVersion: required/);
        assert.match(message, /calico-ad:clusterType: required/);
    });

    it("rejects a cluster type that does not exist", () => {
        assert.match(
            problem({ clusterType: "manged" }),
            /"manged" is not allowed; allowed: managed, management, standalone \(did you mean managed\?\)/,
        );
    });

    it("says AD was removed for 3.18 and later when afterAdRemoval is fail or deleteOnly", () => {
        assert.match(
            problem({ calicoVersion: "3.18.0", afterAdRemoval: "fail" }),
            /Calico Enterprise 3\.18\.0 is not supported: Anomaly Detection was removed in Calico Enterprise 3\.18 .*; calico-ad:afterAdRemoval is fail \(set it to scanAlert/,
        );
        assert.match(
            problem({ product: "cloud", calicoVersion: "18.3.0", afterAdRemoval: "deleteOnly" }),
            /removed in Calico Cloud 18\.3\.0.*afterAdRemoval is deleteOnly, which deletes the AD objects of a stack that deployed them, and this stack has deployed none/,
        );
        assert.match(problem({ calicoVersion: "3.4.0" }), /Elastic ML jobs/);
    });

    it("rejects placeholder, empty and unusable cluster names", () => {
        assert.match(
            problem({ clusterName: "$CALICOCLUSTERNAME" }),
            /clusterName: "\$CALICOCLUSTERNAME" is an unreplaced template placeholder/,
        );
        assert.match(problem({ clusterName: "   " }), /clusterName: is empty/);
        assert.match(
            problem({ clusterName: "Prod Cluster" }),
            /cannot be used in an Elasticsearch index name/,
        );
        assert.match(
            problem({ clusterName: "cluster", clusterType: "managed" }),
            /a managed cluster must use its own name/,
        );
    });

    it("lists every problem at once", () => {
        const error = (() => {
            try {
                manifest({ clusterName: "A*", jobEnv: { AD_port_scan_threshold: -1, AD_nope: 1 } });
            } catch (e) {
                return e as ConfigError;
            }
            throw new Error("no error");
        })();
        assert.ok(error instanceof ConfigError);
        assert.equal(error.problems.length, 3);
        assert.match(error.message, /has 3 problems/);
    });

    it("needs an explicit cluster name when rendering without a cluster", () => {
        assert.match(
            problem({ renderDirectory: "out" }),
            /clusterName: required with calico-ad:renderDirectory/,
        );
        assert.equal(
            manifest({ renderDirectory: "out", clusterName: "prod-east" }).clusterName,
            "prod-east",
        );
    });

    it("rejects unpinned or malformed images", () => {
        assert.match(problem({ imageTag: "latest" }), /imageTag: "latest" is not a pinned version/);
        assert.match(
            problem({ imageRegistry: "quay.io/tigera/" }),
            /imageRegistry: "quay\.io\/tigera\/" is not a registry path/,
        );
        assert.match(
            problem({ imagePullSecret: "Bad_Name" }),
            /imagePullSecret: "Bad_Name" is not a valid Kubernetes name/,
        );
        assert.equal(
            manifest({
                imageRegistry: "registry.example.com:5000/mirror/tigera",
                imageTag: "v3.12.1",
            }).image,
            "registry.example.com:5000/mirror/tigera/anomaly_detection_jobs:v3.12.1",
        );
    });
});

describe("the GlobalAlert era", () => {
    it("enables port_scan when no detectors are chosen", () => {
        const settings = globalAlert({});
        assert.deepEqual(settings.detectors, ["port_scan"]);
        assert.equal(settings.detectorPeriod, "15m");
        assert.equal(settings.detectorSeverity, 100);
    });

    it("refuses thresholds and says why", () => {
        const message = errorOf(() => globalAlert({ jobEnv: { AD_port_scan_threshold: 100 } }));
        assert.match(
            message,
            /jobEnv\.AD_port_scan_threshold: thresholds cannot be set for Calico Enterprise 3\.15\.0: since Calico 3\.13 the Tigera operator owns the detector pods/,
        );
    });

    it("refuses manifest-era keys", () => {
        assert.match(
            errorOf(() => globalAlert({ disabledJobs: ["dga"] })),
            /disabledJobs: is set to .* but applies to the manifest era/,
        );
        assert.match(
            errorOf(() => globalAlert({ imageTag: "v3.15.0" })),
            /imageTag: is set to "v3\.15\.0" but the operator picks the detector image/,
        );
    });

    it("rejects detectors the release does not offer, saying which do", () => {
        assert.match(
            errorOf(() => globalAlert({ detectors: ["ip_sweep"] })),
            /"ip_sweep" is not a detector of Calico Enterprise 3\.15\.0 \(offered in 3\.13\.0 to 3\.14\.4\)/,
        );
        assert.match(
            errorOf(() => globalAlert({ detectors: ["port-scan"] })),
            /"port-scan" is not a detector ID; did you mean port_scan\?/,
        );
    });

    it("validates period and severity", () => {
        assert.match(
            errorOf(() => globalAlert({ detectorPeriod: "30s" })),
            /detectorPeriod: "30s" is not allowed; allowed: a duration from 1m to 24h/,
        );
        assert.match(
            errorOf(() => globalAlert({ detectorSeverity: "0" })),
            /detectorSeverity: "0" is not allowed; allowed: an integer from 1 to 100/,
        );
        assert.equal(globalAlert({ detectorPeriod: "1h30m" }).detectorPeriod, "1h30m");
    });

    it("maps Calico Cloud 18.2 to the 3.17 detectors", () => {
        const settings = parseSettings(
            rawConfig({
                product: "cloud",
                calicoVersion: "18.2.0",
                clusterType: "managed",
                detectors: ["dns_tunnel"],
            }),
        );
        assert.equal(settings.era, "globalAlert");
    });
});

describe("value checks", () => {
    it("accepts real cluster names from the workshops", () => {
        assert.equal(clusterNameProblem("cd8i1cf9.aks-calicocloud-repo"), undefined);
        assert.equal(
            clusterNameProblem(
                "qq9psbdn-management-managed-aksjesie1-aks-rg-jesie102-03cfb8-375304e4-hcp-eastus-azmk8s-io",
            ),
            undefined,
        );
        assert.match(clusterNameProblem("a".repeat(201)) ?? "", /at most 200/);
        assert.match(clusterNameProblem("-leading") ?? "", /starting with a letter or digit/);
    });

    it("renders field lists comma-joined and rejects unknown fields", () => {
        const fields = findEnvVar("AD_GENERIC_DNS_FIELDS")!;
        assert.deepEqual(renderEnvValue(fields, ["count", "latency_max"]), {
            value: "count,latency_max",
        });
        assert.ok("problem" in renderEnvValue(fields, "count, bogus"));
    });
});
