/**
 * A stack's life in a cluster, with the real engine against the local API server: adopting the
 * workshop's hand-applied objects, drift on a setting the stack leaves at its default, losing the
 * state and adopting again, and a second stack refused because another one owns the objects.
 * The hand-applied manifest is a stand-in for the workshop's (test/fixtures/workshop/), and its
 * image is the local node's STAND-IN AD jobs image. "The pod restarts only when settings differ"
 * is observed twice: as a changed pod template (`spec.template`; the generation is no measure,
 * because annotation changes bump it too), and on the local node as the real pods and
 * ReplicaSets the controller-manager and kubelet run (no rollout is awaited: a new pod existing
 * is the restart). Needs scripts/toolchain.sh and a running scripts/local-cluster.sh; skips with
 * the reason otherwise; the pod checks need the node, and fail naming why under
 * CALICO_AD_REQUIRE_ALL_TESTS=1 when it is missing.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import * as yaml from "js-yaml";
import { describeChange } from "../../preview/markdown";
import { previewStacks } from "../../preview/runPreviews";
import { repoRoot } from "../helpers";
import {
    deploymentEnv,
    getObject,
    kubeContext,
    kubectl,
    missingNode,
    missingPrerequisite,
    TestStack,
} from "./harness";

const skip = missingPrerequisite();
const noNode = skip ?? missingNode();
const ids = "tigera-intrusion-detection";
const workshopManifest = path.join(
    repoRoot,
    "test",
    "fixtures",
    "workshop",
    "ad-jobs-deployment-managed.yaml",
);

/** A 3.12 managed stack that sets no AD env var at all: every threshold at its default. */
const setsNothing = {
    product: "cloud",
    calicoVersion: "3.12.0",
    clusterType: "managed",
    kubeContext,
    awaitRollout: "false",
};

/**
 * What docs/operations.md tells adopters to configure: no threshold, but every env var of the
 * hand-applied manifest that the stack does not write (the workshop's AD_debug) carried into jobEnv.
 */
const adoptsWorkshop = { ...setsNothing, jobEnv: { AD_debug: true } };

function deploymentMeta(): {
    uid: string;
    annotations: Record<string, string>;
    template: unknown;
} {
    const deployment = getObject("deployment", "ad-jobs-deployment", ids) as {
        metadata: { uid: string; annotations?: Record<string, string> };
        spec: { template: unknown };
    };
    return {
        uid: deployment.metadata.uid,
        annotations: deployment.metadata.annotations ?? {},
        template: deployment.spec.template,
    };
}

interface AdPods {
    /** UIDs of the AD pods not being deleted, each with its port-scan threshold. */
    readonly pods: Record<string, string | undefined>;
    /** UIDs of the Deployment's ReplicaSets. */
    readonly replicaSets: readonly string[];
}

/**
 * The AD Deployment's pods and ReplicaSets once the controller has acted on its latest spec and
 * one pod of the current template exists (old pods may still be terminating).
 */
