/** What the stack deploys and the settings in force, as the stack outputs show them. */
import { globalAlertConstants, manifestConstants } from "../catalog/eras";
import { globalAlertName } from "../catalog/lookup";
import { scanAlert, webhookConstants } from "../catalog/scanAlert";
import { releaseName } from "../catalog/versions";
import { Settings } from "./settings";

/** The source of a setting the release reads but the stack does not write. */
export const leftToImageSource =
    "left to the image: no source documents a default, so the stack does not write it";

/** What the stack deployed and the settings in force, as stack outputs show them. */
export interface DeploymentSummary {
    readonly release: string;
    readonly era: Settings["era"];
    readonly clusterType: string;
    readonly clusterName?: string;
    /** Objects created, as `Kind namespace/name` or `Kind name`. */
    readonly objects: readonly string[];
    /**
     * Every setting of the release with its value in force and its source. The stack writes each
     * value it shows; a setting without a value is left to the image (`leftToImageSource`).
     */
    readonly effectiveSettings: Readonly<
        Record<string, { value?: string | number; source: string }>
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
            effectiveSettings: Object.fromEntries([
                ...settings.effectiveEnv.map((e) => [e.name, { value: e.value, source: e.source }]),
                ...settings.leftToImage.map((name) => [name, { source: leftToImageSource }]),
            ]),
            enabled: settings.enabledJobs,
            disabled: settings.disabledJobs,
        };
    }
    if (settings.era === "ruleBased") {
        return {
            ...common,
            objects: [
                `GlobalAlert ${scanAlert.name}`,
                ...(settings.webhook ? [`SecurityEventWebhook ${webhookConstants.name}`] : []),
            ],
            effectiveSettings: {
                scanAlertThreshold: {
                    value: settings.portScanThreshold,
                    source: "stack config or default",
                },
                scanAlertSeverity: {
                    value: settings.scanAlertSeverity,
                    source: "stack config or default",
                },
            },
            enabled: [scanAlert.name],
            disabled: [],
        };
    }
    return {
        ...common,
        objects: settings.detectors.map((id) => `GlobalAlert ${globalAlertName(id)}`),
        effectiveSettings: {
            detectorPeriod: {
                value: settings.detectorPeriod,
                source: settings.demo
                    ? "demo mode, or stack config if shorter"
                    : "stack config or default",
            },
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

/** The manifest era's cluster name, which preflight or config always settles. */
export function requireClusterName(clusterName: string | undefined): string {
    if (clusterName === undefined) {
        throw new Error("the manifest era needs a cluster name; run preflight first");
    }
    return clusterName;
}
