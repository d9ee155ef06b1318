import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import {
    DiffKind,
    EngineEvent,
    OpType,
    PropertyDiff,
    StepEventMetadata,
    StepEventStateMetadata,
} from "@pulumi/pulumi/automation";
import { manifestProfile } from "../../catalog/lookup";
import { version } from "../../catalog/versions";
import { buildAdJobsManifests } from "../../components/adJobsDeployment";
import { exampleComment, examplePage, withExample } from "../../preview/example";
import { describeChange, renderMarkdown } from "../../preview/markdown";
import { formatPropertyPath, parsePropertyPath, valueAtPath } from "../../preview/propertyPath";
import { summarizePreview } from "../../preview/summary";
import { repoRoot } from "../helpers";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const stack = "dev";
const urnOf = (type: string, name: string, parents: string[] = []) =>
    `urn:pulumi:${stack}::calico-ad::${[...parents, type].join("$")}::${name}`;

const deploymentType = "kubernetes:apps/v1:Deployment";
const jobsParents = ["calico-ad:index:AnomalyDetection", "calico-ad:manifest:AdJobsDeployment"];
const deploymentUrn = urnOf(deploymentType, "anomaly-detection-jobs-deployment", jobsParents);
const policyType = "kubernetes:projectcalico.org/v3:NetworkPolicy";

/** The Deployment inputs the program sends, as the engine records them. */
function deploymentInputs(env: Record<string, string>, image = "v3.12.0"): Json {
    const { deployment } = buildAdJobsManifests({
        profile: manifestProfile(version("3.12.0"), "managed"),
        clusterName: "local-cluster",
        image: `quay.io/tigera/anomaly_detection_jobs:${image}`,
        imagePullSecret: "tigera-pull-secret",
        jobEnv: Object.entries(env).map(([name, value]) => ({ name, value })),
        disabledJobs: ["bytes_in", "bytes_out", "process_bytes"],
        awaitRollout: false,
    });
    return { apiVersion: "apps/v1", kind: "Deployment", ...structuredClone(deployment) };
}

function state(
    type: string,
    urn: string,
    inputs: Json,
    outputs: Json = inputs,
): StepEventStateMetadata {
    return { type, urn, id: "", parent: "", inputs, outputs, provider: "" };
}

/** Records events with increasing sequence numbers, as the engine sends them. */
class Recording {
    readonly events: EngineEvent[] = [];

    add(event: Omit<EngineEvent, "sequence" | "timestamp">): this {
        this.events.push({ sequence: this.events.length + 1, timestamp: 0, ...event });
        return this;
    }

    step(op: OpType, type: string, urn: string, extra: Partial<StepEventMetadata> = {}): this {
        return this.add({
            resourcePreEvent: { metadata: { op, type, urn, provider: "", ...extra } },
        });
    }

    /** The two policies and the components, unchanged. */
    unchangedRest(): this {
        return this.step(
            "same",
            "pulumi:pulumi:Stack",
            urnOf("pulumi:pulumi:Stack", "calico-ad-dev"),
        )
            .step(
                "same",
                "pulumi:providers:kubernetes",
                urnOf("pulumi:providers:kubernetes", "cluster"),
            )
            .step(
                "same",
                "calico-ad:index:AnomalyDetection",
                urnOf("calico-ad:index:AnomalyDetection", "anomaly-detection"),
            )
            .step("same", policyType, urnOf(policyType, "jobs-policy", jobsParents))
            .step("same", policyType, urnOf(policyType, "elasticsearch-policy", jobsParents));
    }

    summary(changes: Partial<Record<OpType, number>>): this {
        return this.add({
            summaryEvent: {
                maybeCorrupt: false,
                durationSeconds: 1,
                resourceChanges: changes,
                policyPacks: {},
            },
        });
    }
}

const update: PropertyDiff = { diffKind: DiffKind.update, inputDiff: false };
const workshopEnv = {
    AD_max_docs: "100000",
    AD_port_scan_threshold: "200",
    AD_debug: "True",
};

