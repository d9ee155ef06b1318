/**
 * The structured stack key `calico-ad:simulation`: one optional block per registered simulation
 * (simulations/registry.ts). `parseSimulation` is pure: it checks the already-parsed value against
 * the release and the thresholds in force and returns typed settings, or problems naming key,
 * value and what is allowed. Every value that reaches a shell is held to Kubernetes naming rules
 * (config/simulationFields.ts).
 */
import { z } from "zod";
import { configKey } from "../catalog/configKeys";
import {
    AnySimulation,
    detectorOffWarning,
    missingDetectorProblem,
} from "../simulations/definition";
import { simulations } from "../simulations/registry";
import { fieldMap, problemsOf, readableMap, validFields } from "./schema";
import {
    kubeContextProblem,
    runIdField,
    SimulationContext,
    simulationKey,
    SimulationReport,
} from "./simulationFields";

export type { IpSweepSimulationSettings } from "../simulations/ipSweep";
export type { PortScanSimulationSettings } from "../simulations/portScan";
export {
    kubeContextProblem,
    labelSelectorProblem,
    namespaceProblem,
    parseCidr,
    parsePortRange,
    podNameProblem,
} from "./simulationFields";
export type { SimulationContext, SimulationReport } from "./simulationFields";

export interface SimulationResult extends SimulationReport {
    /** Undefined when there are problems or no simulation is enabled. */
    readonly settings?: SimulationSettings;
}

type DefinitionSettings<Definition> = Definition extends {
    environment(settings: infer Settings): unknown;
}
    ? Settings
    : never;

/** The simulations to run on `pulumi up`; a disabled one is absent. */
export type SimulationSettings = {
    readonly [Name in keyof typeof simulations]?: DefinitionSettings<(typeof simulations)[Name]>;
} & {
    /** kubeconfig context the commands use, the same as the stack's Kubernetes provider. */
    readonly kubeContext?: string;
    /** The run identity; unset keeps the last run's (components/runIdentity.ts). */
    readonly runId?: string;
};

const blockShape = Object.fromEntries(
    Object.entries(simulations).map(([name, simulation]) => [
        name,
        fieldMap(simulation.block.fields).optional(),
    ]),
);
/**
 * The whole block's schema: every field of every sub-block, the run identity, and no other.
 * `verify` is read by config/verification.ts, which needs to know whether the port scan runs.
 */
const topShape = { ...blockShape, runId: runIdField, verify: z.unknown().optional() };
export const simulationSchema = fieldMap(topShape);

/** One enabled simulation: its registry key (its stack output), definition and settings. */
export interface EnabledSimulation {
    readonly key: string;
    readonly definition: AnySimulation;
    readonly settings: unknown;
}

/** The simulations `settings` enables, in registry order. */
export function enabledSimulations(settings: SimulationSettings | undefined): EnabledSimulation[] {
    return Object.entries(simulations).flatMap(([key, definition]: [string, AnySimulation]) => {
        const enabled = settings?.[key as keyof typeof simulations];
        return enabled ? [{ key, definition, settings: enabled }] : [];
    });
}

function resolveSimulation(
    simulation: AnySimulation,
    value: unknown,
    context: SimulationContext,
    key: string,
    report: SimulationReport,
): unknown {
    const fields = validFields(simulation.block.fields, value);
    if (!fields) {
        return undefined;
    }
    const missing = fields.enabled === true && missingDetectorProblem(simulation, context, key);
    if (missing) {
        report.problems.push(missing);
        return undefined;
    }
    const settings = simulation.block.resolve(fields, context, key, report);
    const off = fields.enabled === true && detectorOffWarning(simulation, context, key);
    if (off) {
        report.warnings.push(off);
    }
    return settings;
}

/**
 * Validates `calico-ad:simulation` (the JSON-parsed value, undefined when unset): its values by
 * `simulationSchema`, then `resolveSimulations`.
 */
export function parseSimulation(
    raw: unknown,
    context: SimulationContext | undefined,
): SimulationResult {
    if (raw === undefined || raw === null || raw === "") {
        return { problems: [], warnings: [] };
    }
    const parsed = simulationSchema.safeParse(raw);
    const resolved = resolveSimulations(raw, context);
    return parsed.success
        ? resolved
        : {
              problems: [...problemsOf(simulationKey, parsed.error), ...resolved.problems],
              warnings: resolved.warnings,
          };
}

/**
 * Checks `calico-ad:simulation`'s blocks against the release and the thresholds in force (their
 * values alone are `simulationSchema`'s). Every simulation is off unless their `enabled` is
 * true; a disabled block is not checked against the release or thresholds. Without a context
 * (the release is unknown) nothing is checked and no simulation is returned.
 */
export function resolveSimulations(
    raw: unknown,
    context: SimulationContext | undefined,
): SimulationResult {
    const report: SimulationReport = { problems: [], warnings: [] };
    const top = readableMap(topShape, raw);
    if (!context || !top) {
        return report;
    }
    const resolved = Object.entries(simulations).flatMap(
        ([name, simulation]: [string, AnySimulation]) => {
            const settings =
                top[name] === undefined
                    ? undefined
                    : resolveSimulation(
                          simulation,
                          top[name],
                          context,
                          `${simulationKey}.${name}`,
                          report,
                      );
            return settings === undefined ? [] : [[name, settings] as const];
        },
    );
    if (resolved.length > 0 && context.kubeContext !== undefined) {
        const problem = kubeContextProblem(context.kubeContext);
        if (problem) {
            report.problems.push(`${configKey("kubeContext")}: ${problem}`);
        }
    }
    if (report.problems.length > 0 || resolved.length === 0) {
        return report;
    }
    const runId = runIdField.safeParse(top.runId).data;
    return {
        settings: { ...Object.fromEntries(resolved), kubeContext: context.kubeContext, runId },
        ...report,
    };
}
