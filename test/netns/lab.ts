/**
 * A scan lab in network namespaces made for one process: a scanner namespace and two targets,
 * one that silently drops every inbound packet (the workshop's default-deny: every port
 * "filtered") and one that answers closed ports with resets. nftables in each target records the
 * distinct destination ports and addresses actually received, so tests count what went over the
 * wire, not what nmap reports. Addresses come from 198.18.0.0/15 (benchmarking, RFC 2544) and
 * exist only inside these namespaces; the scanner has no default route, so no probe can leave.
 * Needs root, iproute2, nftables and nmap.
 */
import { ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** Where a probe lands. */
export type TargetKind = "drop" | "reset";

/** What a target namespace received since the last `resetCounts`. */
export interface WireCounts {
    /** Distinct TCP destination ports. */
    readonly ports: number;
    /** Distinct destination addresses. */
    readonly addresses: number;
    /** TCP packets from the scanner. */
    readonly probes: number;
}

/** One nmap run in the scanner namespace. */
export interface NmapRun {
    readonly status: number | null;
    readonly seconds: number;
    readonly stdout: string;
    readonly stderr: string;
    readonly timedOut: boolean;
}

const tableName = "cadlab";

/**
 * The reason to skip when a prerequisite is missing; with CALICO_AD_REQUIRE_ALL_TESTS=1
 * (scripts/test.sh, CI) a missing prerequisite fails the run instead.
 */
export function skipReason(reason: string | undefined): string | undefined {
    if (reason && process.env.CALICO_AD_REQUIRE_ALL_TESTS === "1") {
        throw new Error(`network-namespace tests cannot run: ${reason}`);
    }
    if (reason) {
        console.log(`# skipping: ${reason}`);
    }
    return reason;
}

/** What `createPodObject` writes. */
export interface PodObject {
    readonly kubeContext: string;
    readonly namespace: string;
    readonly name: string;
    readonly labels: Record<string, string>;
    readonly phase: "Pending" | "Running";
    readonly podIP: string;
    /** Create the namespace too (apply, so an existing one is kept). */
    readonly createNamespace?: boolean;
}

/**
 * A pod object the API server stores and nothing runs, with the phase and IP the test writes
 * into its status. Its scheduler name is served by no scheduler, so a local node never runs the
 * pod and its kubelet never overwrites that status.
 */
export function createPodObject(pod: PodObject): void {
    const kubectl = (args: string[], input?: string) =>
        execFileSync("kubectl", ["--context", pod.kubeContext, "-n", pod.namespace, ...args], {
            encoding: "utf8",
            input,
            stdio: "pipe",
        });
    const objects = [
        ...(pod.createNamespace
            ? [{ apiVersion: "v1", kind: "Namespace", metadata: { name: pod.namespace } }]
            : []),
        {
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name: pod.name, namespace: pod.namespace, labels: pod.labels },
            spec: {
                schedulerName: "calico-ad-test-unscheduled",
                containers: [{ name: "centos", image: "centos:latest" }],
            },
        },
    ];
    kubectl(
        ["apply", "-f", "-"],
        JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }),
    );
    kubectl([
        "patch",
        "pod",
        pod.name,
        "--subresource=status",
        "--type=merge",
        "--patch",
        JSON.stringify({
            status: { phase: pod.phase, podIP: pod.podIP, podIPs: [{ ip: pod.podIP }] },
        }),
    ]);
}

/** Why the lab cannot run here (not root, or no `ip netns`), or undefined when it can. */
export function labUnavailable(): string | undefined {
    if (typeof process.getuid !== "function" || process.getuid() !== 0) {
        return "needs root to create network namespaces (run as root, e.g. in CI)";
    }
    const probe = `cadlab-probe-${process.pid}`;
    const add = spawnSync("ip", ["netns", "add", probe], { encoding: "utf8" });
    if (add.error || add.status !== 0) {
        return `ip netns is unavailable: ${add.error?.message ?? add.stderr.trim()}`;
    }
    spawnSync("ip", ["netns", "delete", probe]);
    return undefined;
}

function run(command: string, args: readonly string[], input?: string): string {
    try {
        return execFileSync(command, args, { encoding: "utf8", input, stdio: "pipe" });
    } catch (error) {
        const failure = error as { stderr?: string; message: string };
        const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
        throw new Error(
            missing
                ? `${command} not found; install the Debian packages iproute2 nftables nmap`
                : `${command} ${args.join(" ")} failed: ${failure.stderr?.trim() || failure.message}`,
        );
    }
}

/** nftables rules of a target: count what arrives from the scanner, then drop or accept it. */
function targetRules(scannerAddress: string, verdict: "drop" | "accept"): string {
    return `table inet ${tableName} {
    set ports { type inet_service; size 65536; flags dynamic; }
    set addresses { type ipv4_addr; size 65536; flags dynamic; }
    counter probes { }
    chain prerouting {
        type filter hook prerouting priority raw; policy ${verdict};
        ip saddr ${scannerAddress} meta l4proto tcp counter name probes add @ports { tcp dport } add @addresses { ip daddr }
    }
}
`;
}

