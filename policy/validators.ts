/**
 * The rules of the calico-ad policy pack as pure functions over resource properties, so unit
 * tests reach them without an engine. Each returns the problems found; empty means compliant.
 * They re-check what stack config validation (config/settings.ts) already checks, with the same
 * rules: the image pin rule `unpinnedTag` and each env var's zod schema `envValueSchema`, the
 * very objects stack config parses with, so the two cannot disagree about a value, and edited
 * state or a program that bypassed validation is still caught.
 */
import { envValueSchema } from "../catalog/envValues";
import { envVarCatalog, EnvVar, reservedEnvVars } from "../catalog/envVars";
import { manifestConstants } from "../catalog/eras";
import { webhookConsumers } from "../catalog/scanAlert";
import { isAdDeployment } from "../catalog/lookup";
import { simulationComponentModule } from "../catalog/simulation";
import { z } from "zod";
import { defaultProductionPatterns, productionReason } from "../common/production";
import { quote } from "../common/quote";
import { parseImageReference, unpinnedTag } from "../common/imageReference";
import { KubeContexts } from "../common/kubeconfig";

export { globMatches, productionTag } from "../common/production";

/** A container env entry as the Deployment's properties hold it. */
export interface EnvEntry {
    readonly name?: string;
    readonly value?: string;
    readonly valueFrom?: {
        readonly secretKeyRef?: { readonly name?: string; readonly key?: string };
        readonly [source: string]: unknown;
    };
}

/** The parts of a container the rules read. */
export interface ContainerSpec {
    readonly name?: string;
    readonly image?: string;
    readonly env?: readonly EnvEntry[];
}

/** The parts of a Deployment the rules read. */
export interface DeploymentProps {
    readonly metadata?: { readonly name?: string; readonly namespace?: string };
    readonly spec?: {
        readonly template?: {
            readonly spec?: {
                readonly containers?: readonly ContainerSpec[];
                readonly initContainers?: readonly ContainerSpec[];
            };
        };
    };
}

/** Every container and init container of the pod template. */
export function containersOf(deployment: DeploymentProps): ContainerSpec[] {
    const pod = deployment.spec?.template?.spec;
    return [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])];
}

/** Why `image` is not pinned to a release, or undefined when it is (version tag or digest). */
export function imagePinProblem(image: string): string | undefined {
    const reference = parseImageReference(image);
    const pin = "pin a release tag such as :v3.12.0 or a digest (@sha256:...)";
    if (!reference) {
        return `image ${quote(image)} is not a valid image reference; ${pin}`;
    }
    switch (unpinnedTag(reference.tag, reference.digest)) {
        case "untagged":
            return `image ${quote(image)} has no tag, so it runs whatever "latest" is at pull time; ${pin}`;
        case "latest":
            return `image ${quote(image)} uses the moving tag "latest"; ${pin}`;
        case "not a version":
            return `image ${quote(image)} uses tag ${quote(reference.tag)}, which is not a version; ${pin}`;
        default:
            return undefined;
    }
}

/** One problem per container whose image is not pinned. */
export function unpinnedImageProblems(deployment: DeploymentProps): string[] {
    return containersOf(deployment).flatMap((container) => {
        if (typeof container.image !== "string") {
            return [];
        }
        const problem = imagePinProblem(container.image);
        return problem ? [`container ${container.name ?? "(unnamed)"}: ${problem}`] : [];
    });
}

/** The AD job's Elasticsearch credentials: only ever from the access Secret. */
export const elasticsearchCredentialVars: readonly string[] = Object.keys(
    manifestConstants.esAccessSecretKeys,
);
const credentialName =
    /PASSWORD|PASSWD|PASSPHRASE|TOKEN|SECRET|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL/i;

/**
 * Credentials written into the manifest: ELASTIC_USER and ELASTIC_PASSWORD not read from a
 * Secret, and any variable named like a password, token or secret with a literal value. The
 * messages name the variable, never the value.
 */
export function literalCredentialProblems(deployment: DeploymentProps): string[] {
    return containersOf(deployment).flatMap((container) =>
        (container.env ?? []).flatMap((entry) => {
            const where = `container ${container.name ?? "(unnamed)"} env ${entry.name}`;
            if (typeof entry.name !== "string") {
                return [];
            }
            if (elasticsearchCredentialVars.includes(entry.name)) {
                if (entry.value !== undefined) {
                    return [
                        `${where} is a literal value; it must come from secretKeyRef ${manifestConstants.esAccessSecret}`,
                    ];
                }
                if (!entry.valueFrom?.secretKeyRef) {
                    return [
                        `${where} is not read from a Secret; it must come from secretKeyRef ${manifestConstants.esAccessSecret}`,
                    ];
                }
                return [];
            }
            if (
                credentialName.test(entry.name) &&
                typeof entry.value === "string" &&
                entry.value !== ""
            ) {
                return [
                    `${where} looks like a credential but has a literal value; read it from a Secret (valueFrom.secretKeyRef)`,
                ];
            }
            return [];
        }),
    );
}

/**
 * SecurityEventWebhook config values that carry credentials for their consumer (the catalog's
 * `webhookConsumers`) but are not read from a Secret: the Slack or Generic URL, Jira's API
 * token. The messages name the config entry, never its value.
 */
