/**
 * The commands the workflow steps run, run here as the steps run them: stack selection against a
 * real git repository, the required-check gate, and the deploy script's order of work.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { repoRoot } from "../helpers";

const tempDir = (label: string) => fs.mkdtempSync(path.join(os.tmpdir(), `calico-ad-${label}-`));

describe("npm run stacks:changed against a git repository", () => {
    const cli = path.join(repoRoot, "bin", "preview", "cli", "changedStacks.js");
    let repo: string;
    let base: string;
    const git = (...args: string[]) =>
        execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], {
            cwd: repo,
            encoding: "utf8",
        }).trim();
    const commit = (files: Record<string, string>) => {
        for (const [file, text] of Object.entries(files)) {
            fs.mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
            fs.writeFileSync(path.join(repo, file), text);
        }
        git("add", "-A");
        git("commit", "-q", "-m", "change");
        return git("rev-parse", "HEAD");
    };
    const select = (...args: string[]) => {
        const output = path.join(tempDir("github-output"), "github-output");
        fs.writeFileSync(output, "");
        const result = spawnSync(
            process.execPath,
            [cli, ...args, "--exclude", "local,", "--github-output", output],
            { cwd: repo, encoding: "utf8" },
        );
        assert.equal(result.status, 0, result.stderr);
        return {
            matrix: JSON.parse(result.stdout) as { stack: string; pulumiStack: string }[],
            githubOutput: fs.readFileSync(output, "utf8"),
            log: result.stderr,
        };
    };

    before(() => {
        repo = tempDir("stacks");
        git("init", "-q");
        base = commit({
            "Pulumi.yaml": "name: calico-ad\n",
            "Pulumi.dev.yaml": "config: {}\n",
            "Pulumi.prod.yaml": "config: {}\n",
            "Pulumi.local.yaml": "config: {}\n",
            "index.ts": "export {};\n",
        });
    });

    it("hands the workflow only the stack whose file changed, as a step output", () => {
        const head = commit({ "Pulumi.prod.yaml": "config: {a: 1}\n", "README.md": "docs\n" });
        const { matrix, githubOutput, log } = select(
            "--base",
            base,
            "--head",
            head,
            "--org",
            "acme",
        );
        assert.deepEqual(matrix, [
            { stack: "prod", pulumiStack: "acme/prod", kubeconfigSecret: "KUBECONFIG_PROD" },
        ]);
        assert.equal(githubOutput, `matrix=${JSON.stringify(matrix)}\n`);
        assert.match(log, /stack prod: its stack config changed/);
    });

    it("selects every stack but the excluded one when code changes", () => {
        const previous = git("rev-parse", "HEAD");
        const head = commit({ "index.ts": "export const x = 1;\n" });
        const { matrix } = select("--base", previous, "--head", head);
        assert.deepEqual(
            matrix.map((m) => m.stack),
            ["dev", "prod"],
        );
    });

    it("selects every stack for a new branch, whose base GitHub sends as zeros", () => {
        const { matrix, log } = select("--base", "0".repeat(40), "--head", "HEAD");
        assert.deepEqual(
            matrix.map((m) => m.stack),
            ["dev", "prod"],
        );
        assert.match(log, /no base commit to compare with/);
    });

    it("hands over an empty matrix when nothing deployed changed", () => {
        const previous = git("rev-parse", "HEAD");
        const head = commit({ "test/unit/x.test.ts": "\n", "scripts/local-cluster.sh": "\n" });
        const { matrix, githubOutput } = select("--base", previous, "--head", head);
        assert.deepEqual(matrix, []);
        assert.equal(githubOutput, "matrix=[]\n");
    });
});

describe("scripts/ci/needs-passed.sh, the check branch protection requires", () => {
    const run = (...args: string[]) =>
        spawnSync("bash", [path.join(repoRoot, "scripts", "ci", "needs-passed.sh"), ...args], {
            encoding: "utf8",
        });

    it("passes when the jobs succeeded or had nothing to do", () => {
        const result = run("test=success", "stacks=success", "preview=skipped");
        assert.equal(result.status, 0, result.stdout);
    });

    it("fails naming each job that failed or was cancelled", () => {
        const result = run("test=failure", "stacks=success", "preview=cancelled");
        assert.equal(result.status, 1);
        assert.match(result.stdout, /^::error::job test: failure$/m);
        assert.match(result.stdout, /^::error::job preview: cancelled$/m);
        assert.doesNotMatch(result.stdout, /::error::job stacks/);
    });

    it("refuses to pass with no jobs to look at", () => {
        assert.equal(run().status, 2);
    });
});

/**
 * A copy of `scripts/ci/<script>` in a scratch project whose npm scripts are stand-ins that record
 * their arguments (`typecheck` passes or fails on demand), and a stand-in `pulumi` (PULUMI_CLI)
 * that does the same. The real type check is `npm run typecheck`, which npm test runs.
 */
