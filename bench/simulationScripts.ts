/**
 * Each registered simulation's own command, timed as its Command runs it: the simulation's script
 * (simulations/*.sh after scan/common.sh) with its environment from `simulationCommand`, whose
 * `kubectl exec` the lab's kubectl STAND-IN (test/netns/lab.ts `kubectlShim`) runs in the scanner
 * network namespace instead of a pod. For bench/scan.ts, which compares them with the workshop's
 * scan of the same target.
 */
import { spawnSync } from "node:child_process";
import { version } from "../catalog/versions";
import { parseSimulation, SimulationContext } from "../config/simulation";
import { AnySimulation, simulationCommand } from "../simulations/definition";
import { simulations } from "../simulations/registry";
import { kubectlShim, ScanLab, WireCounts } from "../test/netns/lab";

/** One simulation's run: its time, what the dropping target saw, and its summary line. */
export interface SimulationRun {
    readonly key: string;
    readonly seconds: number;
    readonly counts: WireCounts;
    readonly summary: string;
}

/** A simulation that was not measured, and why. */
export interface SkippedSimulation {
    readonly key: string;
    readonly why: string;
}

const scriptTimeoutSeconds = 60;

/**
 * The blocks each simulation is measured with: the workshop's scanner, the lab's targets, and the
 * thresholds the simulations are sized for (the port scan for the GlobalAlert era's 500).
 */
function measuredSettings(lab: ScanLab): Record<string, unknown> {
    const scanner = { enabled: true, namespace: "dev", scannerPod: "netshoot" };
    const context = (release: string, era: SimulationContext["era"]): SimulationContext => ({
        era,
        release: `Calico Enterprise ${release}`,
        version: version(release),
        portScanThreshold: 500,
        ipSweepThreshold: era === "manifest" ? 32 : undefined,
    });
    const manifest = parseSimulation(
        {
            portScan: { ...scanner, targetSelector: "app=centos" },
            ipSweep: { ...scanner, targetCidr: lab.sweepRange },
            dga: scanner,
        },
        context("3.12.0", "manifest"),
    );
    const tunnel = parseSimulation({ dnsTunnel: scanner }, context("3.16.0", "globalAlert"));
    for (const result of [manifest, tunnel]) {
        if (result.problems.length > 0) {
            throw new Error(result.problems.join("\n"));
        }
    }
    return { ...manifest.settings, ...tunnel.settings };
}

/**
 * Why the lab cannot run a simulation's command, or undefined when it can. The DNS lookups need
 * `nslookup` in the scanner, which runs this machine's tools (as the local node's netshoot
 * STAND-IN does), and a resolver inside the lab; this machine has no nslookup and the lab no
 * resolver yet.
 */
function unavailable(definition: AnySimulation): string | undefined {
    return definition.script.commandSuffix === "lookups"
        ? "not measured: its nslookup loop needs nslookup in the scanner (this machine, whose tools the lab's scanner runs, has none) and a resolver in the lab (none yet)"
        : undefined;
}

/** Runs every registered simulation's script once against the lab, in registry order. */
export function runSimulationScripts(lab: ScanLab): (SimulationRun | SkippedSimulation)[] {
    const settings = measuredSettings(lab);
    const shim = kubectlShim(lab, { podIps: lab.dropTarget });
    try {
        return Object.entries(simulations).map(([key, definition]: [string, AnySimulation]) => {
            const why = unavailable(definition);
            if (why) {
                return { key, why };
            }
            const run = simulationCommand(definition, settings[key], undefined);
            lab.resetCounts();
            const start = process.hrtime.bigint();
            const result = spawnSync(
                "/bin/sh",
                ["-c", run.script.text, run.script.name, run.script.create],
                {
                    encoding: "utf8",
                    env: {
                        ...process.env,
                        ...run.environment,
                        PATH: `${shim.bin}:${process.env.PATH}`,
                    },
                    timeout: scriptTimeoutSeconds * 1000,
                    killSignal: "SIGKILL",
                },
            );
            const seconds = Number(process.hrtime.bigint() - start) / 1e9;
            if (result.status !== 0) {
                throw new Error(
                    `${key} failed (${result.status ?? "timed out"}): ${result.stderr.trim()}`,
                );
            }
            return { key, seconds, counts: lab.counts("drop"), summary: result.stdout.trim() };
        });
    } finally {
        shim.remove();
    }
}
