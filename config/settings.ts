/**
 * The one place that reads stack config. `parseSettings` validates every key against the catalog
 * and returns typed settings, or throws a ConfigError listing every problem with its key, the
 * bad value and what is allowed. Nothing here touches a cluster.
 */
import * as pulumi from "@pulumi/pulumi";
import {
    findDetector,
    findEnvVar,
    jobsOf,
    detectorsOf,
    eraOf,
    enterpriseEquivalent,
    manifestProfile,
    ManifestProfile,
    nearestName,
} from "../catalog/lookup";
import { envVarCatalog, reservedEnvVars } from "../catalog/envVars";
import {
    ClusterType,
    clusterTypes,
    globalAlertConstants,
    manifestConstants,
    products,
} from "../catalog/eras";
import {
    CalicoVersion,
    describeRanges,
    formatVersion,
    releaseName,
    inAnyRange,
    parseVersion,
    Product,
} from "../catalog/versions";
import { configKey, projectName, scalarKeys, structuredKeys } from "./keys";
import { parseSimulation, SimulationSettings } from "./simulation";
import {
    clusterNameProblem,
    dnsSubdomainProblem,
    durationSeconds,
    imageRegistryProblem,
    imageTagProblem,
    renderEnvValue,
    splitList,
} from "./values";

/** An env var as the AD jobs container gets it. */
export interface EnvSetting {
    readonly name: string;
    readonly value: string;
}

/** An env var of the release with the value in force and where it came from. */
export interface EffectiveEnvSetting extends EnvSetting {
    readonly source: "stack config" | "default" | "stack config, not read by this release";
}

interface CommonSettings {
    readonly product: Product;
    readonly calicoVersion: CalicoVersion;
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
}

type CommonInput = CommonSettings & { readonly warnings: string[] };