export function webhookCredentialProblems(props: unknown): string[] {
    const spec = (props as { spec?: { consumer?: unknown; config?: unknown } })?.spec;
    const consumer = webhookConsumers.find((c) => c.name === spec?.consumer);
    const config = Array.isArray(spec?.config) ? (spec.config as WebhookConfigProps[]) : [];
    return config.flatMap((entry) =>
        consumer?.secret.includes(String(entry?.name)) && !entry.valueFrom?.secretKeyRef
            ? [
                  `spec.config ${entry.name} of the ${consumer.name} consumer carries credentials but is not read from a Secret; use valueFrom.secretKeyRef`,
              ]
            : [],
    );
}

interface WebhookConfigProps {
    readonly name?: unknown;
    readonly valueFrom?: { readonly secretKeyRef?: unknown };
}

/**
 * Why `value` is outside what the catalog allows for `envVar`, or undefined when inside: parsed
 * by the schema stack config parses `calico-ad:jobEnv` with, on the rendered string.
 */
export function catalogValueProblem(envVar: EnvVar, value: string): string | undefined {
    const parsed = envValueSchema(envVar).safeParse(value);
    return parsed.success ? undefined : parsed.error.issues[0].message;
}

/**
 * AD_* and ES_* variables of the AD Deployment whose value is outside the catalog's range, not
 * in the catalog at all, or not a literal that could be checked. Variables the stack sets itself
 * (CLUSTER_NAME, AD_DISABLED_JOBS, ...) are not thresholds and are skipped.
 */
export function catalogRangeProblems(deployment: DeploymentProps): string[] {
    if (!isAdDeployment(deployment.metadata)) {
        return [];
    }
    return containersOf(deployment).flatMap((container) =>
        (container.env ?? []).flatMap((entry) => {
            const name = entry.name;
            if (typeof name !== "string" || !/^(AD|ES)_/.test(name) || name in reservedEnvVars) {
                return [];
            }
            const envVar = envVarCatalog.find((e) => e.name === name);
            if (!envVar) {
                return [
                    `env ${name} is not in the calico-ad env var catalog, so its value cannot be checked`,
                ];
            }
            if (entry.value === undefined) {
                return entry.valueFrom
                    ? [`env ${name} is not a literal value, so its range cannot be checked`]
                    : [];
            }
            const problem = catalogValueProblem(envVar, String(entry.value));
            return problem ? [`env ${name}: ${problem}`] : [];
        }),
    );
}

/** The stack and the type chain (parents first) of a resource, from its URN. */
export function parseUrn(urn: string): { stack: string; types: string[]; name: string } {
    const [prefix = "", , qualifiedType = "", ...name] = urn.split("::");
    return {
        stack: prefix.replace(/^urn:pulumi:/, ""),
        types: qualifiedType.split("$"),
        name: name.join("::"),
    };
}

const commandType = "command:local:Command";
const simulationParentPrefix = `${simulationComponentModule}:`;
const simulationName = /simulat|nmap/i;

/**
 * An attack simulation: a local Command that is a child of a `calico-ad:simulation:*`
 * component, or whose name says it simulates or runs nmap.
 */
export function isSimulationCommand(type: string, urn: string): boolean {
    if (type !== commandType) {
        return false;
    }
    const { types, name } = parseUrn(urn);
    return (
        types.slice(0, -1).some((t) => t.startsWith(simulationParentPrefix)) ||
        simulationName.test(name)
    );
}

/**
 * Policy config of the simulation rule: the production patterns and the explicit opt-in. One
 * schema yields the type, the defaults and the JSON schema the policy pack declares.
 */
export const simulationPolicyConfigSchema = z.object({
    productionStacks: z
        .array(z.string())
        .default([...defaultProductionPatterns.productionStacks])
        .describe("Stack name patterns (* and ?) that count as production"),
    protectedContexts: z
        .array(z.string())
        .default([...defaultProductionPatterns.protectedContexts])
        .describe(
            "kube context and kubeconfig cluster name patterns (* and ?) that count as production",
        ),
    allowSimulationInProduction: z
        .boolean()
        .default(false)
        .describe("Allow attack simulations on production targets"),
});

export type SimulationPolicyConfig = z.infer<typeof simulationPolicyConfigSchema>;

export const defaultSimulationPolicyConfig: SimulationPolicyConfig =
    simulationPolicyConfigSchema.parse({});

/** The kube context a simulation Command passes to kubectl (empty: the current one). */
export function simulationKubeContext(props: unknown): string | undefined {
    const context = (props as { environment?: { KUBE_CONTEXT?: unknown } } | undefined)?.environment
        ?.KUBE_CONTEXT;
    return typeof context === "string" && context !== "" ? context : undefined;
}

/**
 * Why this resource may not exist in this stack, or undefined when it may. The kube context is
 * the Command's KUBE_CONTEXT, or the kubeconfig's current one when it has none.
 */
export function simulationProblem(
    resource: { readonly type: string; readonly urn: string; readonly props?: unknown },
    config: SimulationPolicyConfig,
    tags: ReadonlyMap<string, string>,
    kubeContexts?: KubeContexts,
): string | undefined {
    if (!isSimulationCommand(resource.type, resource.urn) || config.allowSimulationInProduction) {
        return undefined;
    }
    const { stack, name } = parseUrn(resource.urn);
    const kubeContext = simulationKubeContext(resource.props) ?? kubeContexts?.current;
    const production = productionReason(
        {
            stack,
            stackTags: tags,
            kubeContext,
            cluster: kubeContext === undefined ? undefined : kubeContexts?.clusters[kubeContext],
        },
        config,
    );
    if (production === undefined) {
        return undefined;
    }
    return `the attack simulation ${quote(name)} would run in stack ${quote(stack)}, which is production because ${production}; turn the simulation off for this stack, or set allowSimulationInProduction in the policy pack config if it is intended`;
}
