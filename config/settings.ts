/**
 * The one place that reads stack config. `parseSettings` validates every key against the catalog
 * and returns typed settings, or throws a ConfigError listing every problem with its key, the
 * bad value and what is allowed. Nothing here touches a cluster.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
    configKey,
    DefaultedKeyName,
    detectorPeriodRange,
    findKey,
    KeyScope,
    maxCollectionSize,
    maxStructuredValueLength,
    projectName,
    scalarKey,
    ScalarKey,
    ScalarKeyName,
    ScalarKeyOf,
    scalarKeys,
    structuredKeys,
} from "../catalog/configKeys";
import { durationSeconds, renderEnvValue } from "../catalog/envValues";
import { detectorCatalog } from "../catalog/detectors";
import { envVarCatalog, reservedEnvVars } from "../catalog/envVars";
import {
    ClusterType,
    Era,
    globalAlertConstants,
    manifestConstants,
    manifestSteps,
    releaseShapes,
} from "../catalog/eras";
import {
    adRemovedIn,
    detectorsOf,
    globalAlertRulesOf,
    documentedAt,
    editDistance,
    enterpriseEquivalent,
    eraOf,
    findDetector,
    findEnvVar,
    jobsOf,
    manifestProfile,
    ManifestProfile,
    nearestName,
} from "../catalog/lookup";
import { knownReleasesNear, releasesOffering } from "../catalog/releases";
import { AfterAdRemoval, GlobalAlertRules } from "../catalog/scanAlert";
import {
    CalicoVersion,
    describeRanges,
    formatVersion,
    inAnyRange,
    parseVersion,
    Product,
    releaseName,
} from "../catalog/versions";
import { defaultProductionPatterns, productionReason } from "../common/production";
import { prototypeKeys, quote } from "../common/quote";
import { UserError } from "../common/userError";
import { KubeContexts } from "../common/kubeconfig";
import { keyPath, listSchema, mapSchema, problemsOf, scalarSchema, ScalarValue } from "./schema";
import { parseSimulation, SimulationSettings } from "./simulation";
import {
    alertLatency,
    parseVerification,
    settleTimeout,
    VerificationSettings,
} from "./verification";
import { applyDemo, DemoSettings, parseDemo } from "./demo";
import { parseWebhook, WebhookSettings } from "./webhook";
import {
    clusterNameProblem,
    dnsSubdomainProblem,
    imageDigestProblem,
    imageRegistryProblem,
    imageTagProblem,
    maxDnsSubdomainLength,
} from "./values";

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

interface CommonSettings {
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

/** At most this many problems are listed; the rest are counted. */
export const maxListedProblems = 50;

/** Stack config that cannot be deployed. The message lists every problem found. */
export class ConfigError extends UserError {
    constructor(
        readonly problems: readonly string[],
        /** Checks that could not run, each with the reason. */
        readonly notChecked: readonly string[] = [],
    ) {
        const listed = problems.slice(0, maxListedProblems).map((p) => `  - ${p}`);
        if (problems.length > maxListedProblems) {
            listed.push(`  - ... and ${problems.length - maxListedProblems} more`);
        }
        const skipped = notChecked.map((n) => `  - not checked: ${n}`);
        super(
            `${projectName} stack config has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n${[...listed, ...skipped].join("\n")}`,
        );
    }
}

/** Reads the stack's config as key/value strings (structured values as JSON). */
export function readStackConfig(): Record<string, string> {
    return pulumi.runtime.allConfig();
}

/**
 * The Calico Enterprise release the cluster reports (cluster/clusterRelease.ts), or why it
 * reports none (a phrase that follows "the cluster does not report its release: ").
 */
export type ReportedRelease =
    | {
          readonly version: CalicoVersion;
          /** The value as the cluster holds it, e.g. v3.17.0. */
          readonly reported: string;
          /** The field and object it was read from. */
          readonly source: string;
      }
    | { readonly unknown: string };

/** What parseSettings knows beyond stack config: the kubeconfig, the stack name, the cluster. */
export interface SettingsEnvironment {
    readonly kubeContexts?: KubeContexts;
    /** The Pulumi stack, for the production rule. */
    readonly stack?: string;
    /** What the cluster reports, read when `clusterReleaseToRead` asked for it. */
    readonly reportedRelease?: ReportedRelease;
}

/**
 * Whether the cluster's release must be read before the settings can be settled: only when
 * calicoVersion is unset, the product is Calico Enterprise, the stack deploys (no
 * renderDirectory) and the kube context is usable. Returns the context to read with (undefined:
 * the current one), or false. Bad values are not reported here; parseSettings reports them.
 */