async function settledPods(): Promise<AdPods> {
    for (let attempt = 0; attempt < 240; attempt++) {
        const deployment = getObject("deployment", "ad-jobs-deployment", ids) as {
            metadata: { generation: number };
            status?: { observedGeneration?: number; replicas?: number; updatedReplicas?: number };
        };
        const list = (resource: string) => {
            const result = kubectl([
                "-n",
                ids,
                "get",
                resource,
                "-l",
                "app=anomaly-detection",
                "-o",
                "json",
            ]);
            assert.equal(result.status, 0, result.stderr);
            return (JSON.parse(result.stdout) as { items: unknown[] }).items as {
                metadata: { uid: string; deletionTimestamp?: string };
                spec: { containers: { env?: { name: string; value?: string }[] }[] };
            }[];
        };
        const status = deployment.status;
        if (
            status?.observedGeneration === deployment.metadata.generation &&
            status.replicas === 1 &&
            status.updatedReplicas === 1
        ) {
            const pods = list("pods").filter((pod) => !pod.metadata.deletionTimestamp);
            if (pods.length === 1) {
                return {
                    pods: Object.fromEntries(
                        pods.map((pod) => [
                            pod.metadata.uid,
                            pod.spec.containers[0].env?.find(
                                (e) => e.name === "AD_port_scan_threshold",
                            )?.value,
                        ]),
                    ),
                    replicaSets: list("replicasets")
                        .map((rs) => rs.metadata.uid)
                        .sort(),
                };
            }
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
    }
    throw new Error("the AD Deployment's rollout did not settle within 120 s");
}

function must(result: { status: number; stdout: string; stderr: string }): void {
    assert.equal(result.status, 0, result.stderr);
}

/** The drift workflow's own command line, from .github/workflows/drift.yml. */
function driftCommand(): string {
    const workflow = yaml.load(
        fs.readFileSync(path.join(repoRoot, ".github", "workflows", "drift.yml"), "utf8"),
    ) as { jobs: { drift: { steps: { run?: string }[] } } };
    const run = workflow.jobs.drift.steps.find((s) => s.run?.includes("--refresh"))?.run;
    assert.ok(run, "drift.yml has a refreshing preview step");
    return run;
}

describe(
    "adoption and drift: the workshop's hand-applied objects under a stack that sets no threshold",
    { skip, concurrency: false },
    () => {
        let stack: TestStack;
        let second: TestStack | undefined;
        let before_: ReturnType<typeof deploymentMeta>;
        let handAppliedPods: AdPods | undefined;
        let unownedPods: AdPods | undefined;
        let stateLost = false;

        before(async () => {
            must(kubectl(["apply", "-f", workshopManifest]));
            must(
                kubectl([
                    "-n",
                    ids,
                    "set",
                    "env",
                    "deployment/ad-jobs-deployment",
                    "AD_port_scan_threshold=200",
                ]),
            );
            before_ = deploymentMeta();
            if (!noNode) {
                handAppliedPods = await settledPods();
            }
            stack = await TestStack.create("adopt", setsNothing);
        });
        after(async () => {
            try {
                await second?.remove();
            } finally {
                try {
                    if (stateLost) {
                        fs.rmSync(path.join(repoRoot, `Pulumi.${stack.stack.name}.yaml`), {
                            force: true,
                        });
                    } else {
                        await stack?.remove();
                    }
                } finally {
                    kubectl([
                        "delete",
                        "-f",
                        workshopManifest,
                        "--ignore-not-found",
                        "--wait=false",
                    ]);
                }
            }
        });

        it("preview warns that it adopts the three objects applied by hand, naming the env var the stack would not write", async () => {
            let output = "";
            await stack.stack.preview({ onOutput: (text) => (output += text) });
            assert.match(
                output,
                /adopting deployments\/ad-jobs-deployment in namespace tigera-intrusion-detection, networkpolicies\.projectcalico\.org\/allow-tigera\.allow-anomaly-detection/,
            );
            assert.match(output, /takes them over in place \(same UID\)/);
            assert.match(output, /sets AD_debug, which this stack does not write/);
            // The adoption steps of docs/operations.md: carry it into jobEnv.
            await stack.setConfig(adoptsWorkshop);
            output = "";
            await stack.stack.preview({ onOutput: (text) => (output += text) });
            assert.doesNotMatch(output, /which this stack does not write/);
        });

        it("up adopts them in place and gives every setting the release reads the stack's value", async () => {
            const result = await stack.stack.up();
            const after = deploymentMeta();
            assert.equal(after.uid, before_.uid, "same object, not deleted and created again");
            assert.notDeepEqual(
                after.template,
                before_.template,
                "settings differ: a new pod template",
            );
            assert.equal(
                after.annotations["calico-ad/stack"],
                `organization/calico-ad/${stack.stack.name}`,
            );
            const env = deploymentEnv();
            assert.equal(env.AD_port_scan_threshold, "500");
            assert.equal(env.AD_max_docs, "500000");
            const effective = result.outputs.effectiveSettings.value as Record<
                string,
                { value: string }
            >;
            // No output disagrees with the cluster: every setting shown is the one deployed.
            for (const [name, { value }] of Object.entries(effective)) {
                assert.equal(env[name], String(value), name);
            }
            await stack.preview({ expectNoChanges: true });
            const refresh = await stack.stack.preview({ refresh: true, expectNoChanges: true });
            assert.equal(refresh.changeSummary.update ?? 0, 0);
        });

        it(
            "on the local node, the adopted Deployment replaces the hand-applied pod with one of the stack's value",
            { skip: noNode },
            async () => {
                const adopted = await settledPods();
                assert.deepEqual(Object.values(adopted.pods), ["500"], JSON.stringify(adopted));
                for (const uid of Object.keys(adopted.pods)) {
                    assert.ok(
                        !(uid in handAppliedPods!.pods),
                        "a new pod, not the hand-applied one",
                    );
                }
                assert.ok(
                    adopted.replicaSets.some((uid) => !handAppliedPods!.replicaSets.includes(uid)),
                    "a new ReplicaSet for the new pod template",
                );
            },
        );

        it("shows a hand edit of a defaulted setting in the refreshed preview, naming the env var", async () => {
            must(
                kubectl([
                    "-n",
                    ids,
                    "set",
                    "env",
                    "deployment/ad-jobs-deployment",
                    "AD_port_scan_threshold=200",
                ]),
            );
            const [preview] = await previewStacks([{ stack: stack.stack.name }], {
                workDir: repoRoot,
                envVars: stack.stack.workspace.envVars,
                refresh: true,
            });
            assert.deepEqual(preview.errors, []);
            assert.deepEqual(
                preview.resources.map((r) => `${r.operation} ${r.label}`),
                [`update Deployment ${ids}/ad-jobs-deployment`],
            );
            assert.deepEqual(preview.resources[0].changes.map(describeChange), [
                "AD_port_scan_threshold: 200 → 500",
            ]);
        });

        it("fails the drift workflow's command, whose job summary names the env var", () => {
            const summary = path.join(
                fs.mkdtempSync(path.join(os.tmpdir(), "calico-ad-drift-")),
                "summary.md",
            );
            const result = spawnSync("bash", ["-c", driftCommand()], {
                cwd: repoRoot,
                encoding: "utf8",
                env: {
                    ...process.env,
                    ...stack.stack.workspace.envVars,
                    PULUMI_STACK: stack.stack.name,
                    GITHUB_STEP_SUMMARY: summary,
                },
            });
            assert.equal(result.status, 1, `${result.stdout}${result.stderr}`);
            assert.match(fs.readFileSync(summary, "utf8"), /AD_port_scan_threshold: 200 → 500/);
            assert.match(
                result.stderr,
                new RegExp(`no changes were expected, but ${stack.stack.name} would change`),
            );
        });

        it("up --refresh puts the setting back, and nothing is left to change", async () => {
            const drifted = deploymentMeta();
            await stack.stack.up({ refresh: true });
            assert.equal(deploymentEnv().AD_port_scan_threshold, "500");
            assert.equal(deploymentMeta().uid, drifted.uid);
            await stack.stack.preview({ refresh: true, expectNoChanges: true });
        });

        it("after the state is lost, a new stack with the same settings adopts without restarting the pod", async () => {
            // As if the first stack's state were gone: its objects stay, without an owner.
            must(
                kubectl([
                    "-n",
                    ids,
                    "annotate",
                    "deployment/ad-jobs-deployment",
                    "calico-ad/stack-",
                ]),
            );
            for (const policy of [
                [
                    "-n",
                    ids,
                    "networkpolicies.projectcalico.org/allow-tigera.allow-anomaly-detection",
                ],
                [
                    "-n",
                    "tigera-guardian",
                    "networkpolicies.projectcalico.org/allow-tigera.elasticsearch-access-anomaly-detection",
                ],
            ]) {
                must(kubectl(["annotate", ...policy, "calico-ad/stack-"]));
            }
            await stack.stack.workspace.removeStack(stack.stack.name, { force: true });
            stateLost = true;
            const unowned = deploymentMeta();
            if (!noNode) {
                unownedPods = await settledPods();
            }
            second = await TestStack.create("readopt", adoptsWorkshop);
            await second.stack.up();
            const adopted = deploymentMeta();
            assert.equal(adopted.uid, unowned.uid);
            assert.deepEqual(
                adopted.template,
                unowned.template,
                "same settings: the same pod template",
            );
            assert.equal(
                adopted.annotations["calico-ad/stack"],
                `organization/calico-ad/${second.stack.name}`,
            );
        });

        it(
            "on the local node, adopting objects whose settings equal the stack's keeps the same pod and ReplicaSets",
            { skip: noNode },
            async () => {
                const readopted = await settledPods();
                assert.deepEqual(readopted, unownedPods, "same pod UID, no new ReplicaSet");
                assert.deepEqual(Object.values(readopted.pods), ["500"]);
            },
        );

        it("refuses a second stack whose objects another stack manages, naming that stack", async () => {
            const intruder = await TestStack.create("intruder", setsNothing);
            try {
                let output = "";
                await assert.rejects(
                    intruder.stack.preview({ onOutput: (text) => (output += text) }),
                );
                assert.match(
                    output,
                    new RegExp(
                        `deployments/ad-jobs-deployment in namespace tigera-intrusion-detection is managed by stack "organization/calico-ad/${second!.stack.name}"`,
                    ),
                );
                assert.equal(
                    deploymentMeta().annotations["calico-ad/stack"],
                    `organization/calico-ad/${second!.stack.name}`,
                );
            } finally {
                await intruder.stack.workspace.removeStack(intruder.stack.name, { force: true });
                fs.rmSync(path.join(repoRoot, `Pulumi.${intruder.stack.name}.yaml`), {
                    force: true,
                });
            }
        });
    },
);

describe("era upgrade 3.12 → 3.13 and back", { skip, concurrency: false }, () => {
    const era312 = {
        product: "enterprise",
        calicoVersion: "3.12.0",
        clusterType: "management",
        kubeContext,
        awaitRollout: "false",
    };
    const era313 = { ...era312, calicoVersion: "3.13.0", detectors: ["port_scan", "dga"] };
    let stack: TestStack;

    before(async () => {
        stack = await TestStack.create("era", era312);
        await stack.stack.up();
    });
    after(async () => stack?.remove());

    /** The Kubernetes objects a preview creates and deletes, as `op Kind name`. */
    const objectChanges = async () =>
        (await stack.preview()).steps
            .filter((s) => s.op !== "same" && s.type.startsWith("kubernetes:"))
            .map((s) => `${s.op} ${s.type.split(":").pop()} ${s.urn.split("::").pop()}`)
            .sort();

    it("previews exactly the deletion of the Deployment and its two policies and the creation of the GlobalAlerts, then converges", async () => {
        await stack.setConfig(era313);
        assert.deepEqual(await objectChanges(), [
            "create GlobalAlert anomaly-detection-detectors-dga",
            "create GlobalAlert anomaly-detection-detectors-port-scan",
            "delete Deployment anomaly-detection-jobs-deployment",
            "delete NetworkPolicy anomaly-detection-jobs-elasticsearch-policy",
            "delete NetworkPolicy anomaly-detection-jobs-jobs-policy",
        ]);
        await stack.stack.up();
        assert.equal(getObject("deployment", "ad-jobs-deployment", ids), undefined);
        assert.ok(getObject("globalalerts.projectcalico.org", "tigera.io.detector.port-scan"));
        await stack.preview({ expectNoChanges: true });
    });

    it("downgrades likewise: the GlobalAlerts deleted, the Deployment and policies created", async () => {
        await stack.setConfig(era312);
        assert.deepEqual(await objectChanges(), [
            "create Deployment anomaly-detection-jobs-deployment",
            "create NetworkPolicy anomaly-detection-jobs-elasticsearch-policy",
            "create NetworkPolicy anomaly-detection-jobs-jobs-policy",
            "delete GlobalAlert anomaly-detection-detectors-dga",
            "delete GlobalAlert anomaly-detection-detectors-port-scan",
        ]);
        await stack.stack.up();
        assert.equal(
            getObject("globalalerts.projectcalico.org", "tigera.io.detector.port-scan"),
            undefined,
        );
        assert.ok(getObject("deployment", "ad-jobs-deployment", ids));
        await stack.preview({ expectNoChanges: true });
    });
});
