/**
 * Resolving the release: product, calicoVersion (or the release the cluster reports when it is
 * unset) and clusterType settle into the release whose era and catalog entries decide what the
 * rest of the config may hold. `clusterReleaseToRead` says whether the cluster must be asked.
 */
import { configKey, scalarKey } from "../catalog/configKeys";
import { ClusterType, Era, releaseShapes } from "../catalog/eras";
import { adRemovedIn, detectorsOf, enterpriseEquivalent, eraOf } from "../catalog/lookup";
import { knownReleasesNear } from "../catalog/releases";
import { AfterAdRemoval } from "../catalog/scanAlert";
import { CalicoVersion, parseVersion, Product, releaseName } from "../catalog/versions";
import { KubeContexts } from "../common/kubeconfig";
import { quote } from "../common/quote";
import { kubeContextMissing } from "./kubeContext";
import { validScalar } from "./rawConfig";

/**
 * The Calico Enterprise release the cluster reports (cluster/clusterRelease.ts), or why it
 * reports none (a phrase that follows "the cluster does not report its release: ").
 */
export type ReportedRelease =
    | {
          readonly version: CalicoVersion;
          /** The value as the cluster holds it, e.g. v3.17.0. */
          readonly reported: string;
          /** The field and object it was read from. */
          readonly source: string;
      }
    | { readonly unknown: string };

/**
 * Whether the cluster's release must be read before the settings can be settled: only when
 * calicoVersion is unset, the product is Calico Enterprise, the stack deploys (no
 * renderDirectory) and the kube context is usable. Returns the context to read with (undefined:
 * the current one), or false. Bad values are not reported here; parseSettings reports them.
 */
export function clusterReleaseToRead(
    raw: Readonly<Record<string, string>>,
    kubeContexts?: KubeContexts,
): { readonly kubeContext?: string } | false {
    if (
        validScalar(raw, "calicoVersion") !== undefined ||
        validScalar(raw, "renderDirectory") !== undefined ||
        validScalar(raw, "product") !== "enterprise"
    ) {
        return false;
    }
    const context = validScalar(raw, "kubeContext");
    return context === undefined || kubeContextMissing(context, kubeContexts) === undefined
        ? { kubeContext: context }
        : false;
}

/** The release as far as the config names it; `unknown` says why it cannot be used. */
export type ReleaseKnowledge =
    | {
          readonly known: true;
          readonly product: Product;
          readonly version: CalicoVersion;
          readonly clusterType: ClusterType;
          readonly era: Era;
          readonly name: string;
          /** Set when the version was read from the cluster. */
          readonly readFrom?: string;
      }
    | {
          readonly known: false;
          readonly era?: Era;
          readonly name?: string;
          readonly why: string;
          readonly clusterType?: ClusterType;
      };

/** The release with the problems that make it unusable, each a whole line. */
export type ResolvedRelease = ReleaseKnowledge & { readonly problems: readonly string[] };

/**
 * Resolves the release from the release keys alone (product, calicoVersion, clusterType,
 * afterAdRemoval, renderDirectory) and what the cluster reports. A bad value of one of these
 * keys counts as unset here; the stack config's schema reports it.
 */
export function resolveRelease(
    raw: Readonly<Record<string, string>>,
    reported: ReportedRelease | undefined,
): ResolvedRelease {
    const product = validScalar(raw, "product");
    const clusterType = validScalar(raw, "clusterType");
    const problems: string[] = [];
    const knowledge = knowRelease(
        product,
        validScalar(raw, "calicoVersion") ??
            versionFromCluster(product, validScalar(raw, "renderDirectory"), reported),
        clusterType,
        validScalar(raw, "afterAdRemoval") ?? scalarKey("afterAdRemoval").default,
        problems,
    );
    return { clusterType, ...knowledge, problems };
}

/** The version as the cluster reports it, when the config leaves it unset. */
type VersionFromCluster =
    Extract<ReportedRelease, { version: CalicoVersion }> | { readonly problem: string };