export function clusterReleaseToRead(
    raw: Readonly<Record<string, string>>,
    kubeContexts?: KubeContexts,
): { readonly kubeContext?: string } | false {
    const parsed = (name: ScalarKeyName) => scalarSchemas[name].safeParse(raw[configKey(name)]);
    const kubeContext = parsed("kubeContext");
    if (
        parsed("calicoVersion").data !== undefined ||
        parsed("renderDirectory").data !== undefined ||
        parsed("product").data !== "enterprise" ||
        !kubeContext.success
    ) {
        return false;
    }
    const context = kubeContext.data as string | undefined;
    return context === undefined || kubeContextMissing(context, kubeContexts) === undefined
        ? { kubeContext: context }
        : false;
}

/** A stack, context or cluster name pattern: printable, no longer than a Kubernetes name. */
const patternProblem = (pattern: string, key: string) =>
    pattern.length <= maxDnsSubdomainLength && /^[\x21-\x7e]+$/.test(pattern)
        ? undefined
        : `${key}: ${quote(pattern)} is not allowed; allowed: a name pattern of up to ${maxDnsSubdomainLength} printable characters without spaces, with * and ? as wildcards`;

/** The release as far as the config names it; `unknown` says why it cannot be used. */
type ReleaseKnowledge =
    | {
          readonly known: true;
          readonly product: Product;
          readonly version: CalicoVersion;
          readonly clusterType: ClusterType;
          readonly era: Era;
          readonly name: string;
          /** Set when the version was read from the cluster. */
          readonly readFrom?: string;
      }
    | { readonly known: false; readonly era?: Era; readonly name?: string; readonly why: string };

