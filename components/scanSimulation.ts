/**
 * Optional attack simulations that prove Anomaly Detection raises an alert: an nmap port scan
 * and, for releases with the ip_sweep job, an nmap ip sweep, run from a scanner pod with
 * `kubectl exec` by a `command.local.Command` on `pulumi up` (never in preview). The scripts are
 * fixed text; every configured value reaches them only as an environment variable expanded inside
 * double quotes. Source: ../shared/reference/calico-ad.md section 5.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";

/** AD counts per 5-minute bucket aligned to x0/x5 minutes (`ES_bucket_size_minutes`). */
export const bucketSeconds = 300;

/**
 * The scan waits for the next bucket when fewer seconds than this remain in the current one, so
 * its probes do not straddle two buckets. A derived range takes about one second; the rest
 * allows for clock skew between this machine and the cluster.
 */
export const bucketGuardSeconds = 30;

/** Probes per second; 550 ports take about half a second. */
export const probesPerSecond = 1000;

/** TCP port each address of an ip sweep is probed on; any port makes a flow. */
export const ipSweepProbePort = 80;

/**
 * Flags for one probe per target at a fixed high rate. AD needs one packet per port or address,
 * not an answer: against a default-deny target every probe times out, so the waiting is cut,
 * never the count. No `--host-timeout`, which could abort before every probe is sent.
 */
const oneProbeEach = [
    "-Pn", // no host discovery: a default-deny pod answers no ping
    "-n", // no reverse DNS
    "--max-retries",
    "0", // each probe once
    "--max-rtt-timeout",
    "100ms", // pod round trips take milliseconds; a later answer does not matter
    "--min-rate",
    String(probesPerSecond),
];

/** Fixed nmap flags of the port scan; `-r` probes the ports in order, like the workshop. */
export const portScanFlags: readonly string[] = [...oneProbeEach, "-r"];

/** Fixed nmap flags of the ip sweep: one TCP probe to `ipSweepProbePort` on every address. */
export const ipSweepFlags: readonly string[] = [...oneProbeEach, "-p", String(ipSweepProbePort)];

/** An inclusive TCP port range. */
export interface PortRange {
    readonly first: number;
    readonly last: number;
}

/** How many ports a range holds. */
export function portCount(range: PortRange): number {
    return range.last - range.first + 1;
}

/** The range in nmap's `-p` syntax, e.g. `1-220`. */
export function formatPortRange(range: PortRange): string {
    return `${range.first}-${range.last}`;
}

/**
 * Ports above the threshold a derived range adds: 10%, at least 10. Each port gets exactly one
 * probe and none is resent, so a probe the scanner fails to send at this rate or that never makes
 * it into a flow log is not made up for, and the docs do not say whether the detector compares
 * with > or >=. At 1000 probes per second the margin costs a few hundredths of a second.
 */
export function portScanMargin(threshold: number): number {
    return Math.max(10, Math.ceil(threshold * 0.1));
}

/**
 * Ports 1 to threshold plus margin, capped at 65535. A threshold of 65535 or more yields a range
 * that cannot cross it; callers check with `portCount(range) > threshold`.
 */
export function portRangeFor(threshold: number): PortRange {
    return { first: 1, last: Math.min(65535, threshold + portScanMargin(threshold)) };
}

/** nmap arguments of the port scan: each port once, in order, at `probesPerSecond`. */
export function nmapPortScanArgs(ports: string, target: string): string[] {
    return [...portScanFlags, "-p", ports, target];
}

/** nmap arguments of the ip sweep of `cidr`. */
export function nmapIpSweepArgs(cidr: string): string[] {
    return [...ipSweepFlags, cidr];
}

/** Lines both scripts start with: strict mode, the kube context, and `fail`. */
const scriptHeader = [
    "set -eu",
    "# Values arrive only as environment variables and are only expanded inside double quotes,",
    "# so nothing in them is ever parsed as shell code.",
    `fail() { printf '%s\\n' "$*" >&2; exit 1; }`,
    `if [ -n "\${KUBE_CONTEXT:-}" ]; then set -- --context "$KUBE_CONTEXT"; else set --; fi`,
];

/** Waits for the next bucket when the current one is about to close. */
const bucketGuard = [
    "now=$(date +%s)",
    `left=$(( ${bucketSeconds} - $now % ${bucketSeconds} ))`,
    `if [ "$left" -lt ${bucketGuardSeconds} ]; then`,
    `    printf 'waiting %s s for the next 5-minute bucket\\n' "$left" >&2`,
    `    sleep "$left"`,
    "fi",
];

