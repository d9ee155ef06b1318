/**
 * The zod building blocks of stack config: fields whose issues read as our messages (key, quoted
 * value, what is allowed), maps that name unknown fields with a "did you mean", and the one
 * function that turns a schema's issues into problems. A schema is one value: it yields the
 * TypeScript type (`z.output`), the parsed settings and every error path.
 */
import { z } from "zod";
import { ScalarKey } from "../catalog/configKeys";
import { listItems } from "../catalog/envValues";
import { nearestName } from "../catalog/lookup";
import { prototypeKeys, quote } from "../common/quote";

/** Why a value is not allowed (the message after "key: "), or undefined when it is. */
export type ProblemOf = (value: string) => string | undefined;

/** An issue for every problem the check finds, so its wording stays the one message. */
const refineWith = (problemOf: ProblemOf) => (text: string, ctx: z.RefinementCtx) => {
    const problem = problemOf(text);
    if (problem) {
        ctx.addIssue({ code: "custom", message: problem, input: text });
    }
};

/** `pulumi config set --path` stores numbers as numbers; empty counts as unset. */
const asText = (value: unknown) =>
    value === "" ? undefined : typeof value === "number" ? String(value) : value;

const notText = (input: unknown) => `expected a string, got ${quote(input)}`;
const requiredOrNotText = (what: string) => (iss: { input?: unknown }) =>
    iss.input === undefined ? `required; ${what}` : notText(iss.input);

/** The text parsed into a value; `parse` returns the value or the problem as text. */
const parseWith =
    <T extends object>(parse: (text: string) => T | string) =>
    (text: string, ctx: z.RefinementCtx): T => {
        const parsed = parse(text);
        if (typeof parsed === "string") {
            ctx.addIssue({ code: "custom", message: parsed, input: text });
            return z.NEVER;
        }
        return parsed;
    };

/** A text field that must be set; `what` says what it holds. */
export function requiredText(what: string, problemOf: ProblemOf) {
    return z.preprocess(
        asText,
        z.string({ error: requiredOrNotText(what) }).superRefine(refineWith(problemOf)),
    );
}

/** A text field that may be unset or empty. */
export function optionalText(problemOf: ProblemOf) {
    return z.preprocess(
        asText,
        z
            .string({ error: (iss) => notText(iss.input) })
            .superRefine(refineWith(problemOf))
            .optional(),
    );
}

/** A text field that must be set, parsed into a value. */
export function requiredParsed<T extends object>(
    what: string,
    parse: (text: string) => T | string,
) {
    return z.preprocess(
        asText,
        z.string({ error: requiredOrNotText(what) }).transform(parseWith(parse)),
    );
}

/** A text field that may be unset or empty, parsed into a value. */
export function optionalParsed<T extends object>(parse: (text: string) => T | string) {
    return z.preprocess(
        asText,
        z
            .string({ error: (iss) => notText(iss.input) })
            .transform(parseWith(parse))
            .optional(),
    );
}

/** true or false, also as the strings `pulumi config set --path` may store. */
export const booleanField = z.union(
    [z.boolean(), z.enum(["true", "false"]).transform((text) => text === "true")],
    { error: (iss) => `${quote(iss.input)} is not allowed; allowed: true or false` },
);

const isMap = (value: unknown): value is Record<string, unknown> =>
    typeof value === "object" && value !== null && !Array.isArray(value);

/** A map this large is refused unread: a real one has at most the fields of its shape. */
const tooManyFields = (map: object, shape: z.ZodRawShape) =>
    Object.keys(map).length > Object.keys(shape).length * 4;

/**
 * A map with exactly the fields of `shape`. A value that is not a map, or has more than four
 * times as many fields as allowed, is one problem and its fields are not read. The issue of
 * unknown fields carries what is allowed as its message; `problemsOf` names each field.
 */
export function fieldMap<Shape extends z.ZodRawShape>(shape: Shape) {
    const allowed = Object.keys(shape).join(", ");
    return z
        .custom<Record<string, unknown>>(isMap, {
            error: (iss) => `expected a map with ${allowed}, got ${quote(iss.input)}`,
        })
        .superRefine((map, ctx) => {
            if (tooManyFields(map, shape)) {
                const size = Object.keys(map).length;
                ctx.addIssue({
                    code: "custom",
                    message: `has ${size} fields; allowed: ${allowed}`,
                });
            }
        })
        .pipe(z.strictObject(shape, { error: () => allowed }));
}

