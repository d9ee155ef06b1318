/**
 * Checks, before anything is created or changed, that the cluster has what Anomaly Detection
 * needs, settles the cluster name (configured, or read from the cluster), and checks that a
 * configured release is the one the cluster runs.
 */
import { intrusionDetectionController, manifestConstants } from "../catalog/eras";
import { globalAlertName } from "../catalog/lookup";
import { scanAlert, standaloneAlertsClusterName, webhookConstants } from "../catalog/scanAlert";
import { ClusterObject, prerequisites } from "../catalog/prerequisites";
import { configKey } from "../catalog/configKeys";
import { reservedEnvVars } from "../catalog/envVars";
import { ownerAnnotation, ownerOf } from "../common/ownership";
import { quote } from "../common/quote";
import { UserError } from "../common/userError";
import { Settings } from "../config/settings";
import { clusterNameProblem } from "../config/values";
import { DemoSettings } from "../config/demo";
import { VerificationSettings, verifyKey } from "../config/verification";
import { webhookKey, WebhookReference, webhookReferences } from "../config/webhook";
import { alertExceptions } from "../catalog/eventSearch";
import { enterpriseEquivalent } from "../catalog/lookup";
import { compareVersions, version } from "../catalog/versions";
import { enabledSimulations } from "../config/simulation";
import { alertExceptionWarnings } from "./alertExceptions";
import { ClusterReader } from "./clusterReader";
import { readClusterRelease, releaseMismatch } from "./clusterRelease";
import { FlowLogFindings, flowLogFindings } from "./flowLogs";

