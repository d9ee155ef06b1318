import * as pulumi from "@pulumi/pulumi";
import { globalAlertConstants, manifestConstants } from "../catalog/eras";
import { releaseName } from "../catalog/versions";
import { Settings } from "../config/settings";
import { AdJobsDeployment } from "./adJobsDeployment";
import { DetectorAlerts, globalAlertName } from "./detectorAlerts";

/** Arguments of the Anomaly Detection stack for one cluster. */
export interface AnomalyDetectionArgs {
    /** Validated stack settings. */
    readonly settings: Settings;
    /** Cluster name after preflight (configured or read from the cluster); manifest era only. */
    readonly clusterName?: string;
}

/** What the stack deployed and the settings in force, as stack outputs show them. */
export interface DeploymentSummary {
    readonly release: string;
    readonly era: Settings["era"];
    readonly clusterType: string;
    readonly clusterName?: string;
    /** Objects created, as `Kind namespace/name` or `Kind name`. */
    readonly objects: readonly string[];
    /** Every setting of the release with its value in force and its source. */
    readonly effectiveSettings: Readonly<
        Record<string, { value: string | number; source: string }>
    >;
    readonly enabled: readonly string[];
    readonly disabled: readonly string[];
    readonly warnings: readonly string[];
}

export function summarize(settings: Settings, clusterName?: string): DeploymentSummary {
    const release = releaseName(settings.product, settings.calicoVersion);
    const common = {
        release,
        era: settings.era,
        clusterType: settings.clusterType,
        warnings: settings.warnings,
    };
    if (settings.era === "manifest") {
        const c = manifestConstants;
        const es = settings.profile.elasticsearch;
        return {
            ...common,
            clusterName,
            objects: [
                `NetworkPolicy ${c.namespace}/${c.jobsPolicyName}`,
                `NetworkPolicy ${es.target.namespace}/${c.elasticsearchPolicyName}`,
                `Deployment ${c.namespace}/${c.deploymentName}`,
            ],
            effectiveSettings: Object.fromEntries(
                settings.effectiveEnv.map((e) => [e.name, { value: e.value, source: e.source }]),
            ),
            enabled: settings.enabledJobs,
            disabled: settings.disabledJobs,
        };
    }
    return {
        ...common,
        objects: settings.detectors.map((id) => `GlobalAlert ${globalAlertName(id)}`),
        effectiveSettings: {
            detectorPeriod: { value: settings.detectorPeriod, source: "stack config or default" },
            detectorSeverity: {
                value: settings.detectorSeverity,
                source: "stack config or default",
            },
            portScanThreshold: {
                value: globalAlertConstants.fixedPortScanThreshold,
                source: "fixed by the operator's detector template",
            },
        },
        enabled: settings.detectors,
        disabled: settings.availableDetectors.filter((id) => !settings.detectors.includes(id)),
    };
}

/**
 * Anomaly Detection for one cluster: the manifest-era AD jobs Deployment and policies, or the
 * GlobalAlert-era detector alerts, whichever the Calico release uses.
 */
export class AnomalyDetection extends pulumi.ComponentResource {
    /** What was deployed and the settings in force. */
    public readonly summary: DeploymentSummary;
    /** Manifest era: the AD jobs Deployment and its policies. */
    public readonly jobs?: AdJobsDeployment;
    /** GlobalAlert era: the detector alerts. */
    public readonly detectors?: DetectorAlerts;

    /**
     * @param name The _unique_ name of the component.
     * @param args Validated settings and the cluster name.
     * @param opts Options; pass the Kubernetes provider via `provider` or `providers`.
     */
    constructor(name: string, args: AnomalyDetectionArgs, opts?: pulumi.ComponentResourceOptions) {
        super("calico-ad:index:AnomalyDetection", name, {}, opts);
        const settings = args.settings;
        this.summary = summarize(settings, args.clusterName);
        if (settings.era === "manifest") {
            if (args.clusterName === undefined) {
                throw new Error("the manifest era needs a cluster name; run preflight first");
            }
            this.jobs = new AdJobsDeployment(
                `${name}-jobs`,
                {
                    profile: settings.profile,
                    clusterName: args.clusterName,
                    image: settings.image,
                    imagePullSecret: settings.imagePullSecret,
                    jobEnv: settings.jobEnv,
                    disabledJobs: settings.disabledJobs,
                    awaitRollout: settings.awaitRollout,
                },
                { parent: this },
            );
        } else {
            this.detectors = new DetectorAlerts(
                `${name}-detectors`,
                {
                    detectors: settings.detectors,
                    period: settings.detectorPeriod,
                    severity: settings.detectorSeverity,
                    awaitRollout: settings.awaitRollout,
                },
                { parent: this },
            );
        }
        this.registerOutputs({ summary: this.summary });
    }
}