/** CE 3.5 to 3.12: the ad-jobs-deployment Deployment and its two policies. */
export interface ManifestEraSettings extends CommonSettings {
    readonly era: "manifest";
    readonly profile: ManifestProfile;
    readonly image: string;
    readonly imagePullSecret: string;
    /** Env vars from calico-ad:jobEnv, rendered, in catalog order. */
    readonly jobEnv: readonly EnvSetting[];
    readonly effectiveEnv: readonly EffectiveEnvSetting[];
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

export type Settings = ManifestEraSettings | GlobalAlertEraSettings;

/** Stack config that cannot be deployed. The message lists every problem found. */
export class ConfigError extends pulumi.RunError {
    constructor(readonly problems: readonly string[]) {
        super(
            `${projectName} stack config has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n` +
                problems.map((p) => `  - ${p}`).join("\n"),
        );
        this.name = "ConfigError";
    }
}

/** Reads the stack's config as key/value strings (structured values as JSON). */
export function readStackConfig(): Record<string, string> {
    return pulumi.runtime.allConfig();
}

/** Validates raw stack config (keys like "calico-ad:clusterType", values as strings or JSON). */
export function parseSettings(raw: Readonly<Record<string, string>>): Settings {
    const problems: string[] = [];
    const warnings: string[] = [];
    const reader = new ConfigReader(raw, problems);

    reader.rejectUnknownKeys();

    const product = reader.choice("product", products);
    const versionText = reader.string("calicoVersion");
    const clusterType = reader.choice("clusterType", clusterTypes);
    const clusterName = reader.optionalString("clusterName");
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

    const calicoVersion = versionText === undefined ? undefined : parseVersion(versionText);
    if (versionText !== undefined && !calicoVersion) {
        problems.push(
            `${configKey("calicoVersion")}: "${versionText}" is not a release version; allowed: MAJOR.MINOR.PATCH such as 3.12.0 (the image tag is derived from it)`,
        );
    }

    const common = {
        product: product ?? "enterprise",
        clusterName,
        kubeContext: reader.optionalString("kubeContext"),
        renderDirectory: reader.optionalString("renderDirectory"),
        awaitRollout: reader.boolean("awaitRollout") ?? true,
        warnings,
    };

    if (!calicoVersion || !product || !clusterType) {
        throw new ConfigError(problems);
    }
    const era = eraOf(product, calicoVersion);
    const release = releaseName(product, calicoVersion);
    if (typeof era === "object") {
        problems.push(
            `${configKey("calicoVersion")}: ${release} is not supported: ${era.unsupported}`,
        );
        throw new ConfigError(problems);
    }

    const settings: Settings =
        era === "manifest"
            ? manifestEra(reader, { ...common, calicoVersion, clusterType }, release, problems)
            : globalAlertEra(reader, { ...common, calicoVersion, clusterType }, release, problems);

    const simulation = parseSimulation(reader.structured("simulation"), {
        era,
        release,
        portScanThreshold: settings.portScanThreshold,
        ipSweepThreshold: settings.era === "manifest" ? settings.ipSweepThreshold : undefined,
        kubeContext: settings.kubeContext,
        enabled: settings.era === "manifest" ? settings.enabledJobs : settings.detectors,
    });
    problems.push(...simulation.problems);
    warnings.push(...simulation.warnings);
    const runsSimulation = simulation.settings?.portScan || simulation.settings?.ipSweep;
    if (runsSimulation && settings.renderDirectory !== undefined) {
        problems.push(
            `${configKey("simulation")}: a simulation needs a cluster to scan, but ${configKey("renderDirectory")} renders manifests without one; disable the simulation or unset renderDirectory`,
        );
    }
    if (problems.length > 0) {
        throw new ConfigError(problems);
    }
    return runsSimulation ? { ...settings, simulation: simulation.settings } : settings;
}

function manifestEra(
    reader: ConfigReader,
    common: CommonInput,
    release: string,
    problems: string[],
): ManifestEraSettings {
    const v = common.calicoVersion;
    const profile = manifestProfile(v, common.clusterType);
    reader.forbid(
        "detectors",
        `applies from Calico 3.13 on; in ${release} every job runs unless listed in ${configKey("disabledJobs")}`,
    );

    const jobEnv: EnvSetting[] = [];
    const configured = reader.object("jobEnv") ?? {};
    for (const [name, value] of Object.entries(configured)) {
        const key = `${configKey("jobEnv")}.${name}`;
        if (name in reservedEnvVars) {
            problems.push(
                `${key}: ${name} is set by the stack itself; use ${reservedEnvVars[name]} instead`,
            );
            continue;
        }
        const envVar = findEnvVar(name);
        if (!envVar) {
            const suggestion = nearestName(
                name,
                envVarCatalog.map((e) => e.name),
            );
            problems.push(
                `${key}: unknown AD env var${suggestion ? `; did you mean ${suggestion}?` : "; see the env var reference in the README"}`,
            );
            continue;
        }
        const rendered = renderEnvValue(envVar, value);
        if ("problem" in rendered) {
            problems.push(`${key}: ${rendered.problem}`);
            continue;
        }
        if (!inAnyRange(v, envVar.readBy)) {
            const replacement = findEnvVar(envVar.replacedBy ?? "");
            const hint =
                replacement && inAnyRange(v, replacement.readBy)
                    ? `; this release reads ${replacement.name} instead`
                    : "";
            common.warnings.push(
                `${key}: ${release} does not read ${name} (read by ${describeRanges(envVar.readBy)}); it is deployed but has no effect${hint}`,
            );
        }
        jobEnv.push({ name, value: rendered.value });
    }
    const catalogOrder = (e: EnvSetting) => envVarCatalog.findIndex((c) => c.name === e.name);
    jobEnv.sort((a, b) => catalogOrder(a) - catalogOrder(b));

    const jobs = jobsOf(v);
    const disabledJobs =
        reader.list("disabledJobs", (id, key) => {
            if (jobs.includes(id)) {
                return undefined;
            }
            const known = findDetector(id);
            if (known && known.jobs.length > 0) {
                return `${key}: "${id}" is not a job of ${release} (it runs in ${describeRanges(known.jobs)}); jobs of this release: ${jobs.join(", ")}`;
            }
            const suggestion = nearestName(id, jobs);
            return `${key}: "${id}" is not a job ID${suggestion ? `; did you mean ${suggestion}?` : ""}; jobs of ${release}: ${jobs.join(", ")}`;
        }) ?? profile.defaultDisabledJobs.filter((id) => jobs.includes(id));

    const effectiveEnv: EffectiveEnvSetting[] = envVarCatalog
        .filter((e) => inAnyRange(v, e.readBy) || jobEnv.some((j) => j.name === e.name))
        .map((e) => {
            const set = jobEnv.find((j) => j.name === e.name);
            if (!set) {
                const rendered = renderEnvValue(e, e.default);
                return {
                    name: e.name,
                    value: "value" in rendered ? rendered.value : String(e.default),
                    source: "default",
                };
            }
            return {
                name: e.name,
                value: set.value,
                source: inAnyRange(v, e.readBy)
                    ? "stack config"
                    : "stack config, not read by this release",
            };
        });
    const effectiveNumber = (name: string) =>
        Number(effectiveEnv.find((e) => e.name === name)?.value);

    if (common.renderDirectory !== undefined && common.clusterName === undefined) {
        problems.push(
            `${configKey("clusterName")}: required with ${configKey("renderDirectory")}, because a rendered manifest cannot read the name from a cluster`,
        );
    }

    const registry =
        reader.optionalString("imageRegistry") ?? manifestConstants.defaultImageRegistry;
    const tag = reader.optionalString("imageTag") ?? `v${formatVersion(v)}`;
    const pullSecret =
        reader.optionalString("imagePullSecret") ?? manifestConstants.defaultPullSecret;
    reader.check("imageRegistry", registry, imageRegistryProblem);
    reader.check("imageTag", tag, imageTagProblem);
    reader.check("imagePullSecret", pullSecret, dnsSubdomainProblem);

    return {
        ...common,
        era: "manifest",
        profile,
        image: `${registry}/${manifestConstants.imageName}:${tag}`,
        imagePullSecret: pullSecret,
        jobEnv,
        effectiveEnv,
        enabledJobs: jobs.filter((id) => !disabledJobs.includes(id)),
        disabledJobs,
        portScanThreshold: effectiveNumber("AD_port_scan_threshold"),
        ipSweepThreshold: jobs.includes("ip_sweep")
            ? effectiveNumber("AD_ip_sweep_threshold")
            : undefined,
    };
}

function globalAlertEra(
    reader: ConfigReader,
    common: CommonInput,
    release: string,
    problems: string[],
): GlobalAlertEraSettings {
    const operatorOwned = `since Calico 3.13 the Tigera operator owns the detector pods, so ${release} offers no supported way to change it`;
    const configured = reader.object("jobEnv");
    for (const name of Object.keys(configured ?? {})) {
        problems.push(
            `${configKey("jobEnv")}.${name}: thresholds cannot be set for ${release}: ${operatorOwned}; remove ${configKey("jobEnv")}`,
        );
    }
    reader.forbid(
        "disabledJobs",
        `applies to the manifest era (up to 3.12); in ${release} detectors are off unless listed in ${configKey("detectors")}`,
    );
    for (const name of ["imageRegistry", "imageTag", "imagePullSecret"]) {
        reader.forbid(name, `the operator picks the detector image in ${release}`);
    }

    const available = detectorsOf(enterpriseEquivalent(common.product, common.calicoVersion));
    const detectors = reader.list("detectors", (id, key) => {
        if (available.includes(id)) {
            return undefined;
        }
        const known = findDetector(id);
        if (known) {
            return `${key}: "${id}" is not a detector of ${release}${known.detectors.length > 0 ? ` (offered in ${describeRanges(known.detectors)})` : ""}; detectors of this release: ${available.join(", ")}`;
        }
        const suggestion = nearestName(id, available);
        return `${key}: "${id}" is not a detector ID${suggestion ? `; did you mean ${suggestion}?` : ""}; detectors of ${release}: ${available.join(", ")}`;
    }) ?? ["port_scan"];

    const period = reader.string("detectorPeriod") ?? globalAlertConstants.defaultPeriod;
    const seconds = durationSeconds(period);
    if (seconds === undefined || seconds < 60 || seconds > 86400) {
        problems.push(
            `${configKey("detectorPeriod")}: "${period}" is not allowed; allowed: a duration from 1m to 24h such as 5m, 15m or 1h`,
        );
    }
    const severity =
        reader.integer("detectorSeverity", 1, 100) ?? globalAlertConstants.defaultSeverity;

    return {
        ...common,
        era: "globalAlert",
        detectors,
        availableDetectors: available,
        detectorPeriod: period,
        detectorSeverity: severity,
        portScanThreshold: globalAlertConstants.fixedPortScanThreshold,
    };
}

/** Typed access to raw config values; records a problem for each bad one. */
class ConfigReader {
    constructor(
        private readonly raw: Readonly<Record<string, string>>,
        private readonly problems: string[],
    ) {}

