/**
 * `npm run bench:alert`: time to alert on the local node, in demo mode. One `pulumi up` of the
 * workshop stack (demo mode, the port scan, the alert verification polling every 2 s) through the
 * real engine; then, from one run:
 *
 * - the measured time from the end of the scan Command to the confirmed alert (the
 *   verification's own `secondsAfterScan`), against the wait config/verification.ts derives
 *   from the stack's settings (the README's time-to-alert table), as a ratio;
 * - how much of it each stage took, from the STAND-INS' timestamped logs: the flow recorder's
 *   first flush after the scan (Felix's flush), the AD jobs stand-in's first detection cycle
 *   that sent an alert after that flush (bucket and search interval), and the verification's
 *   search that found it (poll).
 *
 * The AD jobs stand-in's minute is the node image's CALICO_AD_STAND_IN_MINUTE_SECONDS (tests and
 * CI: 6 s), so the derived wait is printed twice: with real minutes, as the README gives it, and
 * with the stand-in's minutes, which is the one this run compares against. Needs the local node
 * (scripts/local-cluster.sh start); prints why and exits 2 without it.
 */
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { felixFlushIntervals, demoSearchIntervalMinutes } from "../catalog/demo";
import { adBucketMinutes } from "../catalog/simulation";
import { alertLatency } from "../config/verification";
import { committedConfig, kubectl, nodeUnavailable, TestStack } from "../test/e2e/harness";
import { workshopPods } from "../test/e2e/node";

const minuteSeconds = Number(process.env.CALICO_AD_STAND_IN_MINUTE_SECONDS ?? "60");
const pollSeconds = 2;
const namespace = `cad-bench-alert-${process.pid}`;
const ids = "tigera-intrusion-detection";

/** The lines of a pod's log from `since` on, each with its time in epoch seconds. */
function timedLog(args: string[], since: number): { at: number; text: string }[] {
    const result = kubectl(["logs", "--timestamps", ...args]);
    if (result.status !== 0) {
        throw new Error(`kubectl logs ${args.join(" ")}: ${result.stderr.trim()}`);
    }
    return result.stdout
        .split("\n")
        .map((line) => {
            const space = line.indexOf(" ");
            return { at: Date.parse(line.slice(0, space)) / 1000, text: line.slice(space + 1) };
        })
        .filter((line) => Number.isFinite(line.at) && line.at >= since);
}

/** The time of the first line from `since` on whose text matches, or why there is none. */
function firstAfter(
    lines: { at: number; text: string }[],
    since: number,
    pattern: RegExp,
    what: string,
): number {
    const found = lines.find((line) => line.at >= since && pattern.test(line.text));
    if (!found) {
        throw new Error(
            `no ${what} after the scan in the log:\n${lines.map((l) => l.text).join("\n")}`,
        );
    }
    return found.at;
}

const seconds = (value: number) => `${value.toFixed(1)} s`;

async function main(): Promise<number> {
    const unavailable = nodeUnavailable();
    if (unavailable) {
        console.error(`bench:alert cannot run: ${unavailable}`);
        return 2;
    }
    const removePods = workshopPods(namespace, ["netshoot"]);
    const derivedReal = alertLatency({
        era: "manifest",
        demo: true,
        effectiveEnv: [
            { name: "ES_bucket_size_minutes", value: String(adBucketMinutes) },
            { name: "AD_search_interval_minutes", value: String(demoSearchIntervalMinutes) },
        ],
    });
    const flush = felixFlushIntervals.demoSeconds;
    const derivedLocal = flush + ((derivedReal.seconds - flush) * minuteSeconds) / 60;
    const stack = await TestStack.create("bench-alert", {
        ...committedConfig("local"),
        "calico-ad:demo": "true",
        "calico-ad:simulation": {
            portScan: {
                enabled: true,
                namespace,
                scannerPod: "netshoot",
                targetSelector: "app=centos",
            },
            verify: {
                enabled: true,
                timeout: `${Math.ceil(2 * derivedLocal + 60)}s`,
                pollInterval: `${pollSeconds}s`,
                onNotFound: "warn",
            },
        },
    });
    try {
        let scanEnd: number | undefined;
        const result = await stack.stack.up({
            onEvent: (event: EngineEvent) => {
                const urn = event.resOutputsEvent?.metadata.urn ?? "";
                if (urn.endsWith("::port-scan-nmap")) {
                    scanEnd = event.timestamp;
                }
            },
        });
        const report = result.outputs.alertVerification?.value as
            { status: string; secondsAfterScan?: number; reason?: string } | undefined;
        if (scanEnd === undefined || report?.status !== "found") {
            throw new Error(`no confirmed alert: ${JSON.stringify(report)}`);
        }
        const total = report.secondsAfterScan ?? NaN;
        const flushed = firstAfter(
            timedLog(["-n", "calico-system", "deployment/calico-ad-flow-recorder"], scanEnd),
            scanEnd,
            /wrote [1-9]\d* flow log records/,
            "flow log flush",
        );
        const detected = firstAfter(
            timedLog(["-n", ids, "deployment/ad-jobs-deployment"], flushed),
            flushed,
            /AlertClient: sent [1-9]\d* alerts/,
            "detection cycle that sent an alert",
        );
        console.log(
            `demo mode on the local node; AD stand-in minute ${minuteSeconds} s; verification polls every ${pollSeconds} s`,
        );
        console.log(
            `derived wait (README, real minutes): ${derivedReal.seconds} s (${derivedReal.terms})`,
        );
        console.log(`derived wait with the stand-in's minute: ${seconds(derivedLocal)}`);
        console.log(`measured, end of scan to confirmed alert: ${seconds(total)}`);
        console.log(
            `  Felix flush (flow recorder's first flush after the scan): ${seconds(flushed - scanEnd)} (at most ${flush} s, and up to 1 s more: the engine's event times have whole seconds)`,
        );
        console.log(
            `  detection (bucket and search interval, to the cycle that sent the alert): ${seconds(detected - flushed)}`,
        );
        console.log(
            `  verification poll (to the search that found it): ${seconds(total - (detected - scanEnd))}`,
        );
        console.log(`ratio measured / derived (same minute): ${(total / derivedLocal).toFixed(2)}`);
        return total <= derivedLocal + pollSeconds ? 0 : 1;
    } finally {
        await stack.remove();
        removePods();
    }
}

main().then(
    (code) => process.exit(code),
    (error: Error) => {
        console.error(`bench:alert failed: ${error.message}`);
        process.exit(1);
    },
);
