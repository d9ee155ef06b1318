/**
 * `calico-ad:simulation.verify`: the optional check, after each enabled simulation, that AD
 * raised its detector's alert. `verifySchema` checks its values, `resolveVerification` checks it
 * against the release and returns typed settings; both are pure and name the key, the quoted
 * value and what is allowed.
 */
import { configKey, verifyPollRange, verifyTimeoutRange } from "../catalog/configKeys";
import { durationSeconds } from "../catalog/envValues";
import { ClusterType, Era } from "../catalog/eras";
import { EventSearchRoute, eventSearchRoutes } from "../catalog/eventSearch";
import { CalicoVersion, valueAt } from "../catalog/versions";
import { felixFlushIntervals } from "../catalog/demo";
import { adBucketMinutes } from "../catalog/simulation";
import { GlobalAlertRules, scanAlert, scanAlertTiming } from "../catalog/scanAlert";
import { quote } from "../common/quote";
import { z } from "zod";
import {
    booleanField,
    fieldMap,
    issueProblems,
    optionalText,
    readingOrder,
    validFields,
} from "./schema";
import { enabledSimulations, SimulationSettings } from "./simulation";

/** What to do when no alert is found (or the search cannot run) before the timeout. */
export type OnNotFound = "warn" | "error";
export const onNotFoundChoices: readonly OnNotFound[] = ["warn", "error"];

/** The verification, validated. */
export interface VerificationSettings {
    readonly timeoutSeconds: number;
    readonly pollSeconds: number;
    readonly onNotFound: OnNotFound;
    /** `host:port` that answers for the AD pods' Elasticsearch host; unset port-forwards. */
    readonly connectTo?: string;
    /** How the AD pods of this release and cluster type reach Elasticsearch. */
    readonly route: EventSearchRoute;
}

/** The release the verification runs against (Calico Cloud 18.x as its Enterprise equivalent). */
export interface VerificationContext {
    readonly era: Era;
    readonly clusterType: ClusterType;
    readonly enterpriseVersion: CalicoVersion;
    /** The simulations that run; the verification looks for the alert of each. */
    readonly simulation: SimulationSettings | undefined;
}

/** The verification as parsed: `timeoutSeconds` is unset until `settleTimeout` derives it. */
export type ParsedVerification = Omit<VerificationSettings, "timeoutSeconds"> & {
    readonly timeoutSeconds?: number;
};

export interface VerificationResult {
    readonly settings?: ParsedVerification;
    readonly problems: string[];
}

export const verifyKey = `${configKey("simulation")}.verify`;

/** A duration within `range`; `example` shows one in messages. */
const durationField = (range: { min: number; max: number; shown: string }, example: string) =>
    optionalText((text) => {
        const seconds = durationSeconds(text);
        return seconds === undefined || seconds < range.min || seconds > range.max
            ? `${quote(text)} is not allowed; allowed: a duration from ${range.shown} such as ${example}`
            : undefined;
    });

/** The fields of the `verify` map, each checked alone (empty counts as unset). */
const verifyShape = {
    enabled: z.preprocess((value) => (value === "" ? undefined : value), booleanField.optional()),
    timeout: durationField(verifyTimeoutRange, "45m"),
    pollInterval: durationField(verifyPollRange, verifyPollRange.default),
    onNotFound: optionalText((value) =>
        onNotFoundChoices.includes(value as OnNotFound)
            ? undefined
            : `${quote(value)} is not allowed; allowed: ${onNotFoundChoices.join(" or ")}`,
    ),
    connectTo: optionalText(connectToProblem),
};

/** The fields of the `verify` map. */
export const verifyFields = Object.keys(verifyShape) as readonly (keyof typeof verifyShape)[];

const pollSecondsOf = (pollInterval: string | undefined) =>
    durationSeconds(pollInterval ?? verifyPollRange.default);

