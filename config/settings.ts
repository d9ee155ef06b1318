/**
 * The one place that reads stack config. `parseSettings` validates every key against the catalog
 * and returns typed settings, or throws a ConfigError listing every problem with its key, the
 * bad value and what is allowed. Nothing here touches a cluster. Each concern has its module:
 * reading raw config (rawConfig.ts), resolving the release (release.ts), each era's keys
 * (manifestEra.ts, globalAlertEra.ts, ruleBasedEra.ts) and each block's (simulation.ts,
 * verification.ts, demo.ts, webhook.ts), keys of another era (otherEraKeys.ts), rules across
 * keys (crossFieldRules.ts) and warnings (warnings.ts).
 */
import { configKey, projectName } from "../catalog/configKeys";
import { enterpriseEquivalent, globalAlertRulesOf } from "../catalog/lookup";
import { KubeContexts } from "../common/kubeconfig";
import { defaultProductionPatterns } from "../common/production";
import { UserError } from "../common/userError";
import {
    clusterNameProblems,
    patternProblem,
    simulationInProductionProblem,
    simulationWithoutClusterProblem,
    targetOf,
} from "./crossFieldRules";
import { applyDemo, parseDemo } from "./demo";
import { globalAlertEra } from "./globalAlertEra";
import { kubeContextMissing } from "./kubeContext";
import { manifestEra } from "./manifestEra";
import { rejectOtherEraKeys } from "./otherEraKeys";
import { ConfigReader } from "./rawConfig";
import { knowRelease, ReportedRelease, versionFromCluster } from "./release";
import { ruleBasedEra } from "./ruleBasedEra";
import { EffectiveEnvSetting, Settings } from "./settingsTypes";
import { parseSimulation } from "./simulation";
import { alertLatency, parseVerification, settleTimeout } from "./verification";

export { readStackConfig } from "./rawConfig";
export { clusterReleaseToRead, ReportedRelease } from "./release";
export { kubeContextMissing } from "./kubeContext";
export * from "./settingsTypes";

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

/** What parseSettings knows beyond stack config: the kubeconfig, the stack name, the cluster. */
export interface SettingsEnvironment {
    readonly kubeContexts?: KubeContexts;
    /** The Pulumi stack, for the production rule. */
    readonly stack?: string;
    /** What the cluster reports, read when `clusterReleaseToRead` asked for it. */
    readonly reportedRelease?: ReportedRelease;
}

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
        problems.push(...clusterNameProblems(clusterName, clusterType));
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
        rejectOtherEraKeys(
            reader,
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
        const problem = simulationInProductionProblem(
            targetOf(environment.stack, kubeContext, environment.kubeContexts),
            patterns,
        );
        if (problem) {
            problems.push(problem);
        }
    }
    const demo = parseDemo(
        reader.defaulted("demo"),
        targetOf(environment.stack, kubeContext, environment.kubeContexts),
        patterns,
        renderDirectory !== undefined,
    );
    problems.push(...demo.problems);
    const withoutCluster = runsSimulation && simulationWithoutClusterProblem(renderDirectory);
    if (withoutCluster) {
        problems.push(withoutCluster);
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
    const timed = verification.settings
        ? settleTimeout(verification.settings, alertLatency({ ...tuned, demo: !!demo.settings }))
        : undefined;
    if (timed?.warning) {
        warnings.push(timed.warning);
    }
    return { ...tuned, simulation: simulation.settings, verification: timed?.settings };
}