/** Index of an env var in the built Deployment, as detailedDiff paths address it. */
function envIndex(inputs: Json, name: string): number {
    return inputs.spec.template.spec.containers[0].env.findIndex((e: Json) => e.name === name);
}

describe("property paths", () => {
    it("parses keys, indices and quoted keys", () => {
        assert.deepEqual(parsePropertyPath("spec.template.spec.containers[0].env[12].value"), [
            "spec",
            "template",
            "spec",
            "containers",
            0,
            "env",
            12,
            "value",
        ]);
        assert.deepEqual(parsePropertyPath('metadata.annotations["pulumi.com/skipAwait"]'), [
            "metadata",
            "annotations",
            "pulumi.com/skipAwait",
        ]);
        assert.deepEqual(parsePropertyPath('["a]b"].c'), ["a]b", "c"]);
        assert.equal(parsePropertyPath("a[b"), undefined);
        assert.equal(parsePropertyPath(".a"), undefined);
    });

    it("formats what it parses and reads values at a path", () => {
        const path = 'metadata.annotations["pulumi.com/skipAwait"]';
        assert.equal(formatPropertyPath(parsePropertyPath(path)!), path);
        const object = { metadata: { annotations: { "pulumi.com/skipAwait": "true" } } };
        assert.equal(valueAtPath(object, parsePropertyPath(path)!), "true");
        assert.equal(valueAtPath(object, ["metadata", "labels", "x"]), undefined);
    });
});

describe("a threshold change", () => {
    const oldInputs = deploymentInputs(workshopEnv);
    const newInputs = deploymentInputs({ ...workshopEnv, AD_port_scan_threshold: "300" });
    const index = envIndex(oldInputs, "AD_port_scan_threshold");
    const recording = new Recording()
        .unchangedRest()
        .step("update", deploymentType, deploymentUrn, {
            old: state(deploymentType, deploymentUrn, oldInputs, { ...oldInputs, status: {} }),
            new: state(deploymentType, deploymentUrn, newInputs),
            diffs: ["spec"],
            detailedDiff: { [`spec.template.spec.containers[0].env[${index}].value`]: update },
        })
        .summary({ update: 1, same: 4 });
    const preview = summarizePreview(stack, recording.events);

    it("is one update of the AD Deployment naming the env var with old and new value", () => {
        assert.equal(preview.resources.length, 1);
        const [resource] = preview.resources;
        assert.equal(resource.operation, "update");
        assert.equal(resource.label, "Deployment tigera-intrusion-detection/ad-jobs-deployment");
        assert.deepEqual(resource.changes, [
            {
                field: "AD_port_scan_threshold",
                kind: "update",
                oldValue: "200",
                newValue: "300",
                forcesReplacement: false,
            },
        ]);
        assert.equal(describeChange(resource.changes[0]), "AD_port_scan_threshold: 200 → 300");
        assert.equal(preview.unchanged, 4);
        assert.deepEqual(preview.alerts, []);
        assert.deepEqual(preview.errors, []);
    });

    it("is the same with --refresh: the refresh steps before it read state and change nothing", () => {
        const refreshed = new Recording();
        for (const event of recording.events) {
            const metadata = event.resourcePreEvent?.metadata;
            if (metadata && metadata.type !== "pulumi:pulumi:Stack") {
                refreshed.step("refresh", metadata.type, metadata.urn);
            }
        }
        recording.events.forEach(({ sequence: _s, timestamp: _t, ...event }) =>
            refreshed.add(event),
        );
        const withRefresh = summarizePreview(stack, refreshed.events);
        assert.deepEqual(withRefresh.resources, preview.resources);
        assert.equal(withRefresh.unchanged, 4);
    });

    it("renders as Markdown with the change on its own line", () => {
        const markdown = renderMarkdown([preview]);
        assert.match(markdown, /^\| `dev` \| ok \| 1 to update, 4 unchanged \|$/m);
        assert.match(
            markdown,
            /^- \*\*update\*\* `Deployment tigera-intrusion-detection\/ad-jobs-deployment`\n {2}- `AD_port_scan_threshold: 200 → 300`$/m,
        );
        assert.doesNotMatch(markdown, /CAUTION/);
    });
});

