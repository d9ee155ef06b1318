/**
 * The workflow steps of a pull request and a deploy, run as the workflows run them, against the
 * real engine, the policy pack and the local API server: credentials, then one preview whose
 * Markdown is both the comment and the job summary and whose exit code is the check, then the
 * deploy script. Needs scripts/toolchain.sh and a running scripts/local-cluster.sh; skips with
 * the reason otherwise.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { repoRoot } from "../helpers";
import { committedConfig, deploymentEnv, missingPrerequisite, TestStack } from "./harness";

const skip = missingPrerequisite();

/** The committed local stack (as `committedConfig` has it) with some jobEnv values and keys replaced. */
function localConfig(
    jobEnv: Record<string, unknown>,
    overrides: Record<string, unknown> = {},
): Record<string, unknown> {
    const config = committedConfig("local");
    const env = config["calico-ad:jobEnv"] as Record<string, unknown>;
    return { ...config, "calico-ad:jobEnv": { ...env, ...jobEnv }, ...overrides };
}

describe("the workflow steps against the real engine", { skip, concurrency: false }, () => {
    let jobs: TestStack;
    let runnerTemp: string;
    /** The backend and passphrase the workflow passes as secrets and variables. */
    let backend: Record<string, string>;
    /** KUBECONFIG as the credentials step left it in GITHUB_ENV. */
    let kubeconfig: string;

    const run = (command: string, args: string[], env: Record<string, string>) =>
        spawnSync(command, args, {
            cwd: repoRoot,
            encoding: "utf8",
            env: { ...process.env, ...backend, ...env },
        });

    /** The preview step of pull-request.yml, writing the comment and the job summary. */
    function previewStep() {
        const comment = path.join(runnerTemp, "preview.md");
        const jobSummary = path.join(runnerTemp, "step-summary.md");
        const cli = path.join(repoRoot, "bin", "preview", "cli", "summary.js");
        const result = run(
            process.execPath,
            [
                cli,
                ...["--stacks", jobs.stack.name, "--policy-pack", "policy"],
                ...["--revision", "0123abc", "--out", comment, "--out", jobSummary],
            ],
            { KUBECONFIG: kubeconfig },
        );
        return {
            status: result.status,
            log: result.stderr,
            comment: fs.readFileSync(comment, "utf8"),
            jobSummary: fs.readFileSync(jobSummary, "utf8"),
        };
    }

    before(async () => {
        runnerTemp = fs.mkdtempSync(path.join(os.tmpdir(), "calico-ad-runner-"));
        jobs = await TestStack.create("ci-steps", localConfig({}));
        backend = jobs.stack.workspace.envVars;
    });
    after(async () => {
        await jobs?.remove();
    });

    it("ci:credentials installs the stack's kubeconfig for the next steps", () => {
        const localKubeconfig = process.env.KUBECONFIG ?? "";
        const githubEnv = path.join(runnerTemp, "github-env");
        const result = run(
            process.execPath,
            [
                path.join(repoRoot, "bin", "preview", "cli", "credentials.js"),
                "--stack",
                jobs.stack.name,
            ],
            {
                KUBECONFIG_CONTENT: fs.readFileSync(localKubeconfig, "utf8"),
                RUNNER_TEMP: runnerTemp,
                GITHUB_ENV: githubEnv,
            },
        );
        assert.equal(result.status, 0, result.stdout + result.stderr);
        const line = /^KUBECONFIG=(.+)$/m.exec(fs.readFileSync(githubEnv, "utf8"));
        assert.ok(line, "KUBECONFIG in GITHUB_ENV");
        kubeconfig = line[1];
    });

    it("scripts/ci/deploy.sh type-checks, then deploys with the policy pack", () => {
        const result = run("bash", ["scripts/ci/deploy.sh", jobs.stack.name], {
            KUBECONFIG: kubeconfig,
        });
        assert.equal(result.status, 0, result.stdout + result.stderr);
        assert.ok(
            result.stdout.indexOf("deploy: type check") <
                result.stdout.indexOf("deploy: pulumi up"),
        );
        assert.match(result.stdout, /Policy Packs run:\s+Name\s+Version\s+calico-ad\|/);
        assert.equal(deploymentEnv().AD_port_scan_threshold, "200");
    });

    it("one preview with the policy pack: comment and job summary are the same, and it passes", async () => {
        await jobs.setConfig(localConfig({ AD_port_scan_threshold: 300 }));
        const { status, log, comment, jobSummary } = previewStep();
        assert.equal(status, 0, log);
        assert.equal(comment, jobSummary);
        assert.equal(log.match(/previewing stack/g)?.length, 1, log);
        assert.match(comment, /^Previewed commit `0123abc`\.$/m);
        assert.match(
            comment,
            new RegExp(
                `^\\| \`${jobs.stack.name}\` \\| ok \\| 1 to update, \\d+ unchanged \\|$`,
                "m",
            ),
        );
        assert.match(comment, /^ {2}- `AD_port_scan_threshold: 200 → 300`$/m);
        const folded = comment.slice(comment.indexOf("<details>"));
        assert.match(folded, /Previewing update \(/);
        assert.match(folded, /1 to update/);
    });

    it("a mandatory policy violation fails the check and is named in the comment", async () => {
        await jobs.setConfig(
            localConfig(
                { AD_port_scan_threshold: 300 },
                { "calico-ad:imageTag": "master", "calico-ad:allowUnpinnedImage": "true" },
            ),
        );
        const { status, comment, jobSummary } = previewStep();
        assert.equal(status, 1);
        assert.equal(comment, jobSummary);
        assert.match(
            comment,
            new RegExp(`^\\| \`${jobs.stack.name}\` \\| ❌ mandatory policy violations \\|`, "m"),
        );
        assert.match(
            comment,
            /^- mandatory `calico-ad\/calico-ad-image-pinned` on `Deployment tigera-intrusion-detection\/ad-jobs-deployment`: /m,
        );
    });
});
