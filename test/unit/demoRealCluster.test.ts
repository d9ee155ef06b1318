/**
 * `./scripts/demo.sh --stack NAME` (a stack aimed at a real cluster) runs for real on stand-in
 * components (test/toolchainFakes.ts) with no Go on PATH: it builds none of the local cluster's
 * binaries (kube-apiserver, etcd, the node's), starts no local cluster, and runs `pulumi up` for
 * that stack. The stand-in `pulumi` records the calls; a stand-in `kubectl` answers the demo's
 * listing.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { bash, fakeComponents, pathWithoutGo, scriptEnv } from "../toolchainFakes";

describe("./scripts/demo.sh --stack NAME (stand-in components)", () => {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "calico-ad-demo-stack-"));
    const cache = path.join(scratch, "cache");
    const userBin = path.join(scratch, "bin");
    after(() => fs.rmSync(scratch, { recursive: true, force: true }));

    it("builds no local-cluster binaries, starts no cluster and deploys the named stack", () => {
        fs.mkdirSync(userBin);
        // The user's own kubectl, as a machine that manages a real cluster has one.
        fs.writeFileSync(path.join(userBin, "kubectl"), '#!/bin/sh\necho kubectl stand-in "$*"\n', {
            mode: 0o755,
        });
        const env = scriptEnv(scratch, cache, {
            PATH: `${userBin}:${pathWithoutGo}`,
            CALICO_AD_BUILD_KUBECTL: "0",
            CALICO_AD_CLUSTER_DIR: path.join(scratch, "cluster"),
        });
        const dirs = fakeComponents(env, ["pulumi", "kubernetes-provider", "command-provider"]);

        const demo = bash(["scripts/demo.sh", "--stack", "real-east"], env);
        const output = demo.stdout + demo.stderr;
        assert.equal(demo.status, 0, output);
        assert.match(
            output,
            /kube-apiserver, etcd, kubelet, scheduler, controller-manager: not needed \(--no-local-cluster\)/,
        );
        assert.doesNotMatch(output, /==> (download|build)-/);
        assert.equal(fs.existsSync(dirs.get("kubernetes") ?? ""), false, "no kubernetes component");
        assert.equal(fs.existsSync(path.join(scratch, "cluster")), false, "no local cluster");
        assert.match(output, /install-deps: npm packages present/);

        const calls = fs.readFileSync(path.join(scratch, "pulumi-calls.log"), "utf8");
        assert.match(calls, /^stack select --create real-east --non-interactive$/m);
        // A short summary by default; the full diff is one flag away (--diff).
        assert.match(calls, /^up --stack real-east --yes --non-interactive --suppress-outputs$/m);
        assert.match(output, /kubectl stand-in get deployments,pods/);

        const withDiff = bash(["scripts/demo.sh", "--stack", "real-east", "--diff"], env);
        assert.equal(withDiff.status, 0, withDiff.stdout + withDiff.stderr);
        assert.match(
            fs.readFileSync(path.join(scratch, "pulumi-calls.log"), "utf8"),
            /^up --stack real-east --yes --non-interactive --suppress-outputs --diff$/m,
        );
    });
});
