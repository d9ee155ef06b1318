/**
 * The arithmetic of the attack simulations, below both the config that validates them and the
 * components that run them: AD's 5-minute buckets, the probe rate, the port range a threshold
 * needs, and nmap's fixed flags. Source: ../shared/reference/calico-ad.md section 5.
 */
import { adBucketMinutes, tcpPortRange } from "../catalog/simulation";

/** AD's bucket, aligned to x0/x5 minutes. */
export const bucketSeconds = adBucketMinutes * 60;

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
 * Ports 1 to threshold plus margin, capped at the last TCP port. A threshold as high as that port
 * yields a range that cannot cross it; callers check with `portCount(range) > threshold`.
 */
export function portRangeFor(threshold: number): PortRange {
    return {
        first: tcpPortRange.min,
        last: Math.min(tcpPortRange.max, threshold + portScanMargin(threshold)),
    };
}

/** nmap arguments of the port scan: each port once, in order, at `probesPerSecond`. */
export function nmapPortScanArgs(ports: string, target: string): string[] {
    return [...portScanFlags, "-p", ports, target];
}

/** nmap arguments of the ip sweep of `cidr`. */
export function nmapIpSweepArgs(cidr: string): string[] {
    return [...ipSweepFlags, cidr];
}
