/**
 * Every stack config key of the project. `Pulumi.yaml` declares the scalar keys (a unit test
 * checks they agree); structured keys are validated by `parseSettings`.
 */

export const projectName = "calico-ad";

export interface ScalarKey {
    readonly name: string;
    readonly type: "string" | "integer" | "boolean";
    /** Absent means the key is required. */
    readonly default?: string | number | boolean;
    readonly description: string;
}

export interface StructuredKey {
    readonly name: string;
    readonly description: string;
}

export const scalarKeys: readonly ScalarKey[] = [
    {
        name: "calicoVersion",
        type: "string",
        description:
            "Calico Enterprise or Calico Cloud release of the cluster, MAJOR.MINOR.PATCH (e.g. 3.12.0); picks manifest or GlobalAlert era",
    },
    {
        name: "clusterType",
        type: "string",
        description: "managed, management or standalone",
    },
    {
        name: "product",
        type: "string",
        default: "enterprise",
        description: "enterprise (Calico Enterprise) or cloud (Calico Cloud)",
    },
    {
        name: "clusterName",
        type: "string",
        default: "",
        description:
            "Calico cluster name used in Elasticsearch index names; empty reads CLUSTER_NAME of the intrusion-detection-controller Deployment",
    },
    {
        name: "kubeContext",
        type: "string",
        default: "",
        description: "kubeconfig context to deploy to; empty uses the current context",
    },
    {
        name: "renderDirectory",
        type: "string",
        default: "",
        description:
            "write the manifests to this directory instead of deploying (no cluster needed; clusterName must be set)",
    },
    {
        name: "awaitRollout",
        type: "boolean",
        default: true,
        description:
            "wait for the AD jobs Deployment to become Available; false for API servers without nodes",
    },
    {
        name: "imageRegistry",
        type: "string",
        default: "",
        description:
            "manifest era: registry and path of the AD jobs image; empty is quay.io/tigera",
    },
    {
        name: "imageTag",
        type: "string",
        default: "",
        description: "manifest era: AD jobs image tag; empty is the release tag, e.g. v3.12.0",
    },
    {
        name: "imagePullSecret",
        type: "string",
        default: "",
        description:
            "manifest era: pull secret in tigera-intrusion-detection; empty is tigera-pull-secret",
    },
    {
        name: "detectorPeriod",
        type: "string",
        default: "15m",
        description: "GlobalAlert era: how often each enabled detector runs (1m to 24h)",
    },
    {
        name: "detectorSeverity",
        type: "integer",
        default: 100,
        description: "GlobalAlert era: severity of the alerts, 1 to 100",
    },
];

export const structuredKeys: readonly StructuredKey[] = [
    {
        name: "jobEnv",
        description:
            "manifest era: map of AD job env vars (thresholds and global variables) to values; see the env var reference",
    },
    {
        name: "disabledJobs",
        description:
            "manifest era: list of job IDs to turn off (rendered as AD_DISABLED_JOBS); unset keeps the release's default",
    },
    {
        name: "detectors",
        description: "GlobalAlert era: list of detector IDs to enable; unset enables port_scan",
    },
    {
        name: "simulation",
        description:
            "optional port-scan and ip-sweep simulations run on `pulumi up` after deployment; see Attack simulation",
    },
];

export const configKey = (name: string): string => `${projectName}:${name}`;
