/**
 * The real Pulumi engine against a real kube-apiserver: preview, up, idempotence, a threshold
 * change, destroy, and the failures users hit. Needs scripts/toolchain.sh and a running
 * scripts/local-cluster.sh; skips with the reason otherwise.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import {
    changes,
    committedConfig,
    deploymentEnv,
    getObject,
    kubectl,
    missingPrerequisite,
    pulumiCli,
    TestStack,
} from "./harness";
import { repoRoot } from "../helpers";

const skip = missingPrerequisite();
const ids = "tigera-intrusion-detection";

describe("manifest era, managed 3.12 (the workshop stack)", { skip, concurrency: false }, () => {
    let stack: TestStack;
    before(async () => {
        stack = await TestStack.create("managed", committedConfig("local"));
    });
    after(async () => stack?.remove());

    it("previews with a server-side dry run and changes nothing in the cluster", async () => {
        const { result, steps } = await stack.preview();
        // The stack, the provider, two components, the Deployment and the two policies.
        assert.equal(result.changeSummary.create, 7, JSON.stringify(result.changeSummary));
        assert.ok(
            steps.some((s) => s.type === "kubernetes:apps/v1:Deployment" && s.op === "create"),
        );
        assert.equal(getObject("deployment", "ad-jobs-deployment", ids), undefined);
        assert.equal(
            getObject(
                "networkpolicies.projectcalico.org",
                "allow-tigera.allow-anomaly-detection",
                ids,
            ),
            undefined,
        );
    });

    it("deploys the Deployment and both policies with the cluster's own name", async () => {
        const result = await stack.stack.up();
        assert.equal(result.outputs.clusterName.value, "local-cluster");
        assert.equal(result.outputs.release.value, "Calico Cloud 3.12.0");
        const env = deploymentEnv();
        assert.equal(env.CLUSTER_NAME, "local-cluster");
        assert.equal(env.AD_port_scan_threshold, "200");
        assert.equal(env.AD_DISABLED_JOBS, "bytes_in,bytes_out,process_bytes");
        assert.equal(env.ELASTIC_PASSWORD, "(from secret)");
        const policy = getObject(
            "networkpolicies.projectcalico.org",
            "allow-tigera.elasticsearch-access-anomaly-detection",
            "tigera-guardian",
        );
        assert.ok(policy, "the Guardian-side policy exists");
    });

    it("is idempotent: preview and refresh find no changes", async () => {
        const { steps } = await stack.preview({ expectNoChanges: true });
        assert.deepEqual(changes(steps), []);
        const refresh = await stack.stack.refresh({ expectNoChanges: true });
        assert.equal(refresh.summary.result, "succeeded");
    });

    it("previews a threshold change as exactly one update of the Deployment, naming the env var", async () => {
        const config = committedConfig("local");
        (config["calico-ad:jobEnv"] as Record<string, unknown>).AD_port_scan_threshold = 300;
        await stack.setConfig(config);
        const { steps } = await stack.preview();
        const changed = changes(steps);
        assert.equal(changed.length, 1, JSON.stringify(changed.map((s) => `${s.op} ${s.urn}`)));
        assert.equal(changed[0].op, "update");
        assert.equal(changed[0].type, "kubernetes:apps/v1:Deployment");
        const envOf = (inputs: Record<string, unknown>) =>
            (
                inputs as {
                    spec: {
                        template: {
                            spec: { containers: { env: { name: string; value?: string }[] }[] };
                        };
                    };
                }
            ).spec.template.spec.containers[0].env;
        const before = envOf(changed[0].oldInputs);
        const after = envOf(changed[0].newInputs);
        const differing = after
            .filter((e) => before.find((b) => b.name === e.name)?.value !== e.value)
            .map((e) => `${e.name}=${e.value}`);
        assert.deepEqual(differing, ["AD_port_scan_threshold=300"]);
    });

    it("applies the change to the API server", async () => {
        await stack.stack.up();
        assert.equal(deploymentEnv().AD_port_scan_threshold, "300");
    });

    it("destroys every object of the stack", async () => {
        await stack.stack.destroy();
        assert.equal(getObject("deployment", "ad-jobs-deployment", ids), undefined);
        assert.equal(
            getObject(
                "networkpolicies.projectcalico.org",
                "allow-tigera.allow-anomaly-detection",
                ids,
            ),
            undefined,
        );
        assert.equal(
            getObject(
                "networkpolicies.projectcalico.org",
                "allow-tigera.elasticsearch-access-anomaly-detection",
                "tigera-guardian",
            ),
            undefined,
        );
    });
});

describe("manifest era, standalone 3.10", { skip, concurrency: false }, () => {
    let stack: TestStack;
    before(async () => {
        stack = await TestStack.create("standalone", {
            calicoVersion: "3.10.0",
            clusterType: "standalone",
            kubeContext: "calico-ad-local",
            awaitRollout: "false",
            jobEnv: { AD_port_scan_threshold: 250, AD_search_interval_minutes: 10 },
        });
    });
    after(async () => stack?.remove());

    it("deploys the ES gateway variant, is idempotent and cleans up", async () => {
        await stack.stack.up();
        const env = deploymentEnv();
        assert.equal(env.ELASTIC_HOST, "tigera-secure-es-gateway-http.tigera-elasticsearch.svc");
        assert.equal(env.AD_NEED_API, "true");
        // Written out although no job is disabled (Kubernetes keeps an empty value as no value),
        // so that a hand-set list shows as drift.
        const deployment = getObject("deployment", "ad-jobs-deployment", ids) as {
            spec: { template: { spec: { containers: { env: Record<string, unknown>[] }[] } } };
        };
        assert.deepEqual(
            deployment.spec.template.spec.containers[0].env.find(
                (e) => e.name === "AD_DISABLED_JOBS",
            ),
            { name: "AD_DISABLED_JOBS" },
        );
        const policy = getObject(
            "networkpolicies.projectcalico.org",
            "allow-tigera.elasticsearch-access-anomaly-detection",
            "tigera-elasticsearch",
        ) as {
            spec: { ingress: { destination: { ports: number[] } }[] };
        };
        assert.deepEqual(policy.spec.ingress[0].destination.ports, [5554]);
        assert.deepEqual(changes((await stack.preview({ expectNoChanges: true })).steps), []);
        await stack.stack.preview({ refresh: true, expectNoChanges: true });
        await stack.stack.destroy();
        assert.equal(getObject("deployment", "ad-jobs-deployment", ids), undefined);
    });
});

describe("GlobalAlert era, management 3.17", { skip, concurrency: false }, () => {
    let stack: TestStack;
    before(async () => {
        stack = await TestStack.create("globalalert", {
            calicoVersion: "3.17.1",
            clusterType: "management",
            kubeContext: "calico-ad-local",
            awaitRollout: "false",
            detectors: ["port_scan", "dga"],
            detectorPeriod: "5m",
        });
    });
    after(async () => stack?.remove());

    it("creates one GlobalAlert per detector, is idempotent and cleans up", async () => {
        assert.equal(
            getObject("globalalerts.projectcalico.org", "tigera.io.detector.port-scan"),
            undefined,
        );
        await stack.stack.up();
        const alert = getObject(
            "globalalerts.projectcalico.org",
            "tigera.io.detector.port-scan",
        ) as { spec: Record<string, unknown> };
        assert.equal(alert.spec.type, "AnomalyDetection");
        assert.deepEqual(alert.spec.detector, { name: "port_scan" });
        assert.equal(alert.spec.period, "5m");
        assert.ok(getObject("globalalerts.projectcalico.org", "tigera.io.detector.dga"));
        assert.deepEqual(changes((await stack.preview({ expectNoChanges: true })).steps), []);
        await stack.stack.preview({ refresh: true, expectNoChanges: true });
        await stack.stack.destroy();
        assert.equal(
            getObject("globalalerts.projectcalico.org", "tigera.io.detector.port-scan"),
            undefined,
        );
    });

    it("warns in preview when the operator's detection PodTemplate is missing, and not when it is there", async () => {
        const template = ["podtemplate", "tigera.io.detectors.detection", "-n", ids];
        const fixture = path.join(
            repoRoot,
            "test/fixtures/cluster/40-podtemplate-tigera.io.detectors.detection.yaml",
        );
        const previewOutput = async () => {
            let output = "";
            await stack.stack.preview({ onOutput: (text) => (output += text) });
            return output;
        };
        const warning =
            /warning: no podtemplates\/tigera\.io\.detectors\.detection in namespace tigera-intrusion-detection: the intrusion-detection-controller builds each detector's detection CronJob from it/;
        assert.ok(getObject("podtemplate", "tigera.io.detectors.detection", ids));
        assert.doesNotMatch(await previewOutput(), warning);
        assert.equal(kubectl(["delete", ...template]).status, 0);
        try {
            assert.match(await previewOutput(), warning);
        } finally {
            const restored = kubectl(["apply", "-f", fixture]);
            assert.equal(restored.status, 0, restored.stderr);
        }
    });
});

describe("failures stop before the cluster changes", { skip, concurrency: false }, () => {
    let stack: TestStack;
    before(async () => {
        stack = await TestStack.create("failures", committedConfig("local"));
    });
    after(async () => stack?.remove());

    it("fails preview with the preflight's message when a prerequisite secret is missing", async () => {
        const secret = kubectl([
            "get",
            "secret",
            "tigera-ee-ad-job-elasticsearch-access",
            "-n",
            ids,
            "-o",
            "json",
        ]);
        assert.equal(secret.status, 0, secret.stderr);
        const saved = JSON.parse(secret.stdout);
        assert.equal(
            kubectl(["delete", "secret", "tigera-ee-ad-job-elasticsearch-access", "-n", ids])
                .status,
            0,
        );
        try {
            await assert.rejects(
                stack.preview(),
                /missing secrets\/tigera-ee-ad-job-elasticsearch-access in namespace tigera-intrusion-detection/,
            );
            await assert.rejects(stack.stack.up(), /preflight found 1 problem/);
            assert.equal(getObject("deployment", "ad-jobs-deployment", ids), undefined);
        } finally {
            delete saved.metadata.resourceVersion;
            delete saved.metadata.uid;
            delete saved.metadata.creationTimestamp;
            const file = path.join(
                fs.mkdtempSync(path.join(os.tmpdir(), "calico-ad-secret-")),
                "secret.json",
            );
            fs.writeFileSync(file, JSON.stringify(saved));
            assert.equal(kubectl(["create", "-f", file]).status, 0);
            fs.rmSync(path.dirname(file), { recursive: true });
        }
    });

    it("fails preview with the program's message for bad config", async () => {
        const config = committedConfig("local");
        (config["calico-ad:jobEnv"] as Record<string, unknown>).AD_port_scn_threshold = 200;
        await stack.setConfig(config);
        await assert.rejects(stack.preview(), /did you mean AD_port_scan_threshold\?/);
    });

    it("has the CLI reject a mistyped scalar key through the Pulumi.yaml schema", async () => {
        await stack.setConfig({ ...committedConfig("local"), detectorSeverity: "high" });
        try {
            const result = pulumiCli(["preview"], stack.stack.name);
            assert.notEqual(result.status, 0);
            assert.match(result.output, /detectorSeverity/);
            assert.match(result.output, /integer/);
        } finally {
            await stack.setConfig(committedConfig("local"));
        }
    });
});

describe("rendering without a cluster", { skip: spawnSkip(), concurrency: false }, () => {
    let stack: TestStack;
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), "calico-ad-render-"));
    before(async () => {
        stack = await TestStack.create("render", {
            ...committedConfig("local"),
            kubeContext: "",
            clusterName: "prod-east",
            renderDirectory: directory,
        });
    });
    after(async () => {
        await stack?.remove();
        fs.rmSync(directory, { recursive: true, force: true });
    });

    it("writes the three manifests, with no credentials in them", async () => {
        await stack.stack.up();
        const files = listFiles(directory);
        const text = files.map((f) => fs.readFileSync(f, "utf8")).join("\n---\n");
        assert.match(text, /kind: Deployment/);
        assert.match(text, /value: prod-east/);
        assert.equal((text.match(/kind: NetworkPolicy/g) ?? []).length, 2);
        assert.doesNotMatch(text, /fake-password-not-a-secret|kind: Secret/);
    });
});

function spawnSkip(): string | undefined {
    return skip?.startsWith("pulumi") ? skip : undefined;
}

function listFiles(directory: string): string[] {
    return fs.readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(directory, entry.name);
        return entry.isDirectory() ? listFiles(full) : [full];
    });
}