/** The cluster is missing prerequisites, or disagrees with the config. */
export class PreflightError extends UserError {
    constructor(readonly problems: readonly string[]) {
        super(
            `preflight found ${problems.length} problem${problems.length === 1 ? "" : "s"} in the cluster; nothing was changed:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
        );
    }
}

/** The objects the chosen era needs. */
export function requiredObjects(settings: Settings): ClusterObject[] {
    if (settings.era === "ruleBased") {
        const webhook = settings.webhook;
        return [
            prerequisites.globalAlertApi,
            prerequisites.intrusionDetectionNamespace,
            // The intrusion detection controller is what runs a RuleBased GlobalAlert.
            prerequisites.intrusionDetectionController,
            ...(webhook
                ? [
                      prerequisites.securityEventWebhookApi,
                      ...webhookReferences(webhook).map((ref) => webhookReference(ref)),
                  ]
                : []),
        ];
    }
    if (settings.era === "globalAlert") {
        return [
            prerequisites.globalAlertApi,
            prerequisites.intrusionDetectionNamespace,
            prerequisites.intrusionDetectionController,
        ];
    }
    const es = settings.profile.elasticsearch;
    return [
        prerequisites.intrusionDetectionNamespace,
        prerequisites.targetNamespace(es.target.namespace),
        prerequisites.esAccessSecret,
        prerequisites.caSecret(es.caSecretName),
        prerequisites.pullSecret(settings.imagePullSecret),
        prerequisites.allowTigeraTier,
    ];
}

/** A Secret or ConfigMap that the webhook config names. */
function webhookReference(ref: WebhookReference): ClusterObject {
    const kind = ref.kind === "secret" ? "secret generic" : "configmap";
    return {
        resource: ref.kind === "secret" ? "secrets" : "configmaps",
        namespace: webhookConstants.referenceNamespace,
        name: ref.name,
        howCreated: `named in ${webhookKey}.config; create it before the webhook, e.g. \`kubectl create ${kind} ${ref.name} -n ${webhookConstants.referenceNamespace} --from-literal=${ref.key}=...\``,
    };
}

/** The objects the stack itself creates for these settings, whose owner preflight checks. */
export function managedObjects(settings: Settings): ClusterObject[] {
    const ours = "created by this stack";
    if (settings.era === "ruleBased") {
        return [
            { resource: "globalalerts.projectcalico.org", name: scanAlert.name, howCreated: ours },
            ...(settings.webhook
                ? [
                      {
                          resource: webhookConstants.resource,
                          name: webhookConstants.name,
                          howCreated: ours,
                      },
                  ]
                : []),
        ];
    }
    if (settings.era === "globalAlert") {
        return settings.detectors.map((id) => ({
            resource: "globalalerts.projectcalico.org",
            name: globalAlertName(id),
            howCreated: ours,
        }));
    }
    const c = manifestConstants;
    return [
        {
            resource: "deployments",
            namespace: c.namespace,
            name: c.deploymentName,
            howCreated: ours,
        },
        {
            resource: "networkpolicies.projectcalico.org",
            namespace: c.namespace,
            name: c.jobsPolicyName,
            howCreated: ours,
        },
        {
            resource: "networkpolicies.projectcalico.org",
            namespace: settings.profile.elasticsearch.target.namespace,
            name: c.elasticsearchPolicyName,
            howCreated: ours,
        },
    ];
}

export function describeObject(object: ClusterObject): string {
    const what = object.name ? `${object.resource}/${object.name}` : `the ${object.resource} API`;
    return object.namespace ? `${what} in namespace ${object.namespace}` : what;
}

/** CLUSTER_NAME of the intrusion-detection-controller Deployment, if it has one. */
export function clusterNameFromController(deployment: unknown): string | undefined {
    const containers = (
        deployment as { spec?: { template?: { spec?: { containers?: unknown[] } } } }
    )?.spec?.template?.spec?.containers;
    for (const container of containers ?? []) {
        const env = (container as { env?: { name?: string; value?: string }[] }).env ?? [];
        const entry = env.find((e) => e.name === intrusionDetectionController.clusterNameEnv);
        if (entry?.value !== undefined) {
            return entry.value;
        }
    }
    return undefined;
}

/**
 * Runs every check and returns the cluster name to deploy with. Throws a PreflightError naming
 * each missing object and how it is normally created, and the configured and actual names or
 * releases when they disagree.
 */
export async function preflight(
    settings: Settings,
    cluster: ClusterReader,
    /** The running stack (`common/ownership.ts`); unset skips the ownership check. */
    owner?: string,
): Promise<PreflightResult> {
    const required = requiredObjects(settings);
    const found = await Promise.all(required.map((object) => cluster.exists(object)));
    const problems = required
        .filter((_, i) => !found[i])
        .map((object) => `missing ${describeObject(object)}: ${object.howCreated}`);

    const adopted: string[] = [];
    const unmanagedEnv: string[] = [];
    if (owner !== undefined) {
        const managed = managedObjects(settings);
        const live = await Promise.all(managed.map((object) => cluster.get(object)));
        managed.forEach((object, i) => {
            if (live[i] === undefined) {
                return;
            }
            const other = ownerOf(live[i]);
            if (other === undefined) {
                adopted.push(describeObject(object));
                if (settings.era === "manifest" && object.resource === "deployments") {
                    unmanagedEnv.push(...envNotWritten(live[i], writtenEnvNames(settings)));
                }
            } else if (other !== owner) {
                problems.push(
                    `${describeObject(object)} is managed by stack ${quote(other)} (annotation ${ownerAnnotation}), not by this stack ${quote(owner)}; two stacks must not manage the same objects, because destroying either would delete them: use that stack, or destroy it first (if it no longer exists, remove the annotation with \`kubectl annotate ${object.resource} ${object.name}${object.namespace ? ` -n ${object.namespace}` : ""} ${ownerAnnotation}-\`)`,
                );
            }
        });
    }

    const controller = await cluster.get(prerequisites.intrusionDetectionController);
    const clusterName =
        controller === undefined ? undefined : clusterNameFromController(controller);
    const source = `CLUSTER_NAME of deployment/${intrusionDetectionController.name} in ${intrusionDetectionController.namespace}`;

    if (
        settings.clusterName !== undefined &&
        clusterName !== undefined &&
        clusterName !== settings.clusterName
    ) {
        problems.push(
            `${configKey("clusterName")} is ${quote(settings.clusterName)} but the cluster calls itself ${quote(clusterName)} (${source}); fix the config or unset it to use the cluster's name`,
        );
    }
    if (settings.product === "enterprise" && settings.calicoVersionReadFrom === undefined) {
        // Calico Cloud clusters report their Enterprise build, not the Cloud release.
        const mismatch = releaseMismatch(settings.calicoVersion, await readClusterRelease(cluster));
        if (mismatch) {
            problems.unshift(mismatch);
        }
    }
    if (settings.era === "manifest" && settings.clusterName === undefined) {
        if (clusterName === undefined) {
            problems.push(
                `${configKey("clusterName")} is not set and the cluster name could not be read (${source}); set it with \`pulumi config set ${configKey("clusterName")} <name>\``,
            );
        } else {
            const problem = clusterNameProblem(clusterName);
            if (problem) {
                problems.push(`the cluster name read from ${source} ${problem}`);
            }
        }
    }
    const flowLogs =
        settings.era === "ruleBased"
            ? flowLogFindings(await cluster.get(prerequisites.felixConfiguration))
            : undefined;
    problems.push(...(flowLogs?.problems ?? []));
    if (problems.length > 0) {
        throw new PreflightError(problems);
    }
    const noDetectionJobs =
        settings.era === "globalAlert" &&
        !(await cluster.exists(prerequisites.detectionPodTemplate));
    return {
        clusterName: settings.clusterName ?? clusterName,
        adopted,
        ...(flowLogs ? { flowLogs } : {}),
        ...(unmanagedEnv.length > 0 ? { unmanagedEnv } : {}),
        ...(noDetectionJobs ? { detectionJobsWarning: detectionJobsWarning() } : {}),
    };
}

/** The warning shown on GlobalAlert releases whose cluster lacks the detection PodTemplate. */
export function detectionJobsWarning(): string {
    const template = prerequisites.detectionPodTemplate;
    return `no ${describeObject(template)}: the intrusion-detection-controller builds each detector's detection CronJob from it, so the GlobalAlerts this stack creates may run no detection here (it is ${template.howCreated}); after \`pulumi up\`, \`kubectl get cronjobs -n ${template.namespace} -l tigera.io.detector-cycle=detection\` lists the detection jobs that run`;
}

/** Env var names the stack writes into the AD Deployment: the manifest's own and the AD settings. */
export function writtenEnvNames(settings: Settings & { era: "manifest" }): Set<string> {
    return new Set([...Object.keys(reservedEnvVars), ...settings.effectiveEnv.map((e) => e.name)]);
}

/** Names of the live Deployment's container env vars that are not in `written`, in their order. */
export function envNotWritten(deployment: unknown, written: ReadonlySet<string>): string[] {
    const containers =
        (deployment as { spec?: { template?: { spec?: { containers?: unknown[] } } } })?.spec
            ?.template?.spec?.containers ?? [];
    return containers.flatMap((container) =>
        ((container as { env?: { name?: unknown }[] }).env ?? [])
            .map((e) => e.name)
            .filter((name): name is string => typeof name === "string" && !written.has(name)),
    );
}

/** What preflight settled. */
export interface PreflightResult {
    readonly clusterName?: string;
    /**
     * Objects of the stack already in the cluster without an owner (applied by hand, e.g. the
     * workshop's `kubectl apply`): `pulumi up` adopts them in place.
     */
    readonly adopted: readonly string[];
    /** Releases without AD: Felix's flow log settings as the scan alert needs them. */
    readonly flowLogs?: FlowLogFindings;
    /**
     * Env vars of an adopted AD Deployment that this stack does not write; server-side apply
     * leaves them in place. Absent when there are none.
     */
    readonly unmanagedEnv?: readonly string[];
    /** GlobalAlert era: why the detectors may never run (no detection PodTemplate). */
    readonly detectionJobsWarning?: string;
}

/** The warning shown for env vars an adopted Deployment carries that the stack does not write. */
export function unmanagedEnvWarning(names: readonly string[] | undefined): string | undefined {
    return names === undefined || names.length === 0
        ? undefined
        : `the adopted deployment/${manifestConstants.deploymentName} sets ${names.join(", ")}, which this stack does not write: \`pulumi up\` leaves ${names.length === 1 ? "it" : "them"} as applied by hand, and \`pulumi preview --refresh --expect-no-changes\` reports ${names.length === 1 ? "it" : "them"} as changes; carry ${names.length === 1 ? "it" : "them"} into ${configKey("jobEnv")} (see docs/operations.md#adoption-drift-and-ownership) or remove ${names.length === 1 ? "it" : "them"} with \`kubectl -n ${manifestConstants.namespace} set env deployment/${manifestConstants.deploymentName} NAME-\``;
}

/** The warning shown for objects preflight found without an owner. */
export function adoptionWarning(adopted: readonly string[]): string | undefined {
    return adopted.length === 0
        ? undefined
        : `adopting ${adopted.join(", ")}: in the cluster without an owning stack (applied by hand); \`pulumi up\` takes ${adopted.length === 1 ? "it" : "them"} over in place (same UID) and sets every setting to this stack's value, so the preview shows each value it replaces`;
}

/**
 * Checks, before anything changes, what the alert verification reads: the AD pods' Elasticsearch
 * user and CA, and a cluster name for the events index. Returns that name.
 */
export async function preflightVerification(
    verification: VerificationSettings,
    clusterName: string | undefined,
    cluster: ClusterReader,
): Promise<string> {
    const { route } = verification;
    const objects: ClusterObject[] = [
        prerequisites.esAccessSecret,
        route.ca.kind === "secret"
            ? prerequisites.caSecret(route.ca.name)
            : prerequisites.caConfigMap(route.ca.name),
    ];
    const found = await Promise.all(objects.map((object) => cluster.exists(object)));
    const problems = objects
        .filter((_, i) => !found[i])
        .map(
            (object) =>
                `${verifyKey} needs ${describeObject(object)}, which is missing: ${object.howCreated}`,
        );
    if (clusterName === undefined) {
        problems.push(
            `${verifyKey} searches the events index of the cluster, but ${configKey("clusterName")} is not set and the cluster name could not be read from deployment/${intrusionDetectionController.name}; set it with \`pulumi config set ${configKey("clusterName")} <name>\``,
        );
    }
    if (problems.length > 0 || clusterName === undefined) {
        throw new PreflightError(problems);
    }
    return clusterName;
}

/** Checks, before anything changes, that demo mode's FelixConfiguration exists. */
export async function preflightDemo(demo: DemoSettings, cluster: ClusterReader): Promise<void> {
    const felix: ClusterObject = {
        resource: demo.felixResource,
        name: demo.felixName,
        howCreated: prerequisites.felixConfiguration.howCreated,
    };
    if (!(await cluster.exists(felix))) {
        throw new PreflightError([
            `${configKey("demo")} lowers the flush intervals of ${describeObject(felix)}, which is missing: ${felix.howCreated}`,
        ]);
    }
}

/**
 * Reads, before any simulation runs, the AlertExceptions of a release that has them, and warns
 * of each active one that hides (or may hide) an enabled simulation's alert.
 */
export async function preflightAlertExceptions(
    settings: Settings,
    cluster: ClusterReader,
    now: number,
): Promise<string[]> {
    const simulations = enabledSimulations(settings.simulation).map((enabled) => ({
        title: enabled.definition.title,
        detector: enabled.definition.detector,
        ...enabled.definition.source(enabled.settings),
    }));
    const release = enterpriseEquivalent(settings.product, settings.calicoVersion);
    if (simulations.length === 0 || compareVersions(release, version(alertExceptions.since)) < 0) {
        return [];
    }
    const list = await cluster.get({
        resource: alertExceptions.resource,
        howCreated: alertExceptions.howCreated,
    });
    return alertExceptionWarnings(list, simulations, now).map((warning) => `preflight: ${warning}`);
}

/** What the program learns from the cluster before it declares anything. */
export interface ClusterFacts extends PreflightResult {
    /** The cluster name whose events index the alert verification searches, when it runs. */
    readonly verificationClusterName?: string;
    /** Active AlertExceptions that hide a simulation's alert. */
    readonly alertExceptionWarnings?: readonly string[];
}

/** Every check the settings call for; a stack that only renders manifests reads nothing. */
export async function checkCluster(
    settings: Settings,
    cluster: ClusterReader,
    owner: string,
): Promise<ClusterFacts> {
    if (settings.renderDirectory) {
        return { clusterName: settings.clusterName, adopted: [] };
    }
    const result = await preflight(settings, cluster, owner);
    // Without AD the GlobalAlert's status decides and its event is read where the route allows,
    // so the route's objects are not required.
    const verificationClusterName =
        settings.verification &&
        (settings.era === "ruleBased"
            ? (result.clusterName ?? standaloneAlertsClusterName)
            : await preflightVerification(settings.verification, result.clusterName, cluster));
    if (settings.demo) {
        await preflightDemo(settings.demo, cluster);
    }
    const alertExceptionWarnings = await preflightAlertExceptions(settings, cluster, Date.now());
    return { ...result, verificationClusterName, alertExceptionWarnings };
}
