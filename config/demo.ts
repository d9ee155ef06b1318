/**
 * `calico-ad:demo`: workshop settings that make an alert arrive within minutes. `parseDemo`
 * refuses demo mode on production targets (the rule of common/production.ts) and
 * `applyDemo` lowers the AD search interval (manifest era) or the detector period (GlobalAlert
 * era) in already validated settings; the scan alert of releases without AD follows the lowered
 * flush interval by itself. Both are pure; the Felix part is components/felixFlushIntervals.ts.
 */
import { configKey } from "../catalog/configKeys";
import {
    demoDetectorPeriod,
    demoSearchIntervalMinutes,
    felixFlushIntervals,
} from "../catalog/demo";
import { durationSeconds } from "../catalog/envValues";
import { envVarCatalog } from "../catalog/envVars";
import { ProductionPatterns, productionReason, SimulationTarget } from "../common/production";
import { quote } from "../common/quote";

/** Demo mode, validated: what it changes. */
export interface DemoSettings {
    /** Both Felix flush intervals, e.g. 10s. */
    readonly felixInterval: string;
    readonly felixResource: string;
    readonly felixName: string;
}

export interface DemoResult {
    readonly settings?: DemoSettings;
    readonly problems: string[];
}

/** Refuses demo mode where the stack, kube context or cluster counts as production. */
export function parseDemo(
    enabled: boolean,
    target: SimulationTarget,
    patterns: ProductionPatterns,
    renders = false,
): DemoResult {
    if (!enabled) {
        return { problems: [] };
    }
    if (renders) {
        return {
            problems: [
                `${configKey("demo")}: true changes Felix in the cluster, but ${configKey("renderDirectory")} renders manifests without one; allowed: false while renderDirectory is set`,
            ],
        };
    }
    const production = productionReason(target, patterns);
    if (production) {
        return {
            problems: [
                `${configKey("demo")}: true is not allowed on production (stack ${quote(target.stack ?? "unknown")}, kube context ${quote(target.kubeContext ?? "the current one")}), because ${production}: demo mode lowers Felix's flush intervals and the AD search interval cluster-wide; allowed: false, or a stack that is not production`,
            ],
        };
    }
    return {
        settings: {
            felixInterval: felixFlushIntervals.demo,
            felixResource: felixFlushIntervals.resource,
            felixName: felixFlushIntervals.name,
        },
        problems: [],
    };
}

interface EnvEntry {
    readonly name: string;
    readonly value: string;
}

/** The manifest-era or GlobalAlert-era part of the settings that demo mode touches. */
type Tunable<S extends EnvEntry> =
    | {
          readonly era: "manifest";
          readonly jobEnv: readonly EnvEntry[];
          readonly effectiveEnv: readonly S[];
      }
    | { readonly era: "globalAlert"; readonly detectorPeriod: string }
    | { readonly era: "ruleBased" };

const searchInterval = "AD_search_interval_minutes";

/**
 * The settings with demo mode's AD change: `AD_search_interval_minutes` at most
 * the demo value (a lower configured value is kept), or a detector period of at most 5m.
 */
export function applyDemo<S extends EnvEntry & { source: string }, T extends Tunable<S>>(
    settings: T,
): T {
    if (settings.era === "ruleBased") {
        // The scan alert's period and lookback follow the lowered flush interval itself.
        return settings;
    }
    if (settings.era === "globalAlert") {
        const seconds = durationSeconds(settings.detectorPeriod) ?? Infinity;
        return seconds <= durationSeconds(demoDetectorPeriod)!
            ? settings
            : { ...settings, detectorPeriod: demoDetectorPeriod };
    }
    const effective = settings.effectiveEnv.find((e) => e.name === searchInterval);
    if (effective && Number(effective.value) <= demoSearchIntervalMinutes) {
        return settings;
    }
    const value = String(demoSearchIntervalMinutes);
    const order = (name: string) => envVarCatalog.findIndex((e) => e.name === name);
    const jobEnv = [
        ...settings.jobEnv.filter((e) => e.name !== searchInterval),
        { name: searchInterval, value },
    ].sort((a, b) => order(a.name) - order(b.name));
    return {
        ...settings,
        jobEnv,
        effectiveEnv: settings.effectiveEnv.map((e) =>
            e.name === searchInterval ? { ...e, value, source: "demo mode" } : e,
        ),
    };
}