/** Validates raw stack config (keys like "calico-ad:clusterType", values as strings or JSON). */
export function parseSettings(
    raw: Readonly<Record<string, string>>,
    environment: SettingsEnvironment = {},
): Settings {
    const problems: string[] = [];
    const notChecked: string[] = [];
    const warnings: string[] = [];
    const reader = new ConfigReader(raw, problems);

    reader.rejectUnknownKeys();

    const product = reader.scalar("product");
    const versionText = reader.scalar("calicoVersion");
    const clusterType = reader.scalar("clusterType");
    const clusterName = reader.scalar("clusterName");
    if (clusterName !== undefined) {
        const problem = clusterNameProblem(clusterName);
        if (problem) {
            problems.push(`${configKey("clusterName")}: ${problem}`);
        } else if (clusterName === "cluster" && clusterType === "managed") {
            problems.push(
                `${configKey("clusterName")}: "cluster" is the default name of standalone and management clusters; a managed cluster must use its own name or its events land in the management cluster's indices`,
            );
        }
    }
    const kubeContext = reader.scalar("kubeContext");
    const renderDirectory = reader.scalar("renderDirectory");
    const awaitRollout = reader.defaulted("awaitRollout");
    if (kubeContext !== undefined && renderDirectory === undefined) {
        const problem = kubeContextMissing(kubeContext, environment.kubeContexts);
        if (problem) {
            problems.push(`${configKey("kubeContext")}: ${problem}`);
        }
    }

    const release = knowRelease(
        product,
        versionText ?? versionFromCluster(product, renderDirectory, environment.reportedRelease),
        clusterType,
        reader.defaulted("afterAdRemoval"),
        problems,
    );
    if (!release.known) {
        notChecked.push(
            `whether each key applies to the release, and the values that depend on it (jobs, detectors, thresholds, simulations against them), because ${release.why}`,
        );
    } else {
        reader.rejectOtherEra(
            release.era,
            release.name,
            globalAlertRulesOf(release.product, release.version),
        );
    }

    const common = { clusterName, kubeContext, renderDirectory, awaitRollout, warnings };
    const manifest =
        release.era === "manifest" || release.era === undefined
            ? manifestEra(reader, release, common, problems)
            : undefined;
    const globalAlert =
        release.era === "globalAlert" || release.era === undefined
            ? globalAlertEra(reader, release, problems, notChecked)
            : undefined;
    const ruleBased =
        release.era === "ruleBased" || release.era === undefined
            ? ruleBasedEra(reader, release, problems)
            : undefined;
    const era = manifest ?? globalAlert ?? ruleBased;

    const simulation = parseSimulation(
        reader.structured("simulation"),
        release.known && era
            ? {
                  era: release.era,
                  release: release.name,
                  version: enterpriseEquivalent(release.product, release.version),
                  portScanThreshold: era.portScanThreshold,
                  ipSweepThreshold: manifest?.ipSweepThreshold,
                  kubeContext,
                  enabled: manifest?.enabledJobs ?? globalAlert?.detectors,
              }
            : undefined,
    );
    problems.push(...simulation.problems);
    warnings.push(...simulation.warnings);
    const verification = parseVerification(
        (reader.structured("simulation") as { verify?: unknown } | undefined)?.verify,
        release.known && era
            ? {
                  era: release.era,
                  clusterType: release.clusterType,
                  enterpriseVersion: enterpriseEquivalent(release.product, release.version),
                  simulation: simulation.settings,
              }
            : undefined,
    );
    problems.push(...verification.problems);
    // Settings exist only when at least one registered simulation is enabled and valid.
    const runsSimulation = simulation.settings !== undefined;
    const patterns = {
        productionStacks:
            reader.list("productionStacks", patternProblem) ??
            defaultProductionPatterns.productionStacks,
        protectedContexts:
            reader.list("protectedContexts", patternProblem) ??
            defaultProductionPatterns.protectedContexts,
    };
    const allowProduction = reader.defaulted("allowSimulationInProduction");
    if (runsSimulation && !allowProduction) {
        const context = kubeContext ?? environment.kubeContexts?.current;
        const production = productionReason(
            {
                stack: environment.stack,
                kubeContext: context,
                cluster:
                    context === undefined ? undefined : environment.kubeContexts?.clusters[context],
            },
            patterns,
        );
        if (production) {
            problems.push(
                `${configKey("simulation")}: the attack simulation would run against production (stack ${quote(environment.stack ?? "unknown")}, kube context ${quote(context ?? "the current one")}), because ${production}; disable it for this stack, or set ${configKey("allowSimulationInProduction")} to true if it is intended`,
            );
        }
    }
    const demoContext = kubeContext ?? environment.kubeContexts?.current;
    const demo = parseDemo(
        reader.defaulted("demo"),
        {
            stack: environment.stack,
            kubeContext: demoContext,
            cluster:
                demoContext === undefined
                    ? undefined
                    : environment.kubeContexts?.clusters[demoContext],
        },
        patterns,
        renderDirectory !== undefined,
    );
    problems.push(...demo.problems);
    if (runsSimulation && renderDirectory !== undefined) {
        problems.push(
            `${configKey("simulation")}: a simulation needs a cluster to scan, but ${configKey("renderDirectory")} renders manifests without one; disable the simulation or unset renderDirectory`,
        );
    }
    if (problems.length > 0 || !release.known || !era) {
        throw new ConfigError(problems, notChecked);
    }
    const settings: Settings = {
        ...common,
        product: release.product,
        calicoVersion: release.version,
        calicoVersionReadFrom: release.readFrom,
        clusterType: release.clusterType,
        ...era,
    } as Settings;
    const tuned = demo.settings
        ? { ...applyDemo<EffectiveEnvSetting, Settings>(settings), demo: demo.settings }
        : settings;
    if (!runsSimulation) {
        return tuned;
    }
    // parseVerification refuses the releases without AD (their verification is not built yet).
    const timed =
        verification.settings && tuned.era !== "ruleBased"
            ? settleTimeout(
                  verification.settings,
                  alertLatency({ ...tuned, demo: !!demo.settings }),
              )
            : undefined;
    if (timed?.warning) {
        warnings.push(timed.warning);
    }
    return { ...tuned, simulation: simulation.settings, verification: timed?.settings };
}

/** Why a configured kube context cannot be used, or undefined when the kubeconfig has it. */
export function kubeContextMissing(
    context: string,
    contexts: KubeContexts | undefined,
): string | undefined {
    if (!contexts) {
        return undefined;
    }
    if (contexts.unreadable) {
        return `${quote(context)} cannot be looked up: ${contexts.unreadable}`;
    }
    if (contexts.names.includes(context)) {
        return undefined;
    }
    const suggestion = nearestName(context, contexts.names);
    const listed = contexts.names
        .slice(0, 20)
        .map((name) => quote(name))
        .join(", ");
    return `${quote(context)} is not a context of ${contexts.files.join(", ")}${suggestion ? `; did you mean ${quote(suggestion)}?` : ""}; contexts there: ${listed || "none"}${contexts.names.length > 20 ? `, and ${contexts.names.length - 20} more` : ""}`;
}

/** The version as the cluster reports it, when the config leaves it unset. */
type VersionFromCluster =
    Extract<ReportedRelease, { version: CalicoVersion }> | { readonly problem: string };