export class ScanLab {
    readonly scanner = `cadlab-${process.pid}-scan`;
    private readonly targets: Record<TargetKind, string> = {
        drop: `cadlab-${process.pid}-drop`,
        reset: `cadlab-${process.pid}-reset`,
    };
    /** Pod-like target behind a router hop, dropping everything (all ports filtered). */
    readonly dropTarget = "198.18.10.1";
    /** Target whose closed ports answer with resets. */
    readonly resetTarget = "198.18.20.1";
    /** Routed into the dropping namespace: 64 addresses for ip sweeps. */
    readonly sweepRange = "198.18.64.0/26";
    private created: string[] = [];
    private resolver?: { process: ChildProcess; log: () => string; config: string };

    /** Builds the namespaces; on any failure removes whatever it made and rethrows. */
    constructor() {
        try {
            this.build();
        } catch (error) {
            this.destroy();
            throw error;
        }
    }

    private build(): void {
        for (const ns of [this.scanner, this.targets.drop, this.targets.reset]) {
            run("ip", ["netns", "add", ns]);
            this.created.push(ns);
            run("ip", ["-n", ns, "link", "set", "lo", "up"]);
        }
        const s = this.scanner;
        const links: { kind: TargetKind; index: number }[] = [
            { kind: "drop", index: 1 },
            { kind: "reset", index: 2 },
        ];
        for (const { kind, index } of links) {
            const target = this.targets[kind];
            const scannerSide = `${kind}0`;
            // Created inside the namespaces, so no interface or address ever exists on the host.
            run("ip", [
                "-n",
                s,
                "link",
                "add",
                scannerSide,
                "type",
                "veth",
                "peer",
                "name",
                "up0",
                "netns",
                target,
            ]);
            run("ip", ["-n", s, "addr", "add", `198.18.${index}.1/30`, "dev", scannerSide]);
            run("ip", ["-n", target, "addr", "add", `198.18.${index}.2/30`, "dev", "up0"]);
            run("ip", ["-n", s, "link", "set", scannerSide, "up"]);
            run("ip", ["-n", target, "link", "set", "up0", "up"]);
            run(
                "ip",
                ["netns", "exec", target, "nft", "-f", "-"],
                targetRules(`198.18.${index}.1`, kind === "drop" ? "drop" : "accept"),
            );
        }
        // Targets sit one hop away, like pods behind Calico's gateway, so nmap learns no RTT from ARP.
        run("ip", ["-n", s, "route", "add", "198.18.10.0/24", "via", "198.18.1.2"]);
        run("ip", ["-n", s, "route", "add", this.sweepRange, "via", "198.18.1.2"]);
        run("ip", ["-n", s, "route", "add", "198.18.20.0/24", "via", "198.18.2.2"]);
        run("ip", ["-n", this.targets.reset, "addr", "add", `${this.resetTarget}/32`, "dev", "lo"]);
    }

    /** Runs nmap with `args` in the scanner namespace, stopping it after `timeoutSeconds`. */
    nmap(args: readonly string[], timeoutSeconds: number): NmapRun {
        const start = process.hrtime.bigint();
        const result = spawnSync("ip", ["netns", "exec", this.scanner, "nmap", ...args], {
            encoding: "utf8",
            timeout: timeoutSeconds * 1000,
            killSignal: "SIGKILL",
        });
        const seconds = Number(process.hrtime.bigint() - start) / 1e9;
        if (result.error && (result.error as NodeJS.ErrnoException).code !== "ETIMEDOUT") {
            throw result.error;
        }
        return {
            status: result.status,
            seconds,
            stdout: result.stdout,
            stderr: result.stderr,
            timedOut: (result.error as NodeJS.ErrnoException | undefined)?.code === "ETIMEDOUT",
        };
    }

    /** Forgets what both targets have seen. */
    resetCounts(): void {
        for (const ns of Object.values(this.targets)) {
            run("ip", ["netns", "exec", ns, "nft", "flush", "set", "inet", tableName, "ports"]);
            run("ip", ["netns", "exec", ns, "nft", "flush", "set", "inet", tableName, "addresses"]);
            run("ip", [
                "netns",
                "exec",
                ns,
                "nft",
                "reset",
                "counter",
                "inet",
                tableName,
                "probes",
            ]);
        }
    }

    /** What a target received on the wire since the last reset. */
    counts(kind: TargetKind): WireCounts {
        const ns = this.targets[kind];
        const setSize = (set: string) => {
            const listing = JSON.parse(
                run("ip", [
                    "netns",
                    "exec",
                    ns,
                    "nft",
                    "-j",
                    "list",
                    "set",
                    "inet",
                    tableName,
                    set,
                ]),
            ) as {
                nftables: { set?: { elem?: unknown[] } }[];
            };
            return listing.nftables.find((entry) => entry.set)?.set?.elem?.length ?? 0;
        };
        const counter = JSON.parse(
            run("ip", [
                "netns",
                "exec",
                ns,
                "nft",
                "-j",
                "list",
                "counter",
                "inet",
                tableName,
                "probes",
            ]),
        ) as {
            nftables: { counter?: { packets: number } }[];
        };
        return {
            ports: setSize("ports"),
            addresses: setSize("addresses"),
            probes: counter.nftables.find((entry) => entry.counter)?.counter?.packets ?? 0,
        };
    }

