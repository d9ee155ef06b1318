import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { manifestConstants as c } from "../catalog/eras";
import { ManifestProfile } from "../catalog/lookup";
import { ownerAnnotations } from "../common/ownership";
import { EnvSetting } from "../config/settings";

/** Arguments of the manifest-era AD jobs (Calico 3.5 to 3.12). */
export interface AdJobsDeploymentArgs {
    /** Version- and cluster-type-dependent shape of the objects, from the catalog. */
    readonly profile: ManifestProfile;
    /** Calico cluster name whose Elasticsearch indices the jobs read and write. */
    readonly clusterName: pulumi.Input<string>;
    /** Full image reference of the AD jobs container. */
    readonly image: pulumi.Input<string>;
    /** Pull secret in the intrusion detection namespace. */
    readonly imagePullSecret: pulumi.Input<string>;
    /**
     * Every AD env var the release documents a default for, with the value in force (stack config
     * or that default), plus configured ones; validated and rendered. Defaults are written out so
     * that the stack owns each setting: a hand edit of any of them is drift.
     */
    readonly jobEnv: readonly EnvSetting[];
    /**
     * Job IDs rendered into AD_DISABLED_JOBS; empty renders it empty (every job runs). Not
     * written for releases that do not read it (`profile.readsDisabledJobs`).
     */
    readonly disabledJobs: readonly string[];
    /**
     * False skips the readiness await and deletes in the background, for API servers without
     * nodes or controllers (no kubelet makes the pod ready, no garbage collector finishes a
     * foreground delete).
     */
    readonly awaitRollout: boolean;
    /** The owning stack (`common/ownership.ts`), annotated on each object; unset leaves it out. */
    readonly owner?: string;
}

/** Annotations for API servers without nodes or controllers; see `awaitRollout`. */
export const withoutControllersAnnotations = {
    "pulumi.com/skipAwait": "true",
    "pulumi.com/deletionPropagationPolicy": "background",
};

type Manifest = Record<string, unknown>;

/** The three objects of upstream `ad-jobs-deployment(-managed).yaml` for these arguments. */
export function buildAdJobsManifests(args: AdJobsDeploymentArgs): {
    deployment: Manifest;
    jobsPolicy: Manifest;
    elasticsearchPolicy: Manifest;
} {
    const es = args.profile.elasticsearch;
    const labels = { app: c.appLabel };
    const annotationMap = {
        ...ownerAnnotations(args.owner),
        ...(args.awaitRollout ? {} : withoutControllersAnnotations),
    };
    const annotations = Object.keys(annotationMap).length > 0 ? { annotations: annotationMap } : {};
    const probe = (extra: Record<string, number>) => ({
        httpGet: { path: c.probe.path, port: c.probe.port, scheme: "HTTP" },
        ...extra,
    });
    const secretEnv = (name: string, key: string) => ({
        name,
        valueFrom: { secretKeyRef: { name: c.esAccessSecret, key } },
    });

    const env = [
        { name: "CLUSTER_NAME", value: args.clusterName },
        ...(es.elasticHost ? [{ name: "ELASTIC_HOST", value: es.elasticHost }] : []),
        { name: "ELASTIC_PORT", value: c.elasticPort },
        { name: "ES_CA_CERT", value: c.caCertPath },
        ...Object.entries(c.esAccessSecretKeys).map(([name, key]) => secretEnv(name, key)),
        ...(args.profile.httpApi ? [{ name: "AD_NEED_API", value: "true" }] : []),
        ...(args.profile.readsDisabledJobs
            ? [{ name: "AD_DISABLED_JOBS", value: args.disabledJobs.join(",") }]
            : []),
        ...args.jobEnv.map((e) => ({ name: e.name, value: e.value })),
    ];

    const container = {
        name: c.containerName,
        image: args.image,
        command: ["python3"],
        args: [...args.profile.args],
        resources: { requests: { memory: c.memoryRequest } },
        securityContext: { ...args.profile.securityContext },
        ...(args.profile.httpApi
            ? {
                  startupProbe: probe({
                      initialDelaySeconds: 40,
                      periodSeconds: 30,
                      timeoutSeconds: 5,
                      successThreshold: 1,
                      failureThreshold: 10,
                  }),
                  livenessProbe: probe({
                      periodSeconds: 20,
                      timeoutSeconds: 5,
                      successThreshold: 1,
                      failureThreshold: 5,
                  }),
                  readinessProbe: probe({
                      periodSeconds: 20,
                      timeoutSeconds: 1,
                      successThreshold: 1,
                      failureThreshold: 5,
                  }),
              }
            : {}),
        env,
        volumeMounts: [
            { name: "host-volume", mountPath: c.modelsMountPath },
            { name: "es-certs", mountPath: c.caCertPath, subPath: "es-ca.pem" },
        ],
    };

    const deployment = {
        metadata: {
            name: c.deploymentName,
            namespace: c.namespace,
            labels,
            ...annotations,
        },
        spec: {
            replicas: 1,
            selector: { matchLabels: labels },
            template: {
                metadata: { labels },
                spec: {
                    imagePullSecrets: [{ name: args.imagePullSecret }],
                    containers: [container],
                    volumes: [
                        {
                            name: "es-certs",
                            secret: {
                                secretName: es.caSecretName,
                                defaultMode: 420,
                                items: [{ key: "tls.crt", path: "es-ca.pem" }],
                            },
                        },
                        { name: "host-volume", hostPath: { path: args.profile.modelsHostPath } },
                    ],
                },
            },
        },
    };

    const dnsEgress = (namespace: string, selector: string, port: number) => ({
        action: "Allow",
        protocol: "UDP",
        destination: { namespaceSelector: namespace, selector, ports: [port] },
    });
    const jobsPolicy = {
        apiVersion: "projectcalico.org/v3",
        kind: "NetworkPolicy",
        metadata: { name: c.jobsPolicyName, namespace: c.namespace, ...annotations },
        spec: {
            tier: c.tier,
            order: 1,
            selector: `app == '${c.appLabel}'`,
            types: ["Ingress", "Egress"],
            egress: [
                {
                    action: "Allow",
                    protocol: "TCP",
                    destination: {
                        namespaceSelector: es.target.namespaceSelector,
                        selector: es.target.selector,
                        ports: [es.target.port],
                    },
                },
                dnsEgress("projectcalico.org/name == 'kube-system'", "k8s-app == 'kube-dns'", 53),
                dnsEgress(
                    `projectcalico.org/name == "openshift-dns"`,
                    `dns.operator.openshift.io/daemonset-dns == "default"`,
                    5353,
                ),
            ],
        },
    };
    const elasticsearchPolicy = {
        apiVersion: "projectcalico.org/v3",
        kind: "NetworkPolicy",
        metadata: {
            name: c.elasticsearchPolicyName,
            namespace: es.target.namespace,
            ...annotations,
        },
        spec: {
            tier: c.tier,
            order: 1,
            selector: es.target.selector,
            types: ["Ingress"],
            ingress: [
                {
                    action: "Allow",
                    protocol: "TCP",
                    source: {
                        namespaceSelector: es.sourceNamespaceSelector,
                        selector: `app == '${c.appLabel}'`,
                    },
                    destination: { ports: [es.target.port] },
                },
            ],
        },
    };
    return { deployment, jobsPolicy, elasticsearchPolicy };
}

