/**
 * Objects Anomaly Detection needs in the cluster before calico-ad creates anything, and how each
 * is normally created. Source: ../shared/reference/calico-ad.md 1.4 and 3.2.
 */

/** A cluster object, addressed the way `kubectl get` takes it. */
export interface ClusterObject {
    /** kubectl resource name, e.g. `secrets` or `tiers.projectcalico.org`. */
    readonly resource: string;
    readonly namespace?: string;
    /** Undefined checks that the resource type is served at all. */
    readonly name?: string;
    /** How the object normally comes to exist, shown when it is missing. */
    readonly howCreated: string;
}

const ids = "tigera-intrusion-detection";
const operatorCopies =
    "the Tigera operator copies it when the IntrusionDetection resource exists (check `kubectl get intrusiondetection tigera-secure` and the tigera-operator logs)";

export const prerequisites = {
    intrusionDetectionNamespace: {
        resource: "namespaces",
        name: ids,
        howCreated:
            "created by the Tigera operator when intrusion detection is enabled (`kubectl get intrusiondetection tigera-secure`)",
    },
    esAccessSecret: {
        resource: "secrets",
        namespace: ids,
        name: "tigera-ee-ad-job-elasticsearch-access",
        howCreated: `holds the AD job's Elasticsearch user; ${operatorCopies}`,
    },
    caSecret: (name: string): ClusterObject => ({
        resource: "secrets",
        namespace: ids,
        name,
        howCreated: `the Elasticsearch CA for this Calico release; ${operatorCopies}`,
    }),
    caConfigMap: (name: string): ClusterObject => ({
        resource: "configmaps",
        namespace: ids,
        name,
        howCreated: `the trusted CA bundle of the operator's components (operator v1.26 and later); ${operatorCopies}`,
    }),
    pullSecret: (name: string): ClusterObject => ({
        resource: "secrets",
        namespace: ids,
        name,
        howCreated:
            "the operator propagates the pull secrets of the Installation resource (Calico Cloud installs tigera-pull-secret); or create it with `kubectl create secret docker-registry <name> -n tigera-intrusion-detection ...`",
    }),
    targetNamespace: (name: string): ClusterObject => ({
        resource: "namespaces",
        name,
        howCreated:
            name === "tigera-guardian"
                ? "created by the operator when the cluster is connected to a management cluster (ManagementClusterConnection)"
                : "created by the operator for LogStorage (Elasticsearch) on standalone and management clusters",
    }),
    allowTigeraTier: {
        resource: "tiers.projectcalico.org",
        name: "allow-tigera",
        howCreated:
            "created by Calico Enterprise and served by the Calico API server (`kubectl get tiers`)",
    },
    globalAlertApi: {
        resource: "globalalerts.projectcalico.org",
        howCreated:
            "served by the Calico API server (`kubectl get apiservice v3.projectcalico.org`)",
    },
    clusterInformation: {
        resource: "clusterinformations.projectcalico.org",
        name: "default",
        howCreated:
            "written by calico/node when Calico starts (`kubectl get clusterinformation default -o yaml`)",
    },
    felixConfiguration: {
        resource: "felixconfigurations.projectcalico.org",
        name: "default",
        howCreated:
            "created by the Tigera operator with the Installation (Felix reads its cluster-wide settings from it)",
    },
    securityEventWebhookApi: {
        resource: "securityeventwebhooks.projectcalico.org",
        howCreated:
            "served by the Calico API server from Calico Enterprise 3.19 and Calico Cloud 19.0 (`kubectl api-resources | grep securityeventwebhook`)",
    },
    intrusionDetectionController: {
        resource: "deployments",
        namespace: ids,
        name: "intrusion-detection-controller",
        howCreated: "deployed by the Tigera operator when intrusion detection is enabled",
    },
    /** GlobalAlert era: what the IDS builds each detector's detection CronJob from. */
    detectionPodTemplate: {
        resource: "podtemplates",
        namespace: ids,
        name: "tigera.io.detectors.detection",
        howCreated:
            "rendered by the Tigera operator (CE 3.13 to 3.17) on standalone and management clusters, not in FIPS mode",
    },
} as const;