    private value(name: string): string | undefined {
        return this.raw[configKey(name)];
    }

    rejectUnknownKeys(): void {
        const known = [...scalarKeys, ...structuredKeys].map((k) => k.name);
        for (const key of Object.keys(this.raw)) {
            if (!key.startsWith(`${projectName}:`)) {
                continue;
            }
            const name = key.slice(projectName.length + 1);
            if (!known.includes(name)) {
                const suggestion = nearestName(name, known);
                this.problems.push(
                    `${key}: unknown config key${suggestion ? `; did you mean ${configKey(suggestion)}?` : `; known keys: ${known.join(", ")}`}`,
                );
            }
        }
    }

    /** A required or defaulted string; empty counts as unset. */
    string(name: string): string | undefined {
        const value = this.value(name);
        if (value === undefined || value === "") {
            const declared = scalarKeys.find((k) => k.name === name);
            if (declared && declared.default === undefined) {
                this.problems.push(`${configKey(name)}: required; ${declared.description}`);
            }
            return typeof declared?.default === "string" && declared.default !== ""
                ? declared.default
                : undefined;
        }
        return value;
    }

    optionalString(name: string): string | undefined {
        const value = this.value(name);
        return value === undefined || value === "" ? undefined : value;
    }

    choice<T extends string>(name: string, allowed: readonly T[]): T | undefined {
        const value = this.string(name);
        if (value === undefined) {
            return undefined;
        }
        if (!allowed.includes(value as T)) {
            const suggestion = nearestName(value, allowed);
            this.problems.push(
                `${configKey(name)}: "${value}" is not allowed; allowed: ${allowed.join(", ")}${suggestion ? ` (did you mean ${suggestion}?)` : ""}`,
            );
            return undefined;
        }
        return value as T;
    }