/** The cluster's release for a stack that leaves calicoVersion unset, or why there is none. */
function versionFromCluster(
    product: Product | undefined,
    renderDirectory: string | undefined,
    reported: ReportedRelease | undefined,
): VersionFromCluster {
    const howToSet = `set it with \`pulumi config set ${configKey("calicoVersion")} <MAJOR.MINOR.PATCH>\``;
    if (renderDirectory !== undefined) {
        return {
            problem: `required with ${configKey("renderDirectory")}, because a rendered manifest cannot read the release from a cluster; ${howToSet}`,
        };
    }
    if (product === "cloud") {
        return {
            problem: `required for Calico Cloud, because its clusters report the Calico Enterprise build they run (ClusterInformation spec.cnxVersion), not the Calico Cloud release; ${howToSet}`,
        };
    }
    if (reported === undefined) {
        return {
            problem: `required unless the cluster reports its release, which was not read (see the other problems); ${howToSet}`,
        };
    }
    if ("unknown" in reported) {
        return {
            problem: `not set, and the cluster does not report its Calico Enterprise release: ${reported.unknown}; ${howToSet}`,
        };
    }
    return reported;
}

/** Settles product, version and cluster type, recording a problem for each bad one. */
function knowRelease(
    product: Product | undefined,
    configuredOrRead: string | VersionFromCluster,
    clusterType: ClusterType | undefined,
    afterAdRemoval: AfterAdRemoval,
    problems: string[],
): ReleaseKnowledge {
    const fromCluster = typeof configuredOrRead === "string" ? undefined : configuredOrRead;
    if (fromCluster && "problem" in fromCluster) {
        problems.push(`${configKey("calicoVersion")}: ${fromCluster.problem}`);
    }
    const read = fromCluster && "version" in fromCluster ? fromCluster : undefined;
    const versionText = fromCluster ? read?.reported : (configuredOrRead as string);
    // Messages about a read release name where it came from, not the unset key.
    const key = read
        ? `the release read from ${read.source} (${configKey("calicoVersion")} is not set)`
        : configKey("calicoVersion");
    const version =
        read?.version ?? (versionText === undefined ? undefined : parseVersion(versionText));
    if (versionText !== undefined && !version) {
        problems.push(
            `${key}: ${quote(versionText)} is not a release version; allowed: MAJOR.MINOR.PATCH such as 3.12.0 (digits without leading zeros; the image tag is derived from it)`,
        );
    }
    if (version && product && !releaseShapes[product].hasMajor(version.major)) {
        const cloudHint =
            product === "enterprise" && releaseShapes.cloud.hasMajor(version.major)
                ? `; it looks like a Calico Cloud version (set ${configKey("product")} to cloud)`
                : "";
        problems.push(
            `${key}: ${quote(versionText)} is not a ${releaseName(product, version).replace(/ [^ ]+$/, "")} release; allowed: ${releaseShapes[product].shown}${cloudHint}`,
        );
        return { known: false, why: `${key} is not a release of ${quote(product)}` };
    }
    if (!version || !product || !clusterType) {
        const bad = [
            ...(!product ? [configKey("product")] : []),
            ...(!version ? [key] : []),
            ...(!clusterType ? [configKey("clusterType")] : []),
        ];
        return {
            known: false,
            why: `${bad.join(" and ")} ${bad.length === 1 ? "is" : "are"} missing or invalid`,
        };
    }
    const name = releaseName(product, version);
    const era = eraOf(product, version);
    if (typeof era === "object") {
        problems.push(`${key}: ${name} is not supported: ${era.unsupported}`);
        return { known: false, name, why: `${name} has no Anomaly Detection to configure` };
    }
    if (era === "ruleBased" && afterAdRemoval !== "scanAlert") {
        const why =
            afterAdRemoval === "fail"
                ? "is fail"
                : "is deleteOnly, which deletes the AD objects of a stack that deployed them, and this stack has deployed none";
        problems.push(
            `${key}: ${name} is not supported: ${adRemovedIn(product, version)}; ${configKey("afterAdRemoval")} ${why} (set it to scanAlert to deploy the rule-based port-scan alert instead)`,
        );
        return { known: false, name, why: `${name} has no Anomaly Detection to configure` };
    }
    if (era === "globalAlert" && !detectorsOf(enterpriseEquivalent(product, version))) {
        const near = knownReleasesNear(enterpriseEquivalent(product, version));
        problems.push(
            `${key}: the catalog knows no detectors for ${name}: it is not a release listed in tigera/docs releases.json, so the operator it shipped is unknown; known releases: ${near.join(", ")}`,
        );
        return { known: false, era, name, why: `the detectors of ${name} are unknown` };
    }
    return { known: true, product, version, clusterType, era, name, readFrom: read?.source };
}

