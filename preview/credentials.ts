/**
 * The credentials a CI job needs for one stack, checked before anything talks to a backend or a
 * cluster, so that a missing or wrong secret fails the job with the secret's name instead of a
 * login, preflight or dry-run error later. Pure: the CLI (`cli/credentials.ts`) reads the
 * environment and writes the kubeconfig.
 */
import * as yaml from "js-yaml";
import { configKey } from "../catalog/configKeys";

/** The stack file's settings that decide which credentials its jobs need. */
export interface StackCredentialNeeds {
    /** `calico-ad:kubeContext`; empty or undefined uses the kubeconfig's current context. */
    readonly kubeContext?: string;
    /** `calico-ad:renderDirectory`: set means the stack writes files and needs no cluster. */
    readonly renderDirectory?: string;
    /** `secretsprovider` of the stack file; undefined is the backend's default. */
    readonly secretsProvider?: string;
}

/** What the workflow passes in from its secrets and variables. */
export interface CiCredentials {
    /** Name of the secret that holds the stack's kubeconfig, e.g. `KUBECONFIG_DEV`. */
    readonly kubeconfigSecret: string;
    /** The kubeconfig itself (YAML or JSON); empty when the secret is not set. */
    readonly kubeconfig?: string;
    /** Secret `PULUMI_ACCESS_TOKEN`. */
    readonly accessToken?: string;
    /** Variable `PULUMI_BACKEND_URL`; empty is Pulumi Cloud. */
    readonly backendUrl?: string;
    /** Secret `PULUMI_CONFIG_PASSPHRASE`. */
    readonly passphrase?: string;
}

/** Reads the settings that matter for credentials from the text of a `Pulumi.<stack>.yaml`. */
export function stackCredentialNeeds(stackFileText: string): StackCredentialNeeds {
    const parsed = (yaml.load(stackFileText) ?? {}) as {
        secretsprovider?: unknown;
        config?: Record<string, unknown>;
    };
    const config = parsed.config ?? {};
    const text = (value: unknown) => (typeof value === "string" ? value : undefined);
    return {
        kubeContext: text(config[configKey("kubeContext")]),
        renderDirectory: text(config[configKey("renderDirectory")]),
        secretsProvider: text(parsed.secretsprovider),
    };
}

/** Pulumi Cloud, when the backend URL is empty or an https:// service URL. */
function isPulumiCloud(backendUrl: string | undefined): boolean {
    return !backendUrl || /^https?:\/\//.test(backendUrl);
}

/** Everything missing or wrong, one sentence each naming the secret or variable; empty when all is well. */
export function credentialProblems(
    stack: string,
    needs: StackCredentialNeeds,
    credentials: CiCredentials,
): string[] {
    const problems: string[] = [];
    const cloud = isPulumiCloud(credentials.backendUrl);
    if (cloud && !credentials.accessToken) {
        problems.push(
            "secret PULUMI_ACCESS_TOKEN is not set: the Pulumi Cloud backend needs it " +
                "(or set the variable PULUMI_BACKEND_URL to a self-managed backend)",
        );
    }
    const passphraseProvider =
        needs.secretsProvider === "passphrase" || (needs.secretsProvider === undefined && !cloud);
    if (passphraseProvider && !credentials.passphrase) {
        problems.push(
            `secret PULUMI_CONFIG_PASSPHRASE is not set: stack ${stack} uses the passphrase ` +
                "secrets provider" +
                (cloud ? "" : ` on the self-managed backend ${credentials.backendUrl}`),
        );
    }
    if (needs.renderDirectory) {
        return problems;
    }
    const secret = credentials.kubeconfigSecret;
    if (!credentials.kubeconfig?.trim()) {
        problems.push(
            `secret ${secret} is not set: it must hold the kubeconfig of stack ${stack}'s ` +
                "cluster (or list the stack in the variable CI_EXCLUDED_STACKS)",
        );
        return problems;
    }
    const kubeconfig = parseKubeconfig(credentials.kubeconfig);
    if (typeof kubeconfig === "string") {
        problems.push(`secret ${secret} is not a kubeconfig: ${kubeconfig}`);
        return problems;
    }
    const contextKey = configKey("kubeContext");
    if (needs.kubeContext) {
        if (!kubeconfig.contexts.includes(needs.kubeContext)) {
            problems.push(
                `secret ${secret} has no context "${needs.kubeContext}", which ${contextKey} of ` +
                    `stack ${stack} names (its contexts: ${kubeconfig.contexts.join(", ") || "none"})`,
            );
        }
    } else if (!kubeconfig.currentContext) {
        problems.push(
            `secret ${secret} sets no current-context and ${contextKey} of stack ${stack} is ` +
                "empty: set one of them",
        );
    }
    return problems;
}

interface KubeconfigContexts {
    readonly contexts: readonly string[];
    readonly currentContext?: string;
}

/** Context names and current context, or why the text is not a kubeconfig (never its content). */
function parseKubeconfig(text: string): KubeconfigContexts | string {
    let parsed: unknown;
    try {
        parsed = yaml.load(text);
    } catch {
        return "it is neither YAML nor JSON";
    }
    const config = parsed as { contexts?: unknown; "current-context"?: unknown } | null;
    if (config === null || typeof config !== "object" || !Array.isArray(config.contexts)) {
        return "it has no contexts list";
    }
    const contexts = (config.contexts as { name?: unknown }[])
        .map((context) => context?.name)
        .filter((name): name is string => typeof name === "string");
    const current = config["current-context"];
    return {
        contexts,
        currentContext: typeof current === "string" && current !== "" ? current : undefined,
    };
}
