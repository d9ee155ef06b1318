/**
 * Container image references in the grammar of the distribution project's `reference` package
 * (the one Docker, containerd and the kubelet parse): `[domain[:port]/]path[:tag][@digest]`.
 */

const alphaNumeric = "[a-z0-9]+";
const separator = "(?:[._]|__|-+)";
const pathComponent = `${alphaNumeric}(?:${separator}${alphaNumeric})*`;
const domainComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const domainName = `${domainComponent}(?:\\.${domainComponent})*`;
const domain = `(?:${domainName}|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;

const pathComponentPattern = new RegExp(`^${pathComponent}$`);
const domainPattern = new RegExp(`^${domain}$`);
/** Longest tag the grammar allows. */
export const maxTagLength = 128;
const tagPattern = new RegExp(`^[\\w][\\w.-]{0,${maxTagLength - 1}}$`);
/** Kubernetes runtimes accept the registered algorithms with their exact digest lengths. */
const digestPattern = /^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;
/** Longest repository name (domain and path) the grammar allows. */
export const maxNameLength = 255;

/**
 * Whether `name` is a repository name (no tag, no digest). The first component is a domain only
 * when it has a "." or ":" or is localhost, as in the grammar; otherwise it is a path component.
 */
export function isRepositoryName(name: string): boolean {
    if (name.length === 0 || name.length > maxNameLength) {
        return false;
    }
    const components = name.split("/");
    const first = components[0];
    const hasDomain = components.length > 1 && (/[.:]/.test(first) || first === "localhost");
    const path = hasDomain ? components.slice(1) : components;
    return (
        (!hasDomain || domainPattern.test(first)) &&
        path.length > 0 &&
        path.every((c) => pathComponentPattern.test(c))
    );
}

export const isTag = (tag: string): boolean => tagPattern.test(tag);
export const isDigest = (digest: string): boolean => digestPattern.test(digest);

/** A reference split into name, tag and digest; undefined when it is not a valid reference. */
export function parseImageReference(
    reference: string,
): { name: string; tag?: string; digest?: string } | undefined {
    const at = reference.indexOf("@");
    const digest = at < 0 ? undefined : reference.slice(at + 1);
    const rest = at < 0 ? reference : reference.slice(0, at);
    const lastSlash = rest.lastIndexOf("/");
    const colon = rest.lastIndexOf(":");
    const tag = colon > lastSlash ? rest.slice(colon + 1) : undefined;
    const name = colon > lastSlash ? rest.slice(0, colon) : rest;
    if (
        !isRepositoryName(name) ||
        (tag !== undefined && !isTag(tag)) ||
        (digest !== undefined && !isDigest(digest))
    ) {
        return undefined;
    }
    return { name, tag, digest };
}

/** A release tag: `v3.12.0`, `3.12`, `v3.12.0-1`; a bare major such as `3` still floats. */
const versionTagPattern = /^v?\d+\.\d+(?:\.\d+)*(?:[-+._][0-9A-Za-z.-]+)?$/;

/**
 * The one image pin rule of stack config and the policy pack: an image is pinned by a digest, or
 * else by a release version tag. Returns why the tag does not pin it, or undefined when pinned.
 */
export function unpinnedTag(
    tag: string | undefined,
    digest: string | undefined,
): "untagged" | "latest" | "not a version" | undefined {
    if (digest !== undefined) {
        return undefined;
    }
    if (tag === undefined) {
        return "untagged";
    }
    if (tag === "latest") {
        return "latest";
    }
    return versionTagPattern.test(tag) ? undefined : "not a version";
}
