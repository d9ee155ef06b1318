/**
 * The objects calico-ad renders, checked by the local API server with a server-side dry run
 * (nothing is stored): the NetworkPolicies against Calico Open Source v3.32.1's own CRDs (real
 * OpenAPI schemas with CEL rules, from the vendored archive that scripts/local-cluster.sh
 * applies), the GlobalAlerts against the typed GlobalAlert STAND-IN CRD
 * (test/fixtures/cluster/00-crd-globalalerts.yaml; GlobalAlert is Calico Enterprise only), the
 * AD detectors' and the rule-based scan alert of releases without AD.
 * Needs scripts/toolchain.sh and a running scripts/local-cluster.sh; skips with the reason
 * otherwise.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { manifestProfile } from "../../catalog/lookup";
import { version } from "../../catalog/versions";
import { ClusterType } from "../../catalog/eras";
import { buildAdJobsManifests } from "../../components/adJobsDeployment";
import { buildDetectorGlobalAlert } from "../../components/detectorAlerts";
import { buildScanAlert } from "../../components/scanAlert";
import { kubeContext, missingPrerequisite } from "./harness";

const skip = missingPrerequisite();

/** `kubectl apply --dry-run=server` of one object: the API server validates, stores nothing. */
function serverDryRun(object: unknown): { status: number; output: string } {
    const result = spawnSync(
        "kubectl",
        ["--context", kubeContext, "apply", "--server-side", "--dry-run=server", "-f", "-"],
        { input: JSON.stringify(object), encoding: "utf8" },
    );
    return { status: result.status ?? 1, output: `${result.stdout}${result.stderr}` };
}

function policies(release: string, clusterType: ClusterType) {
    const profile = manifestProfile(version(release), clusterType);
    return buildAdJobsManifests({
        profile,
        clusterName: "prod-east",
        image: `quay.io/tigera/anomaly_detection_jobs:v${release}`,
        imagePullSecret: "tigera-pull-secret",
        jobEnv: [],
        disabledJobs: profile.defaultDisabledJobs,
        awaitRollout: true,
    });
}

type Policy = { spec: { egress: { action: string }[] } };

describe(
    "rendered objects against the API server's schemas (server-side dry run)",
    { skip },
    () => {
        for (const [release, clusterType] of [
            ["3.8.0", "standalone"],
            ["3.12.0", "standalone"],
            ["3.12.0", "managed"],
        ] as const) {
            it(`${release} ${clusterType}: both NetworkPolicies pass Calico's own CRD schema`, () => {
                const { jobsPolicy, elasticsearchPolicy } = policies(release, clusterType);
                for (const policy of [jobsPolicy, elasticsearchPolicy]) {
                    const { status, output } = serverDryRun(policy);
                    assert.equal(status, 0, output);
                    assert.match(output, /serverside-applied \(server dry run\)/);
                }
            });
        }

        it("a NetworkPolicy with a misspelt action is rejected by Calico's CRD", () => {
            const { jobsPolicy } = policies("3.12.0", "managed");
            const broken = structuredClone(jobsPolicy) as unknown as Policy;
            broken.spec.egress[0].action = "Allw";
            const { status, output } = serverDryRun(broken);
            assert.notEqual(status, 0);
            assert.match(
                output,
                /Unsupported value: "Allw": supported values: "Allow", "Deny", "Log", "Pass"/,
            );
        });

        it("a detector GlobalAlert passes the stand-in schema; a severity of 0 does not", () => {
            const alert = buildDetectorGlobalAlert("port_scan", {
                period: "15m",
                severity: 100,
                awaitRollout: true,
            });
            const accepted = serverDryRun(alert);
            assert.equal(accepted.status, 0, accepted.output);
            const rejected = serverDryRun(
                buildDetectorGlobalAlert("port_scan", {
                    period: "15m",
                    severity: 0,
                    awaitRollout: true,
                }),
            );
            assert.notEqual(rejected.status, 0);
            assert.match(
                rejected.output,
                /spec\.severity: Invalid value: 0: spec\.severity in body should be greater than or equal to 1/,
            );
        });

        it("the rule-based scan alert passes the stand-in schema; a metric the API has not does not", () => {
            const alert = buildScanAlert({
                threshold: 100,
                severity: 100,
                period: "5m",
                lookback: "11m",
                awaitRollout: true,
            });
            const accepted = serverDryRun(alert);
            assert.equal(accepted.status, 0, accepted.output);
            const distinct = structuredClone(alert) as { spec: Record<string, unknown> };
            distinct.spec.metric = "cardinality";
            const rejected = serverDryRun(distinct);
            assert.notEqual(rejected.status, 0);
            assert.match(rejected.output, /spec\.metric: Unsupported value: "cardinality"/);
        });
    },
);
