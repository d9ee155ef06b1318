/**
 * What a catalog env var accepts, and how a value becomes the string the AD job reads: one zod
 * schema per variable, which stack config validation and the policy pack share.
 */
import { z } from "zod";
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

type Ctx = z.RefinementCtx;
const refuse = (ctx: Ctx, message: string, input: unknown) => {
    ctx.addIssue({ code: "custom", message, input });
    return z.NEVER;
};

/** The value of a number or integer variable: finite, whole for integers, within min and max. */
const numberRule = (envVar: EnvVar, allowed: string) => (raw: unknown, ctx: Ctx) => {
    const n =
        typeof raw === "number"
            ? raw
            : typeof raw === "string" && raw.trim() !== ""
              ? Number(raw)
              : NaN;
    if (!Number.isFinite(n) || (envVar.type === "integer" && !Number.isInteger(n))) {
        return refuse(ctx, `${quote(raw)} is not allowed; allowed: ${allowed}`, raw);
    }
    if (
        (envVar.min !== undefined && n < envVar.min) ||
        (envVar.max !== undefined && n > envVar.max)
    ) {
        return refuse(ctx, `${quote(raw)} is out of range; allowed: ${allowed}`, raw);
    }
    return String(n);
};

const booleanRule = (allowed: string) => (raw: unknown, ctx: Ctx) => {
    const text = String(raw).toLowerCase();
    return text === "true" || text === "false"
        ? text === "true"
            ? "True"
            : "False"
        : refuse(ctx, `${quote(raw)} is not allowed; allowed: ${allowed}`, raw);
};

// Elasticsearch time units take one unit: 20s or 2m, never 1m20s.
const durationRule = (allowed: string) => (raw: unknown, ctx: Ctx) =>
    typeof raw === "string" && parseDuration(raw)?.units === 1
        ? raw
        : refuse(ctx, `${quote(raw)} is not allowed; allowed: ${allowed}`, raw);

/** Every item one of the variable's fields; unknown ones named with their index (three shown). */
const fieldListRule = (envVar: EnvVar, allowed: string) => (raw: unknown, ctx: Ctx) => {
    const items = listItems(raw);
    if (!items || items.length === 0) {
        return refuse(ctx, `${quote(raw)} is not allowed; allowed: ${allowed}`, raw);
    }
    const unknown = items.filter(({ item }) => !envVar.fields?.includes(item));
    if (unknown.length > 0) {
        const shown = unknown
            .slice(0, 3)
            .map(({ item, index }) => `${quote(item)} (item ${index})`);
        const rest = unknown.length - shown.length;
        return refuse(
            ctx,
            `unknown field${unknown.length === 1 ? "" : "s"} ${shown.join(", ")}${rest > 0 ? ` and ${rest} more` : ""}; allowed: ${allowed}`,
            raw,
        );
    }
    return items.map(({ item }) => item).join(",");
};

function buildEnvValueSchema(envVar: EnvVar): z.ZodType<string, unknown> {
    const allowed = describeAllowed(envVar);
    const single = z.union(
        [
            z.string(),
            z.number(),
            z.boolean(),
            ...(envVar.type === "fieldList" ? [z.array(z.unknown())] : []),
        ],
        { error: (iss) => `${quote(iss.input)} is not a single value; allowed: ${allowed}` },
    );
    switch (envVar.type) {
        case "integer":
        case "number":
            return single.transform(numberRule(envVar, allowed));
        case "boolean":
            return single.transform(booleanRule(allowed));
        case "duration":
            return single.transform(durationRule(allowed));
        case "fieldList":
            return single.transform(fieldListRule(envVar, allowed));
    }
}

const envValueSchemas = new WeakMap<EnvVar, z.ZodType<string, unknown>>();

/**
 * The zod schema of a catalog env var's value: it accepts what the catalog allows and yields the
 * string the AD job reads. Numbers may arrive as strings (`pulumi config set --path` keeps floats
 * as strings), and rendered values ("True", "0.75") are accepted again. There is one schema
 * object per variable, which stack config (config/jobEnv.ts) and the policy pack both parse with.
 */
export function envValueSchema(envVar: EnvVar): z.ZodType<string, unknown> {
    let schema = envValueSchemas.get(envVar);
    if (!schema) {
        schema = buildEnvValueSchema(envVar);
        envValueSchemas.set(envVar, schema);
    }
    return schema;
}

/** The value as the AD job reads it, or the problem (`envValueSchema`'s message). */
export function renderEnvValue(envVar: EnvVar, raw: unknown): Rendered {
    const parsed = envValueSchema(envVar).safeParse(raw);
    return parsed.success ? { value: parsed.data } : { problem: parsed.error.issues[0].message };
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