/**
 * Runs nmap in the scanner pod with the given argument text (fixed flags and quoted variables),
 * keeping its output in `output` and only its last lines, on failure, for stderr.
 */
function execNmap(nmapArguments: string): string[] {
    return [
        "start=$(date +%s)",
        `if ! output=$(kubectl "$@" --namespace "$SCAN_NAMESPACE" exec "$SCANNER_POD" -- nmap ${nmapArguments} 2>&1); then`,
        `    printf '%s\\n' "$output" | tail -n 20 >&2`,
        `    fail "nmap in pod $SCAN_NAMESPACE/$SCANNER_POD failed; the scanner pod needs nmap (e.g. nicolaka/netshoot)"`,
        "fi",
        "seconds=$(( $(date +%s) - $start ))",
        `result=$(printf '%s\\n' "$output" | grep '^Nmap done' || true)`,
    ];
}

/**
 * The port scan: the first Running pod matching TARGET_SELECTOR in TARGET_NAMESPACE is scanned on
 * SCAN_PORTS from SCANNER_POD in SCAN_NAMESPACE. Prints one summary line; nmap's output stays out
 * of stdout and state.
 */
export const portScanScript = [
    ...scriptHeader,
    `if ! ips=$(kubectl "$@" --namespace "$TARGET_NAMESPACE" get pods --selector "$TARGET_SELECTOR" --field-selector status.phase=Running --output 'jsonpath={.items[*].status.podIP}'); then`,
    `    fail "cannot list pods in namespace $TARGET_NAMESPACE"`,
    "fi",
    'target="${ips%% *}"',
    'case "$target" in',
    `    "") fail "no Running pod with an IP in namespace $TARGET_NAMESPACE matches $TARGET_SELECTOR" ;;`,
    `    *[!0-9A-Fa-f.:]*) fail "unexpected pod IP: $target" ;;`,
    "esac",
    ...bucketGuard,
    ...execNmap(`${portScanFlags.join(" ")} -p "$SCAN_PORTS" "$target"`),
    `printf 'port scan of %s (%s, %s) from %s/%s: ports %s for threshold %s in %s s; %s\\n' \\`,
    `    "$target" "$TARGET_NAMESPACE" "$TARGET_SELECTOR" "$SCAN_NAMESPACE" "$SCANNER_POD" \\`,
    `    "$SCAN_PORTS" "$SCAN_THRESHOLD" "$seconds" "$result"`,
    "",
].join("\n");

/** The ip sweep of SWEEP_CIDR from SCANNER_POD in SCAN_NAMESPACE. Prints one summary line. */
export const ipSweepScript = [
    ...scriptHeader,
    ...bucketGuard,
    ...execNmap(`${ipSweepFlags.join(" ")} "$SWEEP_CIDR"`),
    `printf 'ip sweep of %s from %s/%s for threshold %s in %s s; %s\\n' \\`,
    `    "$SWEEP_CIDR" "$SCAN_NAMESPACE" "$SCANNER_POD" "$SCAN_THRESHOLD" "$seconds" "$result"`,
    "",
].join("\n");

/** Arguments of the port-scan simulation; values come validated from `parseSimulation`. */
export interface PortScanSimulationArgs {
    /** Namespace of the scanner pod; alerts name it as the source namespace. */
    readonly namespace: pulumi.Input<string>;
    /** Pod that runs nmap, such as the workshop's nicolaka/netshoot pod `netshoot`. */
    readonly scannerPod: pulumi.Input<string>;
    /** Namespace of the target pod. */
    readonly targetNamespace: pulumi.Input<string>;
    /** Label selector of the target pod; the first Running match is scanned. */
    readonly targetSelector: pulumi.Input<string>;
    /** Ports to probe in nmap syntax, e.g. 1-220; more ports than the threshold. */
    readonly ports: pulumi.Input<string>;
    /** The port-scan threshold in force; shown in the summary, and a change re-runs the scan. */
    readonly threshold: pulumi.Input<number>;
    /** kubeconfig context of the stack's Kubernetes provider; unset uses the current one. */
    readonly kubeContext?: pulumi.Input<string>;
    /** Resources the scan must follow, normally the AnomalyDetection component. */
    readonly runAfter?: pulumi.Input<pulumi.Resource>[];
}

