import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { envVarCatalog } from "../../catalog/envVars";
import { buildAdJobsManifests } from "../../components/adJobsDeployment";
import { ManifestEraSettings, parseSettings } from "../../config/settings";
import { catalogRangeProblems, imagePinProblem } from "../../policy/validators";
import { rawConfig } from "../helpers";

const manifestConfig = (values: Record<string, unknown>) =>
    rawConfig({ calicoVersion: "3.12.0", clusterType: "standalone", ...values });
const digest = `sha256:${"a".repeat(64)}`;

/** The settings stack config yields, or undefined when it refuses the config. */
function settingsOf(values: Record<string, unknown>): ManifestEraSettings | undefined {
    try {
        return parseSettings(manifestConfig(values)) as ManifestEraSettings;
    } catch {
        return undefined;
    }
}

const imageOf = (values: Record<string, unknown>) => settingsOf(values)?.image;

describe("stack config and the policy pack's calico-ad-image-pinned", () => {
    const tags = ["v3.12.0", "3.12", "v3.12.0-1", "v3", "master", "latest", "dev-build", "1"];

    it("accept exactly the same images when the stack does not opt in", () => {
        for (const tag of tags) {
            for (const pinnedBy of [undefined, digest]) {
                const image = imageOf({ imageTag: tag, imageDigest: pinnedBy });
                const shown = `${tag}${pinnedBy ? " with a digest" : ""}`;
                const policyImage = `quay.io/tigera/anomaly_detection_jobs:${tag}${pinnedBy ? `@${pinnedBy}` : ""}`;
                const policyAccepts = imagePinProblem(policyImage) === undefined;
                assert.equal(image !== undefined, policyAccepts, shown);
                if (image !== undefined) {
                    assert.equal(image, policyImage, shown);
                }
            }
        }
    });

    it("differ only by the opt-in: the policy refuses what allowUnpinnedImage lets through", () => {
        const image = imageOf({ imageTag: "master", allowUnpinnedImage: "true" });
        assert.ok(image);
        assert.match(imagePinProblem(image)!, /uses tag "master", which is not a version/);
    });
});

describe("stack config and the policy pack's calico-ad-thresholds-in-catalog-range", () => {
    const samples = (min = 0, max = 0) => [
        ...new Set([min, max, min - 1, max + 1, -0.5, 0.5, 2.5, 100, 1e9].map(String)),
        "True",
        "false",
        "maybe",
        "5m",
        "20 seconds",
        "count,latency_mean",
    ];

    /**
     * For each catalog env var and sample: stack config refuses it and the policy refuses it as
     * written into the Deployment, or stack config accepts it and the policy accepts what the
     * stack deploys. Returns how many were accepted and refused.
     */
    function agreeOnEverySample(samplesOf: (min?: number, max?: number) => unknown[]) {
        let [accepted, refused] = [0, 0];
        for (const envVar of envVarCatalog) {
            for (const value of samplesOf(envVar.min, envVar.max)) {
                const shown = `${envVar.name}=${JSON.stringify(value)}`;
                const settings = settingsOf({
                    clusterName: "east",
                    jobEnv: { [envVar.name]: value },
                });
                if (!settings) {
                    const policyOnRaw = catalogRangeProblems(
                        adDeployment([{ name: envVar.name, value: String(value) }]),
                    );
                    refused++;
                    assert.notDeepEqual(
                        policyOnRaw,
                        [],
                        `stack config refused ${shown}; the policy accepts it`,
                    );
                    continue;
                }
                accepted++;
                const deployed = buildAdJobsManifests({
                    profile: settings.profile,
                    clusterName: "east",
                    image: settings.image,
                    imagePullSecret: settings.imagePullSecret,
                    jobEnv: settings.effectiveEnv,
                    disabledJobs: settings.disabledJobs,
                    awaitRollout: false,
                }).deployment;
                assert.deepEqual(
                    catalogRangeProblems(deployed),
                    [],
                    `stack config accepted ${shown}`,
                );
            }
        }
        return { accepted, refused };
    }

    it("accept exactly the same value of every catalog env var", () => {
        const { accepted, refused } = agreeOnEverySample(samples);
        assert.ok(accepted > envVarCatalog.length && refused > envVarCatalog.length);
    });

    it("agree on typed values too: numbers, booleans, lists and maps as YAML gives them", () => {
        const typed = (min = 0, max = 0) => [
            min,
            max + 1,
            0.25,
            true,
            ["count", "latency_mean"],
            ["count", "bogus"],
            [],
            { count: 1 },
        ];
        const { accepted, refused } = agreeOnEverySample(typed);
        assert.ok(accepted > envVarCatalog.length && refused > envVarCatalog.length);
    });
});

/** The AD Deployment as the policy reads it, with one container holding `env`. */
const adDeployment = (env: { name: string; value: string }[]) => ({
    metadata: { name: "ad-jobs-deployment", namespace: "tigera-intrusion-detection" },
    spec: { template: { spec: { containers: [{ name: "ad-jobs", env }] } } },
});
