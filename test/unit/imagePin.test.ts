import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ManifestEraSettings, parseSettings } from "../../config/settings";
import { errorOf, rawConfig } from "../helpers";

const manifestConfig = (values: Record<string, unknown>) =>
    rawConfig({ calicoVersion: "3.12.0", clusterType: "standalone", ...values });
const digest = `sha256:${"a".repeat(64)}`;

/** The image stack config yields, or undefined when it refuses the config. */
function imageOf(values: Record<string, unknown>): string | undefined {
    try {
        return (parseSettings(manifestConfig(values)) as ManifestEraSettings).image;
    } catch {
        return undefined;
    }
}

describe("the image pin rule of stack config", () => {
    it("refuses a tag that is not a release version, naming the key, the value and what is allowed", () => {
        const message = errorOf(() => parseSettings(manifestConfig({ imageTag: "master" })));
        assert.match(
            message,
            /calico-ad:imageTag: "master" is not a release version, so the image can change under the same tag; allowed: a release tag such as v3\.12\.0, any tag with calico-ad:imageDigest set, or calico-ad:allowUnpinnedImage set to true/,
        );
        assert.equal(message.split("\n").length, 2, "one problem, one line");
    });

    it("accepts a non-version tag pinned by a digest, or with the explicit opt-in", () => {
        assert.equal(
            imageOf({ imageTag: "master", imageDigest: digest }),
            `quay.io/tigera/anomaly_detection_jobs:master@${digest}`,
        );
        assert.equal(
            imageOf({ imageTag: "master", allowUnpinnedImage: "true" }),
            "quay.io/tigera/anomaly_detection_jobs:master",
        );
    });

    it("refuses the opt-in on a release whose image the operator picks", () => {
        assert.match(
            errorOf(() =>
                parseSettings(
                    rawConfig({
                        calicoVersion: "3.15.0",
                        clusterType: "management",
                        allowUnpinnedImage: "true",
                    }),
                ),
            ),
            /calico-ad:allowUnpinnedImage: is set to "true" but the operator picks the detector image in Calico Enterprise 3\.15\.0/,
        );
    });
});