/**
 * The same map read leniently: every field that is valid, none that is not, and undefined when
 * the value is not a readable map. Checks that compare fields with the release run on it, so
 * they still report when another field is bad (every problem in one pass).
 */
export function validFields<Shape extends z.ZodRawShape>(
    shape: Shape,
    value: unknown,
): ValidFields<Shape> | undefined {
    const map = readableMap(shape, value);
    if (!map) {
        return undefined;
    }
    const fields: Record<string, unknown> = {};
    for (const [name, schema] of Object.entries(shape)) {
        const parsed = z.safeParse(schema, map[name]);
        if (parsed.success && parsed.data !== undefined) {
            fields[name] = parsed.data;
        }
    }
    return fields as ValidFields<Shape>;
}

/** The fields of `shape` that parsed, each with its parsed value. */
export type ValidFields<Shape extends z.ZodRawShape> = {
    readonly [K in keyof Shape]?: z.output<Shape[K]>;
};

/** The value as a map of own fields, unless it is not a map or too large to read. */
export function readableMap(
    shape: z.ZodRawShape,
    value: unknown,
): Readonly<Record<string, unknown>> | undefined {
    if (!isMap(value) || tooManyFields(value, shape)) {
        return undefined;
    }
    return Object.fromEntries(
        Object.keys(shape).map((name) => [
            name,
            Object.hasOwn(value, name) ? value[name] : undefined,
        ]),
    );
}

/** A path segment for messages; names that are not plain identifiers are quoted. */
const segment = (name: PropertyKey) =>
    typeof name === "string" && /^[A-Za-z0-9_]{1,64}$/.test(name)
        ? `.${name}`
        : typeof name === "number"
          ? `[${name}]`
          : `[${quote(String(name))}]`;

/**
 * The one key path of messages: `key.name`, `key[3]` for a list index, and `key["name"]` for a
 * name that is not a plain identifier (quoted, so no name can forge a path or a line).
 */
export function keyPath(key: string, ...names: readonly PropertyKey[]): string {
    return key + names.map(segment).join("");
}

/** One problem per issue, `key.path: message`; unknown fields each with a "did you mean". */
export function problemsOf(key: string, error: z.ZodError): string[] {
    return error.issues.flatMap((issue) => issueProblems(issue, key));
}

/**
 * The problems of one issue. Without `key`, the issue's first path segment is the config key
 * (the whole stack config's schema); a whole-line issue (`lineIssues`) carries its line.
 */
export function issueProblems(issue: z.core.$ZodIssue, key?: string): string[] {
    if (issue.code === "custom" && issue.params?.line === true) {
        return [issue.message];
    }
    const [first, ...rest] = issue.path;
    const at = key === undefined ? keyPath(String(first), ...rest) : keyPath(key, ...issue.path);
    if (issue.code !== "unrecognized_keys") {
        return [`${at}: ${issue.message}`];
    }
    const allowed = issue.message.split(", ");
    return issue.keys.map((name) => unknownFieldProblem(at, name, allowed));
}

/** A refinement that records each problem `check` finds as an issue at the value's path. */
export const problemIssues =
    <T>(check: (value: T) => readonly string[]) =>
    (value: T, ctx: z.RefinementCtx) => {
        for (const message of check(value)) {
            ctx.addIssue({ code: "custom", message, input: value });
        }
    };

/**
 * Records problems that are whole lines already (they name their own key) as issues; `first`
 * ones are listed before every other (`readingOrder`).
 */
export function addLines(
    ctx: z.RefinementCtx,
    lines: readonly string[],
    input?: unknown,
    first = false,
): void {
    for (const message of lines) {
        ctx.addIssue({ code: "custom", message, input, params: { line: true, first } });
    }
}

/**
 * Issues in the order users read them: those marked first (unknown keys, the release), then
 * unknown fields (what is not a field before what is wrong in one), then the rest as found.
 */
export function readingOrder(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
    const rank = (issue: z.core.$ZodIssue) =>
        issue.code === "custom" && issue.params?.first === true
            ? 0
            : issue.code === "unrecognized_keys"
              ? 1
              : 2;
    return [...issues].sort((a, b) => rank(a) - rank(b));
}

