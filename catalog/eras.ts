/**
 * Which Anomaly Detection mechanism each Calico release uses, and the version-dependent details of
 * the manifest-era `ad-jobs-deployment` manifests. Sources: ../shared/reference/calico-ad.md
 * sections 0, 1.1 to 1.4 and 3.3 (upstream manifests/threatdef history, tigera/operator tags).
 */
import { Product, VersionRange } from "./versions";

/**
 * How AD is turned on for a release; `ruleBased` is the releases without AD, where calico-ad
 * deploys a rule-based scan alert instead (catalog/scanAlert.ts).
 */
export type Era = "manifest" | "globalAlert" | "ruleBased";

export type ClusterType = "managed" | "management" | "standalone";
export const clusterTypes: readonly ClusterType[] = ["managed", "management", "standalone"];
export const products: readonly Product[] = ["enterprise", "cloud"];

export interface EraSpan {
    readonly product: Product;
    readonly range: VersionRange;
    /** The mechanism, or why AD cannot be deployed at all for these versions. */
    readonly era: Era | { readonly unsupported: string };
    /** Releases without AD: why, for the warnings and refusals of `calico-ad:afterAdRemoval`. */
    readonly adRemoved?: string;
}

export const eraSpans: readonly EraSpan[] = [
    {
        product: "enterprise",
        range: { until: "3.5.0" },
        era: {
            unsupported:
                "Calico Enterprise before 3.5 ran anomaly detection as Elastic ML jobs, which calico-ad does not manage",
        },
    },
    { product: "enterprise", range: { from: "3.5.0", until: "3.13.0" }, era: "manifest" },
    { product: "enterprise", range: { from: "3.13.0", until: "3.18.0" }, era: "globalAlert" },
    {
        product: "enterprise",
        range: { from: "3.18.0" },
        era: "ruleBased",
        adRemoved:
            "Anomaly Detection was removed in Calico Enterprise 3.18 (the operator deletes its objects)",
    },
    {
        product: "cloud",
        range: { until: "3.5.0" },
        era: { unsupported: "Calico Cloud releases before 3.5 are not supported by calico-ad" },
    },
    { product: "cloud", range: { from: "3.5.0", until: "3.13.0" }, era: "manifest" },
    { product: "cloud", range: { from: "3.13.0", until: "18.3.0" }, era: "globalAlert" },
    {
        product: "cloud",
        range: { from: "18.3.0" },
        era: "ruleBased",
        adRemoved:
            "Anomaly Detection was removed in Calico Cloud 18.3.0 (only DGA detection remains, built into Runtime Security)",
    },
];

/**
 * The major versions each product has released: Calico Enterprise is 3.x; Calico Cloud was 3.x
 * and went to 18.x in 2023 (its 18.0 carries Enterprise 3.17's detectors).
 */
export const releaseShapes: Record<
    Product,
    { readonly hasMajor: (major: number) => boolean; readonly shown: string }
> = {
    enterprise: { hasMajor: (major) => major === 3, shown: "3.MINOR.PATCH such as 3.12.0" },
    cloud: {
        hasMajor: (major) => major === 3 || major >= 18,
        shown: "3.MINOR.PATCH such as 3.12.0, or 18.MINOR.PATCH and later such as 18.2.0",
    },
};

/**
 * Calico Cloud 18.x releases carry the detector set of Calico Enterprise 3.17; detector and env
 * var availability is recorded against Enterprise versions.
 */
export const cloudToEnterpriseEquivalent: readonly {
    readonly from: string;
    readonly enterprise: string;
}[] = [{ from: "18.0.0", enterprise: "3.17.0" }];

/** How the AD jobs pod reaches Elasticsearch, and the policies that allow it. */
export interface ElasticsearchAccess {
    /** ELASTIC_HOST; undefined leaves the job's built-in default. */
    readonly elasticHost?: string;
    /** Secret in the intrusion detection namespace holding the ES CA as `tls.crt`. */
    readonly caSecretName: string;
    /** The pods the AD jobs pod sends to, and the namespace of the second policy. */
    readonly target: {
        readonly namespace: string;
        readonly namespaceSelector: string;
        readonly selector: string;
        readonly port: number;
    };
    /** How the target-side policy selects the intrusion detection namespace. */
    readonly sourceNamespaceSelector: string;
}

