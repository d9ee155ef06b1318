/**
 * Where Anomaly Detection writes its alerts and how its own jobs reach them: the events index,
 * the event type, and per era, cluster type and release the Elasticsearch host, port, CA and user
 * the AD pods use, plus the in-cluster Service a check on the deploying machine forwards to.
 * Source: ../shared/reference/calico-ad.md sections 1.3, 1.4, 3.2 and 4.
 */
import { ClusterType, Era, manifestConstants, Steps } from "./eras";

/** Event fields and values of an AD alert (lma `EventsData`). */
export const adEvents = {
    type: "anomaly_detection_job",
    /** Every release's events index starts with this, then the cluster name (4). */
    indexPrefix: "tigera_secure_ee_events.",
} as const;

/** `tigera_secure_ee_events.<cluster>*`: the index before 3.12, and the `.lma` index and alias after. */
export const eventsIndexPattern = (clusterName: string): string =>
    `${adEvents.indexPrefix}${clusterName}*`;

/** Where the AD pods' CA comes from: a Secret key or a ConfigMap key in the IDS namespace. */
export interface CaSource {
    readonly kind: "secret" | "configmap";
    readonly name: string;
    readonly key: string;
}

/** How an AD pod reaches Elasticsearch, and the Service behind its host. */
export interface EventSearchRoute {
    /** The host name the AD pod connects to and verifies the certificate against. */
    readonly tlsName: string;
    /** `ELASTIC_PORT`. */
    readonly port: number;
    readonly ca: CaSource;
    /** Secret in the IDS namespace with keys `username` and `password`. */
    readonly credentialSecret: string;
    /**
     * The Service that answers for `tlsName`. A managed cluster's host is an ExternalName to
     * Guardian, which `kubectl port-forward` cannot target, so its route names Guardian itself.
     */
    readonly service: { readonly namespace: string; readonly name: string; readonly port: number };
}

const esService = "tigera-secure-es-http";
const gatewayService = "tigera-secure-es-gateway-http";
const esNamespace = "tigera-elasticsearch";
const svcHost = (name: string) => `${name}.${esNamespace}.svc`;
const secretCa = (name: string): CaSource => ({ kind: "secret", name, key: "tls.crt" });
const guardian = { namespace: "tigera-guardian", name: "tigera-guardian", port: 9200 };

const route = (
    host: string,
    ca: CaSource,
    service: EventSearchRoute["service"],
): EventSearchRoute => ({
    tlsName: svcHost(host),
    port: Number(manifestConstants.elasticPort),
    ca,
    credentialSecret: manifestConstants.esAccessSecret,
    service,
});

/**
 * Before 3.9 the AD job has no ELASTIC_HOST and, presumably, defaults to the ES Service (1.3);
 * from 3.9 it names the ES gateway, whose Service maps 9200 to the gateway pods. Managed clusters
 * use the same host, an ExternalName to Guardian (9200 to 8080), which tunnels to the management
 * cluster's Elasticsearch.
 */
const manifestRoutes: Record<ClusterType, Steps<EventSearchRoute>> = {
    standalone: [
        {
            since: "3.5.0",
            value: route(esService, secretCa(`${esService}-certs-public`), {
                namespace: esNamespace,
                name: esService,
                port: 9200,
            }),
        },
        {
            since: "3.9.0",
            value: route(gatewayService, secretCa(`${gatewayService}-certs-public`), {
                namespace: esNamespace,
                name: gatewayService,
                port: 9200,
            }),
        },
    ],
    management: [],
    managed: [
        {
            since: "3.5.0",
            value: route(esService, secretCa(`${esService}-certs-public`), guardian),
        },
        {
            since: "3.9.0",
            value: route(gatewayService, secretCa(`${gatewayService}-certs-public`), guardian),
        },
    ],
};
manifestRoutes.management = manifestRoutes.standalone;

/**
 * The operator's detector PodTemplates reach the ES gateway with the gateway's CA Secret
 * (operator v1.26 to v1.28, CE 3.13 to 3.15) and from v1.29 (CE 3.16) with the `tigera-ca-bundle`
 * ConfigMap (3.2). Inferred, not documented: the detectors keep the AD job's user Secret (1.4).
 * Detection runs in the management cluster, but a managed cluster's events stay under its own
 * name and are read through Guardian like in the manifest era.
 */
const globalAlertCa: Steps<CaSource> = [
    { since: "3.13.0", value: secretCa(`${gatewayService}-certs-public`) },
    {
        since: "3.16.0",
        value: { kind: "configmap", name: "tigera-ca-bundle", key: "tigera-ca-bundle.crt" },
    },
];

/** The route steps for an era and cluster type; pick the step with `valueAt`. */
export function eventSearchRoutes(era: Era, clusterType: ClusterType): Steps<EventSearchRoute> {
    if (era === "manifest") {
        return manifestRoutes[clusterType];
    }
    const service =
        clusterType === "managed"
            ? guardian
            : { namespace: esNamespace, name: gatewayService, port: 9200 };
    return globalAlertCa.map((step) => ({
        since: step.since,
        value: route(gatewayService, step.value, service),
    }));
}

/**
 * AlertException (`projectcalico.org/v3`, cluster-scoped; documented from CE 3.14): an active one
 * whose selector matches an event hides it from the web UI and the Manager's events search, while
 * the events index keeps it. Calico Cloud has it where its Enterprise equivalent does. Source:
 * ../shared/reference/detection-tests.md section 3.
 */
export const alertExceptions = {
    resource: "alertexceptions.projectcalico.org",
    since: "3.14.0",
    howCreated: "created by hand or by a team that silences alerts (`kubectl get alertexceptions`)",
} as const;
