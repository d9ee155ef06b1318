import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { manifestProfile } from "../../catalog/lookup";
import { version } from "../../catalog/versions";
import {
    AdJobsDeployment,
    AdJobsDeploymentArgs,
    buildAdJobsManifests,
} from "../../components/adJobsDeployment";
import { recordResources, valueOf } from "../helpers";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const args = (
    v: string,
    clusterType: "managed" | "standalone" | "management",
    extra: Partial<AdJobsDeploymentArgs> = {},
): AdJobsDeploymentArgs => ({
    profile: manifestProfile(version(v), clusterType),
    clusterName: "prod-east",
    image: `quay.io/tigera/anomaly_detection_jobs:v${v}`,
    imagePullSecret: "tigera-pull-secret",
    jobEnv: [],
    disabledJobs: manifestProfile(version(v), clusterType).defaultDisabledJobs,
    awaitRollout: true,
    ...extra,
});

const containerOf = (deployment: Json) => deployment.spec.template.spec.containers[0];
const envOf = (deployment: Json): Record<string, unknown> =>
    Object.fromEntries(
        containerOf(deployment).env.map((e: Json) => [e.name, e.value ?? e.valueFrom]),
    );

describe("upstream equivalence: 3.12 standalone (final ad-jobs-deployment.yaml)", () => {
    const { deployment, jobsPolicy, elasticsearchPolicy } = buildAdJobsManifests(
        args("3.12.0", "standalone", { clusterName: "cluster" }),
    ) as Record<string, Json>;

    it("has the Deployment upstream has", () => {
        assert.deepEqual(deployment.metadata, {
            name: "ad-jobs-deployment",
            namespace: "tigera-intrusion-detection",
            labels: { app: "anomaly-detection" },
        });
        assert.equal(deployment.spec.replicas, 1);
        assert.deepEqual(deployment.spec.selector, { matchLabels: { app: "anomaly-detection" } });
        assert.deepEqual(deployment.spec.template.spec.imagePullSecrets, [
            { name: "tigera-pull-secret" },
        ]);
        const container = containerOf(deployment);
        assert.equal(container.name, "ad-jobs");
        assert.deepEqual(container.command, ["python3"]);
        assert.deepEqual(container.args, ["-m", "adj"]);
        assert.deepEqual(container.resources, { requests: { memory: "1G" } });
        assert.deepEqual(container.securityContext, {
            privileged: true,
            allowPrivilegeEscalation: true,
        });
        assert.deepEqual(container.startupProbe, {
            httpGet: { path: "/ad/ping", port: 8000, scheme: "HTTP" },
            initialDelaySeconds: 40,
            periodSeconds: 30,
            timeoutSeconds: 5,
            successThreshold: 1,
            failureThreshold: 10,
        });
        assert.equal(container.livenessProbe.failureThreshold, 5);
        assert.equal(container.readinessProbe.timeoutSeconds, 1);
    });

    it("has exactly upstream's env, secrets by reference", () => {
        assert.deepEqual(envOf(deployment), {
            CLUSTER_NAME: "cluster",
            ELASTIC_HOST: "tigera-secure-es-gateway-http.tigera-elasticsearch.svc",
            ELASTIC_PORT: "9200",
            ES_CA_CERT: "/certs/es-ca.pem",
            ELASTIC_USER: {
                secretKeyRef: { name: "tigera-ee-ad-job-elasticsearch-access", key: "username" },
            },
            ELASTIC_PASSWORD: {
                secretKeyRef: { name: "tigera-ee-ad-job-elasticsearch-access", key: "password" },
            },
            AD_NEED_API: "true",
            AD_DISABLED_JOBS: "bytes_in,bytes_out,process_bytes",
        });
    });

    it("mounts the gateway CA and the models host path", () => {
        const spec = deployment.spec.template.spec;
        assert.deepEqual(spec.volumes, [
            {
                name: "es-certs",
                secret: {
                    secretName: "tigera-secure-es-gateway-http-certs-public",
                    defaultMode: 420,
                    items: [{ key: "tls.crt", path: "es-ca.pem" }],
                },
            },
            { name: "host-volume", hostPath: { path: "/var/log/calico/anomaly_detection_jobs" } },
        ]);
        assert.deepEqual(containerOf(deployment).volumeMounts, [
            { name: "host-volume", mountPath: "/home/idsuser/anomaly_detection_jobs/models" },
            { name: "es-certs", mountPath: "/certs/es-ca.pem", subPath: "es-ca.pem" },
        ]);
    });

    it("allows egress to the ES gateway on 5554 and DNS, and ingress at the gateway", () => {
        assert.deepEqual(jobsPolicy.metadata, {
            name: "allow-tigera.allow-anomaly-detection",
            namespace: "tigera-intrusion-detection",
        });
        assert.equal(jobsPolicy.spec.tier, "allow-tigera");
        assert.equal(jobsPolicy.spec.selector, "app == 'anomaly-detection'");
        assert.deepEqual(jobsPolicy.spec.types, ["Ingress", "Egress"]);
        assert.deepEqual(jobsPolicy.spec.egress[0].destination, {
            namespaceSelector: "name == 'tigera-elasticsearch'",
            selector: "k8s-app == 'tigera-secure-es-gateway'",
            ports: [5554],
        });
        assert.deepEqual(
            jobsPolicy.spec.egress.map((r: Json) => r.destination.ports[0]),
            [5554, 53, 5353],
        );
        assert.deepEqual(elasticsearchPolicy.metadata, {
            name: "allow-tigera.elasticsearch-access-anomaly-detection",
            namespace: "tigera-elasticsearch",
        });
        assert.deepEqual(elasticsearchPolicy.spec.ingress, [
            {
                action: "Allow",
                protocol: "TCP",
                source: {
                    namespaceSelector: "name == 'tigera-intrusion-detection'",
                    selector: "app == 'anomaly-detection'",
                },
                destination: { ports: [5554] },
            },
        ]);
    });
});

