import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import * as yaml from "js-yaml";
import { CiCredentials, credentialProblems, stackCredentialNeeds } from "../../preview/credentials";
import { repoRoot } from "../helpers";

const kubeconfig = (contexts: string[], current = "") =>
    yaml.dump({
        apiVersion: "v1",
        kind: "Config",
        "current-context": current,
        contexts: contexts.map((name) => ({ name, context: { cluster: name, user: name } })),
        clusters: contexts.map((name) => ({
            name,
            cluster: { server: "https://10.0.0.1:6443" },
        })),
        users: contexts.map((name) => ({ name, user: { token: "sekret-token-value" } })),
    });

const cloud: CiCredentials = {
    kubeconfigSecret: "KUBECONFIG_PROD_EAST",
    kubeconfig: kubeconfig(["prod-east"]),
    accessToken: "pul-123",
};

describe("CI credentials of a stack", () => {
    it("reads kube context, render directory and secrets provider from the stack file", () => {
        assert.deepEqual(
            stackCredentialNeeds(
                "secretsprovider: awskms://alias/ci\nconfig:\n  calico-ad:kubeContext: prod-east\n",
            ),
            {
                kubeContext: "prod-east",
                renderDirectory: undefined,
                secretsProvider: "awskms://alias/ci",
            },
        );
        const committed = fs.readFileSync(path.join(repoRoot, "Pulumi.local.yaml"), "utf8");
        assert.equal(stackCredentialNeeds(committed).kubeContext, "calico-ad-local");
    });

    it("pass with a token and a kubeconfig holding the stack's context", () => {
        assert.deepEqual(credentialProblems("prod-east", { kubeContext: "prod-east" }, cloud), []);
    });

    it("name the kubeconfig secret when it is missing", () => {
        for (const missing of [undefined, "", "  \n"]) {
            assert.deepEqual(
                credentialProblems("prod-east", {}, { ...cloud, kubeconfig: missing }),
                [
                    "secret KUBECONFIG_PROD_EAST is not set: it must hold the kubeconfig of stack " +
                        "prod-east's cluster (or list the stack in the variable CI_EXCLUDED_STACKS)",
                ],
            );
        }
    });

    it("name the context the stack wants and list the kubeconfig's, never its credentials", () => {
        const problems = credentialProblems(
            "prod-east",
            { kubeContext: "prod-east" },
            { ...cloud, kubeconfig: kubeconfig(["staging", "dev"]) },
        );
        assert.deepEqual(problems, [
            'secret KUBECONFIG_PROD_EAST has no context "prod-east", which calico-ad:kubeContext ' +
                "of stack prod-east names (its contexts: staging, dev)",
        ]);
        assert.doesNotMatch(problems.join(), /sekret|10\.0\.0\.1/);
    });

    it("need a current context when the stack names none", () => {
        assert.match(
            credentialProblems("dev", {}, { ...cloud, kubeconfig: kubeconfig(["a"]) }).join(),
            /secret KUBECONFIG_PROD_EAST sets no current-context and calico-ad:kubeContext of stack dev is empty/,
        );
        assert.deepEqual(
            credentialProblems("dev", {}, { ...cloud, kubeconfig: kubeconfig(["a"], "a") }),
            [],
        );
    });

    it("reject a secret that is not a kubeconfig without echoing it", () => {
        for (const text of ["{{{ not: yaml", "just-a-token-value"]) {
            const problems = credentialProblems("dev", {}, { ...cloud, kubeconfig: text });
            assert.equal(problems.length, 1);
            assert.match(problems[0], /^secret KUBECONFIG_PROD_EAST is not a kubeconfig: /);
            assert.ok(!problems[0].includes(text), problems[0]);
        }
    });

    it("name PULUMI_ACCESS_TOKEN for Pulumi Cloud", () => {
        assert.deepEqual(
            credentialProblems("dev", { renderDirectory: "out" }, { ...cloud, accessToken: "" }),
            [
                "secret PULUMI_ACCESS_TOKEN is not set: the Pulumi Cloud backend needs it (or set " +
                    "the variable PULUMI_BACKEND_URL to a self-managed backend)",
            ],
        );
    });

    it("name PULUMI_CONFIG_PASSPHRASE on a self-managed backend with passphrase secrets", () => {
        const selfManaged = { ...cloud, accessToken: "", backendUrl: "s3://state-bucket" };
        assert.deepEqual(
            credentialProblems("prod-east", { kubeContext: "prod-east" }, selfManaged),
            [
                "secret PULUMI_CONFIG_PASSPHRASE is not set: stack prod-east uses the passphrase " +
                    "secrets provider on the self-managed backend s3://state-bucket",
            ],
        );
        assert.deepEqual(
            credentialProblems(
                "prod-east",
                { kubeContext: "prod-east", secretsProvider: "awskms://alias/ci" },
                selfManaged,
            ),
            [],
        );
    });

    it("need no kubeconfig for a stack that renders manifests", () => {
        assert.deepEqual(
            credentialProblems(
                "dev",
                { renderDirectory: "rendered" },
                { ...cloud, kubeconfig: "" },
            ),
            [],
        );
    });
});

describe("npm run ci:credentials", () => {
    const cli = path.join(repoRoot, "bin", "preview", "cli", "credentials.js");

    /** Runs the command in a directory holding Pulumi.dev.yaml, with only the given secrets. */
    function run(env: Record<string, string>) {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "calico-ad-credentials-"));
        fs.writeFileSync(
            path.join(dir, "Pulumi.dev.yaml"),
            "config:\n  calico-ad:kubeContext: dev-cluster\n",
        );
        const githubEnv = path.join(dir, "github-env");
        fs.writeFileSync(githubEnv, "");
        const result = spawnSync(process.execPath, [cli, "--stack", "dev"], {
            cwd: dir,
            encoding: "utf8",
            env: { PATH: process.env.PATH, RUNNER_TEMP: dir, GITHUB_ENV: githubEnv, ...env },
        });
        return { ...result, dir, githubEnv: fs.readFileSync(githubEnv, "utf8") };
    }

    it("fails the step with an annotation naming the missing secret, and installs nothing", () => {
        const result = run({ PULUMI_ACCESS_TOKEN: "pul-123" });
        assert.equal(result.status, 1, result.stderr);
        assert.match(
            result.stdout,
            /^::error title=Credentials of stack dev::secret KUBECONFIG_DEV is not set: /m,
        );
        assert.equal(result.githubEnv, "");
        assert.ok(!fs.existsSync(path.join(result.dir, "kubeconfig-dev")));
    });

    it("writes the kubeconfig readable only by the runner and points KUBECONFIG at it", () => {
        const content = kubeconfig(["dev-cluster"]);
        const result = run({ PULUMI_ACCESS_TOKEN: "pul-123", KUBECONFIG_CONTENT: content });
        assert.equal(result.status, 0, result.stdout + result.stderr);
        const file = path.join(result.dir, "kubeconfig-dev");
        assert.equal(fs.readFileSync(file, "utf8"), content);
        assert.equal(fs.statSync(file).mode & 0o777, 0o600);
        assert.equal(result.githubEnv, `KUBECONFIG=${file}\n`);
        assert.doesNotMatch(result.stdout + result.stderr, /sekret/);
    });
});
