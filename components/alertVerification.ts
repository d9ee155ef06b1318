/**
 * The alert verification: after a simulation, a `command.local.Command` (on `pulumi up`, never
 * in preview) polls the events index for the AD event of the simulation's detector from its
 * simulating pod, reaching Elasticsearch the way the AD pods do, and reports one detection test
 * (verify/detectionTest.ts). The script is verify/*.sh; the search and matching are the pure
 * functions of verify/events.ts. It checks any registered simulation; the window opens at the
 * start its summary line names (scan/common.sh).
 *
 * On releases without AD (`globalAlert` set) it checks the rule-based scan alert instead: the
 * GlobalAlert's `status.lastEvent` not earlier than the scan's start, and its `global_alert`
 * event (by `origin`) through the same route where that route works.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { loadShellScript } from "../common/shellScript";
import { adEvents, EventSearchRoute, eventsIndexPattern } from "../catalog/eventSearch";
import { globalAlertName } from "../catalog/lookup";
import { bucketSeconds } from "../scan/arithmetic";
import { globalAlertEventType } from "../catalog/scanAlert";
import { DetectionStatus, DetectionTest } from "../verify/detectionTest";
import { EventSearchSpec, eventTool, parseScanTiming, windowStart } from "../verify/events";
import { lastRunId, runTriggers } from "./runIdentity";
import { scriptCommand } from "./scriptCommand";

/** Arguments of the verification; values come validated from `parseVerification`. */
export interface AlertVerificationArgs {
    /** The simulation's summary line; its start time opens the search window. */
    readonly summary: pulumi.Input<string>;
    /** The simulation's key under `calico-ad:simulation`, e.g. `portScan`. */
    readonly simulation: string;
    /** The simulation in words, e.g. `port scan`, for messages. */
    readonly title: string;
    /** The job or detector ID whose alert proves the simulation fired. */
    readonly detector: string;
    /** Namespace and pod of the scanner: the source the alert must name. */
    readonly sourceNamespace: pulumi.Input<string>;
    readonly sourcePod: pulumi.Input<string>;
    /** Calico cluster name, which names the events index. */
    readonly clusterName: pulumi.Input<string>;
    /** How the AD pods reach Elasticsearch (catalog/eventSearch.ts). */
    readonly route: pulumi.Input<EventSearchRoute>;
    readonly timeoutSeconds: pulumi.Input<number>;
    readonly pollSeconds: pulumi.Input<number>;
    /** `error` fails `pulumi up` when no alert is found; `warn` reports it and goes on. */
    readonly onNotFound: pulumi.Input<"warn" | "error">;
    /** `host:port` that answers for the Elasticsearch host; unset port-forwards to its Service. */
    readonly connectTo?: pulumi.Input<string>;
    /** kubeconfig context of the stack's Kubernetes provider; unset uses the current one. */
    readonly kubeContext?: pulumi.Input<string>;
    /** Resources the verification follows: every simulation, so all searches start together. */
    readonly runAfter?: pulumi.Input<pulumi.Resource>[];
    /** The rule-based GlobalAlert whose alert to confirm; unset looks for AD's event. */
    readonly globalAlert?: pulumi.Input<string>;
    /** The run identity; a new one searches again, unset keeps the last run's. */
    readonly runId?: string;
}

/** verify/searchEvents.sh as the Command runs it. */
export const searchEventsScript = (): string => loadShellScript(["verify/searchEvents.sh"]);

/** The script's JSON line as the detection test of `simulation`; unparsable output says so. */
export function verificationReport(
    stdout: string,
    simulation: string,
    detector: string,
): DetectionTest {
    let line: {
        status?: DetectionStatus;
        reason?: string;
        scanEndedAt?: number;
        reportedAt?: number;
        waitedSeconds?: number;
        lastEvent?: number | null;
        routeProblem?: string;
        outcome?: { kind?: string; reason?: string; event?: Record<string, string> } | null;
    };
    const test = { simulation, detector };
    try {
        line = JSON.parse(stdout.trim().split("\n").pop() ?? "");
    } catch {
        return {
            ...test,
            found: false,
            status: "no-report",
            reason: "the verification printed no report",
        };
    }
    const event = line.outcome?.kind === "found" ? line.outcome.event : undefined;
    const lastEvent =
        typeof line.lastEvent === "number"
            ? new Date(line.lastEvent * 1000).toISOString()
            : undefined;
    const confirmedBy = [
        ...(lastEvent ? ["status.lastEvent"] : []),
        ...(event && lastEvent ? ["global_alert event"] : []),
    ];
    const found = {
        ...test,
        found: true,
        status: "found" as const,
        secondsAfterSimulation: Math.max(0, (line.reportedAt ?? 0) - (line.scanEndedAt ?? 0)),
        waitedSeconds: line.waitedSeconds,
        ...(lastEvent ? { confirmedBy } : {}),
    };
    if (line.status === "found" && event) {
        return {
            ...found,
            description: event.description,
            source: event.source,
            eventTime: event.eventTime,
            index: event.index,
        };
    }
    if (line.status === "found" && lastEvent) {
        return { ...found, eventTime: lastEvent, reason: line.reason };
    }
    const detail = line.outcome?.kind === "malformed" ? `: ${line.outcome.reason}` : "";
    return {
        ...test,
        found: false,
        status: line.status ?? "no-report",
        waitedSeconds: line.waitedSeconds,
        reason: `${line.reason ?? ""}${detail}`,
    };
}