type Common = {
    readonly clusterName?: string;
    readonly renderDirectory?: string;
    readonly warnings: string[];
};

function manifestEra(
    reader: ConfigReader,
    release: ReleaseKnowledge,
    common: Common,
    problems: string[],
): Omit<ManifestEraSettings, keyof CommonSettings> | undefined {
    const known = release.known ? release : undefined;
    const v = known?.version;
    const jobEnv: EnvSetting[] = [];
    for (const [name, value] of Object.entries(reader.object("jobEnv") ?? {})) {
        const key = keyPath(configKey("jobEnv"), name);
        if (Object.hasOwn(reservedEnvVars, name)) {
            problems.push(
                `${key}: ${name} is set by the stack itself; use ${reservedEnvVars[name]} instead`,
            );
            continue;
        }
        const envVar = findEnvVar(name);
        if (!envVar) {
            const suggestion = prototypeKeys.has(name)
                ? undefined
                : nearestName(
                      name,
                      envVarCatalog.map((e) => e.name),
                  );
            problems.push(
                `${key}: unknown AD env var${suggestion ? `; did you mean ${suggestion}?` : "; see the env var reference in docs/configuration.md"}`,
            );
            continue;
        }
        const rendered = renderEnvValue(envVar, value);
        if ("problem" in rendered) {
            problems.push(`${key}: ${rendered.problem}`);
            continue;
        }
        if (known && v && !inAnyRange(v, envVar.readBy)) {
            const replacement = findEnvVar(envVar.replacedBy ?? "");
            const hint =
                replacement && inAnyRange(v, replacement.readBy)
                    ? `; this release reads ${replacement.name} instead`
                    : "";
            common.warnings.push(
                `${key}: ${known.name} does not read ${name} (read by ${describeRanges(envVar.readBy)}); it is deployed but has no effect${hint}`,
            );
        }
        jobEnv.push({ name, value: rendered.value });
    }
    const catalogOrder = (e: EnvSetting) => envVarCatalog.findIndex((c) => c.name === e.name);
    jobEnv.sort((a, b) => catalogOrder(a) - catalogOrder(b));

    const jobs = v ? jobsOf(v) : undefined;
    const configuredDisabled = reader.list("disabledJobs", (id, key) => {
        const detector = findDetector(id);
        if (!jobs) {
            return detector && detector.jobs.length > 0
                ? undefined
                : `${key}: ${quote(id)} is not a job ID of any release${nearestSuggestion(id, jobIds())}`;
        }
        if (jobs.includes(id)) {
            return undefined;
        }
        if (detector && detector.jobs.length > 0) {
            return `${key}: ${quote(id)} is not a job of ${known?.name} (it runs in ${describeRanges(detector.jobs)}); jobs of this release: ${jobs.join(", ")}`;
        }
        return `${key}: ${quote(id)} is not a job ID${nearestSuggestion(id, jobs)}; jobs of ${known?.name}: ${jobs.join(", ")}`;
    });

    const registry = reader.scalar("imageRegistry") ?? manifestConstants.defaultImageRegistry;
    const tag = reader.scalar("imageTag") ?? (v ? `v${formatVersion(v)}` : undefined);
    const digest = reader.scalar("imageDigest");
    const pullSecret = reader.scalar("imagePullSecret") ?? manifestConstants.defaultPullSecret;
    reader.check("imageRegistry", registry, imageRegistryProblem);
    if (tag !== undefined) {
        reader.check("imageTag", tag, imageTagProblem);
    }
    if (digest !== undefined) {
        reader.check("imageDigest", digest, imageDigestProblem);
    }
    reader.check("imagePullSecret", pullSecret, dnsSubdomainProblem);

    if (!known || !v || !jobs) {
        return undefined;
    }
    if (common.renderDirectory !== undefined && common.clusterName === undefined) {
        problems.push(
            `${configKey("clusterName")}: required with ${configKey("renderDirectory")}, because a rendered manifest cannot read the name from a cluster`,
        );
    }
    const profile = manifestProfile(v, known.clusterType);
    if (configuredDisabled !== undefined && !profile.readsDisabledJobs) {
        problems.push(
            `${configKey("disabledJobs")}: ${known.name} does not read AD_DISABLED_JOBS (documented from ${manifestSteps.readsDisabledJobs.find((step) => step.value)?.since}), so no job can be disabled; remove ${configKey("disabledJobs")}`,
        );
    }
    const disabledJobs = profile.readsDisabledJobs
        ? (configuredDisabled ?? profile.defaultDisabledJobs.filter((id) => jobs.includes(id)))
        : [];
    const effectiveEnv: EffectiveEnvSetting[] = [];
    const leftToImage: string[] = [];
    for (const e of envVarCatalog) {
        const set = jobEnv.find((j) => j.name === e.name);
        const documented = documentedAt(e, v);
        if (set) {
            effectiveEnv.push({
                ...set,
                source: documented ? "stack config" : "stack config, not read by this release",
            });
        } else if (documented?.default !== undefined) {
            const rendered = renderEnvValue(e, documented.default);
            if (!("value" in rendered)) {
                throw new Error(`catalog error: ${e.name}: ${rendered.problem}`);
            }
            effectiveEnv.push({ name: e.name, value: rendered.value, source: "default" });
        } else if (documented) {
            leftToImage.push(e.name);
        }
    }
    const effectiveNumber = (name: string) =>
        Number(effectiveEnv.find((e) => e.name === name)?.value);

    return {
        era: "manifest",
        profile,
        image: `${registry}/${manifestConstants.imageName}:${tag}${digest ? `@${digest}` : ""}`,
        imagePullSecret: pullSecret,
        jobEnv,
        effectiveEnv,
        leftToImage,
        enabledJobs: jobs.filter((id) => !disabledJobs.includes(id)),
        disabledJobs,
        portScanThreshold: effectiveNumber("AD_port_scan_threshold"),
        ipSweepThreshold: jobs.includes("ip_sweep")
            ? effectiveNumber("AD_ip_sweep_threshold")
            : undefined,
    };
}

