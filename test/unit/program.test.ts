import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { rawConfig, recordResources, stackFileConfig } from "../helpers";
import program = require("../../index");

type Outputs = Record<string, unknown>;

/** Runs index.ts with the given stack config under mocks (render mode, so no cluster is read). */
async function runProgram(config: Record<string, string>) {
    const recorded = await recordResources();
    pulumi.runtime.setAllConfig(config);
    const outputs = (await program()) as Outputs;
    await new Promise((resolve) => setTimeout(resolve, 50));
    return { recorded, outputs };
}

describe("the whole program (mocks, render mode)", () => {
    it("deploys the workshop stack: provider, component, Deployment, two policies", async () => {
        const { recorded, outputs } = await runProgram({
            ...stackFileConfig("dev"),
            ...rawConfig({
                renderDirectory: "rendered/dev",
                clusterName: "cd8i1cf9.aks-calicocloud-repo",
            }),
        });
        const types = recorded.map((r) => r.type).sort();
        assert.deepEqual(types, [
            "calico-ad:index:AnomalyDetection",
            "calico-ad:manifest:AdJobsDeployment",
            "kubernetes:apps/v1:Deployment",
            "kubernetes:projectcalico.org/v3:NetworkPolicy",
            "kubernetes:projectcalico.org/v3:NetworkPolicy",
            "pulumi:providers:kubernetes",
        ]);
        const provider = recorded.find((r) => r.type === "pulumi:providers:kubernetes")!;
        assert.equal(provider.inputs.renderYamlToDirectory, "rendered/dev");
        assert.equal(outputs.release, "Calico Cloud 3.12.0");
        assert.equal(outputs.clusterName, "cd8i1cf9.aks-calicocloud-repo");
        assert.deepEqual(outputs.deployed, [
            "NetworkPolicy tigera-intrusion-detection/allow-tigera.allow-anomaly-detection",
            "NetworkPolicy tigera-guardian/allow-tigera.elasticsearch-access-anomaly-detection",
            "Deployment tigera-intrusion-detection/ad-jobs-deployment",
        ]);
        const effective = outputs.effectiveSettings as Record<
            string,
            { value: string; source: string }
        >;
        assert.deepEqual(effective.AD_search_interval_minutes, {
            value: "5",
            source: "stack config",
        });
        assert.deepEqual(effective.AD_GENERIC_FLOWS_SENSITIVITY, { value: "1", source: "default" });
        assert.deepEqual(outputs.disabled, ["bytes_in", "bytes_out", "process_bytes"]);
        assert.equal((outputs.warnings as string[]).length, 3);
    });

    it("deploys GlobalAlerts for the management example", async () => {
        const { recorded, outputs } = await runProgram({
            ...stackFileConfig("management"),
            ...rawConfig({ renderDirectory: "rendered/management" }),
        });
        assert.equal(
            recorded.filter((r) => r.type === "kubernetes:projectcalico.org/v3:GlobalAlert").length,
            3,
        );
        assert.ok(!recorded.some((r) => r.type === "kubernetes:apps/v1:Deployment"));
        assert.deepEqual(outputs.enabled, ["port_scan", "dga", "dns_tunnel"]);
        assert.ok((outputs.disabled as string[]).includes("http_verbs"));
    });

    it("creates nothing when the config is bad", async () => {
        const recordedBefore = await recordResources();
        pulumi.runtime.setAllConfig(
            rawConfig({
                calicoVersion: "3.12.0",
                clusterType: "managed",
                clusterName: "x",
                renderDirectory: "out",
                jobEnv: { AD_port_scan_threshold: 0 },
            }),
        );
        await assert.rejects(program(), /AD_port_scan_threshold: 0 is out of range/);
        assert.deepEqual(recordedBefore, []);
    });
});