/**
 * Scans a target pod from a scanner pod once the Anomaly Detection objects are deployed, and again
 * whenever the threshold, target, ports, scanner or kube context change. Removing it runs nothing.
 */
export class PortScanSimulation extends pulumi.ComponentResource {
    /** The command that runs the scan on `pulumi up`. */
    public readonly command: command.local.Command;
    /** One line: target, ports, threshold, duration in seconds and nmap's "Nmap done" line. */
    public readonly summary: pulumi.Output<string>;

    /**
     * @param name The _unique_ name of the component.
     * @param args The validated simulation settings and what to run after.
     * @param opts Options of the component.
     */
    constructor(
        name: string,
        args: PortScanSimulationArgs,
        opts?: pulumi.ComponentResourceOptions,
    ) {
        super("calico-ad:simulation:PortScanSimulation", name, {}, opts);
        const kubeContext = args.kubeContext ?? "";
        this.command = new command.local.Command(
            `${name}-nmap`,
            {
                interpreter: ["/bin/sh", "-c"],
                create: portScanScript,
                environment: {
                    SCAN_NAMESPACE: args.namespace,
                    SCANNER_POD: args.scannerPod,
                    TARGET_NAMESPACE: args.targetNamespace,
                    TARGET_SELECTOR: args.targetSelector,
                    SCAN_PORTS: args.ports,
                    SCAN_THRESHOLD: pulumi.output(args.threshold).apply(String),
                    KUBE_CONTEXT: kubeContext,
                },
                triggers: [
                    args.threshold,
                    args.namespace,
                    args.scannerPod,
                    args.targetNamespace,
                    args.targetSelector,
                    args.ports,
                    kubeContext,
                ],
                addPreviousOutputInEnv: false,
            },
            { parent: this, dependsOn: args.runAfter },
        );
        this.summary = this.command.stdout.apply((stdout) => stdout?.trim() ?? "");
        this.registerOutputs({ summary: this.summary });
    }
}

/** Arguments of the ip-sweep simulation; values come validated from `parseSimulation`. */
export interface IpSweepSimulationArgs {
    /** Namespace of the scanner pod; alerts name it as the source namespace. */
    readonly namespace: pulumi.Input<string>;
    /** Pod that runs nmap. */
    readonly scannerPod: pulumi.Input<string>;
    /** Private IPv4 range to sweep, holding more addresses than the threshold. */
    readonly targetCidr: pulumi.Input<string>;
    /** The ip-sweep threshold in force; shown in the summary, and a change re-runs the sweep. */
    readonly threshold: pulumi.Input<number>;
    /** kubeconfig context of the stack's Kubernetes provider; unset uses the current one. */
    readonly kubeContext?: pulumi.Input<string>;
    /** Resources the sweep must follow, normally the AnomalyDetection component. */
    readonly runAfter?: pulumi.Input<pulumi.Resource>[];
}

/**
 * Probes every address of a range once from a scanner pod once the Anomaly Detection objects are
 * deployed, and again whenever the threshold, range, scanner or kube context change.
 */
export class IpSweepSimulation extends pulumi.ComponentResource {
    /** The command that runs the sweep on `pulumi up`. */
    public readonly command: command.local.Command;
    /** One line: range, threshold, duration in seconds and nmap's "Nmap done" line. */
    public readonly summary: pulumi.Output<string>;

    /**
     * @param name The _unique_ name of the component.
     * @param args The validated simulation settings and what to run after.
     * @param opts Options of the component.
     */
    constructor(name: string, args: IpSweepSimulationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("calico-ad:simulation:IpSweepSimulation", name, {}, opts);
        const kubeContext = args.kubeContext ?? "";
        this.command = new command.local.Command(
            `${name}-nmap`,
            {
                interpreter: ["/bin/sh", "-c"],
                create: ipSweepScript,
                environment: {
                    SCAN_NAMESPACE: args.namespace,
                    SCANNER_POD: args.scannerPod,
                    SWEEP_CIDR: args.targetCidr,
                    SCAN_THRESHOLD: pulumi.output(args.threshold).apply(String),
                    KUBE_CONTEXT: kubeContext,
                },
                triggers: [
                    args.threshold,
                    args.namespace,
                    args.scannerPod,
                    args.targetCidr,
                    kubeContext,
                ],
                addPreviousOutputInEnv: false,
            },
            { parent: this, dependsOn: args.runAfter },
        );
        this.summary = this.command.stdout.apply((stdout) => stdout?.trim() ?? "");
        this.registerOutputs({ summary: this.summary });
    }
}
