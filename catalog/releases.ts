/**
 * The GlobalAlert-era Calico Enterprise patch releases and the Tigera operator each one shipped,
 * which decides the detectors it offers: the operator renders one GlobalAlertTemplate
 * `tigera.io.detector.<id>` per detector (`pkg/render/intrusion_detection.go`, the
 * `DetectorParams{Name: ...}` entries), and a GlobalAlert is only accepted for a template that
 * exists.
 *
 * Evidence and judgement calls:
 * - Release to operator: tigera/docs `calico-enterprise_versioned_docs/version-3.NN/releases.json`
 *   (last revisions before each was retired: 3.14 @275b486e0^, 3.15 @b0ca77da2^,
 *   3.16 @81e26c585^, 3.17 @1a3f1f835^). tigera/docs never had 3.13 docs, so 3.13.x is taken
 *   from tigera/operator `config/enterprise_versions.yml` at v1.26.0 to v1.26.3, whose `title`
 *   is v3.13.0 to v3.13.3.
 * - 3.14.0 is the entry titled `v3.14.0-4` (operator v1.27.10; the only 3.14.0 entry).
 * - 3.16.2 is not in releases.json (3.16.1 is followed by 3.16.3), so it is not listed; the
 *   stack refuses it rather than guess.
 * - 3.16.5 shipped v1.29.8 in the last revision of releases.json (an earlier revision said
 *   v1.29.7; both render the same templates).
 * - Every v1.27.x tag shipped with 3.14 still renders the 3.13 set (ip_sweep and time_series_*,
 *   no bytes_* or process_bytes). Operator v1.28.0 (2022-08-18) calls itself v3.14.1 in its
 *   enterprise_versions.yml but is the master line and never shipped: 3.14.1 shipped v1.27.11.
 *   So the 3.14.1 boundary the catalog used to draw from tag dates was wrong.
 */
import { detectorCatalog } from "./detectors";
import { Era } from "./eras";
import { CalicoVersion, compareVersions, describeRanges, inAnyRange, version } from "./versions";

/** GlobalAlertTemplates of operator v1.26.0 to v1.27.17 (CE 3.13 and 3.14). */
const operator126Templates = [
    "dga",
    "http_connection_spike",
    "http_response_codes",
    "http_verbs",
    "ip_sweep",
    "port_scan",
    "generic_dns",
    "time_series_dns",
    "generic_flows",
    "time_series_flows",
    "generic_l7",
    "dns_latency",
    "l7_bytes",
    "l7_latency",
    "process_restarts",
] as const;

/**
 * GlobalAlertTemplates of operator v1.28.7 to v1.30.10 (CE 3.15 to 3.17): ip_sweep and
 * time_series_* gone; bytes_in, bytes_out, process_bytes, multivariable_flow and dns_tunnel added.
 */
const operator128Templates = [
    "dga",
    "http_connection_spike",
    "http_response_codes",
    "http_verbs",
    "port_scan",
    "generic_dns",
    "generic_flows",
    "multivariable_flow",
    "generic_l7",
    "dns_latency",
    "dns_tunnel",
    "l7_bytes",
    "l7_latency",
    "bytes_in",
    "bytes_out",
    "process_bytes",
    "process_restarts",
] as const;

/** A GlobalAlert-era Calico Enterprise release and what its operator renders. */
export interface ShippedRelease {
    readonly release: string;
    /** The tigera/operator tag the release shipped. */
    readonly operator: string;
    /** Detector IDs with a GlobalAlertTemplate in that operator. */
    readonly detectors: readonly string[];
}

const shipped = (
    operatorTemplates: readonly string[],
    pairs: readonly (readonly [string, string])[],
): ShippedRelease[] =>
    pairs.map(([release, operator]) => ({ release, operator, detectors: operatorTemplates }));

