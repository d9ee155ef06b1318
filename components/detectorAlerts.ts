import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { findDetector, globalAlertName } from "../catalog/lookup";
import { ownerAnnotations } from "../common/ownership";
import { withoutControllersAnnotations } from "./adJobsDeployment";

export { globalAlertName } from "../catalog/lookup";

/** Arguments of the GlobalAlert-era detectors (Calico 3.13 to 3.17). */
export interface DetectorAlertsArgs {
    /** Detector IDs to enable, validated against the release. */
    readonly detectors: readonly string[];
    /** How often each detector runs, e.g. 15m. */
    readonly period: pulumi.Input<string>;
    /** Severity of the alerts, 1 to 100. */
    readonly severity: pulumi.Input<number>;
    /** False deletes in the background, for API servers without a garbage collector. */
    readonly awaitRollout: boolean;
    /** The owning stack (`common/ownership.ts`), annotated on each GlobalAlert. */
    readonly owner?: string;
}

const annotationsOf = (annotations: Record<string, string>) =>
    Object.keys(annotations).length > 0 ? { annotations } : {};

/** The GlobalAlert that enables one detector. */
export function buildDetectorGlobalAlert(
    detectorId: string,
    args: Omit<DetectorAlertsArgs, "detectors">,
): Record<string, unknown> {
    const title = findDetector(detectorId)?.title ?? detectorId;
    return {
        apiVersion: "projectcalico.org/v3",
        kind: "GlobalAlert",
        metadata: {
            name: globalAlertName(detectorId),
            ...annotationsOf({
                ...ownerAnnotations(args.owner),
                ...(args.awaitRollout ? {} : withoutControllersAnnotations),
            }),
        },
        spec: {
            type: "AnomalyDetection",
            description: title,
            summary: `${title} (anomaly detector ${detectorId})`,
            detector: { name: detectorId },
            period: args.period,
            severity: args.severity,
        },
    };
}

/**
 * Enables GlobalAlert-era anomaly detectors: one `projectcalico.org/v3` GlobalAlert of type
 * AnomalyDetection per detector. The intrusion detection controller then creates the detection
 * CronJobs; deleting a GlobalAlert disables its detector.
 */
export class DetectorAlerts extends pulumi.ComponentResource {
    /** The GlobalAlerts, keyed by detector ID. */
    public readonly alerts: Record<string, k8s.apiextensions.CustomResource>;

    /**
     * @param name The _unique_ name of the component.
     * @param args The detectors to enable and how they run.
     * @param opts Options; pass the Kubernetes provider via `provider` or `providers`.
     */
    constructor(name: string, args: DetectorAlertsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("calico-ad:globalalert:DetectorAlerts", name, {}, opts);
        this.alerts = {};
        for (const id of args.detectors) {
            this.alerts[id] = new k8s.apiextensions.CustomResource(
                `${name}-${id.replace(/_/g, "-")}`,
                buildDetectorGlobalAlert(id, args) as k8s.apiextensions.CustomResourceArgs,
                { parent: this },
            );
        }
        this.registerOutputs({ alerts: this.alerts });
    }
}