/** Job IDs of any manifest-era release, and detector IDs of any GlobalAlert-era release. */
const jobIds = () => detectorCatalog.filter((d) => d.jobs.length > 0).map((d) => d.id);
const detectorIds = () =>
    detectorCatalog.filter((d) => releasesOffering(d.id) !== "").map((d) => d.id);

const nearestSuggestion = (id: string, candidates: readonly string[]) => {
    const suggestion = nearestName(id, candidates);
    return suggestion ? `; did you mean ${suggestion}?` : "";
};

function globalAlertEra(
    reader: ConfigReader,
    release: ReleaseKnowledge,
    problems: string[],
    notChecked: string[],
): Omit<GlobalAlertEraSettings, keyof CommonSettings> | undefined {
    const known = release.known ? release : undefined;
    if (known) {
        const operatorOwned = `since Calico 3.13 the Tigera operator owns the detector pods, so ${known.name} offers no supported way to change it`;
        for (const name of Object.keys(reader.object("jobEnv") ?? {})) {
            problems.push(
                `${keyPath(configKey("jobEnv"), name)}: thresholds cannot be set for ${known.name}: ${operatorOwned}; remove ${configKey("jobEnv")}`,
            );
        }
    }
    const available = known
        ? detectorsOf(enterpriseEquivalent(known.product, known.version))
        : undefined;
    if (!available && reader.isSet("detectors")) {
        notChecked.push(
            `whether ${configKey("detectors")} are offered by the release, because its detectors are unknown (see ${configKey("calicoVersion")})`,
        );
    }
    const detectors = reader.list("detectors", (id, key) => {
        const detector = findDetector(id);
        if (!available) {
            return detector && releasesOffering(id) !== ""
                ? undefined
                : `${key}: ${quote(id)} is not a detector ID of any release${nearestSuggestion(id, detectorIds())}`;
        }
        if (available.includes(id)) {
            return undefined;
        }
        if (detector) {
            const offered = releasesOffering(id);
            return `${key}: ${quote(id)} is not a detector of ${known?.name}${offered ? ` (offered in ${offered})` : ""}; detectors of this release: ${available.join(", ")}`;
        }
        return `${key}: ${quote(id)} is not a detector ID${nearestSuggestion(id, available)}; detectors of ${known?.name}: ${available.join(", ")}`;
    }) ?? [...globalAlertConstants.defaultDetectors];

    const period = reader.defaulted("detectorPeriod");
    const seconds = durationSeconds(period);
    if (
        seconds === undefined ||
        seconds < detectorPeriodRange.min ||
        seconds > detectorPeriodRange.max
    ) {
        problems.push(
            `${configKey("detectorPeriod")}: ${quote(period)} is not allowed; allowed: a duration from ${detectorPeriodRange.shown} such as 5m, 15m or 1h`,
        );
    }
    const severity = reader.defaulted("detectorSeverity");

    if (!known || !available) {
        return undefined;
    }
    return {
        era: "globalAlert",
        detectors,
        availableDetectors: available,
        detectorPeriod: period,
        detectorSeverity: severity,
        portScanThreshold: globalAlertConstants.fixedPortScanThreshold,
    };
}

