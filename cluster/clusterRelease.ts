/**
 * The Calico Enterprise release a cluster runs, as the cluster itself reports it.
 *
 * What upstream exposes, and why ClusterInformation wins:
 * - ClusterInformation `default` (projectcalico.org/v3, cluster-scoped) has `spec.cnxVersion`,
 *   "the version of Calico Enterprise that the cluster is running" (tigera/api
 *   pkg/apis/projectcalico/v3/clusterinfo.go; in its first public commit 1987279 of 2021-07-08
 *   and still there), deprecated in favour of `spec.calicoEnterpriseVersion` (added in 2263cf2,
 *   2025-09-16, after AD was removed). Both are read, the newer first.
 * - Its `spec.calicoVersion` is the Calico Open Source version calico/node writes at startup
 *   (projectcalico/calico libcalico-go/lib/clientv3/client.go ensureClusterInformation, from
 *   buildinfo.Version): it says that Calico runs, not which Enterprise release.
 * - The operator's Installation `default` has `status.calicoVersion` with `status.variant`
 *   (tigera/operator api/v1/installation_types.go), but only from operator v1.29 (CE 3.16;
 *   commit 5bb532cdd), and the operator writes it only once every component is available
 *   (pkg/controller/installation/core_controller.go), so it misses CE 3.5 to 3.15 and lags an
 *   upgrade in progress. Not read.
 * - Calico Cloud clusters run a Calico Enterprise build: tigera/docs calico-cloud/variables.js
 *   pairs Calico Cloud v20.4.0 with cnx-node v3.21.0-1.0. What such a cluster reports is not its
 *   Calico Cloud release, so nothing is read for product cloud (config/settings.ts).
 *
 * Confidence: the fields and their meaning are upstream API definitions (high). The component
 * that writes `cnxVersion` is in Calico Enterprise's private code, so its format is inferred
 * (medium): the release tag, as the operator's enterprise_versions.yml spells releases (v3.17.0,
 * v3.14.0-4, v3.18.0-1.1). The leading "v" and a build suffix after "-" are dropped.
 */
import { prerequisites } from "../catalog/prerequisites";
import { configKey } from "../catalog/configKeys";
import { CalicoVersion, compareVersions, formatVersion, parseVersion } from "../catalog/versions";
import { quote } from "../common/quote";
import { ReportedRelease } from "../config/settings";
import { ClusterUnreadableError } from "./kubectl";
import type { ClusterReader } from "./clusterReader";

/** The fields holding the Enterprise release, newest name first. */
export const enterpriseVersionFields = ["calicoEnterpriseVersion", "cnxVersion"] as const;

const clusterInformation = prerequisites.clusterInformation;
const where = `${clusterInformation.resource}/${clusterInformation.name}`;

/** A release tag such as v3.17.0 or v3.18.0-1.1: MAJOR.MINOR.PATCH and an optional build. */
const releaseTag = /^v?(\d+\.\d+\.\d+)(?:-[0-9A-Za-z.]+)?$/;

/** The release a ClusterInformation object reports, or why it reports none. */
export function releaseFromClusterInformation(object: unknown): ReportedRelease {
    if (object === undefined) {
        return {
            unknown: `the cluster has no ${where} (${clusterInformation.howCreated})`,
        };
    }
    const spec = (object as { spec?: Record<string, unknown> })?.spec ?? {};
    const field = enterpriseVersionFields.find(
        (name) => spec[name] !== undefined && spec[name] !== "",
    );
    if (field === undefined) {
        const calico = spec.calicoVersion;
        return {
            unknown: `${where} has no ${enterpriseVersionFields.map((f) => `spec.${f}`).join(" or ")}${typeof calico === "string" && calico !== "" ? ` (only spec.calicoVersion ${quote(calico)}, the Calico Open Source version: is this Calico Enterprise?)` : ""}`,
        };
    }
    const source = `spec.${field} of ${where}`;
    const reported = spec[field];
    const match = typeof reported === "string" ? releaseTag.exec(reported) : null;
    const version = match ? parseVersion(match[1]) : undefined;
    if (!version) {
        return {
            unknown: `${source} is ${quote(reported)}, not a release version such as v3.12.0`,
        };
    }
    return { version, reported: String(reported), source };
}

/**
 * Reads ClusterInformation `default` and returns the release it reports. A cluster that cannot
 * be read reports none, with the reason, so that parseSettings lists it with every other problem.
 */
export async function readClusterRelease(cluster: ClusterReader): Promise<ReportedRelease> {
    try {
        return releaseFromClusterInformation(await cluster.get(clusterInformation));
    } catch (error) {
        if (error instanceof ClusterUnreadableError) {
            return { unknown: error.message };
        }
        throw error;
    }
}

/**
 * The problem when the configured calicoVersion is not the Calico Enterprise release the cluster
 * reports; undefined when they agree or the cluster reports none.
 */
export function releaseMismatch(
    configured: CalicoVersion,
    reported: ReportedRelease,
): string | undefined {
    if (!("version" in reported) || compareVersions(configured, reported.version) === 0) {
        return undefined;
    }
    return `${configKey("calicoVersion")} is ${quote(formatVersion(configured))} but the cluster runs Calico Enterprise ${quote(reported.reported)} (${reported.source}); fix the config or unset it to use the cluster's release`;
}
