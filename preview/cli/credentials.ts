/**
 * Checks a stack's CI credentials and installs its kubeconfig for the following steps.
 *
 *   npm run --silent ci:credentials -- --stack dev [--kubeconfig-out <file>]
 *
 * Reads KUBECONFIG_CONTENT (the stack's KUBECONFIG_<STACK> secret), PULUMI_ACCESS_TOKEN,
 * PULUMI_BACKEND_URL and PULUMI_CONFIG_PASSPHRASE from the environment and Pulumi.<stack>.yaml
 * from the working directory. Every problem is printed as a GitHub error annotation naming the
 * secret or variable, then it exits 1. Otherwise it writes the kubeconfig (mode 0600) to
 * --kubeconfig-out, by default $RUNNER_TEMP/kubeconfig-<stack>, and appends KUBECONFIG=<file> to
 * $GITHUB_ENV when that is set. Stacks in render mode need no kubeconfig.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { credentialProblems, stackCredentialNeeds } from "../credentials";
import { kubeconfigSecretName } from "../stacks";

function main(): number {
    const { values } = parseArgs({
        options: {
            stack: { type: "string" },
            "kubeconfig-out": { type: "string" },
        },
    });
    const stack = values.stack;
    if (!stack) {
        throw new Error("--stack is required");
    }
    const stackFile = path.resolve(`Pulumi.${stack}.yaml`);
    if (!fs.existsSync(stackFile)) {
        throw new Error(`stack ${stack} has no ${path.basename(stackFile)} in ${process.cwd()}`);
    }
    const needs = stackCredentialNeeds(fs.readFileSync(stackFile, "utf8"));
    const kubeconfigSecret = kubeconfigSecretName(stack);
    const env = process.env;
    const problems = credentialProblems(stack, needs, {
        kubeconfigSecret,
        kubeconfig: env.KUBECONFIG_CONTENT,
        accessToken: env.PULUMI_ACCESS_TOKEN,
        backendUrl: env.PULUMI_BACKEND_URL,
        passphrase: env.PULUMI_CONFIG_PASSPHRASE,
    });
    for (const problem of problems) {
        process.stdout.write(`::error title=Credentials of stack ${stack}::${problem}\n`);
    }
    if (problems.length > 0) {
        return 1;
    }
    if (needs.renderDirectory) {
        process.stdout.write(`stack ${stack} renders manifests: no kubeconfig needed\n`);
        return 0;
    }
    const out =
        values["kubeconfig-out"] ??
        path.join(env.RUNNER_TEMP ?? os.tmpdir(), `kubeconfig-${stack}`);
    fs.writeFileSync(out, `${env.KUBECONFIG_CONTENT?.trimEnd()}\n`, { mode: 0o600 });
    fs.chmodSync(out, 0o600);
    if (env.GITHUB_ENV) {
        fs.appendFileSync(env.GITHUB_ENV, `KUBECONFIG=${out}\n`);
    }
    process.stdout.write(`kubeconfig of stack ${stack} (secret ${kubeconfigSecret}) in ${out}\n`);
    return 0;
}

try {
    process.exitCode = main();
} catch (error) {
    process.stdout.write(`::error::${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
}