function ruleBasedEra(
    reader: ConfigReader,
    release: ReleaseKnowledge,
    problems: string[],
): Omit<RuleBasedEraSettings, keyof CommonSettings> | undefined {
    const known = release.known ? release : undefined;
    const threshold = reader.defaulted("scanAlertThreshold");
    const severity = reader.defaulted("scanAlertSeverity");
    const webhook = parseWebhook(
        reader.structured("scanAlertWebhook"),
        known ? { product: known.product, version: known.version } : undefined,
    );
    problems.push(...webhook.problems);
    const rules = known && globalAlertRulesOf(known.product, known.version);
    if (!known || !rules) {
        return undefined;
    }
    return {
        era: "ruleBased",
        portScanThreshold: threshold,
        scanAlertSeverity: severity,
        globalAlertRules: rules,
        webhook: webhook.settings,
    };
}

/** Why a release of one era refuses a key of another scope, in the words users need. */
function otherEraReason(
    era: Era,
    scope: Era,
    release: string,
    name: string,
    rules?: GlobalAlertRules,
): string {
    if (scope === "ruleBased") {
        return `applies only to releases without AD (Calico Enterprise 3.18 and later, Calico Cloud 18.3 and later), where the stack deploys the rule-based scan alert; ${release} still has AD`;
    }
    if (era === "ruleBased") {
        const instead = `the stack deploys the rule-based port-scan alert instead (${configKey("scanAlertThreshold")}, ${configKey("scanAlertSeverity")}); remove ${configKey(name)}`;
        return scope === "globalAlert"
            ? `it configures GlobalAlerts of type AnomalyDetection, which ${release} refuses (AD was removed; GlobalAlert types there: ${rules?.types.join(", ") ?? "RuleBased"}); ${instead}`
            : `it configures the AD jobs Deployment of the manifest era, and ${release} has no AD; ${instead}`;
    }
    if (era === "manifest") {
        return name === "detectors"
            ? `applies from Calico 3.13 on; in ${release} every job runs unless listed in ${configKey("disabledJobs")}`
            : `applies from Calico 3.13 on (GlobalAlert era); ${release} runs the AD jobs Deployment, configured by ${configKey("jobEnv")} and ${configKey("disabledJobs")}`;
    }
    return name === "disabledJobs"
        ? `applies to the manifest era (up to 3.12); in ${release} detectors are off unless listed in ${configKey("detectors")}`
        : `the operator picks the detector image in ${release}`;
}

const idList = listSchema(maxCollectionSize);
const entryMap = mapSchema(maxCollectionSize, `the catalog has ${envVarCatalog.length} env vars`);

/** Every scalar key's schema, derived once from its catalog declaration. */
const scalarSchemas = Object.fromEntries(scalarKeys.map((key) => [key.name, scalarSchema(key)]));

/** Typed access to raw config values; records a problem for each bad one. */
class ConfigReader {
    constructor(
        private readonly raw: Readonly<Record<string, string>>,
        private readonly problems: string[],
    ) {}

    private value(name: string): string | undefined {
        const key = configKey(name);
        return Object.hasOwn(this.raw, key) ? this.raw[key] : undefined;
    }

    /** Whether the key holds a value other than empty or its declared default. */
    isSet(name: string): boolean {
        const value = this.value(name);
        const declared = scalarKeys.find((k) => k.name === name);
        return (
            value !== undefined &&
            value !== "" &&
            (declared?.default === undefined || value !== String(declared.default))
        );
    }

    rejectUnknownKeys(): void {
        const known = [...scalarKeys, ...structuredKeys].map((k) => k.name);
        for (const key of Object.keys(this.raw)) {
            const colon = key.indexOf(":");
            const namespace = colon < 0 ? "" : key.slice(0, colon);
            const name = key.slice(colon + 1);
            if (namespace !== projectName) {
                if (isMisspeltNamespace(namespace)) {
                    const suggestion = known.includes(name) ? name : nearestName(name, known);
                    this.problems.push(
                        `${quote(key)}: unknown config namespace ${quote(namespace)}, so the key is ignored${suggestion ? `; did you mean ${configKey(suggestion)}?` : `; the project's keys are ${projectName}:<name>`}`,
                    );
                }
                continue;
            }
            if (!known.includes(name)) {
                const suggestion = prototypeKeys.has(name) ? undefined : nearestName(name, known);
                const shown = /^[A-Za-z0-9_.-]{1,100}$/.test(name) ? key : quote(key);
                this.problems.push(
                    `${shown}: unknown config key${suggestion ? `; did you mean ${configKey(suggestion)}?` : `; known keys: ${known.join(", ")}`}`,
                );
            }
        }
    }

