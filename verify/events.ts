/**
 * The events search of the alert verification, as pure functions: the Elasticsearch query for
 * the AD events a simulation can cause, and the rule that matches an event to the simulation
 * and its detector. The
 * verification script (verify/searchEvents.sh) runs these same functions with node, as source
 * text (`eventTool`), so that the search answer is summarised where it arrives and only the
 * summary reaches stdout, and so Pulumi state. Each function is self-contained: it may call only
 * the other functions listed in `eventTool`. Source: ../shared/reference/calico-ad.md section 4.
 */

/** What the search looks for; passed to the script as JSON. */
export interface EventSearchSpec {
    /** Index pattern, `tigera_secure_ee_events.<cluster>*`. */
    readonly index: string;
    /** An index must be this name or start with it and a dot (so cluster `a` skips `ab`). */
    readonly indexName: string;
    readonly eventType: string;
    /** The event's `origin` must be this when set: a rule-based alert's GlobalAlert name. */
    readonly origin?: string;
    /** Namespace and pod of the scanner: the alert's source. */
    readonly sourceNamespace: string;
    readonly sourcePod: string;
    /** AD's bucket length; the window opens at the start of the scan's bucket. */
    readonly bucketSeconds: number;
    /** The job or detector ID whose alert proves the simulation, e.g. `port_scan`. */
    readonly detector: string;
    /** `origin` values that name that detector: its ID and its GlobalAlert's name. */
    readonly origins: readonly string[];
}

/** The scan's start and duration, from the summary line that simulations/portScan.sh prints. */
export interface ScanTiming {
    readonly startedAt: number;
    readonly seconds: number;
}

/** One AD event as far as the verification reports it. */
export interface EventSummary {
    readonly description: string;
    /** `<namespace>/<name or aggregated name>`. */
    readonly source: string;
    /** The event's `time`, ISO 8601. */
    readonly eventTime: string;
    readonly index: string;
}

/** What one search answer says. */
export type SearchOutcome =
    | { readonly kind: "found"; readonly event: EventSummary }
    | { readonly kind: "none"; readonly hits: number }
    | { readonly kind: "malformed"; readonly reason: string };

/** `started at <epoch>` and `in <n> s` of the scan summary, or undefined. */
export function parseScanTiming(summary: string): ScanTiming | undefined {
    const started = /\(started at (\d{9,11})\)/.exec(summary);
    const seconds = / in (\d+) s\b/.exec(summary);
    return started && seconds
        ? { startedAt: Number(started[1]), seconds: Number(seconds[1]) }
        : undefined;
}

/** Epoch seconds of an event's `time` (epoch seconds, or a date string), or undefined. */
export function eventEpochSeconds(time: unknown): number | undefined {
    if (typeof time === "number" && Number.isFinite(time)) {
        // Milliseconds when too large to be seconds before the year 5000.
        return time > 1e11 ? Math.floor(time / 1000) : time;
    }
    if (typeof time === "string" && time !== "") {
        if (/^\d+(\.\d+)?$/.test(time)) {
            return eventEpochSeconds(Number(time));
        }
        const ms = Date.parse(time);
        return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
    }
    return undefined;
}

/**
 * Names an event may give the scanner pod: the pod name, and for a pod named by a controller
 * (`<generateName><5 random characters>`) the aggregated name Calico's flow logs use,
 * `<generateName>*`.
 */
export function sourceNames(pod: string): string[] {
    const generated = /^(.+-)[a-z0-9]{5}$/.exec(pod);
    return generated ? [pod, `${generated[1]}*`] : [pod];
}

/**
 * The search body: AD events (or a rule-based alert's, by `origin`) from the scanner's namespace
 * and pod, not older than the window's start, oldest first. Every condition is a filter (no scoring); the fields are the
 * keyword fields of the events index (`type`, `source_namespace`, `source_name`,
 * `source_name_aggr`) and its date field `time`.
 */
export function eventQuery(spec: EventSearchSpec, windowStart: number): Record<string, unknown> {
    const names = sourceNames(spec.sourcePod);
    return {
        size: 50,
        sort: [{ time: { order: "asc" } }],
        query: {
            bool: {
                filter: [
                    { term: { type: spec.eventType } },
                    ...(spec.origin === undefined ? [] : [{ term: { origin: spec.origin } }]),
                    { term: { source_namespace: spec.sourceNamespace } },
                    {
                        bool: {
                            should: [
                                { terms: { source_name: names } },
                                { terms: { source_name_aggr: names } },
                            ],
                            minimum_should_match: 1,
                        },
                    },
                    { range: { time: { gte: windowStart, format: "epoch_second" } } },
                ],
            },
        },
    };
}

/** Start of the scan's window: the start of the bucket the scan began in. */
export function windowStart(timing: ScanTiming, bucketSeconds: number): number {
    return timing.startedAt - (timing.startedAt % bucketSeconds);
}

/**
 * Whether an event names the detector: its description starts with `anomaly_detection.<id>`
 * (the AD jobs' form, calico-ad.md section 4) or its `origin` is one of the detector's names.
 */