describe("cluster types and version boundaries", () => {
    it("managed 3.12 goes through Guardian on 8080 with the same env as standalone", () => {
        const managed = buildAdJobsManifests(args("3.12.0", "managed")) as Record<string, Json>;
        const standalone = buildAdJobsManifests(args("3.12.0", "standalone")) as Record<
            string,
            Json
        >;
        assert.deepEqual(envOf(managed.deployment), envOf(standalone.deployment));
        assert.equal(
            managed.jobsPolicy.spec.egress[0].destination.selector,
            "k8s-app == 'tigera-guardian'",
        );
        assert.deepEqual(managed.jobsPolicy.spec.egress[0].destination.ports, [8080]);
        assert.equal(managed.elasticsearchPolicy.metadata.namespace, "tigera-guardian");
        assert.equal(
            managed.elasticsearchPolicy.spec.ingress[0].source.namespaceSelector,
            "projectcalico.org/name == 'tigera-intrusion-detection'",
        );
    });

    it("management and standalone clusters get identical objects", () => {
        assert.deepEqual(
            buildAdJobsManifests(args("3.11.0", "management")),
            buildAdJobsManifests(args("3.11.0", "standalone")),
        );
    });

    it("3.8 standalone: ES pods on 9200, old CA, no ELASTIC_HOST, no probes, every job on", () => {
        const { deployment, jobsPolicy, elasticsearchPolicy } = buildAdJobsManifests(
            args("3.8.0", "standalone"),
        ) as Record<string, Json>;
        const env = envOf(deployment);
        assert.equal(env.ELASTIC_HOST, undefined);
        assert.equal(env.AD_NEED_API, undefined);
        // 3.8 does not read AD_DISABLED_JOBS (documented from 3.9), so the stack leaves it out.
        assert.equal(env.AD_DISABLED_JOBS, undefined);
        // From 3.9 it is written out even when empty, so a hand-set list is drift the stack puts back.
        assert.equal(
            envOf(buildAdJobsManifests(args("3.9.0", "standalone")).deployment as Json)
                .AD_DISABLED_JOBS,
            "",
        );
        assert.equal(containerOf(deployment).startupProbe, undefined);
        assert.equal(
            deployment.spec.template.spec.volumes[0].secret.secretName,
            "tigera-secure-es-http-certs-public",
        );
        assert.equal(
            jobsPolicy.spec.egress[0].destination.selector,
            "elasticsearch.k8s.elastic.co/cluster-name == 'tigera-secure'",
        );
        assert.deepEqual(elasticsearchPolicy.spec.ingress[0].destination.ports, [9200]);
    });

    it("3.9 standalone: gateway and its CA, no probes yet; 3.10 adds probes and AD_NEED_API", () => {
        const v39 = buildAdJobsManifests(args("3.9.0", "standalone")) as Record<string, Json>;
        assert.equal(
            envOf(v39.deployment).ELASTIC_HOST,
            "tigera-secure-es-gateway-http.tigera-elasticsearch.svc",
        );
        assert.equal(containerOf(v39.deployment).readinessProbe, undefined);
        const v310 = buildAdJobsManifests(args("3.10.0", "standalone")) as Record<string, Json>;
        assert.equal(envOf(v310.deployment).AD_NEED_API, "true");
        assert.equal(containerOf(v310.deployment).readinessProbe.httpGet.path, "/ad/ping");
    });

    it("appends configured env after the base env, comma-joining disabled jobs", () => {
        const { deployment } = buildAdJobsManifests(
            args("3.12.0", "managed", {
                jobEnv: [{ name: "AD_port_scan_threshold", value: "200" }],
                disabledJobs: ["dga", "process_restarts"],
            }),
        ) as Record<string, Json>;
        const names = containerOf(deployment).env.map((e: Json) => e.name);
        assert.deepEqual(names.slice(-2), ["AD_DISABLED_JOBS", "AD_port_scan_threshold"]);
        assert.equal(envOf(deployment).AD_DISABLED_JOBS, "dga,process_restarts");
    });

    it("skips the await and deletes in background when not awaiting the rollout", () => {
        const manifests = buildAdJobsManifests(
            args("3.12.0", "managed", { awaitRollout: false }),
        ) as Record<string, Json>;
        const expected = {
            "pulumi.com/skipAwait": "true",
            "pulumi.com/deletionPropagationPolicy": "background",
        };
        assert.deepEqual(manifests.deployment.metadata.annotations, expected);
        assert.deepEqual(manifests.jobsPolicy.metadata.annotations, expected);
        assert.deepEqual(manifests.elasticsearchPolicy.metadata.annotations, expected);
        const awaited = buildAdJobsManifests(args("3.12.0", "managed")) as Record<string, Json>;
        assert.equal(awaited.jobsPolicy.metadata.annotations, undefined);
    });

    it("annotates every object with its owning stack and force-applies it", () => {
        const manifests = buildAdJobsManifests(
            args("3.12.0", "managed", { owner: "acme/calico-ad/prod-east" }),
        ) as Record<string, Json>;
        for (const object of Object.values(manifests)) {
            assert.deepEqual(object.metadata.annotations, {
                "calico-ad/stack": "acme/calico-ad/prod-east",
                "pulumi.com/patchForce": "true",
            });
        }
    });
});

describe("AdJobsDeployment component (mocks)", () => {
    it("registers the Deployment and both policies under the component", async () => {
        const recorded = await recordResources();
        const component = new AdJobsDeployment(
            "ad",
            args("3.12.0", "managed", { clusterName: "prod-east" }),
        );
        await valueOf(component.deployment.urn);
        await valueOf(component.elasticsearchPolicy.urn);

        assert.deepEqual(recorded.map((r) => `${r.type} ${r.name}`).sort(), [
            "calico-ad:manifest:AdJobsDeployment ad",
            "kubernetes:apps/v1:Deployment ad-deployment",
            "kubernetes:projectcalico.org/v3:NetworkPolicy ad-elasticsearch-policy",
            "kubernetes:projectcalico.org/v3:NetworkPolicy ad-jobs-policy",
        ]);
        const deployment = recorded.find((r) => r.type === "kubernetes:apps/v1:Deployment")!
            .inputs as Json;
        assert.equal(envOf(deployment).CLUSTER_NAME, "prod-east");
        assert.equal(deployment.metadata.name, "ad-jobs-deployment");
    });
});
