import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { removalWarning, removedRelease } from "../../config/removal";
import { rawConfig } from "../helpers";

describe("releases without AD (config/removal.ts)", () => {
    it("knows CE 3.18+ and CC 18.3+ as removed, with the catalog's reason", () => {
        assert.deepEqual(removedRelease(rawConfig({ calicoVersion: "3.18.0" })), {
            release: "Calico Enterprise 3.18.0",
            reason: "Anomaly Detection was removed in Calico Enterprise 3.18 (the operator deletes its objects)",
        });
        assert.match(
            removedRelease(rawConfig({ product: "cloud", calicoVersion: "18.3.0" }))?.reason ?? "",
            /removed/,
        );
    });

    it("does not count releases that have AD, releases before 3.5 or unreadable versions", () => {
        for (const config of [
            { calicoVersion: "3.17.1" },
            { calicoVersion: "3.12.0" },
            { product: "cloud", calicoVersion: "18.2.0" },
            { calicoVersion: "3.4.0" },
            { calicoVersion: "three" },
            { product: "azure", calicoVersion: "3.18.0" },
        ]) {
            assert.equal(removedRelease(rawConfig(config)), undefined, JSON.stringify(config));
        }
    });

    it("warns with the release and the objects that will be deleted", () => {
        const removed = removedRelease(rawConfig({ calicoVersion: "3.18.0" }))!;
        assert.match(
            removalWarning(removed, ["GlobalAlert tigera.io.detector.port-scan"]),
            /^Anomaly Detection was removed in Calico Enterprise 3\.18 .*on Calico Enterprise 3\.18\.0 it deletes them: GlobalAlert tigera\.io\.detector\.port-scan; nothing else changes \(calico-ad:afterAdRemoval is deleteOnly\)$/,
        );
    });
});