describe("env vars compared by name", () => {
    it("reports an added variable once, although every later index shifted", () => {
        const oldInputs = deploymentInputs({ AD_max_docs: "100000", AD_debug: "True" });
        const newInputs = deploymentInputs({
            AD_max_docs: "100000",
            AD_port_scan_threshold: "250",
            AD_debug: "True",
        });
        const at = envIndex(newInputs, "AD_port_scan_threshold");
        const events = new Recording().step("update", deploymentType, deploymentUrn, {
            old: state(deploymentType, deploymentUrn, oldInputs),
            new: state(deploymentType, deploymentUrn, newInputs),
            detailedDiff: {
                [`spec.template.spec.containers[0].env[${at}].name`]: update,
                [`spec.template.spec.containers[0].env[${at}].value`]: update,
                [`spec.template.spec.containers[0].env[${at + 1}]`]: {
                    diffKind: DiffKind.add,
                    inputDiff: true,
                },
            },
        }).events;
        const [resource] = summarizePreview(stack, events).resources;
        assert.deepEqual(resource.changes.map(describeChange), [
            "AD_port_scan_threshold: (unset) → 250",
        ]);
        assert.equal(resource.changes[0].kind, "add");
    });

    it("shows where a secret-backed variable comes from, never a value", () => {
        const oldInputs = deploymentInputs({});
        const newInputs = structuredClone(oldInputs);
        const env = newInputs.spec.template.spec.containers[0].env;
        const at = envIndex(newInputs, "ELASTIC_PASSWORD");
        env[at].valueFrom.secretKeyRef.name = "other-secret";
        const events = new Recording().step("update", deploymentType, deploymentUrn, {
            old: state(deploymentType, deploymentUrn, oldInputs),
            new: state(deploymentType, deploymentUrn, newInputs),
            detailedDiff: {
                [`spec.template.spec.containers[0].env[${at}].valueFrom.secretKeyRef.name`]: update,
            },
        }).events;
        const [resource] = summarizePreview(stack, events).resources;
        assert.deepEqual(resource.changes.map(describeChange), [
            "ELASTIC_PASSWORD: (from secretKeyRef tigera-ee-ad-job-elasticsearch-access/password) → (from secretKeyRef other-secret/password)",
        ]);
    });

    it("shows other fields by path, with unknown values as known after apply", () => {
        const oldInputs = deploymentInputs({}, "v3.11.0");
        const newInputs = deploymentInputs({}, "v3.12.0");
        newInputs.metadata.labels.revision = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
        const events = new Recording().step("update", deploymentType, deploymentUrn, {
            old: state(deploymentType, deploymentUrn, oldInputs),
            new: state(deploymentType, deploymentUrn, newInputs),
            detailedDiff: {
                "spec.template.spec.containers[0].image": update,
                "metadata.labels.revision": { diffKind: DiffKind.add, inputDiff: true },
            },
        }).events;
        const [resource] = summarizePreview(stack, events).resources;
        assert.deepEqual(resource.changes.map(describeChange), [
            "spec.template.spec.containers[0].image: quay.io/tigera/anomaly_detection_jobs:v3.11.0 → quay.io/tigera/anomaly_detection_jobs:v3.12.0",
            "metadata.labels.revision: (unset) → (known after apply)",
        ]);
    });
});