/**
 * Waits for the AD alert of a simulation once it has run, and again whenever the simulation or
 * the verification settings change. Removing it runs nothing.
 */
export class AlertVerification extends pulumi.ComponentResource {
    public readonly command: command.local.Command;
    /** This simulation's entry of the stack output `detectionTests`. */
    public readonly report: pulumi.Output<DetectionTest>;

    /**
     * @param name The _unique_ name of the component.
     * @param args The validated verification settings and the simulation to follow.
     * @param opts Options of the component.
     */
    constructor(name: string, args: AlertVerificationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("calico-ad:simulation:AlertVerification", name, {}, opts);
        // A summary from before the scan printed its start (state of an older calico-ad) has
        // none; the script then takes its own start as the end of the scan.
        const timing = pulumi.output(args.summary).apply(parseScanTiming);
        const route = pulumi.output(args.route);
        const globalAlert = pulumi.output(args.globalAlert);
        const spec = pulumi
            .all([args.clusterName, args.sourceNamespace, args.sourcePod, globalAlert])
            .apply(([clusterName, sourceNamespace, sourcePod, origin]): EventSearchSpec => ({
                index: eventsIndexPattern(clusterName),
                indexName: `${adEvents.indexPrefix}${clusterName}`,
                eventType: origin === undefined ? adEvents.type : globalAlertEventType,
                ...(origin === undefined ? {} : { origin }),
                sourceNamespace,
                sourcePod,
                bucketSeconds,
                detector: args.detector,
                origins: [args.detector, globalAlertName(args.detector)],
            }));
        const text = (value: pulumi.Input<number>) => pulumi.output(value).apply(String);
        const run = runTriggers([], args.runId);
        this.command = scriptCommand(
            `${name}-search`,
            {
                script: searchEventsScript(),
                scriptName: "calico-ad-alert-verification",
                create: "search",
                environment: {
                    KUBE_CONTEXT: args.kubeContext ?? "",
                    IDS_NAMESPACE: "tigera-intrusion-detection",
                    CREDENTIAL_SECRET: route.credentialSecret,
                    CA_KIND: route.ca.kind,
                    CA_NAME: route.ca.name,
                    CA_KEY: route.ca.key,
                    ES_TLS_NAME: route.tlsName,
                    ES_PORT: route.port.apply(String),
                    FORWARD_NAMESPACE: route.service.namespace,
                    FORWARD_SERVICE: route.service.name,
                    FORWARD_PORT: route.service.port.apply(String),
                    CONNECT_TO: args.connectTo ?? "",
                    VERIFY_SPEC: spec.apply((s) => JSON.stringify(s)),
                    EVENTS_INDEX: spec.index,
                    EVENT_TOOL: eventTool,
                    // AD counts in buckets; a GlobalAlert's event cannot predate the scan.
                    WINDOW_START: pulumi
                        .all([timing, globalAlert])
                        .apply(([t, origin]) =>
                            t
                                ? String(
                                      origin === undefined
                                          ? windowStart(t, bucketSeconds)
                                          : t.startedAt,
                                  )
                                : "",
                        ),
                    GLOBAL_ALERT: globalAlert.apply((name) => name ?? ""),
                    SCAN_STARTED: timing.apply((t) => (t ? String(t.startedAt) : "")),
                    SCAN_SECONDS: timing.apply((t) => (t ? String(t.seconds) : "")),
                    BUCKET_SECONDS: String(bucketSeconds),
                    TIMEOUT_SECONDS: text(args.timeoutSeconds),
                    POLL_SECONDS: text(args.pollSeconds),
                    ON_NOT_FOUND: args.onNotFound,
                    DETECTOR: args.detector,
                    SIMULATION: args.title,
                },
                triggers: [...run.triggers],
                addPreviousOutputInEnv: false,
            },
            { parent: this, dependsOn: args.runAfter, ignoreChanges: [...run.ignoreChanges] },
        );
        this.report = pulumi
            .all([this.command.stdout, this.command.triggers])
            .apply(([stdout, triggers]) => {
                const runId = lastRunId(triggers);
                const report = {
                    ...verificationReport(stdout ?? "", args.simulation, args.detector),
                    ...(runId === undefined ? {} : { runId }),
                };
                if (!report.found) {
                    const kind = args.globalAlert ? " rule-based" : "";
                    pulumi.log.warn(
                        `detection test: no ${args.detector}${kind} alert after the ${args.title} (${report.status}): ${report.reason}`,
                        this,
                    );
                }
                return report;
            });
        this.registerOutputs({ report: this.report });
    }
}
