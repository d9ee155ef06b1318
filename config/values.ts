/** Pure checks of single config values. Each returns the problem as text, or undefined. */
import { configKey } from "../catalog/configKeys";
import { manifestConstants } from "../catalog/eras";
import { quote } from "../common/quote";
import {
    isDigest,
    isRepositoryName,
    isTag,
    maxNameLength,
    maxTagLength,
    unpinnedTag,
} from "../common/imageReference";

const placeholderPattern = /\$|\{\{|\}\}|<|>/;
/** Characters Elasticsearch allows in an index name, which embeds the cluster name. */
const clusterNamePattern = /^[a-z0-9][a-z0-9._-]*$/;
export const maxClusterNameLength = 200;

/** Why `name` cannot be a Calico cluster name, or undefined when it can. */
export function clusterNameProblem(name: string): string | undefined {
    if (name.trim() === "") {
        return "is empty; set the Calico cluster name (Calico Cloud prints it at install) or leave it unset to read it from the cluster";
    }
    if (placeholderPattern.test(name)) {
        return `${quote(name)} is an unreplaced template placeholder, not a cluster name`;
    }
    if (name.length > maxClusterNameLength) {
        return `${quote(name)} is ${name.length} characters; at most ${maxClusterNameLength} fit in an Elasticsearch index name`;
    }
    if (!clusterNamePattern.test(name)) {
        return `${quote(name)} cannot be used in an Elasticsearch index name; allowed: lowercase letters, digits, ".", "_" and "-", starting with a letter or digit`;
    }
    return undefined;
}

/** Longest RFC 1123 label (namespaces) and subdomain (most other names), as Kubernetes has them. */
export const maxDnsLabelLength = 63;
export const maxDnsSubdomainLength = 253;

const dnsLabel = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
/** RFC 1123 labels (namespaces) and subdomains (most other object names), as Kubernetes has them. */
export const dnsLabelPattern = new RegExp(`^${dnsLabel}$`);
export const dnsSubdomainPattern = new RegExp(`^${dnsLabel}(\\.${dnsLabel})*$`);

/** Kubernetes object names (Secrets, Pods, Namespaces are DNS subdomains or labels). */
export function dnsSubdomainProblem(name: string, what = "Kubernetes name"): string | undefined {
    if (name.length > maxDnsSubdomainLength || !dnsSubdomainPattern.test(name)) {
        return `${quote(name)} is not a valid ${what}; allowed: lowercase letters, digits, "-" and ".", at most ${maxDnsSubdomainLength} characters, starting and ending with a letter or digit`;
    }
    return undefined;
}

/**
 * Why `tag` cannot be the AD jobs image tag, or undefined when it can: a valid tag that pins the
 * image by the one pin rule (a release version, or any tag with a digest), unless
 * `allowUnpinned` is the explicit opt-in.
 */
export function imageTagProblem(
    tag: string,
    digest?: string,
    allowUnpinned = false,
): string | undefined {
    if (!isTag(tag)) {
        return `${quote(tag)} is not a valid image tag; allowed: letters, digits, "_", "." and "-", at most ${maxTagLength} characters, not starting with "." or "-"`;
    }
    if (allowUnpinned) {
        return undefined;
    }
    switch (unpinnedTag(tag, digest)) {
        case "latest":
            return `"latest" is not a pinned version; use the tag of the Calico release, e.g. v3.12.0`;
        case "not a version":
            return `${quote(tag)} is not a release version, so the image can change under the same tag; allowed: a release tag such as v3.12.0, any tag with ${configKey("imageDigest")} set, or ${configKey("allowUnpinnedImage")} set to true (the policy pack refuses the image even then)`;
        default:
            return undefined;
    }
}

export function imageRegistryProblem(registry: string): string | undefined {
    const name = `${registry}/${manifestConstants.imageName}`;
    if (isRepositoryName(name)) {
        return undefined;
    }
    return name.length > maxNameLength
        ? `${quote(registry)} makes the image name ${name.length} characters; at most ${maxNameLength}`
        : `${quote(registry)} is not a registry path; expected something like quay.io/tigera or registry.example.com:5000/mirror/tigera (no trailing slash, no tag; path components in lowercase letters and digits, separated by ".", "_", "__" or "-")`;
}

export function imageDigestProblem(digest: string): string | undefined {
    return isDigest(digest)
        ? undefined
        : `${quote(digest)} is not an image digest; allowed: sha256: followed by 64 lowercase hex digits (or sha512: and 128)`;
}