/** The cluster's release for a stack that leaves calicoVersion unset, or why there is none. */
function versionFromCluster(
    product: Product | undefined,
    renderDirectory: string | undefined,
    reported: ReportedRelease | undefined,
): VersionFromCluster {
    const howToSet = `set it with \`pulumi config set ${configKey("calicoVersion")} <MAJOR.MINOR.PATCH>\``;
    if (renderDirectory !== undefined) {
        return {
            problem: `required with ${configKey("renderDirectory")}, because a rendered manifest cannot read the release from a cluster; ${howToSet}`,
        };
    }
    if (product === "cloud") {
        return {
            problem: `required for Calico Cloud, because its clusters report the Calico Enterprise build they run (ClusterInformation spec.cnxVersion), not the Calico Cloud release; ${howToSet}`,
        };
    }
    if (reported === undefined) {
        return {
            problem: `required unless the cluster reports its release, which was not read (see the other problems); ${howToSet}`,
        };
    }
    if ("unknown" in reported) {
        return {
            problem: `not set, and the cluster does not report its Calico Enterprise release: ${reported.unknown}; ${howToSet}`,
        };
    }
    return reported;
}

/** Settles product, version and cluster type, recording a problem for each bad one. */
function knowRelease(
    product: Product | undefined,
    configuredOrRead: string | VersionFromCluster,
    clusterType: ClusterType | undefined,
    afterAdRemoval: AfterAdRemoval,
    problems: string[],
): ReleaseKnowledge {
    const fromCluster = typeof configuredOrRead === "string" ? undefined : configuredOrRead;
    if (fromCluster && "problem" in fromCluster) {
        problems.push(`${configKey("calicoVersion")}: ${fromCluster.problem}`);
    }
    const read = fromCluster && "version" in fromCluster ? fromCluster : undefined;
    const versionText = fromCluster ? read?.reported : (configuredOrRead as string);
    // Messages about a read release name where it came from, not the unset key.
    const key = read
        ? `the release read from ${read.source} (${configKey("calicoVersion")} is not set)`
        : configKey("calicoVersion");
    const version =
        read?.version ?? (versionText === undefined ? undefined : parseVersion(versionText));
    if (versionText !== undefined && !version) {
        problems.push(
            `${key}: ${quote(versionText)} is not a release version; allowed: MAJOR.MINOR.PATCH such as 3.12.0 (digits without leading zeros; the image tag is derived from it)`,
        );
    }
    if (version && product && !releaseShapes[product].hasMajor(version.major)) {
        const cloudHint =
            product === "enterprise" && releaseShapes.cloud.hasMajor(version.major)
                ? `; it looks like a Calico Cloud version (set ${configKey("product")} to cloud)`
                : "";
        problems.push(
            `${key}: ${quote(versionText)} is not a ${releaseName(product, version).replace(/ [^ ]+$/, "")} release; allowed: ${releaseShapes[product].shown}${cloudHint}`,
        );
        return { known: false, why: `${key} is not a release of ${quote(product)}` };
    }
    if (!version || !product || !clusterType) {
        const bad = [
            ...(!product ? [configKey("product")] : []),
            ...(!version ? [key] : []),
            ...(!clusterType ? [configKey("clusterType")] : []),
        ];
        return {
            known: false,
            why: `${bad.join(" and ")} ${bad.length === 1 ? "is" : "are"} missing or invalid`,
        };
    }
    const name = releaseName(product, version);
    const era = eraOf(product, version);
    if (typeof era === "object") {
        problems.push(`${key}: ${name} is not supported: ${era.unsupported}`);
        return { known: false, name, why: `${name} has no Anomaly Detection to configure` };
    }
    if (era === "ruleBased" && afterAdRemoval !== "scanAlert") {
        const why =
            afterAdRemoval === "fail"
                ? "is fail"
                : "is deleteOnly, which deletes the AD objects of a stack that deployed them, and this stack has deployed none";
        problems.push(
            `${key}: ${name} is not supported: ${adRemovedIn(product, version)}; ${configKey("afterAdRemoval")} ${why} (set it to scanAlert to deploy the rule-based port-scan alert instead)`,
        );
        return { known: false, name, why: `${name} has no Anomaly Detection to configure` };
    }
    if (era === "globalAlert" && !detectorsOf(enterpriseEquivalent(product, version))) {
        const near = knownReleasesNear(enterpriseEquivalent(product, version));
        problems.push(
            `${key}: the catalog knows no detectors for ${name}: it is not a release listed in tigera/docs releases.json, so the operator it shipped is unknown; known releases: ${near.join(", ")}`,
        );
        return { known: false, era, name, why: `the detectors of ${name} are unknown` };
    }
    return { known: true, product, version, clusterType, era, name, readFrom: read?.source };
}
