/**
 * Which stack owns an object in the cluster. Every object a stack creates carries the owner
 * annotation; preflight refuses to take over an object that names another stack, so two stacks
 * never claim (and then delete) the same object.
 */

/** Annotation naming the owning stack as `<organization>/<project>/<stack>`. */
export const ownerAnnotation = "calico-ad/stack";

/** The owner value of a stack. */
export function stackOwner(organization: string, project: string, stack: string): string {
    return `${organization}/${project}/${stack}`;
}

/**
 * Annotations of an object a stack manages: its owner, and server-side apply with force. The
 * stack owns each field it sets, so its apply takes a field back from `kubectl apply` (the
 * workshop route, adopted by the first `pulumi up`) or `kubectl set env` (drift, put back by
 * `pulumi up --refresh`) instead of failing with a field conflict. None without an owner.
 */
export function ownerAnnotations(owner: string | undefined): Record<string, string> {
    return owner === undefined ? {} : { [ownerAnnotation]: owner, "pulumi.com/patchForce": "true" };
}

/** The owner annotation of an object read from the cluster, if it has one. */
export function ownerOf(object: unknown): string | undefined {
    const annotations = (object as { metadata?: { annotations?: Record<string, unknown> } })
        ?.metadata?.annotations;
    const owner = annotations?.[ownerAnnotation];
    return typeof owner === "string" ? owner : undefined;
}

/** The resource types (as kubectl names them) of every object a stack can own. */
export const ownedResourceTypes = [
    "deployments.apps",
    "networkpolicies.projectcalico.org",
    "globalalerts.projectcalico.org",
    "securityeventwebhooks.projectcalico.org",
] as const;
