/**
 * Every stack config key of the project, with its type, default, allowed range and the era it
 * applies to: the one source for `parseSettings`, the `Pulumi.yaml` declarations and the reference in
 * docs/configuration.md (`npm run docs` writes both; a unit test checks they are fresh).
 */
import { defaultProductionPatterns } from "../common/production";
import { demoDetectorPeriod, demoSearchIntervalMinutes, felixFlushIntervals } from "./demo";
import { clusterTypes, Era, globalAlertConstants, manifestConstants, products } from "./eras";
import { afterAdRemovalChoices, scanAlert, securityEventWebhookSince } from "./scanAlert";

export const projectName = "calico-ad";

/** Where a key means something: every release, or only one era. */
export type KeyScope = "all" | Era;

export interface ScalarKey {
    readonly name: string;
    readonly type: "string" | "integer" | "boolean";
    /** Absent means the key is required. */
    readonly default?: string | number | boolean;
    /** Integers: the allowed range. Durations: the range in seconds. */
    readonly min?: number;
    readonly max?: number;
    /** Strings: the values allowed, when they are a fixed list. */
    readonly allowed?: readonly string[];
    readonly scope: KeyScope;
    readonly description: string;
}

export interface StructuredKey {
    readonly name: string;
    /** What the value holds; a larger value is refused before it is parsed. */
    readonly shape: "map" | "list" | "simulation";
    readonly scope: KeyScope;
    readonly description: string;
}

export const configKey = (name: string): string => `${projectName}:${name}`;

/** The GlobalAlert `period` range in seconds; the operator's templates use 15m. */
export const detectorPeriodRange = { min: 60, max: 86400, shown: "1m to 24h" } as const;
/**
 * `simulation.verify`: how long to wait for the alert and how often to search, in seconds.
 * 20 minutes covers the manifest era's workshop settings (reference section 4: flush + bucket
 * close + a 5-minute search interval) and the GlobalAlert era's 5 to 20 minutes.
 */
/** Unset, the timeout is the longest wait for the alert with the stack's settings. */
export const verifyTimeoutRange = { min: 5, max: 7200, shown: "5s to 2h" } as const;
export const verifyPollRange = { min: 1, max: 300, default: "15s", shown: "1s to 5m" } as const;

/** GlobalAlert `severity`, as the Calico API server validates it. */
export const detectorSeverityRange = { min: 1, max: 100 } as const;

const scalarKeyTable = [
    {
        name: "calicoVersion",
        type: "string",
        default: "",
        scope: "all",
        description:
            "Calico Enterprise or Calico Cloud release of the cluster, MAJOR.MINOR.PATCH (e.g. 3.12.0); picks manifest or GlobalAlert era. Empty uses the Calico Enterprise release the cluster reports (spec.cnxVersion of ClusterInformation default); when set, preflight fails if the cluster reports another. Required for Calico Cloud and with renderDirectory",
    },
    {
        name: "clusterType",
        type: "string",
        allowed: clusterTypes,
        scope: "all",
        description: `${clusterTypes.slice(0, -1).join(", ")} or ${clusterTypes[clusterTypes.length - 1]}`,
    },
    {
        name: "product",
        type: "string",
        default: "enterprise",
        allowed: products,
        scope: "all",
        description: "enterprise (Calico Enterprise) or cloud (Calico Cloud)",
    },
    {
        name: "clusterName",
        type: "string",
        default: "",
        scope: "all",
        description:
            "Calico cluster name used in Elasticsearch index names; empty reads CLUSTER_NAME of the intrusion-detection-controller Deployment",
    },
    {
        name: "kubeContext",
        type: "string",
        default: "",
        scope: "all",
        description:
            "kubeconfig context to deploy to (must exist in the kubeconfig, KUBECONFIG honoured); empty uses the current context",
    },
    {
        name: "renderDirectory",
        type: "string",
        default: "",
        scope: "all",
        description:
            "write the manifests to this directory instead of deploying (no cluster needed; clusterName must be set)",
    },
    {
        name: "awaitRollout",
        type: "boolean",
        default: true,
        scope: "all",
        description:
            "wait for the AD jobs Deployment to become Available; false for API servers without nodes",
    },
    {
        name: "allowSimulationInProduction",
        type: "boolean",
        default: false,
        scope: "all",
        description:
            "run the simulations even where the stack, kube context or cluster counts as production (see productionStacks and protectedContexts)",
    },
    {
        name: "demo",
        type: "boolean",
        default: false,
        scope: "all",
        description: `workshop mode: Felix flush intervals ${felixFlushIntervals.demo} (restored when turned off or destroyed), AD search interval at most ${demoSearchIntervalMinutes} minutes or detector period at most ${demoDetectorPeriod}; refused on production stacks`,
    },
    {
        name: "imageRegistry",
        type: "string",
        default: "",
        scope: "manifest",
        description: `manifest era: registry and path of the AD jobs image; empty is ${manifestConstants.defaultImageRegistry}`,
    },
    {
        name: "imageTag",
        type: "string",
        default: "",
        scope: "manifest",
        description: "manifest era: AD jobs image tag; empty is the release tag, e.g. v3.12.0",
    },
    {
        name: "imageDigest",
        type: "string",
        default: "",
        scope: "manifest",
        description:
            "manifest era: pins the AD jobs image to this digest (sha256:<64 hex digits>) as well as the tag; empty pins the tag only",
    },
    {
        name: "allowUnpinnedImage",
        type: "boolean",
        default: false,
        scope: "manifest",
        description:
            "manifest era: accept an imageTag that is not a release version (such as master) without an imageDigest; the policy pack refuses such an image regardless",
    },
    {
        name: "imagePullSecret",
        type: "string",
        default: "",
        scope: "manifest",
        description: `manifest era: pull secret in ${manifestConstants.namespace}; empty is ${manifestConstants.defaultPullSecret}`,
    },
    {
        name: "detectorPeriod",
        type: "string",
        default: globalAlertConstants.defaultPeriod,
        min: detectorPeriodRange.min,
        max: detectorPeriodRange.max,
        scope: "globalAlert",
        description: `GlobalAlert era: how often each enabled detector runs (${detectorPeriodRange.shown})`,
    },
    {
        name: "detectorSeverity",
        type: "integer",
        default: globalAlertConstants.defaultSeverity,
        ...detectorSeverityRange,
        scope: "globalAlert",
        description: `GlobalAlert era: severity of the alerts, ${detectorSeverityRange.min} to ${detectorSeverityRange.max}`,
    },
    {
        name: "afterAdRemoval",
        type: "string",
        default: "scanAlert",
        allowed: afterAdRemovalChoices,
        scope: "all",
        description:
            "what the stack does on a release without AD (Calico Enterprise 3.18+, Calico Cloud 18.3+): scanAlert deletes the AD objects a stack deployed and deploys the rule-based port-scan GlobalAlert; deleteOnly only deletes them (a new stack fails); fail refuses the release. Set it before upgrading to pick what the upgrade does",
    },
    {
        name: "scanAlertThreshold",
        type: "integer",
        default: scanAlert.defaultThreshold,
        ...scanAlert.thresholdRange,
        scope: "ruleBased",
        description: `releases without AD: the scan alert fires when one source has at least this many denied TCP flow logs to one destination workload within the lookback, about the number of ports it probed there (see docs/configuration.md, Releases without AD)`,
    },
    {
        name: "scanAlertSeverity",
        type: "integer",
        default: scanAlert.defaultSeverity,
        ...detectorSeverityRange,
        scope: "ruleBased",
        description: `releases without AD: severity of the scan alert, ${detectorSeverityRange.min} to ${detectorSeverityRange.max}`,
    },
] as const satisfies readonly ScalarKey[];