describe("replacing or deleting the AD Deployment", () => {
    it("calls out a replacement, with the property that forces it", () => {
        const oldInputs = deploymentInputs(workshopEnv);
        const newInputs = structuredClone(oldInputs);
        newInputs.spec.selector.matchLabels = { app: "anomaly-detection-v2" };
        const replaceDiff: PropertyDiff = { diffKind: DiffKind.updateReplace, inputDiff: false };
        const step = {
            old: state(deploymentType, deploymentUrn, oldInputs),
            new: state(deploymentType, deploymentUrn, newInputs),
            keys: ["spec.selector"],
            diffs: ["spec"],
            detailedDiff: { "spec.selector.matchLabels.app": replaceDiff },
        };
        // A named Kubernetes object is deleted before its replacement is created.
        const recording = new Recording()
            .unchangedRest()
            .step("delete-replaced", deploymentType, deploymentUrn, step)
            .step("replace", deploymentType, deploymentUrn, step)
            .step("create-replacement", deploymentType, deploymentUrn, step)
            .summary({ replace: 1, same: 4 });
        const preview = summarizePreview(stack, recording.events);

        assert.equal(preview.resources.length, 1);
        assert.equal(preview.resources[0].operation, "replace");
        assert.deepEqual(preview.resources[0].replaceKeys, ["spec.selector"]);
        assert.deepEqual(preview.resources[0].changes.map(describeChange), [
            "spec.selector.matchLabels.app: anomaly-detection → anomaly-detection-v2",
        ]);
        assert.equal(preview.alerts.length, 1);
        assert.match(preview.alerts[0], /will be \*\*replaced\*\* because `spec.selector` changed/);

        const markdown = renderMarkdown([preview]);
        assert.match(
            markdown,
            /\| ⚠️ replaces or deletes the AD Deployment \| 1 to replace, 4 unchanged \|/,
        );
        assert.match(
            markdown,
            /> \[!CAUTION\]\n> The AD Deployment `Deployment tigera-intrusion-detection\/ad-jobs-deployment` will be \*\*replaced\*\*/,
        );
        assert.match(markdown, /\(forces replacement\)/);
    });

    it("calls out a deletion", () => {
        const inputs = deploymentInputs(workshopEnv);
        const events = new Recording().step("delete", deploymentType, deploymentUrn, {
            old: state(deploymentType, deploymentUrn, inputs),
        }).events;
        const preview = summarizePreview(stack, events);
        assert.equal(preview.resources[0].operation, "delete");
        assert.match(preview.alerts[0], /will be \*\*deleted\*\*: anomaly detection stops/);
    });

    it("does not call out other Deployments", () => {
        const inputs = deploymentInputs(workshopEnv);
        inputs.metadata.name = "something-else";
        const urn = urnOf(deploymentType, "other");
        const events = new Recording().step("delete", deploymentType, urn, {
            old: state(deploymentType, urn, inputs),
        }).events;
        const preview = summarizePreview(stack, events);
        assert.equal(
            preview.resources[0].label,
            "Deployment tigera-intrusion-detection/something-else",
        );
        assert.deepEqual(preview.alerts, []);
    });
});

