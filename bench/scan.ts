/**
 * `npm run bench:scan`: the workshop's port scan against the simulation's, in one run, against the
 * same network-namespace target that drops every packet (the workshop's default-deny). Prints
 * each command's time and the distinct destination ports seen on the wire, and the speed ratio.
 * Goal: ours at least 40 times faster while probing more ports than the threshold. Then, against
 * the same target, each registered simulation's own command as its Command runs it (its script,
 * bench/simulationScripts.ts), printed as a ratio of the workshop's time; no goal for those.
 * Needs root; bounded by per-run time-outs; the namespaces are removed at the end, on failure
 * and on Ctrl-C.
 */
import { formatPortRange, nmapPortScanArgs, portRangeFor } from "../scan/arithmetic";
import { createLab, labUnavailable, ScanLab } from "../test/netns/lab";
import { runSimulationScripts } from "./simulationScripts";

/** The workshop scan took 121 to 201 s on AKS; stop it well before it could hang CI. */
const workshopTimeoutSeconds = 600;
const oursTimeoutSeconds = 60;
/** Our scan takes about a second, so it runs a few times and the median counts. */
const oursRepeats = 3;
const goalRatio = 40;

interface Measurement {
    readonly label: string;
    readonly command: string;
    readonly seconds: number;
    readonly distinctPorts: number;
    readonly probes: number;
    readonly needed?: number;
}

function measure(lab: ScanLab, label: string, args: string[], timeoutSeconds: number): Measurement {
    lab.resetCounts();
    const run = lab.nmap(args, timeoutSeconds);
    if (run.timedOut) {
        throw new Error(`${label} did not finish within ${timeoutSeconds} s`);
    }
    if (run.status !== 0) {
        throw new Error(`${label} failed: ${run.stderr.trim()}`);
    }
    const seen = lab.counts("drop");
    return {
        label,
        command: `nmap ${args.join(" ")}`,
        seconds: run.seconds,
        distinctPorts: seen.ports,
        probes: seen.probes,
    };
}

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
}

function main(): number {
    const unavailable = labUnavailable();
    if (unavailable) {
        console.error(`bench:scan cannot run: ${unavailable}`);
        return 2;
    }
    const lab = createLab();
    try {
        console.log(
            `target ${lab.dropTarget}: drops every packet, one routed hop away (like a pod)`,
        );
        console.log("running the workshop command (about 2 minutes)...");
        const workshop = measure(
            lab,
            "workshop",
            ["-Pn", "-r", "-p", "1-600", lab.dropTarget],
            workshopTimeoutSeconds,
        );
        const ours: Measurement[] = [200, 500].map((threshold) => {
            const range = portRangeFor(threshold);
            const runs = Array.from({ length: oursRepeats }, () =>
                measure(
                    lab,
                    `ours, threshold ${threshold}`,
                    nmapPortScanArgs(formatPortRange(range), lab.dropTarget),
                    oursTimeoutSeconds,
                ),
            );
            return {
                ...runs[0],
                seconds: median(runs.map((r) => r.seconds)),
                distinctPorts: Math.min(...runs.map((r) => r.distinctPorts)),
                probes: Math.max(...runs.map((r) => r.probes)),
                needed: threshold + 1,
            };
        });

        console.log("");
        for (const m of [workshop, ...ours]) {
            console.log(
                `${m.label.padEnd(22)} ${m.seconds.toFixed(2).padStart(7)} s  ${String(m.distinctPorts).padStart(4)} distinct ports  ${String(m.probes).padStart(5)} probes  ${m.command}`,
            );
        }
        console.log("");
        let met = true;
        for (const m of ours) {
            const ratio = workshop.seconds / m.seconds;
            const enough = m.distinctPorts >= m.needed!;
            const ok = ratio >= goalRatio && enough;
            met &&= ok;
            console.log(
                `${m.label}: ${ratio.toFixed(0)}x faster than the workshop (goal ${goalRatio}x); ${m.distinctPorts} distinct ports, more than the threshold needs: ${enough ? "yes" : "NO"} -> ${ok ? "goal met" : "GOAL MISSED"}`,
            );
        }
        console.log(`ours: median of ${oursRepeats} runs; ports counted on the wire by nftables`);

        console.log("");
        console.log(
            `each simulation's own command (its script, kubectl exec handed to the lab), as a ratio of the workshop's ${workshop.seconds.toFixed(2)} s:`,
        );
        for (const run of runSimulationScripts(lab)) {
            if (!("seconds" in run)) {
                console.log(`${run.key.padEnd(10)} ${run.why}`);
                continue;
            }
            const ratio = run.seconds / workshop.seconds;
            console.log(
                `${run.key.padEnd(10)} ${run.seconds.toFixed(2).padStart(6)} s  ratio ${ratio.toFixed(4)} (${(1 / ratio).toFixed(0)}x faster)  ${run.reached}; ${run.summary}`,
            );
        }
        return met ? 0 : 1;
    } finally {
        lab.destroy();
    }
}

process.exitCode = main();