function runCiScript(
    script: string,
    args: readonly string[],
    options: { typecheckPasses: boolean; env?: Record<string, string> },
) {
    const dir = tempDir(script);
    fs.mkdirSync(path.join(dir, "scripts", "ci"), { recursive: true });
    fs.copyFileSync(
        path.join(repoRoot, "scripts", "ci", script),
        path.join(dir, "scripts", "ci", script),
    );
    const calls = path.join(dir, "calls");
    fs.writeFileSync(
        path.join(dir, "package.json"),
        JSON.stringify({
            scripts: {
                typecheck: `echo typecheck >> ${calls}${options.typecheckPasses ? "" : " && exit 2"}`,
                // npm appends the arguments to the script's text: they become sh's $@.
                "detection:run": `sh -c 'echo "detection:run $*" >> ${calls}' detection-run`,
            },
        }),
    );
    const pulumi = path.join(dir, "pulumi-stand-in");
    fs.writeFileSync(pulumi, `#!/bin/sh\necho "pulumi $*" >> ${calls}\n`, { mode: 0o755 });
    const result = spawnSync("bash", [path.join(dir, "scripts", "ci", script), ...args], {
        cwd: os.tmpdir(),
        encoding: "utf8",
        env: { ...process.env, GITHUB_STEP_SUMMARY: "", PULUMI_CLI: pulumi, ...options.env },
    });
    const recorded = fs.existsSync(calls) ? fs.readFileSync(calls, "utf8") : "";
    return { status: result.status, calls: recorded.trim().split("\n") };
}

describe("scripts/ci/deploy.sh", () => {
    const deploy = (typecheckPasses: boolean) =>
        runCiScript("deploy.sh", ["acme/prod"], { typecheckPasses });

    it("type-checks, then runs pulumi up on the stack with the policy pack", () => {
        const { status, calls } = deploy(true);
        assert.equal(status, 0);
        assert.deepEqual(calls, [
            "typecheck",
            "pulumi up --stack acme/prod --policy-pack policy --yes --non-interactive --diff",
        ]);
    });

    it("never runs pulumi up when the type check fails", () => {
        const { status, calls } = deploy(false);
        assert.notEqual(status, 0);
        assert.deepEqual(calls, ["typecheck"]);
    });
});

describe("scripts/ci/detection-tests.sh", () => {
    it("type-checks, then runs the detection tests of the stack under the run identity, with the policy pack", () => {
        const { status, calls } = runCiScript("detection-tests.sh", ["acme/prod", "8675309-1"], {
            typecheckPasses: true,
        });
        assert.equal(status, 0);
        assert.deepEqual(calls, [
            "typecheck",
            "detection:run --stack acme/prod --run-id 8675309-1 --policy-pack policy",
        ]);
    });

    it("appends the results to the job summary when GitHub names one", () => {
        const { calls } = runCiScript("detection-tests.sh", ["acme/prod", "r1"], {
            typecheckPasses: true,
            env: { GITHUB_STEP_SUMMARY: "/tmp/summary file.md" },
        });
        assert.equal(
            calls[1],
            "detection:run --stack acme/prod --run-id r1 --policy-pack policy --out /tmp/summary file.md",
        );
    });

    it("runs nothing when the type check fails, and refuses to run without a run identity", () => {
        const failed = runCiScript("detection-tests.sh", ["acme/prod", "r1"], {
            typecheckPasses: false,
        });
        assert.notEqual(failed.status, 0);
        assert.deepEqual(failed.calls, ["typecheck"]);
        const noRunId = runCiScript("detection-tests.sh", ["acme/prod"], { typecheckPasses: true });
        assert.notEqual(noRunId.status, 0);
        assert.deepEqual(noRunId.calls, [""]);
    });
});