const esDirect: ElasticsearchAccess = {
    caSecretName: "tigera-secure-es-http-certs-public",
    target: {
        namespace: "tigera-elasticsearch",
        namespaceSelector: "name == 'tigera-elasticsearch'",
        selector: "elasticsearch.k8s.elastic.co/cluster-name == 'tigera-secure'",
        port: 9200,
    },
    sourceNamespaceSelector: "name == 'tigera-intrusion-detection'",
};

const esGateway: ElasticsearchAccess = {
    elasticHost: "tigera-secure-es-gateway-http.tigera-elasticsearch.svc",
    caSecretName: "tigera-secure-es-gateway-http-certs-public",
    target: {
        namespace: "tigera-elasticsearch",
        namespaceSelector: "name == 'tigera-elasticsearch'",
        selector: "k8s-app == 'tigera-secure-es-gateway'",
        port: 5554,
    },
    sourceNamespaceSelector: "name == 'tigera-intrusion-detection'",
};

const guardianTarget = {
    namespace: "tigera-guardian",
    namespaceSelector: "projectcalico.org/name == 'tigera-guardian'",
    selector: "k8s-app == 'tigera-guardian'",
    port: 8080,
};

/**
 * Managed clusters reach Elasticsearch in the management cluster through Guardian; standalone
 * and management clusters reach it directly, through the ES gateway from 3.9 (operator v1.21).
 * Upstream's 3.9 and 3.10 manifests lagged the gateway move (missing ELASTIC_HOST, old CA secret;
 * fixed upstream by #3590, #3593, #3677), so both switch at 3.9 here.
 *
 * Checked per patch release as far as evidence exists: tigera/docs has no releases.json before
 * 3.14, so the operator of each manifest-era release comes from tigera/operator
 * `config/enterprise_versions.yml` at each tag. Every 3.8.x operator (v1.19.0, v1.20.0 to
 * v1.20.9, titled v3.8.0 and v3.8.1) lacks `pkg/render/logstorage/esgateway`; v1.21.0 (v3.9.0)
 * is the first with it, and v1.21.4 (v3.9.1) keeps it. So the gateway boundary is 3.9.0 for
 * every patch release.
 */
export const elasticsearchAccess: Record<ClusterType, Steps<ElasticsearchAccess>> = {
    standalone: [
        { since: "3.5.0", value: esDirect },
        { since: "3.9.0", value: esGateway },
    ],
    management: [
        { since: "3.5.0", value: esDirect },
        { since: "3.9.0", value: esGateway },
    ],
    managed: [
        {
            since: "3.5.0",
            value: {
                caSecretName: esDirect.caSecretName,
                target: guardianTarget,
                sourceNamespaceSelector: "projectcalico.org/name == 'tigera-intrusion-detection'",
            },
        },
        {
            since: "3.9.0",
            value: {
                elasticHost: esGateway.elasticHost,
                caSecretName: esGateway.caSecretName,
                target: guardianTarget,
                sourceNamespaceSelector: "projectcalico.org/name == 'tigera-intrusion-detection'",
            },
        },
    ],
};

/** The container security context of the upstream manifests. */
export interface JobsSecurityContext {
    readonly privileged?: boolean;
    readonly allowPrivilegeEscalation: boolean;
}

/** A detail that changed at the listed releases; the last step not after a version applies. */
export type Steps<T> = readonly { readonly since: string; readonly value: T }[];

