import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { detectorCatalog } from "../../catalog/detectors";
import { envVarCatalog } from "../../catalog/envVars";
import {
    isAdDeployment,
    detectorsOf,
    editDistance,
    enterpriseEquivalent,
    eraOf,
    jobsOf,
    manifestProfile,
    nearestName,
} from "../../catalog/lookup";
import { compareVersions, parseVersion, valueAt, version } from "../../catalog/versions";
import { renderEnvValue } from "../../catalog/envValues";
import { eraSpans } from "../../catalog/eras";

describe("versions", () => {
    it("parses full versions with or without v, and nothing else", () => {
        assert.deepEqual(parseVersion("3.12.0"), { major: 3, minor: 12, patch: 0 });
        assert.deepEqual(parseVersion("v3.9.1"), { major: 3, minor: 9, patch: 1 });
        for (const bad of ["3.12", "3", "latest", "3.12.0-rc1", "", "3.x.0"]) {
            assert.equal(parseVersion(bad), undefined, bad);
        }
    });

    it("orders numerically, not as text", () => {
        assert.ok(compareVersions(version("3.9.0"), version("3.10.0")) < 0);
        assert.ok(compareVersions(version("18.3.0"), version("3.17.0")) > 0);
        assert.equal(compareVersions(version("3.12.0"), version("v3.12.0")), 0);
    });

    it("picks the last step not after the version", () => {
        const steps = [
            { since: "3.5.0", value: "a" },
            { since: "3.9.0", value: "b" },
        ];
        assert.equal(valueAt(version("3.8.9"), steps), "a");
        assert.equal(valueAt(version("3.9.0"), steps), "b");
        assert.throws(() => valueAt(version("3.4.0"), steps), /no value/);
    });
});

describe("eras", () => {
    const cases: [string, string, string][] = [
        ["enterprise", "3.4.9", "unsupported"],
        ["enterprise", "3.5.0", "manifest"],
        ["enterprise", "3.12.9", "manifest"],
        ["enterprise", "3.13.0", "globalAlert"],
        ["enterprise", "3.17.4", "globalAlert"],
        ["enterprise", "3.18.0", "ruleBased"],
        ["cloud", "3.12.0", "manifest"],
        ["cloud", "18.2.9", "globalAlert"],
        ["cloud", "18.3.0", "ruleBased"],
    ];
    for (const [product, v, expected] of cases) {
        it(`${product} ${v} is ${expected}`, () => {
            const era = eraOf(product as "enterprise" | "cloud", version(v));
            assert.equal(typeof era === "object" ? "unsupported" : era, expected);
        });
    }

    it("says AD was removed in 3.18 and in Cloud 18.3, and only there", () => {
        const removal = (product: string, from: string) =>
            eraSpans.find((s) => s.product === product && s.range.from === from)?.adRemoved;
        assert.match(removal("enterprise", "3.18.0") ?? "", /removed in Calico Enterprise 3.18/);
        assert.match(removal("cloud", "18.3.0") ?? "", /removed in Calico Cloud 18.3.0/);
        assert.deepEqual(
            eraSpans.filter((s) => s.adRemoved).map((s) => s.era),
            ["ruleBased", "ruleBased"],
        );
    });

    it("maps Calico Cloud 18.x to the detectors of Enterprise 3.17", () => {
        assert.deepEqual(enterpriseEquivalent("cloud", version("18.1.0")), version("3.17.0"));
        assert.deepEqual(enterpriseEquivalent("cloud", version("3.15.0")), version("3.15.0"));
    });
});

describe("the AD Deployment, as the policy pack and the preview summary tell it", () => {
    it("is tigera-intrusion-detection/ad-jobs-deployment and nothing else", () => {
        assert.ok(
            isAdDeployment({ namespace: "tigera-intrusion-detection", name: "ad-jobs-deployment" }),
        );
        assert.ok(!isAdDeployment({ namespace: "default", name: "ad-jobs-deployment" }));
        assert.ok(!isAdDeployment({ namespace: "tigera-intrusion-detection", name: "other" }));
        assert.ok(!isAdDeployment({ name: "ad-jobs-deployment" }));
        assert.ok(!isAdDeployment(undefined));
    });
});