    /**
     * A DNS server for the scanner: `coredns` (a binary built from tools/node-images) in the
     * resetting target's namespace on its address, logging each query and answering NXDOMAIN to
     * every name, and the scanner namespace's resolv.conf naming it (`ip netns exec` mounts
     * /etc/netns/NS/resolv.conf over /etc/resolv.conf). Returns once it listens.
     */
    startResolver(coredns: string): void {
        const config = fs.mkdtempSync(path.join(os.tmpdir(), "calico-ad-lab-dns-"));
        fs.writeFileSync(
            path.join(config, "Corefile"),
            `.:53 {\n    bind ${this.resetTarget}\n    log\n    template ANY ANY {\n        rcode NXDOMAIN\n    }\n}\n`,
        );
        // A file, not a pipe: the benchmark reads it between synchronous runs.
        const logFile = path.join(config, "log");
        const out = fs.openSync(logFile, "w");
        const server = spawn(
            "ip",
            ["netns", "exec", this.targets.reset, coredns, "-conf", path.join(config, "Corefile")],
            { stdio: ["ignore", out, out] },
        );
        fs.closeSync(out);
        const log = () => fs.readFileSync(logFile, "utf8");
        this.resolver = { process: server, log, config };
        fs.mkdirSync(`/etc/netns/${this.scanner}`, { recursive: true });
        fs.writeFileSync(
            `/etc/netns/${this.scanner}/resolv.conf`,
            `nameserver ${this.resetTarget}\n`,
        );
        for (let waited = 0; ; waited++) {
            const sockets = run("ip", ["netns", "exec", this.targets.reset, "ss", "-lnu"]);
            if (sockets.includes(`${this.resetTarget}:53`)) {
                return;
            }
            if (waited >= 50 || server.exitCode !== null) {
                throw new Error(`the lab's CoreDNS did not start listening: ${log().trim()}`);
            }
            execFileSync("sleep", ["0.2"]);
        }
    }

    /** The distinct names the lab's DNS server was asked since it started, from its query log. */
    namesAsked(): number {
        const names = [...(this.resolver?.log() ?? "").matchAll(/"[A-Z]+ IN (\S+) udp/g)];
        return new Set(names.map(([, name]) => name)).size;
    }

    /** Deletes the namespaces (and with them their interfaces); safe to call twice. */
    destroy(): void {
        if (this.resolver) {
            this.resolver.process.kill("SIGKILL");
            fs.rmSync(this.resolver.config, { recursive: true, force: true });
            fs.rmSync(`/etc/netns/${this.scanner}`, { recursive: true, force: true });
            this.resolver = undefined;
        }
        for (const ns of this.created.reverse()) {
            spawnSync("ip", ["netns", "delete", ns]);
        }
        this.created = [];
    }
}

/**
 * A directory with a `kubectl` stand-in for the simulation scripts: `exec POD -- CMD...` runs CMD
 * in the scanner namespace, as `kubectl exec` would in the scanner pod; `get` answers with
 * `podIps`, or, when `realKubectl` is given, everything but `exec` goes to the real kubectl.
 * `sleep` is a no-op, so the bucket guard (unit-tested) cannot add 30 s. Returns the bin dir.
 */
export function kubectlShim(
    lab: ScanLab,
    answer: { podIps: string } | { realKubectl: string },
): { bin: string; remove: () => void } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "calico-ad-netns-"));
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    const otherwise =
        "podIps" in answer
            ? `printf '%s' ${shellQuote(answer.podIps)}`
            : `exec ${shellQuote(answer.realKubectl)} "$@"`;
    fs.writeFileSync(
        path.join(bin, "kubectl"),
        [
            "#!/bin/sh",
            'for arg in "$@"; do',
            '    if [ "$arg" = exec ]; then',
            '        while [ "$1" != "--" ]; do shift; done',
            "        shift",
            `        exec ip netns exec ${shellQuote(lab.scanner)} "$@"`,
            "    fi",
            "done",
            otherwise,
            "",
        ].join("\n"),
        { mode: 0o755 },
    );
    fs.writeFileSync(path.join(bin, "sleep"), "#!/bin/sh\n", { mode: 0o755 });
    return { bin, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Where the real kubectl is, for a shim that passes calls through to it. */
export function realKubectl(): string {
    return execFileSync("sh", ["-c", "command -v kubectl"], { encoding: "utf8" }).trim();
}

function shellQuote(text: string): string {
    return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * Creates a lab that is removed on exit and on SIGINT/SIGTERM too, so an interrupted run leaves
 * no namespaces behind.
 */
export function createLab(): ScanLab {
    const lab = new ScanLab();
    const cleanUp = () => lab.destroy();
    process.once("exit", cleanUp);
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
        process.once(signal, () => {
            cleanUp();
            process.exit(130);
        });
    }
    return lab;
}
