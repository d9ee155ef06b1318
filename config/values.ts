/** Pure checks of single config values. Each returns the problem as text, or undefined. */
import { EnvVar } from "../catalog/envVars";

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
        return `"${name}" is an unreplaced template placeholder, not a cluster name`;
    }
    if (name.length > maxClusterNameLength) {
        return `"${name}" is ${name.length} characters; at most ${maxClusterNameLength} fit in an Elasticsearch index name`;
    }
    if (!clusterNamePattern.test(name)) {
        return `"${name}" cannot be used in an Elasticsearch index name; allowed: lowercase letters, digits, ".", "_" and "-", starting with a letter or digit`;
    }
    return undefined;
}

const dnsLabel = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const dnsSubdomainPattern = new RegExp(`^${dnsLabel}(\\.${dnsLabel})*$`);

/** Kubernetes object names (Secrets, Pods, Namespaces are DNS subdomains or labels). */
export function dnsSubdomainProblem(name: string): string | undefined {
    if (name.length > 253 || !dnsSubdomainPattern.test(name)) {
        return `"${name}" is not a valid Kubernetes name; allowed: lowercase letters, digits, "-" and ".", at most 253 characters, starting and ending with a letter or digit`;
    }
    return undefined;
}

const imageTagPattern = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const imageRegistryPattern =
    /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]+)?(\/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)*$/;

export function imageTagProblem(tag: string): string | undefined {
    if (tag === "latest") {
        return `"latest" is not a pinned version; use the tag of the Calico release, e.g. v3.12.0`;
    }
    return imageTagPattern.test(tag)
        ? undefined
        : `"${tag}" is not a valid image tag; allowed: letters, digits, "_", "." and "-", at most 128 characters`;
}

export function imageRegistryProblem(registry: string): string | undefined {
    return imageRegistryPattern.test(registry)
        ? undefined
        : `"${registry}" is not a registry path; expected something like quay.io/tigera or registry.example.com:5000/mirror/tigera (no trailing slash, no tag)`;
}

/** Go-style duration of whole hours, minutes and seconds, e.g. 15m or 1h30m. */
export function durationSeconds(text: string): number | undefined {
    const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
    if (!match || text === "") {
        return undefined;
    }
    return Number(match[1] ?? 0) * 3600 + Number(match[2] ?? 0) * 60 + Number(match[3] ?? 0);
}

/** What a catalog env var accepts, for messages. */
export function describeAllowed(envVar: EnvVar): string {
    switch (envVar.type) {
        case "integer":
            return `an integer from ${envVar.min} to ${envVar.max}`;
        case "number":
            return `a number from ${envVar.min} to ${envVar.max}`;
        case "boolean":
            return "true or false";
        case "duration":
            return "a duration such as 20s, 2m or 1h";
        case "fieldList":
            return `a list (or comma-separated string) of: ${envVar.fields?.join(", ")}`;
    }
}

export type Rendered = { value: string } | { problem: string };

/**
 * Checks a config value against the catalog entry and renders it as the env var string the AD
 * job reads. Numbers may arrive as strings (`pulumi config set --path` keeps floats as strings).
 */
export function renderEnvValue(envVar: EnvVar, raw: unknown): Rendered {
    const shown = JSON.stringify(raw);
    const bad = (): Rendered => ({
        problem: `${shown} is not allowed; allowed: ${describeAllowed(envVar)}`,
    });
    switch (envVar.type) {
        case "integer":
        case "number": {
            const n =
                typeof raw === "number"
                    ? raw
                    : typeof raw === "string" && raw.trim() !== ""
                      ? Number(raw)
                      : NaN;
            if (!Number.isFinite(n)) {
                return bad();
            }
            if (envVar.type === "integer" && !Number.isInteger(n)) {
                return bad();
            }
            if (
                (envVar.min !== undefined && n < envVar.min) ||
                (envVar.max !== undefined && n > envVar.max)
            ) {
                return { problem: `${shown} is out of range; allowed: ${describeAllowed(envVar)}` };
            }
            return { value: String(n) };
        }
        case "boolean": {
            const text = String(raw).toLowerCase();
            if (text !== "true" && text !== "false") {
                return bad();
            }
            return { value: text === "true" ? "True" : "False" };
        }
        case "duration": {
            if (typeof raw !== "string" || !/^\d+(ms|s|m|h)$/.test(raw)) {
                return bad();
            }
            return { value: raw };
        }
        case "fieldList": {
            const fields = splitList(raw);
            const unknown = fields?.filter((f) => !envVar.fields?.includes(f));
            if (!fields || fields.length === 0 || (unknown && unknown.length > 0)) {
                return bad();
            }
            return { value: fields.join(",") };
        }
    }
}

/** A list from a YAML list or a comma-separated string; undefined for anything else. */
export function splitList(raw: unknown): string[] | undefined {
    if (typeof raw === "string") {
        return raw
            .split(",")
            .map((item) => item.trim())
            .filter((item) => item !== "");
    }
    if (Array.isArray(raw) && raw.every((item) => typeof item === "string")) {
        return raw.map((item: string) => item.trim());
    }
    return undefined;
}
