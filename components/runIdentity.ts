/**
 * The run identity (`calico-ad:simulation.runId`) as the simulation and verification Commands
 * take it: the last of their triggers, so a new value replaces exactly those Commands. Unset, the
 * Commands keep the identity of their last run (`ignoreChanges` on that one trigger), so removing
 * it after a scheduled detection-test run (which sets it only in the runner's copy of the stack
 * file) re-runs nothing and the drift check and the next deploy preview no change.
 */

/** The triggers and `ignoreChanges` of a Command that `runId` re-runs. */
export interface RunTriggers {
    readonly triggers: readonly unknown[];
    readonly ignoreChanges: readonly string[];
}

/** `triggers` with the run identity last; unset, the last run's identity is kept. */
export function runTriggers(triggers: readonly unknown[], runId: string | undefined): RunTriggers {
    return {
        triggers: [...triggers, runId ?? ""],
        ignoreChanges: runId === undefined ? [`triggers[${triggers.length}]`] : [],
    };
}

/** The run identity a Command last ran with: the last of its `triggers` in state. */
export function lastRunId(triggers: readonly unknown[] | undefined): string | undefined {
    const last = triggers?.at(-1);
    return typeof last === "string" && last !== "" ? last : undefined;
}
