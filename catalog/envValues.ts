/**
 * What a catalog env var accepts, and how a value becomes the string the AD job reads: the one
 * check that stack config validation and the policy pack share.
 */
import { quote } from "../common/quote";
import { EnvVar } from "./envVars";

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

const isScalar = (raw: unknown) =>
    typeof raw === "string" || typeof raw === "number" || typeof raw === "boolean";

/**
 * Checks a value against the catalog entry and renders it as the env var string the AD job
 * reads. Numbers may arrive as strings (`pulumi config set --path` keeps floats as strings), and
 * rendered values ("True", "0.75") are accepted again, so the policy pack can re-check them.
 */
export function renderEnvValue(envVar: EnvVar, raw: unknown): Rendered {
    const shown = quote(raw);
    const bad = (): Rendered => ({
        problem: `${shown} is not allowed; allowed: ${describeAllowed(envVar)}`,
    });
    if (!isScalar(raw) && !(envVar.type === "fieldList" && Array.isArray(raw))) {
        return {
            problem: `${shown} is not a single value; allowed: ${describeAllowed(envVar)}`,
        };
    }
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

/** Go-style duration of whole hours, minutes and seconds, e.g. 15m or 1h30m. */
export function durationSeconds(text: string): number | undefined {
    const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
    if (!match || text === "") {
        return undefined;
    }
    return Number(match[1] ?? 0) * 3600 + Number(match[2] ?? 0) * 60 + Number(match[3] ?? 0);
}
