/**
 * The limits of the attack simulations (`calico-ad:simulation`): what a port range, a sweep
 * range and a target selector may be. The config schema, the scan arithmetic and the env var
 * catalog take them from here. Source: ../shared/reference/calico-ad.md section 5.
 */
import { projectName } from "./configKeys";

/** The type-token module of the simulation components; the policy pack finds them by it. */
export const simulationComponentModule = `${projectName}:simulation`;

/**
 * AD counts flows per bucket of this many minutes, aligned to the hour. Every release does; before
 * 3.11 `ES_bucket_size_minutes` can change it, and this is its default.
 */
export const adBucketMinutes = 5;

/** TCP ports: what a scan can probe, and so the most distinct ports a source can reach. */
export const tcpPortRange = { min: 1, max: 65535 } as const;

/** Largest sweep: 4096 addresses take about four seconds and stay inside one bucket. */
export const maxSweepAddresses = 4096;

/**
 * Ranges a sweep may target, none routed on the public internet: RFC 1918, the shared range some
 * CNIs use for pods (RFC 6598) and the benchmarking range (RFC 2544), which lab clusters and
 * calico-ad's own tests use for pods.
 */
export const sweepableRanges: readonly string[] = [
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",
    "198.18.0.0/15",
];

/** Longest target selector accepted; real selectors are a few dozen characters. */
export const maxTargetSelectorLength = 1024;

/**
 * DNS lookups of the dga simulation: about 30 lookups of generated names is the reference's
 * estimate for the pre-trained classifier (detection-tests.md section 2, an inference); the cap
 * keeps the traffic to the resolver small.
 */
export const dnsLookupRange = { min: 10, max: 100, default: 30 } as const;

/** Length of a generated label, as random-looking names of DGA malware have (15 to 20). */
export const dgaLabelLength = { min: 15, max: 20 } as const;

/**
 * Domain the generated names sit under unless the stack names another: reserved for examples
 * (RFC 2606), so the lookups that leave the cluster reach IANA's servers, never anyone's zone.
 */
export const defaultLookupDomain = "example.com";

/** Length of a dns_tunnel label: base32 text as long as tunnels pack into one label (50 to 60). */
export const dnsTunnelLabelLength = { min: 50, max: 60 } as const;

/**
 * Longest run identity (`calico-ad:simulation.runId`): a CI run's ID and attempt, or a date and
 * a counter, are a few dozen characters.
 */
export const maxRunIdLength = 63;
