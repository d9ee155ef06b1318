/**
 * One detection test's result: a simulation, the detector whose alert proves it, and what the
 * search for that alert found. The stack output `detectionTests` lists one per enabled
 * simulation. Any verifier produces this shape (components/alertVerification.ts: AD's event, or
 * on releases without AD the rule-based GlobalAlert's status and event), so the output reads the
 * same whichever one ran.
 */

/** Why a search ended; `found` is the only success. */
export type DetectionStatus =
    | "found"
    | "not-found"
    | "unreachable"
    | "unauthorized"
    | "malformed"
    | "credential-unreadable"
    | "ca-unreadable"
    | "no-report";

/** The result of one simulation's detection test. */
export interface DetectionTest {
    /** The simulation's key under `calico-ad:simulation`, e.g. `portScan`. */
    readonly simulation: string;
    /** The job or detector ID whose alert proves it fired, e.g. `port_scan`. */
    readonly detector: string;
    readonly found: boolean;
    readonly status: DetectionStatus;
    /** Seconds from the end of the simulation until the search first returned the alert. */
    readonly secondsAfterSimulation?: number;
    /** The alert's `time`, ISO 8601. */
    readonly eventTime?: string;
    /** The alert's description, on one line. */
    readonly description?: string;
    /** `<namespace>/<pod>` the alert names as its source. */
    readonly source?: string;
    readonly index?: string;
    readonly waitedSeconds?: number;
    /** Why it was not found, or, when found by the GlobalAlert's status alone, why the event was not read. */
    readonly reason?: string;
    /** What confirmed a rule-based alert: `status.lastEvent`, and the `global_alert` event. */
    readonly confirmedBy?: string[];
    /**
     * The run identity (`calico-ad:simulation.runId`) this result belongs to. AD's events do not
     * carry it: the scanner pod and the simulation's time window tie the alert to the run.
     */
    readonly runId?: string;
}

/**
 * The stack output `alertVerification` of calico-ad before `detectionTests`: the port scan's
 * entry, with its seconds also under their old name. Kept as an alias until the README's next
 * breaking-change note.
 */
export function alertVerificationAlias(
    tests: readonly DetectionTest[],
): (DetectionTest & { readonly secondsAfterScan?: number }) | undefined {
    const portScan = tests.find((test) => test.simulation === "portScan");
    return portScan && { ...portScan, secondsAfterScan: portScan.secondsAfterSimulation };
}
