/** Pure questions answered from the catalog data. */
import { detectorCatalog, Detector } from "./detectors";
import { shippedRelease } from "./releases";
import { globalAlertRules, GlobalAlertRules } from "./scanAlert";
import { DocumentedSpan, envVarCatalog, EnvVar } from "./envVars";
import {
    ClusterType,
    cloudToEnterpriseEquivalent,
    Era,
    eraSpans,
    ElasticsearchAccess,
    elasticsearchAccess,
    globalAlertConstants,
    JobsSecurityContext,
    manifestConstants,
    manifestSteps,
} from "./eras";
import {
    CalicoVersion,
    compareVersions,
    inAnyRange,
    inRange,
    Product,
    valueAt,
    version,
} from "./versions";

/** The AD mechanism of a release, or the reason it has none. */
export function eraOf(product: Product, v: CalicoVersion): Era | { unsupported: string } {
    const span = eraSpans.find((s) => s.product === product && inRange(v, s.range));
    if (!span) {
        throw new Error(`catalog error: no era for ${product}`);
    }
    return span.era;
}

/** What the API server of a release without AD accepts in a GlobalAlert; undefined elsewhere. */
export function globalAlertRulesOf(
    product: Product,
    v: CalicoVersion,
): GlobalAlertRules | undefined {
    return globalAlertRules.find((r) => r.product === product && inRange(v, r.range))?.rules;
}

/** Why AD is gone in a release without it (CE 3.18+, CC 18.3+), or undefined. */
export function adRemovedIn(product: Product, v: CalicoVersion): string | undefined {
    return eraSpans.find((s) => s.product === product && inRange(v, s.range))?.adRemoved;
}

/**
 * The Calico Enterprise release whose detectors and env vars a release has. Calico Cloud 3.x
 * releases are not in the Enterprise release lists; each takes the set of the first Enterprise
 * release of its minor line, whose operator line it shares.
 */
export function enterpriseEquivalent(product: Product, v: CalicoVersion): CalicoVersion {
    if (product === "cloud") {
        const mapped = [...cloudToEnterpriseEquivalent]
            .reverse()
            .find((m) => compareVersions(v, version(m.from)) >= 0);
        return mapped ? version(mapped.enterprise) : { ...v, patch: 0 };
    }
    return v;
}

/** Manifest-era job IDs that the AD jobs image of this release runs. */
export function jobsOf(v: CalicoVersion): string[] {
    return detectorCatalog.filter((d) => inAnyRange(v, d.jobs)).map((d) => d.id);
}

/**
 * GlobalAlert-era detector IDs that the operator this Calico Enterprise release shipped offers,
 * in catalog order; undefined for a release the catalog does not know.
 */
export function detectorsOf(v: CalicoVersion): string[] | undefined {
    const release = shippedRelease(v);
    return (
        release && detectorCatalog.filter((d) => release.detectors.includes(d.id)).map((d) => d.id)
    );
}

/** `tigera.io.detector.<id-with-dashes>`: the only GlobalAlert names the Calico API server accepts. */
export function globalAlertName(detectorId: string): string {
    return `${globalAlertConstants.namePrefix}${detectorId.replace(/_/g, "-")}`;
}

export function findDetector(id: string): Detector | undefined {
    return detectorCatalog.find((d) => d.id === id);
}

export function findEnvVar(name: string): EnvVar | undefined {
    return envVarCatalog.find((e) => e.name === name);
}

/**
 * Whether an object's namespace and name are those of the manifest-era AD jobs Deployment
 * (`tigera-intrusion-detection/ad-jobs-deployment`); the caller knows it is a Deployment.
 */
export function isAdDeployment(
    metadata: { readonly namespace?: unknown; readonly name?: unknown } | undefined,
): boolean {
    return (
        metadata?.namespace === manifestConstants.namespace &&
        metadata?.name === manifestConstants.deploymentName
    );
}

/** What the documentation of release `v` says about `envVar`, if it lists it. */
export function documentedAt(envVar: EnvVar, v: CalicoVersion): DocumentedSpan | undefined {
    return envVar.documented.find((span) => inRange(v, span.releases));
}

/** The version-dependent shape of the manifest-era objects. */
export interface ManifestProfile {
    readonly args: readonly string[];
    readonly securityContext: JobsSecurityContext;
    readonly modelsHostPath: string;
    readonly httpApi: boolean;
    /** Whether the release reads AD_DISABLED_JOBS, so the stack writes it. */
    readonly readsDisabledJobs: boolean;
    readonly defaultDisabledJobs: readonly string[];
    readonly elasticsearch: ElasticsearchAccess;
}

export function manifestProfile(v: CalicoVersion, clusterType: ClusterType): ManifestProfile {
    return {
        args: valueAt(v, manifestSteps.args),
        securityContext: valueAt(v, manifestSteps.securityContext),
        modelsHostPath: valueAt(v, manifestSteps.modelsHostPath),
        httpApi: valueAt(v, manifestSteps.httpApi),
        readsDisabledJobs: valueAt(v, manifestSteps.readsDisabledJobs),
        defaultDisabledJobs: valueAt(v, manifestSteps.defaultDisabledJobs),
        elasticsearch: valueAt(v, elasticsearchAccess[clusterType]),
    };
}

/** Optimal string alignment distance, case-insensitive: how far a typo is from a name. */
export function editDistance(a: string, b: string): number {
    const s = a.toLowerCase();
    const t = b.toLowerCase();
    const d: number[][] = Array.from({ length: s.length + 1 }, (_, i) =>
        Array.from({ length: t.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
    );
    for (let i = 1; i <= s.length; i++) {
        for (let j = 1; j <= t.length; j++) {
            const cost = s[i - 1] === t[j - 1] ? 0 : 1;
            d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) {
                d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
            }
        }
    }
    return d[s.length][t.length];
}

/** The candidate closest to `name`, if it is close enough to be the intended one. */
export function nearestName(name: string, candidates: readonly string[]): string | undefined {
    let best: { candidate: string; distance: number } | undefined;
    for (const candidate of candidates) {
        const distance = editDistance(name, candidate);
        if (!best || distance < best.distance) {
            best = { candidate, distance };
        }
    }
    const tolerance = Math.max(2, Math.floor(name.length / 3));
    return best && best.distance <= tolerance ? best.candidate : undefined;
}