describe("first preview, failures and policy violations", () => {
    it("lists creates without field changes and counts no unchanged resources", () => {
        const inputs = deploymentInputs(workshopEnv);
        const events = new Recording()
            .step("create", "pulumi:pulumi:Stack", urnOf("pulumi:pulumi:Stack", "calico-ad-dev"))
            .step(
                "create",
                "pulumi:providers:kubernetes",
                urnOf("pulumi:providers:kubernetes", "cluster"),
            )
            .step("create", deploymentType, deploymentUrn, {
                new: state(deploymentType, deploymentUrn, inputs, {}),
            }).events;
        const preview = summarizePreview(stack, events);
        assert.deepEqual(
            preview.resources.map((r) => `${r.operation} ${r.label}`),
            [
                "create pulumi:providers:kubernetes cluster",
                "create Deployment tigera-intrusion-detection/ad-jobs-deployment",
            ],
        );
        assert.equal(preview.unchanged, 0);
        assert.match(renderMarkdown([preview]), /\| `dev` \| ok \| 2 to create, 0 unchanged \|/);
    });

    it("keeps the engine's error diagnostics, without colour codes", () => {
        const events = new Recording().add({
            diagnosticEvent: {
                message: "<{%fg 1%}>preflight found 1 problem in the cluster<{%reset%}>\n",
                color: "raw",
                severity: "error",
            },
        }).events;
        const preview = summarizePreview(stack, events, "pulumi preview exited with an error");
        assert.deepEqual(preview.errors, [
            "preflight found 1 problem in the cluster",
            "pulumi preview exited with an error",
        ]);
        const markdown = renderMarkdown([preview]);
        assert.match(markdown, /\| `dev` \| ❌ preview failed \|/);
        assert.match(markdown, /\*\*The preview failed:\*\*\n\n```\npreflight found 1 problem/);
        assert.match(markdown, /No changes could be computed\./);
    });

    it("lists policy violations against the resource's label", () => {
        const inputs = deploymentInputs(workshopEnv);
        const events = new Recording()
            .step("create", deploymentType, deploymentUrn, {
                new: state(deploymentType, deploymentUrn, inputs),
            })
            .add({
                policyEvent: {
                    resourceUrn: deploymentUrn,
                    message: 'container ad-jobs: image uses tag "master"',
                    color: "raw",
                    policyName: "calico-ad-image-pinned",
                    policyPackName: "calico-ad",
                    policyPackVersion: "0.1.0",
                    policyPackVersionTag: "0.1.0",
                    enforcementLevel: "mandatory",
                },
            }).events;
        const preview = summarizePreview(stack, events);
        assert.deepEqual(preview.policyViolations, [
            {
                policyPack: "calico-ad",
                policy: "calico-ad-image-pinned",
                enforcementLevel: "mandatory",
                message: 'container ad-jobs: image uses tag "master"',
                resource: "Deployment tigera-intrusion-detection/ad-jobs-deployment",
            },
        ]);
        assert.match(
            renderMarkdown([preview]),
            /- mandatory `calico-ad\/calico-ad-image-pinned` on `Deployment tigera-intrusion-detection\/ad-jobs-deployment`: container ad-jobs/,
        );
    });

    it("fails the overview on a mandatory violation and only warns on any other", () => {
        const violation = (enforcementLevel: "mandatory" | "warning") =>
            new Recording().add({
                policyEvent: {
                    resourceUrn: deploymentUrn,
                    message: "image uses tag master",
                    color: "raw",
                    policyName: "calico-ad-image-pinned",
                    policyPackName: "calico-ad",
                    policyPackVersion: "0.1.0",
                    policyPackVersionTag: "0.1.0",
                    enforcementLevel,
                },
            }).events;
        assert.match(
            renderMarkdown([summarizePreview(stack, violation("mandatory"), "preview failed")]),
            /\| `dev` \| ❌ mandatory policy violations \|/,
        );
        assert.match(
            renderMarkdown([summarizePreview(stack, violation("warning"))]),
            /\| `dev` \| ⚠️ policy violations \|/,
        );
    });

    it("says no changes for an unchanged stack", () => {
        const preview = summarizePreview("management", new Recording().unchangedRest().events);
        assert.deepEqual(preview.resources, []);
        assert.equal(preview.unchanged, 4);
        const markdown = renderMarkdown([preview]);
        assert.match(markdown, /\| `management` \| no changes \| 4 unchanged \|/);
        assert.match(markdown, /## `management`\n\nNo changes\./);
    });
});

describe("a recorded preview (real engine, local API server)", () => {
    const { events } = JSON.parse(
        fs.readFileSync(
            path.join(repoRoot, "test", "fixtures", "preview", "threshold-change.events.json"),
            "utf8",
        ),
    ) as { events: EngineEvent[] };
    const preview = summarizePreview("dev", events);

    it("shows the threshold change and nothing else", () => {
        assert.deepEqual(
            preview.resources.map((r) => `${r.operation} ${r.label}`),
            ["update Deployment tigera-intrusion-detection/ad-jobs-deployment"],
        );
        assert.deepEqual(preview.resources[0].changes.map(describeChange), [
            "AD_port_scan_threshold: 200 → 300",
        ]);
        assert.equal(preview.unchanged, 6);
        assert.deepEqual(preview.errors, []);
        assert.deepEqual(preview.alerts, []);
    });
});

describe("the Markdown of one preview run", () => {
    const preview = summarizePreview("management", new Recording().unchangedRest().events);

    it("names the previewed commit, so that a stale comment is recognisable", () => {
        assert.match(
            renderMarkdown([preview], { revision: "0123abc" }),
            /^# calico-ad preview\n\nPreviewed commit `0123abc`\.\n\n\| Stack/,
        );
        assert.doesNotMatch(renderMarkdown([preview]), /Previewed commit/);
    });

    it("folds the CLI output of the same run under the summary, fenced around its backticks", () => {
        const output =
            "Previewing update (management)\n  ~ spec: ```odd```\nResources:\n    4 unchanged\n";
        const markdown = renderMarkdown([{ ...preview, output }]);
        assert.ok(
            markdown.includes(
                "<details><summary>Output of <code>pulumi preview --diff</code></summary>\n\n" +
                    "````\nPreviewing update (management)\n  ~ spec: ```odd```\nResources:\n" +
                    "    4 unchanged\n````\n\n</details>\n",
            ),
            markdown,
        );
        assert.ok(markdown.indexOf("No changes.") < markdown.indexOf("<details>"));
    });

    it("cuts a long output to stay inside GitHub's comment limit", () => {
        const markdown = renderMarkdown([{ ...preview, output: "x".repeat(100_000) }]);
        assert.ok(markdown.length < 65_536, String(markdown.length));
        assert.match(markdown, /… \(70000 more characters in the job log\)/);
    });
});

describe("a recorded preview with a mandatory violation (real engine, policy pack)", () => {
    const run = JSON.parse(
        fs.readFileSync(
            path.join(
                repoRoot,
                "test",
                "fixtures",
                "preview",
                "threshold-and-unpinned-image.run.json",
            ),
            "utf8",
        ),
    ) as { stack: string; events: EngineEvent[]; output: string };
    const preview = { ...summarizePreview(run.stack, run.events), output: run.output };

    it("shows both changes, the violation on the Deployment and the failure", () => {
        assert.deepEqual(
            preview.resources.map((r) => `${r.operation} ${r.label}`),
            ["update Deployment tigera-intrusion-detection/ad-jobs-deployment"],
        );
        assert.deepEqual(preview.resources[0].changes.map(describeChange), [
            "spec.template.spec.containers[0].image: quay.io/tigera/anomaly_detection_jobs:v3.12.0 → quay.io/tigera/anomaly_detection_jobs:master",
            "AD_port_scan_threshold: 200 → 300",
        ]);
        assert.deepEqual(
            preview.policyViolations.map(
                (v) => `${v.enforcementLevel} ${v.policy} ${v.resource ?? "(stack)"}`,
            ),
            [
                "mandatory calico-ad-image-pinned Deployment tigera-intrusion-detection/ad-jobs-deployment",
            ],
        );
        assert.ok(preview.errors.length > 0);
    });

    it("renders violations before the failure, and the CLI's own text of the same run", () => {
        const markdown = renderMarkdown([preview]);
        assert.match(
            markdown,
            /\| `staging` \| ❌ mandatory policy violations \| 1 to update, 6 unchanged \|/,
        );
        assert.ok(
            markdown.indexOf("**Policy violations:**") <
                markdown.indexOf("**The preview failed:**"),
        );
        const folded = markdown.slice(markdown.indexOf("<details>"));
        assert.match(folded, /~ value: "200" => "300"/);
        assert.match(folded, /Policy Packs run:/);
    });
});

describe("the workflows page's example comment", () => {
    it("is the recorded preview rendered by the current code (run `npm run docs` after changing it)", () => {
        const page = fs.readFileSync(path.join(repoRoot, examplePage), "utf8");
        assert.equal(page, withExample(page));
        assert.ok(page.includes(`> ${exampleComment().split("\n")[0]}`));
    });
});