/**
 * The manifest-era Anomaly Detection jobs: the `ad-jobs-deployment` Deployment in
 * tigera-intrusion-detection and the two `allow-tigera` NetworkPolicies that let it reach
 * Elasticsearch (directly, through the ES gateway, or through Guardian on managed clusters).
 */
export class AdJobsDeployment extends pulumi.ComponentResource {
    /** The AD jobs Deployment; a threshold change updates its env and rolls the pod. */
    public readonly deployment: k8s.apps.v1.Deployment;
    /** Egress policy of the AD jobs pod. */
    public readonly jobsPolicy: k8s.apiextensions.CustomResource;
    /** Ingress policy on the Elasticsearch side (ES gateway, ES pods or Guardian). */
    public readonly elasticsearchPolicy: k8s.apiextensions.CustomResource;

    /**
     * @param name The _unique_ name of the component.
     * @param args The validated manifest-era settings.
     * @param opts Options; pass the Kubernetes provider via `provider` or `providers`.
     */
    constructor(name: string, args: AdJobsDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("calico-ad:manifest:AdJobsDeployment", name, {}, opts);
        const manifests = buildAdJobsManifests(args);

        // Policies first: without them the allow-tigera tier drops the job's Elasticsearch traffic.
        this.jobsPolicy = new k8s.apiextensions.CustomResource(
            `${name}-jobs-policy`,
            manifests.jobsPolicy as k8s.apiextensions.CustomResourceArgs,
            { parent: this },
        );
        this.elasticsearchPolicy = new k8s.apiextensions.CustomResource(
            `${name}-elasticsearch-policy`,
            manifests.elasticsearchPolicy as k8s.apiextensions.CustomResourceArgs,
            { parent: this },
        );
        this.deployment = new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            manifests.deployment as k8s.apps.v1.DeploymentArgs,
            { parent: this, dependsOn: [this.jobsPolicy, this.elasticsearchPolicy] },
        );

        this.registerOutputs({
            deployment: this.deployment,
            jobsPolicy: this.jobsPolicy,
            elasticsearchPolicy: this.elasticsearchPolicy,
        });
    }
}