/**
 * `calico-ad:simulation.verify` without the release: its fields, and a poll interval within the
 * timeout (checked when both are valid, whatever the other fields hold).
 */
export const verifySchema = fieldMap(verifyShape).superRefine(
    (value, ctx) => {
        const fields = validFields(verifyShape, value);
        const timeout = fields?.timeout === undefined ? undefined : durationSeconds(fields.timeout);
        const poll = pollSecondsOf(fields?.pollInterval);
        const bad = (name: string) => ctx.issues.some((issue) => issue.path?.[0] === name);
        if (timeout !== undefined && poll !== undefined && poll > timeout && !bad("pollInterval")) {
            ctx.addIssue({
                code: "custom",
                message: `${quote(fields?.pollInterval)} is longer than the timeout ${quote(fields?.timeout)}; allowed: at most the timeout`,
                path: ["pollInterval"],
                input: value,
            });
        }
    },
    { when: () => true },
);

/**
 * Validates the `verify` map (undefined when unset): its values by `verifySchema`, then
 * `resolveVerification`.
 */
export function parseVerification(
    raw: unknown,
    context: VerificationContext | undefined,
): VerificationResult {
    if (raw === undefined || raw === null || raw === "") {
        return { problems: [] };
    }
    const parsed = verifySchema.safeParse(raw);
    const resolved = resolveVerification(raw, context);
    return parsed.success
        ? resolved
        : {
              problems: [
                  ...readingOrder(parsed.error.issues).flatMap((issue) =>
                      issueProblems(issue, verifyKey),
                  ),
                  ...resolved.problems,
              ],
          };
}

/**
 * The verification against the release (its values alone are `verifySchema`'s, and the
 * settings count only where it accepts them): off unless `enabled` is true, and then it needs an
 * enabled simulation. Without a context nothing is checked and no settings are returned.
 */
export function resolveVerification(
    raw: unknown,
    context: VerificationContext | undefined,
): VerificationResult {
    const fields = validFields(verifyShape, raw);
    if (!fields?.enabled || !context) {
        return { problems: [] };
    }
    if (enabledSimulations(context.simulation).length === 0) {
        return {
            problems: [
                `${verifyKey}: looks for the alert of each enabled simulation, but no simulation under ${configKey("simulation")} is enabled; enable one (e.g. portScan) or set enabled: false`,
            ],
        };
    }
    const pollSeconds = pollSecondsOf(fields.pollInterval);
    if (pollSeconds === undefined) {
        return { problems: [] };
    }
    return {
        settings: {
            timeoutSeconds:
                fields.timeout === undefined ? undefined : durationSeconds(fields.timeout),
            pollSeconds,
            onNotFound: (fields.onNotFound ?? "warn") as OnNotFound,
            connectTo: fields.connectTo,
            route: valueAt(
                context.enterpriseVersion,
                eventSearchRoutes(context.era, context.clusterType),
            ),
        },
        problems: [],
    };
}

/** What sets how long AD may take, after the scan, to raise its alert. */
export type LatencyInputs =
    | {
          readonly era: "manifest";
          readonly demo: boolean;
          /** The env vars in force; `AD_search_interval_minutes` and `ES_bucket_size_minutes`. */
          readonly effectiveEnv: readonly { readonly name: string; readonly value: string }[];
      }
    | { readonly era: "globalAlert"; readonly demo: boolean; readonly detectorPeriod: string }
    | {
          readonly era: "ruleBased";
          readonly demo: boolean;
          readonly globalAlertRules: GlobalAlertRules;
      };

/** The longest wait for the alert after the scan, its terms in words, and what raises the alert. */
export interface AlertLatency {
    readonly seconds: number;
    readonly terms: string;
    /** `AD`, or on releases without AD the rule-based scan alert that replaces it. */
    readonly raisedBy: string;
}