    boolean(name: string): boolean | undefined {
        const value = this.value(name);
        if (value === undefined || value === "") {
            return undefined;
        }
        if (value !== "true" && value !== "false") {
            this.problems.push(
                `${configKey(name)}: "${value}" is not allowed; allowed: true or false`,
            );
            return undefined;
        }
        return value === "true";
    }

    integer(name: string, min: number, max: number): number | undefined {
        const value = this.value(name);
        if (value === undefined || value === "") {
            return undefined;
        }
        const n = Number(value);
        if (!Number.isInteger(n) || n < min || n > max) {
            this.problems.push(
                `${configKey(name)}: "${value}" is not allowed; allowed: an integer from ${min} to ${max}`,
            );
            return undefined;
        }
        return n;
    }

    /** A structured key holding a map; undefined when unset. */
    object(name: string): Record<string, unknown> | undefined {
        const parsed = this.json(name);
        if (parsed === undefined) {
            return undefined;
        }
        if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
            this.problems.push(
                `${configKey(name)}: expected a map of names to values, got ${JSON.stringify(parsed)}`,
            );
            return undefined;
        }
        return parsed as Record<string, unknown>;
    }

    /**
     * A list key given as a YAML list or a comma-separated string; each item is checked, and
     * duplicates are dropped. Undefined when unset.
     */
    list(
        name: string,
        itemProblem: (item: string, key: string) => string | undefined,
    ): string[] | undefined {
        const parsed = this.json(name);
        if (parsed === undefined) {
            return undefined;
        }
        const items = splitList(parsed);
        if (!items) {
            this.problems.push(
                `${configKey(name)}: expected a list of IDs, got ${JSON.stringify(parsed)}`,
            );
            return undefined;
        }
        const unique = [...new Set(items)];
        unique.forEach((item, index) => {
            const problem = itemProblem(item, `${configKey(name)}[${index}]`);
            if (problem) {
                this.problems.push(problem);
            }
        });
        return unique;
    }

    /** Records a problem when a key that does not apply here is set. */
    forbid(name: string, why: string): void {
        const value = this.value(name);
        if (value !== undefined && value !== "") {
            this.problems.push(`${configKey(name)}: is set to ${value} but ${why}`);
        }
    }

    check(name: string, value: string, problemOf: (value: string) => string | undefined): void {
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
        try {
            return JSON.parse(value);
        } catch {
            return value;
        }
    }
}