/** Details of the `ad-jobs-deployment` manifest that changed between releases. */
export const manifestSteps: {
    readonly args: Steps<readonly string[]>;
    readonly securityContext: Steps<JobsSecurityContext>;
    readonly modelsHostPath: Steps<string>;
    readonly httpApi: Steps<boolean>;
    readonly readsDisabledJobs: Steps<boolean>;
    readonly defaultDisabledJobs: Steps<readonly string[]>;
} = {
    /** `python3` arguments: the entry point moved to the `adj` module in 3.8. */
    args: [
        { since: "3.5.0", value: ["main.py"] },
        { since: "3.8.0", value: ["-m", "adj"] },
    ],
    /** OpenShift needs a privileged pod to write under /var/log/calico (CNX-14881, 3.7). */
    securityContext: [
        { since: "3.5.0", value: { allowPrivilegeEscalation: false } },
        { since: "3.7.0", value: { privileged: true, allowPrivilegeEscalation: true } },
    ],
    /**
     * Host directory where trained models persist across pod restarts. Upstream changed it in
     * 0a5559fcff (2021-08-18), three days after operator v1.21.0 (3.9.0); the workshop's own
     * v3.9.0 manifest (tigera-solutions/calicocloud-aks-workshop
     * demo/90-anomaly-detection/ad-jobs-deployment-managed.yaml @0e4d4f1) already uses the new
     * path, and every workshop manifest before it (v3.7.0, @e167253) the old one.
     */
    modelsHostPath: [
        { since: "3.5.0", value: "/var/log/calico" },
        { since: "3.9.0", value: "/var/log/calico/anomaly_detection_jobs" },
    ],
    /**
     * The job's HTTP API (`AD_NEED_API`) and the /ad/ping probes arrived together in 3.10
     * (1c1700aedb, 2021-09-15, nine days before operator v1.22.0 = 3.10.0). Judgement call as
     * for the host path: 3.9.1 shipped later but its manifest is not public; 3.9.x stays without
     * probes, which is safe (no probe can fail a job that has no HTTP API).
     */
    httpApi: [
        { since: "3.5.0", value: false },
        { since: "3.10.0", value: true },
    ],
    /**
     * Whether the release reads AD_DISABLED_JOBS: first documented by customizing.md @f1e7f6fb54
     * (2021-08-09, before 3.9.0); still in 3.12's disable.md @8e77472867.
     */
    readsDisabledJobs: [
        { since: "3.5.0", value: false },
        { since: "3.9.0", value: true },
    ],
    /** Jobs upstream disables by default when the user does not choose. */
    defaultDisabledJobs: [
        { since: "3.5.0", value: [] },
        { since: "3.12.0", value: ["bytes_in", "bytes_out", "process_bytes"] },
    ],
};

/** Fixed parts of the manifest-era objects, the same in every release. */
export const manifestConstants = {
    namespace: "tigera-intrusion-detection",
    deploymentName: "ad-jobs-deployment",
    containerName: "ad-jobs",
    appLabel: "anomaly-detection",
    imageName: "anomaly_detection_jobs",
    defaultImageRegistry: "quay.io/tigera",
    defaultPullSecret: "tigera-pull-secret",
    esAccessSecret: "tigera-ee-ad-job-elasticsearch-access",
    /** The Elasticsearch credentials the job reads from `esAccessSecret`: env var to key. */
    esAccessSecretKeys: { ELASTIC_USER: "username", ELASTIC_PASSWORD: "password" },
    elasticPort: "9200",
    caCertPath: "/certs/es-ca.pem",
    modelsMountPath: "/home/idsuser/anomaly_detection_jobs/models",
    memoryRequest: "1G",
    tier: "allow-tigera",
    jobsPolicyName: "allow-tigera.allow-anomaly-detection",
    elasticsearchPolicyName: "allow-tigera.elasticsearch-access-anomaly-detection",
    probe: { path: "/ad/ping", port: 8000 },
} as const;

/** GlobalAlert-era constants (operator-rendered templates, CE 3.13 to 3.17). */
export const globalAlertConstants = {
    namePrefix: "tigera.io.detector.",
    defaultPeriod: "15m",
    defaultSeverity: 100,
    /** Detectors enabled when the stack names none: the workshop's port scan. */
    defaultDetectors: ["port_scan"],
    /** The operator's detector templates use this port-scan threshold; it cannot be changed. */
    fixedPortScanThreshold: 500,
} as const;

/** The Deployment that holds the cluster's Calico name in its CLUSTER_NAME env var. */
export const intrusionDetectionController = {
    namespace: "tigera-intrusion-detection",
    name: "intrusion-detection-controller",
    clusterNameEnv: "CLUSTER_NAME",
} as const;
