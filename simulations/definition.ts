/**
 * What a simulation is, described once: the detector it targets, where that detector exists
 * (from the catalog), what it needs, its stack-config block (the plan from the settings in force,
 * with a margin over the threshold, and its refusals), its script, the event that proves it fired
 * and its safety caps. The generic component (components/simulation.ts) runs any of them from
 * `simulationCommand`, the verification (components/alertVerification.ts) checks any of them.
 * A simulation is one module beside this file, one `.sh` file and one line in registry.ts.
 */
import { z } from "zod";
import { detectorCatalog, LogSource } from "../catalog/detectors";
import { adEvents } from "../catalog/eventSearch";
import { detectorReleases, hasDetector } from "../catalog/releases";
import { quote } from "../common/quote";
import { SimulationBlock, SimulationContext } from "../config/simulationFields";

/** How a simulation's Command is named and started. */
export interface SimulationScript {
    /** The script: scan/common.sh and the simulation's `.sh` file (scan/scripts.ts). */
    readonly text: string;
    /** `$0` of the script, which prefixes the shell's own diagnostics. */
    readonly name: string;
    /** The Command's `create` word: the script's `$1`, and all a failed run's error quotes. */
    readonly create: string;
    /** Suffix of the Command's resource name, e.g. `nmap` for `port-scan-nmap`. */
    readonly commandSuffix: string;
}

/**
 * The script of the simulation named `resourceName`: `$0` `calico-ad-<resourceName>`, created
 * with `<resourceName>` as its word, its Command named `<resourceName>-<commandSuffix>`.
 */
export const namedScript = (
    resourceName: string,
    text: string,
    commandSuffix: string,
): SimulationScript => ({
    text,
    name: `calico-ad-${resourceName}`,
    create: resourceName,
    commandSuffix,
});

/** A simulation: its block's field shape and the settings it yields. */
export interface SimulationDefinition<Shape extends z.ZodRawShape, Settings> {
    /** The simulation in words, e.g. `port scan`, for messages. */
    readonly title: string;
    /** Resource name of its component, e.g. `port-scan`. */
    readonly resourceName: string;
    /** Type-token name of its component under `calico-ad:simulation`, e.g. `PortScanSimulation`. */
    readonly componentType: string;
    /** The job or detector ID whose alert proves the simulation fired. */
    readonly detector: string;
    /** What the cluster needs beyond the detector's log source (catalog/detectors.ts). */
    readonly prerequisites: readonly string[];
    /** The bounds that keep it harmless, in words; the numbers are catalog data. */
    readonly caps: string;
    readonly script: SimulationScript;
    /** Its `calico-ad:simulation.<name>` block: fields, plan and refusals. */
    readonly block: SimulationBlock<Shape, Settings>;
    /** The script's environment; every configured value reaches the shell only here. */
    environment(settings: Settings): Record<string, string>;
    /** Values whose change runs the simulation again (the kube context is added to them). */
    triggers(settings: Settings): (string | number)[];
    /** Namespace and pod the alert must name as its source. */
    source(settings: Settings): { readonly namespace: string; readonly pod: string };
}

/**
 * A definition with its field and settings types kept, and its component type derived from its
 * resource name (`port-scan` is `PortScanSimulation`).
 */
export const defineSimulation = <Shape extends z.ZodRawShape, Settings>(
    definition: Omit<SimulationDefinition<Shape, Settings>, "componentType">,
): SimulationDefinition<Shape, Settings> => ({
    ...definition,
    componentType: `${definition.resourceName.replace(/(?:^|-)([a-z])/g, (_, letter: string) => letter.toUpperCase())}Simulation`,
});

/**
 * Any registered simulation, as the generic code handles it: the methods take their own
 * settings, which the generic code only passes from `resolve` back to them.
 */
export type AnySimulation = SimulationDefinition<Record<string, z.ZodType>, unknown>;

/** The event that proves a simulation fired: an AD event of its detector. */
export interface ExpectedEvent {
    readonly type: string;
    readonly detector: string;
}

/** The facts of a simulation that are derived from the catalog, for docs and messages. */
export interface SimulationFacts {
    readonly detector: string;
    /** Where the detector exists, e.g. "3.5.0 up to (not including) 3.13.0 (AD jobs); ...". */
    readonly releases: string;
    readonly needs: readonly string[];
    readonly event: ExpectedEvent;
    readonly caps: string;
}

/** A simulation's detector, where it exists, what it needs and the event that proves it. */
export function simulationFacts(definition: AnySimulation): SimulationFacts {
    const logSource: LogSource | undefined = detectorCatalog.find(
        (d) => d.id === definition.detector,
    )?.needs;
    return {
        detector: definition.detector,
        releases: detectorReleases(definition.detector),
        needs: [...(logSource ? [logSource] : []), ...definition.prerequisites],
        event: { type: adEvents.type, detector: definition.detector },
        caps: definition.caps,
    };
}

/**
 * The refusal of an enabled simulation whose detector the release lacks, per the catalog's
 * per-release data; undefined when the release has it or the catalog cannot say.
 */
export function missingDetectorProblem(
    definition: AnySimulation,
    context: SimulationContext,
    key: string,
): string | undefined {
    const has = context.version && hasDetector(definition.detector, context.era, context.version);
    if (has !== false) {
        return undefined;
    }
    return `${key}: ${context.release} has no ${quote(definition.detector)} detector, so no alert can follow; it exists in ${detectorReleases(definition.detector)}; set enabled: false or remove ${key}`;
}

/**
 * The warning for an enabled simulation whose detector the stack leaves off (a disabled job, or
 * a detector without its GlobalAlert); undefined when it is on or the stack cannot say.
 */
export function detectorOffWarning(
    definition: AnySimulation,
    context: SimulationContext,
    key: string,
): string | undefined {
    if (!context.enabled || context.enabled.includes(definition.detector)) {
        return undefined;
    }
    const state = context.era === "manifest" ? "job is disabled" : "detector is not enabled";
    return `${key}: the ${definition.detector} ${state} in this stack, so the ${definition.title} simulation runs but no alert will follow`;
}

/** The alert's source for a simulation run from `scannerPod` in `namespace`. */
export const scannerSource = <Settings extends { namespace: string; scannerPod: string }>(
    settings: Settings,
) => ({
    namespace: settings.namespace,
    pod: settings.scannerPod,
});

/** What the generic component needs to run one simulation: narrow, plain values. */
export interface SimulationCommand {
    readonly componentType: string;
    readonly script: SimulationScript;
    readonly environment: Readonly<Record<string, string>>;
    readonly triggers: readonly (string | number)[];
}

/**
 * The Command of `definition` for validated `settings`: its environment and triggers, each with
 * the kube context (empty for the current one), which the script passes to kubectl.
 */
export function simulationCommand<Settings>(
    definition: SimulationDefinition<z.ZodRawShape, Settings>,
    settings: Settings,
    kubeContext: string | undefined,
): SimulationCommand {
    const context = kubeContext ?? "";
    return {
        componentType: definition.componentType,
        script: definition.script,
        environment: { ...definition.environment(settings), KUBE_CONTEXT: context },
        triggers: [...definition.triggers(settings), context],
    };
}
