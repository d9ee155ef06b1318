/**
 * `calico-ad:simulation.verify`: the optional check, after the port scan, that AD raised the
 * alert. `parseVerification` is pure: it returns typed settings, or problems naming the key, the
 * quoted value and what is allowed, in the shape of the other config parsers.
 */
import { configKey, verifyPollRange, verifyTimeoutRange } from "../catalog/configKeys";
import { durationSeconds } from "../catalog/envValues";
import { ClusterType, Era } from "../catalog/eras";
import { EventSearchRoute, eventSearchRoutes } from "../catalog/eventSearch";
import { nearestName } from "../catalog/lookup";
import { CalicoVersion, valueAt } from "../catalog/versions";
import { prototypeKeys, quote } from "../common/quote";

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
    /** Whether the port scan runs; the verification looks for its alert. */
    readonly portScan: boolean;
}

export interface VerificationResult {
    readonly settings?: VerificationSettings;
    readonly problems: string[];
}

export const verifyKey = `${configKey("simulation")}.verify`;
const fields = ["enabled", "timeout", "pollInterval", "onNotFound", "connectTo"] as const;

/**
 * Validates the `verify` map (undefined when unset). Off unless `enabled` is true; a disabled
 * map is still checked for well-formed values. Without a context only the values are checked.
 */
export function parseVerification(
    raw: unknown,
    context: VerificationContext | undefined,
): VerificationResult {
    const problems: string[] = [];
    if (raw === undefined || raw === null || raw === "") {
        return { problems };
    }
    if (typeof raw !== "object" || Array.isArray(raw)) {
        problems.push(`${verifyKey}: expected a map with ${fields.join(", ")}, got ${quote(raw)}`);
        return { problems };
    }
    const map = raw as Record<string, unknown>;
    for (const name of Object.keys(map)) {
        if (!(fields as readonly string[]).includes(name)) {
            const suggestion = prototypeKeys.has(name) ? undefined : nearestName(name, fields);
            const shown = /^[A-Za-z0-9_]{1,64}$/.test(name)
                ? `${verifyKey}.${name}`
                : `${verifyKey}[${quote(name)}]`;
            problems.push(
                `${shown}: unknown field${suggestion ? `; did you mean ${suggestion}?` : ""}; allowed: ${fields.join(", ")}`,
            );
        }
    }
    const field = (name: (typeof fields)[number]) =>
        Object.hasOwn(map, name) && map[name] !== "" ? map[name] : undefined;

    const enabledValue = field("enabled");
    const enabled =
        enabledValue === true || enabledValue === "true"
            ? true
            : enabledValue === undefined || enabledValue === false || enabledValue === "false"
              ? false
              : undefined;
    if (enabled === undefined) {
        problems.push(
            `${verifyKey}.enabled: ${quote(enabledValue)} is not allowed; allowed: true or false`,
        );
    }
    const duration = (
        name: "timeout" | "pollInterval",
        range: typeof verifyTimeoutRange | typeof verifyPollRange,
    ) => {
        const value = field(name) ?? range.default;
        const seconds = typeof value === "string" ? durationSeconds(value) : undefined;
        if (seconds === undefined || seconds < range.min || seconds > range.max) {
            problems.push(
                `${verifyKey}.${name}: ${quote(value)} is not allowed; allowed: a duration from ${range.shown} such as ${range.default}`,
            );
            return undefined;
        }
        return seconds;
    };
    const timeoutSeconds = duration("timeout", verifyTimeoutRange);
    const pollSeconds = duration("pollInterval", verifyPollRange);
    if (timeoutSeconds !== undefined && pollSeconds !== undefined && pollSeconds > timeoutSeconds) {
        problems.push(
            `${verifyKey}.pollInterval: ${quote(field("pollInterval"))} is longer than the timeout ${quote(field("timeout") ?? verifyTimeoutRange.default)}; allowed: at most the timeout`,
        );
    }
    const onNotFound = field("onNotFound") ?? "warn";
    if (!onNotFoundChoices.includes(onNotFound as OnNotFound)) {
        problems.push(
            `${verifyKey}.onNotFound: ${quote(onNotFound)} is not allowed; allowed: ${onNotFoundChoices.join(" or ")}`,
        );
    }
    const connectTo = field("connectTo");
    if (connectTo !== undefined && connectToProblem(connectTo)) {
        problems.push(`${verifyKey}.connectTo: ${connectToProblem(connectTo)}`);
    }
    if (enabled && context && !context.portScan) {
        problems.push(
            `${verifyKey}: looks for the alert of the port scan, but ${configKey("simulation")}.portScan is not enabled; enable the port scan or set enabled: false`,
        );
    }
    if (
        !enabled ||
        !context ||
        problems.length > 0 ||
        timeoutSeconds === undefined ||
        pollSeconds === undefined
    ) {
        return { problems };
    }
    return {
        settings: {
            timeoutSeconds,
            pollSeconds,
            onNotFound: onNotFound as OnNotFound,
            connectTo: connectTo as string | undefined,
            route: valueAt(
                context.enterpriseVersion,
                eventSearchRoutes(context.era, context.clusterType),
            ),
        },
        problems,
    };
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
