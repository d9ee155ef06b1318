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
            // Elasticsearch time units take one unit: 20s or 2m, never 1m20s.
            if (typeof raw !== "string" || parseDuration(raw)?.units !== 1) {
                return bad();
            }
            return { value: raw };
        }
        case "fieldList": {
            const items = listItems(raw);
            if (!items || items.length === 0) {
                return bad();
            }
            const unknown = items.filter(({ item }) => !envVar.fields?.includes(item));
            if (unknown.length > 0) {
                const shown = unknown
                    .slice(0, 3)
                    .map(({ item, index }) => `${quote(item)} (item ${index})`);
                const rest = unknown.length - shown.length;
                return {
                    problem: `unknown field${unknown.length === 1 ? "" : "s"} ${shown.join(", ")}${rest > 0 ? ` and ${rest} more` : ""}; allowed: ${describeAllowed(envVar)}`,
                };
            }
            return { value: items.map(({ item }) => item).join(",") };
        }
    }
}

/** A list from a YAML list or a comma-separated string; undefined for anything else. */
export function splitList(raw: unknown): string[] | undefined {
    return listItems(raw)?.map(({ item }) => item);
}

/** An item of a list value and its index in the list as the user wrote it, for messages. */
export interface ListItem {
    readonly item: string;
    readonly index: number;
}

/**
 * The trimmed items of a YAML list of strings, or of a comma-separated string (empty parts
 * skipped), each with its index in the user's own list; undefined for anything else.
 */
export function listItems(raw: unknown): ListItem[] | undefined {
    if (typeof raw === "string") {
        return raw
            .split(",")
            .map((part, index) => ({ item: part.trim(), index }))
            .filter(({ item }) => item !== "");
    }
    if (Array.isArray(raw) && raw.every((item) => typeof item === "string")) {
        return raw.map((item: string, index) => ({ item: item.trim(), index }));
    }
    return undefined;
}

/** The duration grammar of `parseDuration`, also written into the stack-file JSON Schema. */
export const durationPattern = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/;

/**
 * The one duration grammar of stack config: whole numbers with the units h, m, s and ms, largest
 * first, each at most once (a Go duration without fractions, e.g. 20s, 15m or 1h30m). Returns
 * the seconds and how many units the text uses.
 */
export function parseDuration(text: string): { seconds: number; units: number } | undefined {
    const match = durationPattern.exec(text);
    if (!match || text === "") {
        return undefined;
    }
    const [hours, minutes, seconds, milliseconds] = match.slice(1);
    return {
        seconds:
            Number(hours ?? 0) * 3600 +
            Number(minutes ?? 0) * 60 +
            Number(seconds ?? 0) +
            Number(milliseconds ?? 0) / 1000,
        units: match.slice(1).filter((part) => part !== undefined).length,
    };
}

/** The seconds of a duration (`parseDuration`), e.g. 900 for 15m. */
export function durationSeconds(text: string): number | undefined {
    return parseDuration(text)?.seconds;
}
