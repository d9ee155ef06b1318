/**
 * Releases in which Anomaly Detection was removed (CE 3.18+, CC 18.3+) and what
 * `calico-ad:afterAdRemoval` makes of them. With `scanAlert` (the default) `parseSettings` settles
 * the rule-based scan alert and `transitionWarning` names what an upgrade changes; with
 * `deleteOnly` a stack that deployed AD declares nothing, so its AD objects are deleted; with
 * `fail`, or `deleteOnly` on a stack that never deployed AD, `parseSettings` refuses the release.
 */
import * as pulumi from "@pulumi/pulumi";
import { configKey, scalarKey } from "../catalog/configKeys";
import { products } from "../catalog/eras";
import { adRemovedIn } from "../catalog/lookup";
import { AfterAdRemoval, afterAdRemovalChoices } from "../catalog/scanAlert";
import { parseVersion, Product, releaseName } from "../catalog/versions";
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
    const reason = adRemovedIn(product, version);
    return reason ? { release: releaseName(product, version), reason } : undefined;
}

/** `calico-ad:afterAdRemoval` as configured; undefined when bad (parseSettings reports it). */
export function afterAdRemoval(raw: Readonly<Record<string, string>>): AfterAdRemoval | undefined {
    const value = raw[configKey("afterAdRemoval")] || scalarKey("afterAdRemoval").default;
    return afterAdRemovalChoices.find((choice) => choice === value);
}

/** The warning of a deployed stack whose AD objects are deleted and nothing replaces them. */
export function removalWarning(removed: RemovedRelease, deployed: readonly string[]): string {
    return `${removed.reason}. This stack deployed objects before, so on ${removed.release} it deletes them${deployed.length > 0 ? `: ${deployed.join(", ")}` : ""}; nothing else changes (${configKey("afterAdRemoval")} is deleteOnly)`;
}

/**
 * The warning of a deployed AD stack moving to a release without AD that deploys the scan alert
 * instead: what is deleted, what is created, and how to keep the old behaviour.
 */
export function transitionWarning(
    removed: RemovedRelease,
    deleted: readonly string[],
    created: readonly string[],
    threshold: number,
): string {
    return `${removed.reason}. This stack deployed Anomaly Detection before, so moving it to ${removed.release} deletes its AD objects${deleted.length > 0 ? `: ${deleted.join(", ")}` : ""}, and creates ${created.join(" and ")} in their place: a RuleBased alert on denied TCP flows that approximates AD's port-scan detector (threshold ${threshold} flow logs per source and destination; see docs/configuration.md); set ${configKey("afterAdRemoval")} to deleteOnly to only delete the AD objects, or to fail to refuse the release`;
}

/** The outputs of a stack whose release has no AD, or undefined when the program goes on. */
export interface RemovalOutputs {
    readonly release: string;
    readonly era: "removed";
    readonly deployed: readonly string[];
}

/** What the stack's last update exported: its era and the objects it deployed. */
export interface PreviousDeployment {
    readonly era?: string;
    readonly deployed?: readonly string[];
}

/**
 * The last update's `era` and `deployed` outputs. What Pulumi deletes is what the stack's state
 * holds, so these (not the cluster) say whether the stack deployed AD.
 */
export async function previousDeployment(): Promise<PreviousDeployment> {
    const self = new pulumi.StackReference("previous-deployment", {
        name: `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`,
    });
    const [era, deployed] = await Promise.all([
        self.getOutputDetails("era"),
        self.getOutputDetails("deployed"),
    ]);
    return {
        era: era.value as string | undefined,
        deployed: deployed.value as string[] | undefined,
    };
}

/** Whether the last update deployed AD objects (manifest or GlobalAlert era). */
export const deployedAd = (previous: PreviousDeployment): boolean =>
    previous.era === "manifest" || previous.era === "globalAlert";

/**
 * For a release without AD and `afterAdRemoval: deleteOnly`: when the stack deployed AD before,
 * warns and returns the outputs of a program that declares nothing, so Pulumi deletes the AD
 * objects. Otherwise undefined, and the program goes on to `parseSettings`.
 */
export async function removalOfDeployedAd(
    raw: Readonly<Record<string, string>>,
    reported?: ReportedRelease,
): Promise<RemovalOutputs | undefined> {
    const removed = removedRelease(raw, reported);
    if (!removed || afterAdRemoval(raw) !== "deleteOnly") {
        return undefined;
    }
    const previous = await previousDeployment();
    if (previous.deployed === undefined) {
        return undefined;
    }
    // Once deleted, later updates have nothing to warn about.
    if (previous.deployed.length > 0) {
        pulumi.log.warn(removalWarning(removed, previous.deployed));
    }
    return { release: removed.release, era: "removed", deployed: [] };
}

/**
 * For a release without AD and `afterAdRemoval: scanAlert`: the warning naming what changes when
 * the stack deployed AD before, or undefined (a new stack, or one that already has the alert).
 */
export async function scanAlertTransition(
    raw: Readonly<Record<string, string>>,
    reported: ReportedRelease | undefined,
    created: readonly string[],
    threshold: number,
): Promise<string | undefined> {
    const removed = removedRelease(raw, reported);
    if (!removed) {
        return undefined;
    }
    const previous = await previousDeployment();
    if (!deployedAd(previous)) {
        return undefined;
    }
    const deleted = (previous.deployed ?? []).filter((object) => !created.includes(object));
    return transitionWarning(removed, deleted, created, threshold);
}