describe("manifest profile across version boundaries", () => {
    it("3.8 standalone talks to the ES pods on 9200 with the ES http CA", () => {
        const p = manifestProfile(version("3.8.0"), "standalone");
        assert.equal(p.elasticsearch.target.port, 9200);
        assert.equal(p.elasticsearch.caSecretName, "tigera-secure-es-http-certs-public");
        assert.equal(p.elasticsearch.elasticHost, undefined);
        assert.deepEqual(p.args, ["-m", "adj"]);
    });

    it("3.9 standalone talks to the ES gateway on 5554 with the gateway CA and host", () => {
        const p = manifestProfile(version("3.9.0"), "standalone");
        assert.equal(p.elasticsearch.target.port, 5554);
        assert.equal(p.elasticsearch.target.selector, "k8s-app == 'tigera-secure-es-gateway'");
        assert.equal(p.elasticsearch.caSecretName, "tigera-secure-es-gateway-http-certs-public");
        assert.equal(
            p.elasticsearch.elasticHost,
            "tigera-secure-es-gateway-http.tigera-elasticsearch.svc",
        );
        assert.equal(p.httpApi, false);
        // The workshop's v3.9.0 manifest (aks workshop @0e4d4f1) already uses the new path.
        assert.equal(p.modelsHostPath, "/var/log/calico/anomaly_detection_jobs");
        assert.equal(
            manifestProfile(version("3.8.2"), "standalone").modelsHostPath,
            "/var/log/calico",
        );
    });

    it("3.10 adds the HTTP API probes and the dedicated models host path", () => {
        const p = manifestProfile(version("3.10.0"), "management");
        assert.equal(p.httpApi, true);
        assert.equal(p.modelsHostPath, "/var/log/calico/anomaly_detection_jobs");
    });

    it("managed clusters always go through Guardian on 8080", () => {
        for (const v of ["3.5.0", "3.8.0", "3.9.0", "3.12.0"]) {
            const p = manifestProfile(version(v), "managed");
            assert.equal(p.elasticsearch.target.namespace, "tigera-guardian", v);
            assert.equal(p.elasticsearch.target.port, 8080, v);
        }
        assert.equal(
            manifestProfile(version("3.8.0"), "managed").elasticsearch.caSecretName,
            "tigera-secure-es-http-certs-public",
        );
        assert.equal(
            manifestProfile(version("3.9.0"), "managed").elasticsearch.caSecretName,
            "tigera-secure-es-gateway-http-certs-public",
        );
    });

    it("3.6 runs main.py unprivileged; 3.7 runs privileged", () => {
        const v36 = manifestProfile(version("3.6.0"), "standalone");
        assert.deepEqual(v36.args, ["main.py"]);
        assert.deepEqual(v36.securityContext, { allowPrivilegeEscalation: false });
        assert.deepEqual(manifestProfile(version("3.7.0"), "standalone").securityContext, {
            privileged: true,
            allowPrivilegeEscalation: true,
        });
    });

    it("3.12 disables bytes_in, bytes_out and process_bytes by default", () => {
        assert.deepEqual(manifestProfile(version("3.12.0"), "managed").defaultDisabledJobs, [
            "bytes_in",
            "bytes_out",
            "process_bytes",
        ]);
        assert.deepEqual(manifestProfile(version("3.11.0"), "managed").defaultDisabledJobs, []);
    });
});

describe("jobs and detectors per release", () => {
    it("3.5 has only the first five jobs", () => {
        assert.deepEqual(jobsOf(version("3.5.0")), [
            "port_scan",
            "ip_sweep",
            "dga",
            "bytes_in",
            "bytes_out",
        ]);
    });

    it("3.12 has 19 jobs including time series and process_bytes", () => {
        const jobs = jobsOf(version("3.12.0"));
        assert.equal(jobs.length, 19);
        assert.ok(jobs.includes("time_series_l7") && jobs.includes("process_bytes"));
    });

    it("3.15 adds dns_tunnel and multivariable_flow; 3.18 is not a detector release", () => {
        const detectors = detectorsOf(version("3.15.0")) ?? [];
        assert.ok(detectors.includes("dns_tunnel") && detectors.includes("multivariable_flow"));
        assert.equal(detectorsOf(version("3.18.0")), undefined);
        assert.deepEqual(jobsOf(version("3.13.0")), []);
    });
});

describe("catalog integrity", () => {
    it("has unique env var names and detector IDs", () => {
        assert.equal(new Set(envVarCatalog.map((e) => e.name)).size, envVarCatalog.length);
        assert.equal(new Set(detectorCatalog.map((d) => d.id)).size, detectorCatalog.length);
    });

    it("links every env var to a real job and a real replacement", () => {
        for (const e of envVarCatalog) {
            if (e.job) {
                assert.ok(
                    detectorCatalog.some((d) => d.id === e.job),
                    `${e.name} -> ${e.job}`,
                );
            }
            if (e.replacedBy) {
                assert.ok(
                    envVarCatalog.some((c) => c.name === e.replacedBy),
                    `${e.name} -> ${e.replacedBy}`,
                );
            }
        }
    });

    it("has every default valid under its own type and range", () => {
        for (const e of envVarCatalog) {
            for (const span of e.documented) {
                if (span.default !== undefined) {
                    assert.ok("value" in renderEnvValue(e, span.default), e.name);
                }
            }
        }
    });
});

describe("nearest names", () => {
    it("suggests the intended env var for typos and wrong case", () => {
        const names = envVarCatalog.map((e) => e.name);
        assert.equal(nearestName("AD_port_scn_threshold", names), "AD_port_scan_threshold");
        assert.equal(nearestName("ad_port_scan_threshold", names), "AD_port_scan_threshold");
        assert.equal(nearestName("process_restart", jobsOf(version("3.12.0"))), "process_restarts");
        assert.equal(nearestName("completely_unrelated_thing", ["port_scan", "dga"]), undefined);
    });

    it("counts a swap of two letters as one edit", () => {
        assert.equal(editDistance("dga", "gda"), 1);
        assert.equal(editDistance("abc", "abc"), 0);
    });
});
