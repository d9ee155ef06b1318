/**
 * Each registered simulation's own command, timed as its Command runs it: the simulation's script
 * (simulations/*.sh after scan/common.sh) with its environment from `simulationCommand`, whose
 * `kubectl exec` the lab's kubectl STAND-IN (test/netns/lab.ts `kubectlShim`) runs in the scanner
 * network namespace instead of a pod. For bench/scan.ts, which compares them with the workshop's
 * scan of the same target.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { version } from "../catalog/versions";
import { parseSimulation, SimulationContext } from "../config/simulation";
import { AnySimulation, simulationCommand } from "../simulations/definition";
import { simulations } from "../simulations/registry";
import { kubectlShim, ScanLab } from "../test/netns/lab";
import { repoRoot } from "../test/helpers";

/** One simulation's run: its time, what the dropping target saw, and its summary line. */
export interface SimulationRun {
    readonly key: string;
    readonly seconds: number;
    /** What reached the target, as counted there. */
    readonly reached: string;
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
 * The DNS simulations' tools, built from tools/node-images into a temporary directory: the Go
 * `nslookup` that the local node's netshoot STAND-IN carries (this machine has none), and CoreDNS
 * for the lab's resolver. Returns why not when Go cannot build them.
 */
function buildDnsTools(): { bin: string; remove: () => void } | { why: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "calico-ad-bench-dns-"));
    const cache = process.env.CALICO_AD_CACHE ?? path.join(os.homedir(), ".cache", "calico-ad");
    const build = spawnSync("go", ["build", "-o", dir, "./nslookup", "./coredns"], {
        cwd: path.join(repoRoot, "tools", "node-images"),
        encoding: "utf8",
        env: {
            ...process.env,
            GOTOOLCHAIN: "local",
            GOWORK: "off",
            GOFLAGS: "-mod=mod",
            GOCACHE: process.env.CALICO_AD_GOCACHE ?? path.join(cache, "go", "build"),
            GOMODCACHE: process.env.CALICO_AD_GOMODCACHE ?? path.join(cache, "go", "mod"),
        },
    });
    const remove = () => fs.rmSync(dir, { recursive: true, force: true });
    if (build.status !== 0) {
        remove();
        return {
            why: `not measured: building nslookup and CoreDNS from tools/node-images failed: ${(build.error?.message ?? build.stderr).trim().split("\n").slice(-3).join("; ")}`,
        };
    }
    return { bin: dir, remove };
}

/**
 * Runs every registered simulation's script once against the lab, in registry order: the scans
 * at the dropping target, the DNS lookups through the lab's CoreDNS (in the resetting target's
 * namespace), each with what reached its target.
 */
export function runSimulationScripts(lab: ScanLab): (SimulationRun | SkippedSimulation)[] {
    const settings = measuredSettings(lab);
    const shim = kubectlShim(lab, { podIps: lab.dropTarget });
    const dns = buildDnsTools();
    try {
        if ("bin" in dns) {
            lab.startResolver(path.join(dns.bin, "coredns"));
        }
        return Object.entries(simulations).map(([key, definition]: [string, AnySimulation]) => {
            const lookups = definition.script.commandSuffix === "lookups";
            if (lookups && "why" in dns) {
                return { key, why: dns.why };
            }
            const run = simulationCommand(definition, settings[key], undefined);
            lab.resetCounts();
            const namesBefore = lab.namesAsked();
            const start = process.hrtime.bigint();
            const result = spawnSync(
                "/bin/sh",
                ["-c", run.script.text, run.script.name, run.script.create],
                {
                    encoding: "utf8",
                    env: {
                        ...process.env,
                        ...run.environment,
                        PATH: [shim.bin, ...("bin" in dns ? [dns.bin] : []), process.env.PATH].join(
                            ":",
                        ),
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
            const counts = lab.counts("drop");
            const reached = lookups
                ? `${lab.namesAsked() - namesBefore} distinct names asked at the lab's CoreDNS (its query log)`
                : `${counts.ports} ports, ${counts.addresses} addresses, ${counts.probes} probes on the wire`;
            return { key, seconds, reached, summary: result.stdout.trim() };
        });
    } finally {
        shim.remove();
        if ("bin" in dns) {
            dns.remove();
        }
    }
}
