import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { defaultProductionPatterns } from "../../common/production";
import { applyDemo, parseDemo } from "../../config/demo";
import { ManifestEraSettings, parseSettings } from "../../config/settings";
import { stackFileConfig } from "../helpers";

const local = stackFileConfig("local");
const withDemo = (extra: Record<string, string> = {}) => ({
    ...local,
    "calico-ad:demo": "true",
    ...extra,
});

describe("calico-ad:demo", () => {
    it("is off by default and changes nothing then", () => {
        const settings = parseSettings(local, { stack: "dev" });
        assert.equal(settings.demo, undefined);
    });

    it("lowers Felix's flush intervals to 10s", () => {
        const settings = parseSettings(withDemo(), { stack: "dev" });
        assert.deepEqual(settings.demo, {
            felixInterval: "10s",
            felixResource: "felixconfigurations.projectcalico.org",
            felixName: "default",
        });
    });

    it("is refused on production stacks, contexts and clusters, naming the key and why", () => {
        assert.throws(
            () => parseSettings(withDemo(), { stack: "prod-eu" }),
            /calico-ad:demo: true is not allowed on production \(stack "prod-eu", kube context "calico-ad-local"\), because its name matches "prod\*"/,
        );
        const refused = parseDemo(
            true,
            { stack: "staging", kubeContext: "gke_prod_cluster" },
            defaultProductionPatterns,
        );
        assert.equal(refused.settings, undefined);
        assert.match(refused.problems[0], /its kube context "gke_prod_cluster" matches "\*prod\*"/);
    });

    it("is refused with renderDirectory, which has no cluster to change", () => {
        assert.throws(
            () =>
                parseSettings(
                    withDemo({
                        "calico-ad:renderDirectory": "rendered",
                        "calico-ad:clusterName": "c1",
                    }),
                    { stack: "dev" },
                ),
            /calico-ad:demo: true changes Felix in the cluster, but calico-ad:renderDirectory renders manifests without one/,
        );
    });
});

describe("demo mode's AD change", () => {
    const manifest = (jobEnv: Record<string, number>) =>
        parseSettings(withDemo({ "calico-ad:jobEnv": JSON.stringify(jobEnv) }), {
            stack: "dev",
        }) as ManifestEraSettings;
    const searchInterval = (settings: ManifestEraSettings) =>
        settings.jobEnv.find((e) => e.name === "AD_search_interval_minutes")?.value;

    it("manifest era: the search interval drops from the default 30 to 5 minutes, in catalog order", () => {
        const settings = manifest({ AD_port_scan_threshold: 200, AD_max_docs: 100000 });
        assert.equal(searchInterval(settings), "5");
        assert.deepEqual(
            settings.jobEnv.map((e) => e.name),
            ["AD_search_interval_minutes", "AD_max_docs", "AD_port_scan_threshold"],
        );
        const effective = settings.effectiveEnv.find(
            (e) => e.name === "AD_search_interval_minutes",
        );
        assert.deepEqual(effective, {
            name: "AD_search_interval_minutes",
            value: "5",
            source: "demo mode",
        });
    });

    it("manifest era: a configured 20 becomes 5, a configured 2 is kept", () => {
        assert.equal(searchInterval(manifest({ AD_search_interval_minutes: 20 })), "5");
        assert.equal(searchInterval(manifest({ AD_search_interval_minutes: 2 })), "2");
    });

    it("GlobalAlert era: the detector period drops to 5m unless it is shorter already", () => {
        assert.equal(applyDemo({ era: "globalAlert", detectorPeriod: "15m" }).detectorPeriod, "5m");
        assert.equal(applyDemo({ era: "globalAlert", detectorPeriod: "1h" }).detectorPeriod, "5m");
        assert.equal(applyDemo({ era: "globalAlert", detectorPeriod: "2m" }).detectorPeriod, "2m");
        const settings = parseSettings(
            {
                "calico-ad:product": "enterprise",
                "calico-ad:calicoVersion": "3.17.1",
                "calico-ad:clusterType": "standalone",
                "calico-ad:demo": "true",
            },
            { stack: "dev" },
        );
        assert.equal(settings.era === "globalAlert" && settings.detectorPeriod, "5m");
    });
});
