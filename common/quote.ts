/**
 * Values in messages. A config value can hold any character, so every value shown to the user
 * goes through `quote`: one line, no control, line-separator or bidirectional characters, and
 * bounded in length, so no value can forge or hide a line of an error list.
 */

/** Characters shown shorter than this are shown whole. */
export const maxQuotedLength = 80;

const unsafeCharacters =
    /[\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

const escapeUnsafe = (json: string) =>
    json.replace(unsafeCharacters, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);

/**
 * A value as a JSON literal on one line: strings in double quotes with every control and line
 * separator escaped, numbers and booleans as they are, structures abbreviated. Long values are
 * cut and say how much was left out.
 */
export function quote(value: unknown, maxLength = maxQuotedLength): string {
    if (typeof value !== "string") {
        return summarize(value);
    }
    if (value.length <= maxLength) {
        return escapeUnsafe(JSON.stringify(value));
    }
    const text = value;
    const shown = escapeUnsafe(JSON.stringify(text.slice(0, Math.max(10, maxLength - 20))));
    return `${shown.slice(0, -1)}..." (${text.length} characters)`;
}

const plural = (n: number) => (n === 1 ? "" : "s");

/** Items of a list or map shown before the rest is counted. */
const maxItemsShown = 3;
/** Characters of each shown item, key or value; the whole stays about as short as one value. */
const maxItemLength = 24;

/**
 * Numbers, booleans and null as JSON; lists and maps by their first items, each quoted and cut
 * short, and a count of the rest, so the value that was wrong shows without its whole text.
 * Structures inside them are shown by size only.
 */
function summarize(value: unknown, nested = false): string {
    if (value === null || typeof value === "number" || typeof value === "boolean") {
        return String(value);
    }
    if (Array.isArray(value)) {
        if (nested && value.length > 0) {
            return `[${value.length} item${plural(value.length)}]`;
        }
        return bracketed("[", value.slice(0, maxItemsShown).map(item), value.length, "]");
    }
    if (typeof value === "object") {
        const entries = Object.entries(value);
        if (nested && entries.length > 0) {
            return `{${entries.length} entr${entries.length === 1 ? "y" : "ies"}}`;
        }
        const shown = entries
            .slice(0, maxItemsShown)
            .map(([key, v]) => `${quote(key, maxItemLength)}: ${item(v)}`);
        return bracketed("{", shown, entries.length, "}");
    }
    return quote(String(value));
}

const item = (value: unknown) =>
    typeof value === "string" ? quote(value, maxItemLength) : summarize(value, true);

const bracketed = (open: string, shown: string[], total: number, close: string) => {
    const rest = total - shown.length;
    return `${open}${[...shown, ...(rest > 0 ? [`... ${rest} more`] : [])].join(", ")}${close}`;
};

/** Keys a map in stack config may not use: they would reach JavaScript's object machinery. */
export const prototypeKeys: ReadonlySet<string> = new Set([
    "__proto__",
    "constructor",
    "prototype",
    "__defineGetter__",
    "__defineSetter__",
    "__lookupGetter__",
    "__lookupSetter__",
    "hasOwnProperty",
    "isPrototypeOf",
    "propertyIsEnumerable",
    "toLocaleString",
    "toString",
    "valueOf",
]);
