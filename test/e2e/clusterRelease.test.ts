/**
 * calicoVersion from the cluster, through the real engine against the local API server: the
 * release comes from ClusterInformation `default`, whose CRD in the local cluster is a STAND-IN
 * (test/fixtures/cluster/00-crd-clusterinformations.yaml; calico/node writes the object in a real
 * cluster). The tests here create the object and delete it again, since every other test stack
 * names its own release. Needs scripts/toolchain.sh and a running scripts/local-cluster.sh; skips
 * with the reason otherwise.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { changes, getObject, kubectl, missingPrerequisite, TestStack } from "./harness";

const skip = missingPrerequisite();
const resource = "clusterinformations.projectcalico.org";
const portScanAlert = "tigera.io.detector.port-scan";

/** Writes ClusterInformation `default` as calico/node would, reporting `cnxVersion`. */
function reportRelease(cnxVersion: string): void {
    const object = {
        apiVersion: "projectcalico.org/v3",
        kind: "ClusterInformation",
        metadata: { name: "default" },
        spec: { calicoVersion: "v3.23.1", cnxVersion, clusterType: "typha,kdd,k8s,operator" },
    };
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), "calico-ad-clusterinfo-"));
    const file = path.join(directory, "clusterinformation.json");
    fs.writeFileSync(file, JSON.stringify(object));
    try {
        const result = kubectl(["apply", "--server-side", "--force-conflicts", "-f", file]);
        assert.equal(result.status, 0, result.stderr);
    } finally {
        fs.rmSync(directory, { recursive: true, force: true });
    }
}

function forgetRelease(): void {
    const result = kubectl(["delete", resource, "default", "--ignore-not-found"]);
    assert.equal(result.status, 0, result.stderr);
}

const manifestEraConfig = {
    clusterType: "standalone",
    kubeContext: "calico-ad-local",
    awaitRollout: "false",
};
const unsetVersionConfig = { ...manifestEraConfig, detectors: ["port_scan"] };

describe(
    "calicoVersion from the cluster's ClusterInformation (stand-in CRD)",
    { skip, concurrency: false },
    () => {
        let stack: TestStack;
        before(async () => {
            stack = await TestStack.create("release", unsetVersionConfig);
        });
        after(async () => {
            try {
                await stack?.remove();
            } finally {
                forgetRelease();
            }
        });

        it("with calicoVersion unset, deploys the GlobalAlert era of the v3.17.1 the cluster reports", async () => {
            reportRelease("v3.17.1");
            const result = await stack.stack.up();
            assert.equal(result.outputs.release.value, "Calico Enterprise 3.17.1");
            assert.equal(result.outputs.era.value, "globalAlert");
            assert.ok(getObject("globalalerts.projectcalico.org", portScanAlert));
            assert.deepEqual(changes((await stack.preview({ expectNoChanges: true })).steps), []);
        });

        it("follows the cluster to v3.12.0: the preview swaps the GlobalAlert for the AD jobs Deployment", async () => {
            reportRelease("v3.12.0");
            try {
                await stack.setConfig(manifestEraConfig);
                const { steps } = await stack.preview();
                const changed = changes(steps).map((s) => `${s.op} ${s.type}`);
                assert.ok(
                    changed.includes("delete kubernetes:projectcalico.org/v3:GlobalAlert"),
                    changed.join(", "),
                );
                assert.ok(
                    changed.includes("create kubernetes:apps/v1:Deployment"),
                    changed.join(", "),
                );
            } finally {
                reportRelease("v3.17.1");
                await stack.setConfig(unsetVersionConfig);
            }
        });

        it("fails preview and up showing both releases when calicoVersion is set to another, and changes nothing", async () => {
            const before = getObject("globalalerts.projectcalico.org", portScanAlert) as {
                metadata: { resourceVersion: string };
            };
            await stack.setConfig({ ...unsetVersionConfig, calicoVersion: "3.16.1" });
            try {
                const mismatch =
                    /calico-ad:calicoVersion is "3\.16\.1" but the cluster runs Calico Enterprise "v3\.17\.1" \(spec\.cnxVersion of clusterinformations\.projectcalico\.org\/default\)/;
                await assert.rejects(stack.preview(), mismatch);
                await assert.rejects(stack.stack.up(), mismatch);
                const now = getObject("globalalerts.projectcalico.org", portScanAlert) as {
                    metadata: { resourceVersion: string };
                };
                assert.equal(now.metadata.resourceVersion, before.metadata.resourceVersion);
            } finally {
                await stack.setConfig(unsetVersionConfig);
            }
        });

        it("with calicoVersion unset and no ClusterInformation, fails preview naming the key and how to set it", async () => {
            await stack.stack.destroy();
            forgetRelease();
            await assert.rejects(
                stack.preview(),
                /calico-ad:calicoVersion: not set, and the cluster does not report its Calico Enterprise release: the cluster has no clusterinformations\.projectcalico\.org\/default .*set it with `pulumi config set calico-ad:calicoVersion <MAJOR\.MINOR\.PATCH>`/,
            );
            assert.equal(getObject("globalalerts.projectcalico.org", portScanAlert), undefined);
        });
    },
);

describe(
    "rendering without a cluster still needs no ClusterInformation (stand-in CRD unused)",
    { skip: skip?.startsWith("pulumi") ? skip : undefined, concurrency: false },
    () => {
        let stack: TestStack;
        const directory = fs.mkdtempSync(path.join(os.tmpdir(), "calico-ad-render-release-"));
        const renderConfig = {
            clusterType: "standalone",
            clusterName: "prod-east",
            renderDirectory: directory,
        };
        before(async () => {
            // No kubeconfig at all: anything that tried to read a cluster would fail.
            stack = await TestStack.create("render-release", renderConfig, {
                env: { KUBECONFIG: path.join(directory, "no-kubeconfig") },
            });
        });
        after(async () => {
            await stack?.remove();
            fs.rmSync(directory, { recursive: true, force: true });
        });

        it("requires calicoVersion there, saying why, and renders once it is set", async () => {
            await assert.rejects(
                stack.preview(),
                /calico-ad:calicoVersion: required with calico-ad:renderDirectory, because a rendered manifest cannot read the release from a cluster/,
            );
            await stack.setConfig({ ...renderConfig, calicoVersion: "3.12.0" });
            await stack.stack.up();
            const rendered = fs
                .readdirSync(directory, { recursive: true, withFileTypes: true })
                .filter((entry) => entry.isFile())
                .map((entry) => fs.readFileSync(path.join(entry.parentPath, entry.name), "utf8"))
                .join("\n---\n");
            assert.match(rendered, /kind: Deployment/);
            assert.match(rendered, /anomaly_detection_jobs:v3\.12\.0/);
        });
    },
);