/**
 * The worst case of each interval between the scan and the alert, summed (docs/simulations.md "When to expect
 * the alert"): Felix's flow-log flush (its default unless demo mode lowers it), then in the
 * manifest era the scan's bucket closing and the next AD search, in the GlobalAlert era the next
 * detector run, on releases without AD the flow log's way into the log store and the scan
 * alert's next run (its period, from the same flush interval).
 */
export function alertLatency(inputs: LatencyInputs): AlertLatency {
    const flush = inputs.demo
        ? felixFlushIntervals.demoSeconds
        : felixFlushIntervals.defaultSeconds;
    const terms = [`Felix flush ${flush} s`];
    let seconds = flush;
    if (inputs.era === "manifest") {
        const minutes = (name: string, fallback: number) =>
            Number(inputs.effectiveEnv.find((e) => e.name === name)?.value ?? fallback);
        const bucket = minutes("ES_bucket_size_minutes", adBucketMinutes) * 60;
        const search = minutes("AD_search_interval_minutes", 0) * 60;
        terms.push(`bucket ${bucket} s`, `AD_search_interval_minutes ${search} s`);
        seconds += bucket + search;
    } else if (inputs.era === "globalAlert") {
        const period = durationSeconds(inputs.detectorPeriod) ?? 0;
        terms.push(`detector period ${period} s`);
        seconds += period;
    } else {
        const { periodSeconds } = scanAlertTiming(flush, inputs.globalAlertRules.minPeriodSeconds);
        terms.push(`shipping ${scanAlert.shippingSeconds} s`, `alert period ${periodSeconds} s`);
        seconds += scanAlert.shippingSeconds + periodSeconds;
    }
    const raisedBy = inputs.era === "ruleBased" ? `the GlobalAlert ${scanAlert.name}` : "AD";
    return { seconds, terms: terms.join(" + "), raisedBy };
}

/**
 * The verification with its timeout: as configured, or the alert's longest wait plus one poll
 * (the search that sees the alert may come that much later), within the allowed range. A
 * configured timeout shorter than the wait, or a wait longer than the range, is a warning.
 */
export function settleTimeout(
    parsed: ParsedVerification,
    latency: AlertLatency,
): { settings: VerificationSettings; warning?: string } {
    const derived = Math.min(latency.seconds + parsed.pollSeconds, verifyTimeoutRange.max);
    const timeoutSeconds = parsed.timeoutSeconds ?? derived;
    const waits = `${latency.raisedBy} may take up to ${latency.seconds} s after the scan to raise the alert with these settings (${latency.terms})`;
    const warning =
        parsed.timeoutSeconds !== undefined && parsed.timeoutSeconds < latency.seconds
            ? `${verifyKey}.timeout is ${parsed.timeoutSeconds} s, but ${waits}; a later alert is reported as not-found: raise the timeout, or unset it to wait ${derived} s`
            : parsed.timeoutSeconds === undefined && derived < latency.seconds + parsed.pollSeconds
              ? `${verifyKey}.timeout defaults to its maximum, ${verifyTimeoutRange.shown.split(" to ")[1]}, but ${waits}; a later alert is reported as not-found: lower the intervals (calico-ad:demo does)`
              : undefined;
    return { settings: { ...parsed, timeoutSeconds }, ...(warning ? { warning } : {}) };
}

/** `host:port` or `[ipv6]:port`, as curl's --connect-to takes it. */
export function connectToProblem(value: unknown): string | undefined {
    const allowed =
        "allowed: HOST:PORT that answers for the AD pods' Elasticsearch host, e.g. 127.0.0.1:9200 for a port-forward you run yourself; unset port-forwards to the Service behind that host";
    if (typeof value !== "string") {
        return `${quote(value)} is not allowed; ${allowed}`;
    }
    const match =
        /^(?:\[([0-9A-Fa-f:.]{2,45})\]|([A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)):(\d{1,5})$/.exec(
            value,
        );
    const port = Number(match?.[4]);
    return match && port >= 1 && port <= 65535
        ? undefined
        : `${quote(value)} is not allowed; ${allowed}`;
}