/** The one wording of an unknown field of a map: its path, a "did you mean" and what is allowed. */
export function unknownFieldProblem(at: string, name: string, allowed: readonly string[]): string {
    const suggestion = prototypeKeys.has(name) ? undefined : nearestName(name, allowed);
    return `${keyPath(at, name)}: unknown field${suggestion ? `; did you mean ${suggestion}?` : ""}; allowed: ${allowed.join(", ")}`;
}

/** "; did you mean X?" for the candidate nearest to `id`, or nothing when none is near. */
export const nearestSuggestion = (id: string, candidates: readonly string[]): string => {
    const suggestion = nearestName(id, candidates);
    return suggestion ? `; did you mean ${suggestion}?` : "";
};

/** What a scalar key's value parses to: its type, or one of its allowed values. */
export type ScalarValue<Key extends ScalarKey> = Key extends { readonly type: "boolean" }
    ? boolean
    : Key extends { readonly type: "integer" }
      ? number
      : Key extends { readonly allowed: readonly (infer Allowed)[] }
        ? Allowed
        : string;

const notAllowed = (input: unknown, allowed: string) =>
    `${quote(input)} is not allowed; allowed: ${allowed}`;

/** The value of a set key, as its catalog type, range and allowed values permit it. */
function valueSchema(key: ScalarKey): z.ZodType<unknown, string> {
    const required = `required; ${key.description}`;
    if (key.type === "boolean") {
        return z
            .enum(["true", "false"], {
                error: (iss) =>
                    iss.input === undefined ? required : notAllowed(iss.input, "true or false"),
            })
            .transform((text) => text === "true");
    }
    if (key.type === "integer") {
        const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = key;
        return z.string({ error: () => required }).transform((text, ctx) => {
            const n = Number(text);
            if (!Number.isInteger(n) || n < min || n > max) {
                ctx.addIssue({
                    code: "custom",
                    message: notAllowed(text, `an integer from ${min} to ${max}`),
                    input: text,
                });
                return z.NEVER;
            }
            return n;
        });
    }
    const allowed = key.allowed;
    if (allowed) {
        return z.enum(allowed as [string, ...string[]], {
            error: (iss) => {
                if (iss.input === undefined) {
                    return required;
                }
                const suggestion = nearestName(String(iss.input), allowed);
                return `${notAllowed(iss.input, allowed.join(", "))}${suggestion ? ` (did you mean ${suggestion}?)` : ""}`;
            },
        });
    }
    return z.string({ error: () => required });
}

/**
 * The schema of a scalar key, from its catalog declaration: unset or empty is its declared
 * default (none when that is empty), and a key without a default is required.
 */
export function scalarSchema<Key extends ScalarKey>(
    key: Key,
): z.ZodType<ScalarValue<Key> | undefined, string | undefined> {
    const value = valueSchema(key);
    const fallback = key.default === "" ? undefined : key.default;
    return z.preprocess(
        (text) => (text === "" ? undefined : text),
        key.default === undefined ? value : value.optional().transform((v) => v ?? fallback),
    ) as z.ZodType<ScalarValue<Key> | undefined, string | undefined>;
}

/**
 * A list key's value: a YAML list of strings or one comma-separated string, at most
 * `maxItems` items, duplicates dropped; each item keeps its index in the list as written.
 */
export function listSchema(maxItems: number) {
    return z
        .union([z.string(), z.array(z.string())], {
            error: (iss) => `expected a list of IDs, got ${quote(iss.input)}`,
        })
        .transform((raw) => listItems(raw) ?? [])
        .superRefine((items, ctx) => {
            if (items.length > maxItems) {
                ctx.addIssue({
                    code: "custom",
                    message: `holds ${items.length} items; at most ${maxItems} are allowed`,
                    abort: true,
                });
            }
        })
        .transform((items) =>
            items.filter((entry, i) => items.findIndex((e) => e.item === entry.item) === i),
        );
}

/** A map key's value: names to values, at most `maxEntries`; `why` explains the bound. */
export function mapSchema(maxEntries: number, why: string) {
    return z
        .custom<Record<string, unknown>>(isMap, {
            error: (iss) => `expected a map of names to values, got ${quote(iss.input)}`,
        })
        .superRefine((map, ctx) => {
            const size = Object.keys(map).length;
            if (size > maxEntries) {
                ctx.addIssue({
                    code: "custom",
                    message: `holds ${size} entries; at most ${maxEntries} are allowed (${why})`,
                });
            }
        });
}
