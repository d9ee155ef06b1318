/**
 * Releases in which Anomaly Detection was removed (CE 3.18+, CC 18.3+). A stack that deployed AD
 * may move to one, and its AD objects are then deleted; a stack that never deployed fails with
 * the removal message as before (`parseSettings`). Kept apart from settings.ts, which validates
 * releases that still have AD.
 */
import { configKey } from "../catalog/configKeys";
import { eraSpans, products } from "../catalog/eras";
import { inRange, parseVersion, Product, releaseName } from "../catalog/versions";

/** The release and why AD is gone, when the config names a release without AD. */
export interface RemovedRelease {
    readonly release: string;
    readonly reason: string;
}

export function removedRelease(raw: Readonly<Record<string, string>>): RemovedRelease | undefined {
    const product = (raw[configKey("product")] || "enterprise") as Product;
    const version = parseVersion(raw[configKey("calicoVersion")] ?? "");
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
