/**
 * The policy pack run by the real CLI: `pulumi preview --policy-pack policy` stops a stack that
 * breaks a rule and passes the examples. Previews only, so the cluster is never changed. Needs
 * scripts/toolchain.sh and a running scripts/local-cluster.sh; skips with the reason otherwise.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { stackFileConfig } from "../helpers";
import { missingPrerequisite, pulumiCli, TestStack } from "./harness";

const skip = missingPrerequisite();

/** A committed stack file as a plain object, optionally with some keys replaced. */
function exampleConfig(
    stack: string,
    overrides: Record<string, unknown> = {},
): Record<string, unknown> {
    const config = Object.fromEntries(
        Object.entries(stackFileConfig(stack)).map(([key, value]) => [
            key,
            value.startsWith("{") || value.startsWith("[") ? JSON.parse(value) : value,
        ]),
    );
    return { ...config, ...overrides };
}

const previewWithPolicies = (stack: TestStack) =>
    pulumiCli(["preview", "--policy-pack", "policy", "--diff"], stack.stack.name);

describe("pulumi preview --policy-pack policy", { skip, concurrency: false }, () => {
    const stacks: TestStack[] = [];
    const create = async (label: string, config: Record<string, unknown>) => {
        const stack = await TestStack.create(label, config);
        stacks.push(stack);
        return stack;
    };
    let unpinned: TestStack;
    let workshop: TestStack;
    let management: TestStack;

    before(async () => {
        // "master" is a valid image tag, so stack config accepts it; only the policy stops it.
        unpinned = await create(
            "policy-unpinned",
            exampleConfig("local", { "calico-ad:imageTag": "master" }),
        );
        workshop = await create("policy-workshop", exampleConfig("local"));
        management = await create(
            "policy-management",
            exampleConfig("management", {
                "calico-ad:kubeContext": "calico-ad-local",
                "calico-ad:clusterName": "local-cluster",
                "calico-ad:awaitRollout": "false",
            }),
        );
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
});
