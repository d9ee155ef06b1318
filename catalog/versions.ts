/** Calico product versions: parsing, ordering and version ranges. */

export type Product = "enterprise" | "cloud";

/** A Calico Enterprise or Calico Cloud release, e.g. 3.12.0. */
export interface CalicoVersion {
    readonly major: number;
    readonly minor: number;
    readonly patch: number;
}

/** Half-open range [from, until) of versions; a missing bound is open. */
export interface VersionRange {
    readonly from?: string;
    readonly until?: string;
}

/** MAJOR.MINOR.PATCH without leading zeros or suffixes, each part at most three digits. */
const versionPattern = /^v?(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;

/** Parses "3.12.0" or "v3.12.0"; returns undefined for anything else. */
export function parseVersion(text: string): CalicoVersion | undefined {
    const match = versionPattern.exec(text);
    if (!match) {
        return undefined;
    }
    return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]) };
}

/** Parses a version known to be well formed (catalog data). */
export function version(text: string): CalicoVersion {
    const parsed = parseVersion(text);
    if (!parsed) {
        throw new Error(`catalog error: "${text}" is not a version`);
    }
    return parsed;
}

export function formatVersion(v: CalicoVersion): string {
    return `${v.major}.${v.minor}.${v.patch}`;
}

/** "Calico Enterprise 3.12.0" or "Calico Cloud 18.2.0", for messages and outputs. */
export function releaseName(product: Product, v: CalicoVersion): string {
    return `Calico ${product === "cloud" ? "Cloud" : "Enterprise"} ${formatVersion(v)}`;
}

export function compareVersions(a: CalicoVersion, b: CalicoVersion): number {
    return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

export function inRange(v: CalicoVersion, range: VersionRange): boolean {
    if (range.from !== undefined && compareVersions(v, version(range.from)) < 0) {
        return false;
    }
    return range.until === undefined || compareVersions(v, version(range.until)) < 0;
}

export function inAnyRange(v: CalicoVersion, ranges: readonly VersionRange[]): boolean {
    return ranges.some((range) => inRange(v, range));
}

/** "3.7.0 to before 3.11.0", for messages. */
export function describeRanges(ranges: readonly VersionRange[]): string {
    return ranges
        .map((r) => {
            if (r.from && r.until) {
                return `${r.from} up to (not including) ${r.until}`;
            }
            return r.from ? `${r.from} and later` : `before ${r.until}`;
        })
        .join(", or ");
}

/**
 * Picks the value of the last step whose `since` is not after `v`: the catalog records each
 * manifest detail as the list of versions at which it changed.
 */
export function valueAt<T>(
    v: CalicoVersion,
    steps: readonly { readonly since: string; readonly value: T }[],
): T {
    let current: T | undefined;
    for (const step of steps) {
        if (compareVersions(v, version(step.since)) >= 0) {
            current = step.value;
        }
    }
    if (current === undefined) {
        throw new Error(`catalog error: no value for version ${formatVersion(v)}`);
    }
    return current;
}
