/**
 * The typed settings `parseSettings` returns: the keys every era shares, and one shape per era
 * (manifest, GlobalAlert, rule-based).
 */
import { ClusterType } from "../catalog/eras";
import { KubeContexts } from "../common/kubeconfig";
import { ManifestProfile } from "../catalog/lookup";
import { GlobalAlertRules } from "../catalog/scanAlert";
import { CalicoVersion, Product } from "../catalog/versions";
import { DemoSettings } from "./demo";
import { ReportedRelease } from "./release";
import { SimulationSettings } from "./simulation";
import { VerificationSettings } from "./verification";
import { WebhookSettings } from "./webhook";

/** An env var as the AD jobs container gets it. */
export interface EnvSetting {
    readonly name: string;
    readonly value: string;
}

/** An env var of the release with the value in force and where it came from. */
export interface EffectiveEnvSetting extends EnvSetting {
    readonly source:
        "stack config" | "default" | "stack config, not read by this release" | "demo mode";
}

/** What the settings of every era hold. */
export interface CommonSettings {
    readonly product: Product;
    readonly calicoVersion: CalicoVersion;
    /** Where calicoVersion was read when the config leaves it unset; undefined: stack config. */
    readonly calicoVersionReadFrom?: string;
    readonly clusterType: ClusterType;
    /** Set in config; undefined means read it from the cluster. */
    readonly clusterName?: string;
    readonly kubeContext?: string;
    readonly renderDirectory?: string;
    readonly awaitRollout: boolean;
    /** Valid but suspicious settings, shown as warnings. */
    readonly warnings: readonly string[];
    /** Simulations to run after deployment; undefined when none is enabled. */
    readonly simulation?: SimulationSettings;
    /** Demo mode's Felix change; undefined when off (its AD change is already applied). */
    readonly demo?: DemoSettings;
    /** The check that each simulation raised its detector's alert; undefined when off. */
    readonly verification?: VerificationSettings;
}

/** CE 3.5 to 3.12: the ad-jobs-deployment Deployment and its two policies. */
export interface ManifestEraSettings extends CommonSettings {
    readonly era: "manifest";
    readonly profile: ManifestProfile;
    readonly image: string;
    readonly imagePullSecret: string;
    /** Env vars from calico-ad:jobEnv, rendered, in catalog order. */
    readonly jobEnv: readonly EnvSetting[];
    /** The env vars the stack writes: set in stack config, or documented defaults. */
    readonly effectiveEnv: readonly EffectiveEnvSetting[];
    /**
     * Env vars the release reads that no source gives a default for and stack config leaves
     * unset: the stack does not write them, so the image's own value applies.
     */
    readonly leftToImage: readonly string[];
    readonly enabledJobs: readonly string[];
    readonly disabledJobs: readonly string[];
    /** The port-scan threshold in force (configured or default). */
    readonly portScanThreshold: number;
    /** The ip-sweep threshold in force, when the release has the ip_sweep job. */
    readonly ipSweepThreshold?: number;
}

/** CE 3.13 to 3.17: one GlobalAlert per enabled detector. */
export interface GlobalAlertEraSettings extends CommonSettings {
    readonly era: "globalAlert";
    readonly detectors: readonly string[];
    readonly availableDetectors: readonly string[];
    readonly detectorPeriod: string;
    readonly detectorSeverity: number;
    readonly portScanThreshold: number;
}

/**
 * CE 3.18+ / CC 18.3+, where AD was removed: the rule-based port-scan GlobalAlert. Its period
 * and lookback come from the cluster's flow log flush interval, which preflight reads.
 */
export interface RuleBasedEraSettings extends CommonSettings {
    readonly era: "ruleBased";
    /** Flow logs per source and destination that fire the alert. */
    readonly portScanThreshold: number;
    readonly scanAlertSeverity: number;
    /** What the release's API server accepts in a GlobalAlert. */
    readonly globalAlertRules: GlobalAlertRules;
    /** The SecurityEventWebhook that delivers the alert; undefined when not configured. */
    readonly webhook?: WebhookSettings;
}

export type Settings = ManifestEraSettings | GlobalAlertEraSettings | RuleBasedEraSettings;

/** What parseSettings knows beyond stack config: the kubeconfig, the stack name, the cluster. */
export interface SettingsEnvironment {
    readonly kubeContexts?: KubeContexts;
    /** The Pulumi stack, for the production rule. */
    readonly stack?: string;
    /** What the cluster reports, read when `clusterReleaseToRead` asked for it. */
    readonly reportedRelease?: ReportedRelease;
}
