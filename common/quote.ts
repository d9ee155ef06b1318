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

/** Numbers, booleans and null as JSON; maps and lists by their size, never their whole text. */
function summarize(value: unknown): string {
    if (value === null || typeof value === "number" || typeof value === "boolean") {
        return String(value);
    }
    if (Array.isArray(value)) {
        return value.length === 0 ? "[]" : `a list of ${value.length} item${plural(value.length)}`;
    }
    if (typeof value === "object") {
        const size = Object.keys(value).length;
        return size === 0 ? "{}" : `a map of ${size} entr${size === 1 ? "y" : "ies"}`;
    }
    return quote(String(value));
}

const plural = (n: number) => (n === 1 ? "" : "s");

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
