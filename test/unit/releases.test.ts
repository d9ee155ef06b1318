import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { detectorsOf, manifestProfile } from "../../catalog/lookup";
import { globalAlertReleases, releasesOffering } from "../../catalog/releases";
import { version } from "../../catalog/versions";

/**
 * Written down independently of catalog/releases.ts, from tigera/docs releases.json (operator per
 * release) and the `DetectorParams{Name: ...}` entries of tigera/operator
 * pkg/render/intrusion_detection.go at each of those tags.
 */
const templatesV126toV127 = [
    "dga",
    "dns_latency",
    "generic_dns",
    "generic_flows",
    "generic_l7",
    "http_connection_spike",
    "http_response_codes",
    "http_verbs",
    "ip_sweep",
    "l7_bytes",
    "l7_latency",
    "port_scan",
    "process_restarts",
    "time_series_dns",
    "time_series_flows",
];
const templatesV128toV130 = [
    "bytes_in",
    "bytes_out",
    "dga",
    "dns_latency",
    "dns_tunnel",
    "generic_dns",
    "generic_flows",
    "generic_l7",
    "http_connection_spike",
    "http_response_codes",
    "http_verbs",
    "l7_bytes",
    "l7_latency",
    "multivariable_flow",
    "port_scan",
    "process_bytes",
    "process_restarts",
];
const expected: Record<string, { operator: string; templates: string[] }> = {
    "3.13.0": { operator: "v1.26.0", templates: templatesV126toV127 },
    "3.13.1": { operator: "v1.26.1", templates: templatesV126toV127 },
    "3.13.2": { operator: "v1.26.2", templates: templatesV126toV127 },
    "3.13.3": { operator: "v1.26.3", templates: templatesV126toV127 },
    "3.14.0": { operator: "v1.27.10", templates: templatesV126toV127 },
    "3.14.1": { operator: "v1.27.11", templates: templatesV126toV127 },
    "3.14.2": { operator: "v1.27.13", templates: templatesV126toV127 },
    "3.14.3": { operator: "v1.27.15", templates: templatesV126toV127 },
    "3.14.4": { operator: "v1.27.17", templates: templatesV126toV127 },
    "3.15.0": { operator: "v1.28.7", templates: templatesV128toV130 },
    "3.15.1": { operator: "v1.28.10", templates: templatesV128toV130 },
    "3.15.2": { operator: "v1.28.11", templates: templatesV128toV130 },
    "3.15.3": { operator: "v1.28.12", templates: templatesV128toV130 },
    "3.15.4": { operator: "v1.28.14", templates: templatesV128toV130 },
    "3.15.5": { operator: "v1.28.15", templates: templatesV128toV130 },
    "3.16.0": { operator: "v1.29.1", templates: templatesV128toV130 },
    "3.16.1": { operator: "v1.29.4", templates: templatesV128toV130 },
    "3.16.3": { operator: "v1.29.5", templates: templatesV128toV130 },
    "3.16.4": { operator: "v1.29.7", templates: templatesV128toV130 },
    "3.16.5": { operator: "v1.29.8", templates: templatesV128toV130 },
    "3.17.0": { operator: "v1.30.3", templates: templatesV128toV130 },
    "3.17.1": { operator: "v1.30.5", templates: templatesV128toV130 },
    "3.17.2": { operator: "v1.30.6", templates: templatesV128toV130 },
    "3.17.3": { operator: "v1.30.8", templates: templatesV128toV130 },
    "3.17.4": { operator: "v1.30.10", templates: templatesV128toV130 },
};

describe("detectors per GlobalAlert-era patch release", () => {
    for (const [release, { operator, templates }] of Object.entries(expected)) {
        it(`${release} offers exactly the GlobalAlertTemplates of operator ${operator}`, () => {
            assert.equal(
                globalAlertReleases.find((r) => r.release === release)?.operator,
                operator,
            );
            assert.deepEqual(detectorsOf(version(release))?.slice().sort(), templates);
        });
    }

    it("lists no release the evidence does not name", () => {
        assert.deepEqual(
            globalAlertReleases.map((r) => r.release),
            Object.keys(expected),
        );
    });

    it("knows no detectors for 3.16.2, which releases.json skips, or for an unreleased 3.17.9", () => {
        assert.equal(detectorsOf(version("3.16.2")), undefined);
        assert.equal(detectorsOf(version("3.17.9")), undefined);
    });

    it("describes where a detector is offered as spans of releases", () => {
        assert.equal(releasesOffering("ip_sweep"), "3.13.0 to 3.14.4");
        assert.equal(releasesOffering("dns_tunnel"), "3.15.0 to 3.17.4");
        assert.equal(releasesOffering("time_series_l7"), "");
    });
});

describe("manifest-era boundaries per patch release", () => {
    it("uses the ES gateway from 3.9.0 on, as the operator each release shipped does (v1.21.0+)", () => {
        for (const release of ["3.8.0", "3.8.1"]) {
            const access = manifestProfile(version(release), "standalone").elasticsearch;
            assert.equal(access.caSecretName, "tigera-secure-es-http-certs-public", release);
            assert.equal(access.elasticHost, undefined, release);
        }
        for (const release of ["3.9.0", "3.9.1", "3.10.0"]) {
            const access = manifestProfile(version(release), "standalone").elasticsearch;
            assert.equal(
                access.caSecretName,
                "tigera-secure-es-gateway-http-certs-public",
                release,
            );
            assert.equal(
                access.elasticHost,
                "tigera-secure-es-gateway-http.tigera-elasticsearch.svc",
            );
            assert.equal(access.target.port, 5554, release);
        }
    });

    it("moves the models host path at 3.9.0 (the workshop's v3.9.0 manifest) and adds probes from 3.10.0", () => {
        assert.equal(manifestProfile(version("3.9.1"), "managed").httpApi, false);
        assert.equal(
            manifestProfile(version("3.8.9"), "managed").modelsHostPath,
            "/var/log/calico",
        );
        assert.equal(
            manifestProfile(version("3.9.0"), "managed").modelsHostPath,
            "/var/log/calico/anomaly_detection_jobs",
        );
        assert.equal(manifestProfile(version("3.10.0"), "managed").httpApi, true);
        assert.equal(
            manifestProfile(version("3.10.0"), "managed").modelsHostPath,
            "/var/log/calico/anomaly_detection_jobs",
        );
    });
});
