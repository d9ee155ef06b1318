/**
 * The policy pack run by the real CLI: `pulumi preview --policy-pack policy` stops a stack that
 * breaks a rule and passes the examples. Previews only, so the cluster is never changed. Needs
 * scripts/toolchain.sh and a running scripts/local-cluster.sh; skips with the reason otherwise.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { committedConfig, missingPrerequisite, pulumiCli, TestStack } from "./harness";

const skip = missingPrerequisite();

const previewWithPolicies = (stack: TestStack) =>
    pulumiCli(["preview", "--policy-pack", "policy", "--diff"], stack.stack.name);

describe("pulumi preview --policy-pack policy", { skip, concurrency: false }, () => {
    const stacks: TestStack[] = [];
    const create = async (
        label: string,
        config: Record<string, unknown>,
        options?: { stackName?: string },
    ) => {
        const stack = await TestStack.create(label, config, options);
        stacks.push(stack);
        return stack;
    };
    const workshopScan = {
        portScan: {
            enabled: true,
            namespace: "dev",
            scannerPod: "netshoot",
            targetSelector: "app=centos",
        },
    };
    let unpinned: TestStack;
    let workshop: TestStack;
    let management: TestStack;
    let productionScan: TestStack;
    let productionNoScan: TestStack;

    before(async () => {
        // Stack config accepts "master" only with the explicit opt-in; the policy stops it even then.
        unpinned = await create(
            "policy-unpinned",
            committedConfig("local", {
                "calico-ad:imageTag": "master",
                "calico-ad:allowUnpinnedImage": "true",
            }),
        );
        workshop = await create("policy-workshop", committedConfig("local"));
        management = await create(
            "policy-management",
            committedConfig("management", {
                "calico-ad:kubeContext": "calico-ad-local",
                "calico-ad:clusterName": "local-cluster",
                "calico-ad:awaitRollout": "false",
            }),
        );
        // Stack names matching the pack's default production pattern "prod*".
        productionScan = await create(
            "policy-prod-scan",
            // The program refuses it too unless allowed; this stack is about the policy's refusal.
            committedConfig("local", {
                "calico-ad:simulation": workshopScan,
                "calico-ad:allowSimulationInProduction": "true",
            }),
            { stackName: `prod-scan-e2e-${process.pid}` },
        );
        productionNoScan = await create("policy-prod-noscan", committedConfig("local"), {
            stackName: `prod-noscan-e2e-${process.pid}`,
        });
    });
    after(async () => {
        const results = await Promise.allSettled(stacks.map((stack) => stack.remove()));
        const failed = results.find((r) => r.status === "rejected");
        if (failed) {
            throw failed.reason;
        }
    });

    it("fails the preview of a stack with an unpinned image, naming the policy", () => {
        const { status, output } = previewWithPolicies(unpinned);
        assert.notEqual(status, 0, output);
        assert.match(output, /calico-ad-image-pinned/);
        assert.match(output, /uses tag "master", which is not a version/);
    });

    it("passes the workshop example without violations", () => {
        const { status, output } = previewWithPolicies(workshop);
        assert.equal(status, 0, output);
        assert.doesNotMatch(output, /calico-ad-(image|no-|thresholds)/);
    });

    it("passes the management example without violations", () => {
        const { status, output } = previewWithPolicies(management);
        assert.equal(status, 0, output);
        assert.doesNotMatch(output, /calico-ad-(image|no-|thresholds)/);
    });

    it("fails the preview of a production stack with the port scan on, naming the policy", () => {
        const { status, output } = previewWithPolicies(productionScan);
        assert.notEqual(status, 0, output);
        assert.match(output, /calico-ad-no-simulation-in-production/);
        assert.match(
            output,
            new RegExp(
                `would run in stack "prod-scan-e2e-${process.pid}", which is production because its name matches "prod\\*"`,
            ),
        );
    });

    it("passes the same production stack with the simulation off", () => {
        const { status, output } = previewWithPolicies(productionNoScan);
        assert.equal(status, 0, output);
        assert.doesNotMatch(output, /calico-ad-no-simulation-in-production/);
    });
});