export function namesDetector(event: Record<string, unknown>, spec: EventSearchSpec): boolean {
    const description = typeof event.description === "string" ? event.description : "";
    const prefix = `anomaly_detection.${spec.detector}`;
    return (
        (description.startsWith(prefix) && !/^[a-z0-9_]/.test(description.slice(prefix.length))) ||
        spec.origins.includes(event.origin as string)
    );
}

/**
 * Whether a search hit is the alert of this scan: an AD event, in this cluster's events index,
 * from the scanner's namespace and pod (by name or aggregated name), naming the simulation's
 * detector, timed no earlier than the scan's bucket. Detectors are told apart here, not in the
 * query: the description is a text field, and the origin differs between releases. The query asks the same; this check keeps a too-broad answer (another
 * cluster's index behind the wildcard, a proxy that ignores filters) from being reported.
 */
export function matchesScan(hit: unknown, spec: EventSearchSpec, since: number): boolean {
    if (typeof hit !== "object" || hit === null) {
        return false;
    }
    const { _index: index, _source: source } = hit as { _index?: unknown; _source?: unknown };
    if (typeof source !== "object" || source === null || typeof index !== "string") {
        return false;
    }
    const event = source as Record<string, unknown>;
    const names = sourceNames(spec.sourcePod);
    const time = eventEpochSeconds(event.time);
    return (
        (index === spec.indexName || index.startsWith(`${spec.indexName}.`)) &&
        event.type === spec.eventType &&
        // A rule-based alert is named by its GlobalAlert (origin); AD's by its detector.
        (spec.origin === undefined ? namesDetector(event, spec) : event.origin === spec.origin) &&
        event.source_namespace === spec.sourceNamespace &&
        (names.includes(event.source_name as string) ||
            names.includes(event.source_name_aggr as string)) &&
        time !== undefined &&
        time >= since
    );
}

/** Text from an event, on one line and at most `max` characters. */
export function oneLine(value: unknown, max: number): string {
    const text = typeof value === "string" ? value : value === undefined ? "" : String(value);
    // eslint-disable-next-line no-control-regex
    const flat = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, " ").trim();
    return flat.length <= max ? flat : `${flat.slice(0, max - 3)}...`;
}

/**
 * Reads an Elasticsearch `_search` answer: the earliest hit that matches the scan, the number
 * of hits when none does, or why the text is not a search answer. Only the summary leaves.
 */
export function readSearchAnswer(
    text: string,
    spec: EventSearchSpec,
    since: number,
): SearchOutcome {
    let answer: unknown;
    try {
        answer = JSON.parse(text);
    } catch {
        return { kind: "malformed", reason: `the answer is not JSON (${text.length} bytes)` };
    }
    const hits = (answer as { hits?: { hits?: unknown } } | null)?.hits?.hits;
    if (!Array.isArray(hits)) {
        return {
            kind: "malformed",
            reason: "the answer is JSON but not an Elasticsearch search answer (no hits.hits list)",
        };
    }
    const matching = hits
        .filter((hit) => matchesScan(hit, spec, since))
        .map((hit) => hit as { _index: string; _source: Record<string, unknown> })
        .sort(
            (a, b) =>
                (eventEpochSeconds(a._source.time) ?? 0) - (eventEpochSeconds(b._source.time) ?? 0),
        );
    const first = matching[0];
    if (!first) {
        return { kind: "none", hits: hits.length };
    }
    const event = first._source;
    const name = event.source_name ?? event.source_name_aggr;
    return {
        kind: "found",
        event: {
            description: oneLine(event.description, 300),
            source: oneLine(`${String(event.source_namespace)}/${String(name)}`, 200),
            eventTime: new Date((eventEpochSeconds(event.time) ?? 0) * 1000).toISOString(),
            index: oneLine(first._index, 200),
        },
    };
}

/**
 * The tool's entry point: `query <windowStart>` prints the search body; `answer <windowStart>
 * <file>` prints the SearchOutcome of the answer in the file. The spec comes from VERIFY_SPEC.
 */
export function eventToolMain(): void {
    const spec = JSON.parse(process.env.VERIFY_SPEC ?? "") as EventSearchSpec;
    const [mode, since, file] = process.argv.slice(1);
    const out =
        mode === "query"
            ? eventQuery(spec, Number(since))
            : // eslint-disable-next-line @typescript-eslint/no-require-imports
              readSearchAnswer(require("node:fs").readFileSync(file, "utf8"), spec, Number(since));
    process.stdout.write(`${JSON.stringify(out)}\n`);
}

/** The functions above as one node script (`node -e "$EVENT_TOOL" -- query 1764633600`). */
export const eventTool = [
    eventEpochSeconds,
    sourceNames,
    eventQuery,
    namesDetector,
    matchesScan,
    oneLine,
    readSearchAnswer,
    eventToolMain,
]
    .map((f) => f.toString())
    .concat("eventToolMain();")
    .join("\n");
