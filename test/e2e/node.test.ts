/**
 * The workshop stack on the local node (kubelet, containerd, controller-manager, scheduler of
 * scripts/local-cluster.sh): `pulumi up` awaits the AD Deployment's rollout, which completes
 * only when the kubelet's /ad/ping startup and readiness probes pass on the pod. The AD jobs
 * image is a STAND-IN (scripts/node-images.sh) that answers those probes and runs no job.
 * Needs the node; skips with the reason otherwise, and fails with CALICO_AD_REQUIRE_ALL_TESTS=1.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { committedConfig, getObject, kubectl, missingNode, TestStack } from "./harness";

const skip = missingNode();
const ids = "tigera-intrusion-detection";

interface DeploymentStatus {
    metadata: { generation: number };
    status?: { observedGeneration?: number; readyReplicas?: number; updatedReplicas?: number };
}

/** The Ready pods of the AD Deployment with their ready time and the threshold in their spec. */
function adPods(): { name: string; ready: boolean; threshold?: string }[] {
    const result = kubectl(["-n", ids, "get", "pods", "-l", "app=anomaly-detection", "-o", "json"]);
    assert.equal(result.status, 0, result.stderr);
    const pods = JSON.parse(result.stdout) as {
        items: {
            metadata: { name: string; deletionTimestamp?: string };
            spec: { containers: { env: { name: string; value?: string }[] }[] };
            status: { conditions?: { type: string; status: string }[] };
        }[];
    };
    return pods.items
        .filter((pod) => !pod.metadata.deletionTimestamp)
        .map((pod) => ({
            name: pod.metadata.name,
            ready: pod.status.conditions?.some((c) => c.type === "Ready" && c.status === "True")
                ? true
                : false,
            threshold: pod.spec.containers[0].env.find((e) => e.name === "AD_port_scan_threshold")
                ?.value,
        }));
}

describe(
    "the AD Deployment on the local node (real kubelet probes; STAND-IN AD jobs image)",
    { skip, concurrency: false },
    () => {
        let stack: TestStack;
        let firstPod: string;
        const config = (threshold: number) => {
            const workshop = committedConfig("local", { "calico-ad:awaitRollout": "true" });
            (workshop["calico-ad:jobEnv"] as Record<string, unknown>).AD_port_scan_threshold =
                threshold;
            return workshop;
        };
        before(async () => {
            stack = await TestStack.create("node", config(200));
        });
        after(async () => stack?.remove());

        it("up returns once the pod is Ready through the kubelet's /ad/ping probes", async () => {
            await stack.stack.up();
            const deployment = getObject(
                "deployment",
                "ad-jobs-deployment",
                ids,
            ) as unknown as DeploymentStatus;
            assert.equal(deployment.status?.readyReplicas, 1, JSON.stringify(deployment.status));
            const pods = adPods();
            assert.equal(pods.length, 1, JSON.stringify(pods));
            assert.ok(pods[0].ready, "the pod is Ready when up returns");
            firstPod = pods[0].name;
            const logs = kubectl(["-n", ids, "logs", firstPod]);
            assert.equal(logs.status, 0, logs.stderr);
            assert.match(logs.stdout, /GET \/ad\/ping from kube-probe\/1\.37/);
        });

        it("a threshold change rolls out a new pod with the new value before up returns", async () => {
            await stack.setConfig(config(300));
            await stack.stack.up();
            const deployment = getObject(
                "deployment",
                "ad-jobs-deployment",
                ids,
            ) as unknown as DeploymentStatus;
            assert.equal(deployment.status?.observedGeneration, deployment.metadata.generation);
            assert.equal(deployment.status?.updatedReplicas, 1);
            const ready = adPods().filter((pod) => pod.ready);
            assert.deepEqual(
                ready.map((pod) => pod.threshold),
                ["300"],
                JSON.stringify(ready),
            );
            assert.notEqual(ready[0].name, firstPod, "a new pod, not the first one");
        });
    },
);