export const globalAlertReleases: readonly ShippedRelease[] = [
    ...shipped(operator126Templates, [
        ["3.13.0", "v1.26.0"],
        ["3.13.1", "v1.26.1"],
        ["3.13.2", "v1.26.2"],
        ["3.13.3", "v1.26.3"],
        ["3.14.0", "v1.27.10"],
        ["3.14.1", "v1.27.11"],
        ["3.14.2", "v1.27.13"],
        ["3.14.3", "v1.27.15"],
        ["3.14.4", "v1.27.17"],
    ]),
    ...shipped(operator128Templates, [
        ["3.15.0", "v1.28.7"],
        ["3.15.1", "v1.28.10"],
        ["3.15.2", "v1.28.11"],
        ["3.15.3", "v1.28.12"],
        ["3.15.4", "v1.28.14"],
        ["3.15.5", "v1.28.15"],
        ["3.16.0", "v1.29.1"],
        ["3.16.1", "v1.29.4"],
        ["3.16.3", "v1.29.5"],
        ["3.16.4", "v1.29.7"],
        ["3.16.5", "v1.29.8"],
        ["3.17.0", "v1.30.3"],
        ["3.17.1", "v1.30.5"],
        ["3.17.2", "v1.30.6"],
        ["3.17.3", "v1.30.8"],
        ["3.17.4", "v1.30.10"],
    ]),
];

/** The shipped GlobalAlert-era release `v`, or undefined when the catalog does not know it. */
export function shippedRelease(v: CalicoVersion): ShippedRelease | undefined {
    return globalAlertReleases.find((r) => compareVersions(version(r.release), v) === 0);
}

/** The known releases of the minor line of `v` (all of them when it has none), for messages. */
export function knownReleasesNear(v: CalicoVersion): string[] {
    const sameMinor = globalAlertReleases.filter((r) => {
        const known = version(r.release);
        return known.major === v.major && known.minor === v.minor;
    });
    return (sameMinor.length > 0 ? sameMinor : globalAlertReleases).map((r) => r.release);
}

/** "3.13.0 to 3.14.4": the releases that offer a detector, as contiguous spans. */
export function releasesOffering(detectorId: string): string {
    const spans: string[][] = [];
    let current: string[] | undefined;
    for (const r of globalAlertReleases) {
        if (r.detectors.includes(detectorId)) {
            current ??= [];
            current.push(r.release);
        } else if (current) {
            spans.push(current);
            current = undefined;
        }
    }
    if (current) {
        spans.push(current);
    }
    return spans.map((s) => (s.length === 1 ? s[0] : `${s[0]} to ${s[s.length - 1]}`)).join(", ");
}

/**
 * Whether release `v` of `era` has detector `id`: in the manifest era when its AD jobs image runs
 * the job, in the GlobalAlert era when its operator renders the template; undefined when the
 * catalog cannot say (a GlobalAlert-era patch release it does not list, or no AD at all).
 */
export function hasDetector(id: string, era: Era, v: CalicoVersion): boolean | undefined {
    if (era === "manifest") {
        return inAnyRange(v, detectorCatalog.find((d) => d.id === id)?.jobs ?? []);
    }
    return era === "globalAlert" ? shippedRelease(v)?.detectors.includes(id) : undefined;
}

/** Where detector `id` exists, for messages and docs: its job's versions, then its releases. */
export function detectorReleases(id: string): string {
    const jobs = detectorCatalog.find((d) => d.id === id)?.jobs ?? [];
    const offering = releasesOffering(id);
    return [
        ...(jobs.length > 0 ? [`${describeRanges(jobs)} (AD jobs)`] : []),
        ...(offering ? [`${offering} (GlobalAlert detectors)`] : []),
    ].join("; ");
}

/** Job IDs of any manifest-era release. */
export const anyReleaseJobIds: readonly string[] = detectorCatalog
    .filter((d) => d.jobs.length > 0)
    .map((d) => d.id);

/** Detector IDs of any GlobalAlert-era release. */
export const anyReleaseDetectorIds: readonly string[] = detectorCatalog
    .filter((d) => releasesOffering(d.id) !== "")
    .map((d) => d.id);