/** Every scalar key, for code that walks them all. */
export const scalarKeys: readonly ScalarKey[] = scalarKeyTable;

export const structuredKeys: readonly StructuredKey[] = [
    {
        name: "jobEnv",
        shape: "map",
        scope: "manifest",
        description:
            "manifest era: map of AD job env vars (thresholds and global variables) to values; see the env var reference",
    },
    {
        name: "disabledJobs",
        shape: "list",
        scope: "manifest",
        description:
            "manifest era: list of job IDs to turn off (rendered as AD_DISABLED_JOBS); unset keeps the release's default",
    },
    {
        name: "detectors",
        shape: "list",
        scope: "globalAlert",
        description: `GlobalAlert era: list of detector IDs to enable; unset enables ${globalAlertConstants.defaultDetectors.join(", ")}`,
    },
    {
        name: "scanAlertWebhook",
        shape: "map",
        scope: "ruleBased",
        description: `releases without AD, from Calico Enterprise ${securityEventWebhookSince.enterprise} and Calico Cloud ${securityEventWebhookSince.cloud}: a SecurityEventWebhook that delivers the scan alert's events: consumer (Slack, Jira or Generic), optional state, and config naming each value's Secret or ConfigMap in tigera-intrusion-detection; see Delivering the alert`,
    },
    {
        name: "simulation",
        shape: "simulation",
        scope: "all",
        description:
            "optional simulations (port scan, ip sweep, dga, dns tunnel) run on `pulumi up` after deployment, `verify`, the check that each raised its detector's alert (the `detectionTests` output), and `runId`, a run identity whose change re-runs exactly the simulations and their verifications; see Attack simulation, Alert verification and Continuous detection testing",
    },
    {
        name: "productionStacks",
        shape: "list",
        scope: "all",
        description: `stack name patterns (\`*\` and \`?\`) where simulations are refused unless allowed; unset is ${JSON.stringify(defaultProductionPatterns.productionStacks)}, as in the policy pack`,
    },
    {
        name: "protectedContexts",
        shape: "list",
        scope: "all",
        description: `kube context and kubeconfig cluster name patterns where simulations are refused unless allowed; unset is ${JSON.stringify(defaultProductionPatterns.protectedContexts)}, as in the policy pack`,
    },
];

/** The name of a scalar key. */
export type ScalarKeyName = (typeof scalarKeyTable)[number]["name"];
/** The declaration of the scalar key `N`, with its literal type, default and allowed values. */
export type ScalarKeyOf<N extends ScalarKeyName> = Extract<
    (typeof scalarKeyTable)[number],
    { readonly name: N }
>;

/** The name of a scalar key with a default. */
export type DefaultedKeyName = Extract<
    (typeof scalarKeyTable)[number],
    { readonly default: unknown }
>["name"];

/** The scalar key declared under `name`. */
export const scalarKey = <N extends ScalarKeyName>(name: N): ScalarKeyOf<N> =>
    scalarKeyTable.find((k) => k.name === name) as ScalarKeyOf<N>;

/** The key declared under `name`, if any. */
export function findKey(name: string): ScalarKey | StructuredKey | undefined {
    return [...scalarKeys, ...structuredKeys].find((k) => k.name === name);
}

/** Largest raw value of a structured key, in characters; bigger ones are refused unparsed. */
export const maxStructuredValueLength = 64 * 1024;
/** Most entries a map or list key may hold; every catalog list is far shorter. */
export const maxCollectionSize = 200;
