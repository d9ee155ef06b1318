import * as pulumi from "@pulumi/pulumi";
import { AdJobsDeployment, AdJobsDeploymentArgs } from "./adJobsDeployment";
import { DetectorAlerts, DetectorAlertsArgs } from "./detectorAlerts";

/** Arguments of Anomaly Detection for one cluster: exactly one of the two eras' objects. */
export interface AnomalyDetectionArgs {
    /** Manifest era (Calico 3.5 to 3.12): the AD jobs Deployment and its policies. */
    readonly jobs?: AdJobsDeploymentArgs;
    /** GlobalAlert era (Calico 3.13 to 3.17): the detectors to enable. */
    readonly detectors?: DetectorAlertsArgs;
}

/**
 * Anomaly Detection for one cluster: the manifest-era AD jobs Deployment and policies, or the
 * GlobalAlert-era detector alerts, whichever the Calico release uses.
 */
export class AnomalyDetection extends pulumi.ComponentResource {
    /** Manifest era: the AD jobs Deployment and its policies. */
    public readonly jobs?: AdJobsDeployment;
    /** GlobalAlert era: the detector alerts. */
    public readonly detectors?: DetectorAlerts;

    /**
     * @param name The _unique_ name of the component.
     * @param args The objects of the release's era.
     * @param opts Options; pass the Kubernetes provider via `provider` or `providers`.
     */
    constructor(name: string, args: AnomalyDetectionArgs, opts?: pulumi.ComponentResourceOptions) {
        super("calico-ad:index:AnomalyDetection", name, {}, opts);
        if ((args.jobs === undefined) === (args.detectors === undefined)) {
            throw new Error("AnomalyDetection needs exactly one of jobs and detectors");
        }
        if (args.jobs) {
            this.jobs = new AdJobsDeployment(`${name}-jobs`, args.jobs, { parent: this });
        }
        if (args.detectors) {
            this.detectors = new DetectorAlerts(`${name}-detectors`, args.detectors, {
                parent: this,
            });
        }
        this.registerOutputs({});
    }
}
