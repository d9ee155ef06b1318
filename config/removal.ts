/**
 * Releases in which Anomaly Detection was removed (CE 3.18+, CC 18.3+). A stack that deployed AD
 * may move to one, and its AD objects are then deleted; a stack that never deployed fails with
 * the removal message as before (`parseSettings`). Kept apart from settings.ts, which validates
 * releases that still have AD.
 */
import * as pulumi from "@pulumi/pulumi";
import { configKey, scalarKey } from "../catalog/configKeys";
import { eraSpans, products } from "../catalog/eras";
import { inRange, parseVersion, Product, releaseName } from "../catalog/versions";
import { ReportedRelease } from "./settings";

/** The release and why AD is gone, when the config names a release without AD. */
export interface RemovedRelease {
    readonly release: string;
    readonly reason: string;
}

/** @param reported what the cluster reports, used when calicoVersion is unset */
export function removedRelease(
    raw: Readonly<Record<string, string>>,
    reported?: ReportedRelease,
): RemovedRelease | undefined {
    const product = (raw[configKey("product")] || scalarKey("product").default) as Product;
    const configured = raw[configKey("calicoVersion")] ?? "";
    const version =
        configured === "" && reported && "version" in reported
            ? reported.version
            : parseVersion(configured);
    if (!products.includes(product) || !version) {
        return undefined;
    }
    const span = eraSpans.find((s) => s.product === product && inRange(version, s.range));
    // Removal is the open-ended span at the top; the one below 3.5 was never AD's manifest era.
    if (!span || typeof span.era !== "object" || span.range.until !== undefined) {
        return undefined;
    }
    return { release: releaseName(product, version), reason: span.era.unsupported };
}

/** The warning of a deployed stack moving to a release without AD. */
export function removalWarning(removed: RemovedRelease, deployed: readonly string[]): string {
    return `${removed.reason}. This stack deployed Anomaly Detection before, so moving it to ${removed.release} deletes its AD objects${deployed.length > 0 ? `: ${deployed.join(", ")}` : ""}; nothing else changes`;
}

/** The outputs of a stack whose release has no AD, or undefined when the program goes on. */
export interface RemovalOutputs {
    readonly release: string;
    readonly era: "removed";
    readonly deployed: readonly string[];
}

/**
 * For a release without AD: when the stack deployed AD before, warns and returns the outputs
 * of a program that declares nothing, so Pulumi deletes the AD objects. What Pulumi deletes is
 * what the stack's state holds, so the last update's `deployed` output (not the cluster) says
 * whether the stack deployed AD. Otherwise undefined, and `parseSettings` refuses the release.
 */
export async function removalOfDeployedAd(
    raw: Readonly<Record<string, string>>,
    reported?: ReportedRelease,
): Promise<RemovalOutputs | undefined> {
    const removed = removedRelease(raw, reported);
    if (!removed) {
        return undefined;
    }
    const self = new pulumi.StackReference("previous-deployment", {
        name: `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`,
    });
    const deployed = (await self.getOutputDetails("deployed")).value as string[] | undefined;
    if (deployed === undefined) {
        return undefined;
    }
    pulumi.log.warn(removalWarning(removed, deployed));
    return { release: removed.release, era: "removed", deployed: [] };
}