    /**
     * Records a problem for every set key whose scope is another era. The GlobalAlert era
     * explains its refusal of jobEnv itself, per env var.
     */
    rejectOtherEra(era: Era, release: string, rules?: GlobalAlertRules): void {
        for (const key of [...scalarKeys, ...structuredKeys]) {
            const scope: KeyScope = key.scope;
            if (
                scope === "all" ||
                scope === era ||
                (key.name === "jobEnv" && era === "globalAlert") ||
                !this.isSet(key.name)
            ) {
                continue;
            }
            this.problems.push(
                `${configKey(key.name)}: is set to ${quote(this.shownValue(key.name))} but ${otherEraReason(era, scope, release, key.name, rules)}`,
            );
            this.ignored.add(key.name);
        }
    }

    /** Keys already reported as not applying; they are not read further. */
    private readonly ignored = new Set<string>();

    private shownValue(name: string): unknown {
        const key = findKey(name);
        return key && "shape" in key ? this.json(name) : (this.value(name) ?? "");
    }

    /** A scalar key's value, parsed by the key's catalog schema; undefined when unset or bad. */
    scalar<N extends ScalarKeyName>(name: N): ScalarValue<ScalarKeyOf<N>> | undefined {
        if (this.ignored.has(name)) {
            return undefined;
        }
        const parsed = scalarSchemas[name].safeParse(this.value(name));
        if (!parsed.success) {
            this.problems.push(...problemsOf(configKey(name), parsed.error));
            return undefined;
        }
        return parsed.data as ScalarValue<ScalarKeyOf<N>> | undefined;
    }

    /** A key with a default: its value, or the default when the value is bad (and reported). */
    defaulted<N extends DefaultedKeyName>(name: N): ScalarValue<ScalarKeyOf<N>> {
        const declared: ScalarKey = scalarKey(name);
        return this.scalar(name) ?? (declared.default as ScalarValue<ScalarKeyOf<N>>);
    }

    /** A structured key holding a map; undefined when unset or bad. */
    object(name: string): Record<string, unknown> | undefined {
        return this.parsedJson(name, entryMap);
    }

    /**
     * A list key given as a YAML list or a comma-separated string; each item is checked, and
     * duplicates are dropped. Undefined when unset.
     */
    list(
        name: string,
        itemProblem: (item: string, key: string) => string | undefined,
    ): string[] | undefined {
        const items = this.parsedJson(name, idList);
        if (items === undefined) {
            return undefined;
        }
        const problems = items.flatMap(
            ({ item, index }) => itemProblem(item, keyPath(configKey(name), index)) ?? [],
        );
        this.problems.push(...problems);
        return problems.length === 0 ? items.map(({ item }) => item) : undefined;
    }

    /** A structured key's JSON value parsed by `schema`; undefined when unset or bad. */
    private parsedJson<T>(name: string, schema: z.ZodType<T>): T | undefined {
        const raw = this.ignored.has(name) ? undefined : this.json(name);
        if (raw === undefined) {
            return undefined;
        }
        const parsed = schema.safeParse(raw);
        if (!parsed.success) {
            this.problems.push(...problemsOf(configKey(name), parsed.error));
            return undefined;
        }
        return parsed.data;
    }

    check(name: string, value: string, problemOf: (value: string) => string | undefined): void {
        if (this.ignored.has(name)) {
            return;
        }
        const problem = problemOf(value);
        if (problem) {
            this.problems.push(`${configKey(name)}: ${problem}`);
        }
    }

    /** A structured key's value as parsed JSON (or the plain string); undefined when unset. */
    structured(name: string): unknown {
        return this.json(name);
    }

    private json(name: string): unknown {
        const value = this.value(name);
        if (value === undefined) {
            return undefined;
        }
        if (value.length > maxStructuredValueLength) {
            this.problems.push(
                `${configKey(name)}: the value is ${value.length} characters of JSON; at most ${maxStructuredValueLength} are allowed`,
            );
            this.ignored.add(name);
            return undefined;
        }
        try {
            return JSON.parse(value);
        } catch {
            return value;
        }
    }
}

/** A namespace that is surely meant to be the project's, such as calico_ad or calicoad. */
function isMisspeltNamespace(namespace: string): boolean {
    const squashed = (text: string) => text.toLowerCase().replace(/[^a-z0-9]/g, "");
    return (
        namespace !== "" &&
        (squashed(namespace) === squashed(projectName) || editDistance(namespace, projectName) <= 2)
    );
}
