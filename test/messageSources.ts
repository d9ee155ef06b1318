/**
 * Finds the error and warning messages that calico-ad's code can print, at the places that print
 * them, so that docs/troubleshooting.md can be checked against them. A message is known by its
 * longest fixed piece of text (its stem): the part that stays the same whatever is interpolated.
 */
import { execFileSync } from "node:child_process";

export interface MessageSite {
    /** file:line of the emitter */
    at: string;
    /** the longest fixed piece of the message, as it appears in the output */
    stem: string;
}

/** Fixed pieces shorter than this say too little to find a message by (for example `: `). */
const minimumStemLength = 12;

/**
 * TypeScript emitters whose first argument is the message: problems and warnings collected for one
 * report, warnings logged through the engine, errors thrown. A first argument that is not a string
 * (a spread, a variable) passes on a message defined elsewhere, where it is found in turn.
 */
const typescriptEmitters =
    /(?:problems\.push|warnings\.push|pulumi\.log\.warn|process\.stderr\.write|console\.error|throw new \w*Error)\(\s*\[?\s*(["`])/g;

/**
 * Messages built apart from their emitter: values of fields and variables whose names say they
 * hold a problem, warning, reason or message (zod's `error` and `message` too), the strings
 * functions return, since checks return their problem as text, and the first branch of a
 * conditional (`cond ? "text" : ...`); the branch after `:` looks like any object field here, so
 * a variant there needs its row by hand.
 */
const typescriptMessageValues =
    /(?:\b(?:problem|warning|reason|unsupported|removal|message|error)\w*\s*[:=]\s*\[?\s*|\breturn\s+|=>\s*|[^?]\?\s+)(["`])/g;

/**
 * Shell emitters: the scripts' `die`/`fail`/`warn` helpers, `echo ... >&2`, and the alert
 * verification's `report STATUS "reason"`; each ends at the message's opening quote.
 */
const shellEmitters = [
    { start: /\b(?:die|fail|warn)\s+"/g, then: /^/ },
    { start: /\breport\s+[a-z-]+\s+"/g, then: /^/ },
    { start: /\becho\s+"/g, then: /^\s*>&2/ },
];

/**
 * The text of a string literal that starts at `start` (the opening quote), without the quotes.
 * Quotes inside an interpolation (`${...}` in TypeScript, `$(...)` in shell) do not end it.
 */
export function literalAt(source: string, start: number): string {
    const quote = source[start];
    const [open, close] = quote === "`" ? ["{", "}"] : ["(", ")"];
    let depth = 0;
    for (let i = start + 1; i < source.length; i++) {
        const c = source[i];
        if (c === "\\") {
            i++;
        } else if (c === "$" && source[i + 1] === open) {
            depth++;
            i++;
        } else if (depth > 0 && c === open) {
            depth++;
        } else if (depth > 0 && c === close) {
            depth--;
        } else if (depth === 0 && c === quote) {
            return source.slice(start + 1, i);
        }
    }
    return source.slice(start + 1);
}

/**
 * The message with each interpolation replaced by a NUL: `${...}` (braces counted, so an
 * interpolation may hold objects and nested templates) and, in shell, `$(...)`, `$name`, `$1`.
 */
function cutInterpolations(message: string, language: "typescript" | "shell"): string {
    const openers = language === "typescript" ? { "{": "}" } : { "{": "}", "(": ")" };
    let out = "";
    for (let i = 0; i < message.length; i++) {
        const open = message[i + 1] as keyof typeof openers;
        if (message[i] !== "$" || !(open in openers)) {
            out += message[i];
            continue;
        }
        let depth = 0;
        for (i++; i < message.length; i++) {
            if (message[i] === open) {
                depth++;
            } else if (message[i] === openers[open] && --depth === 0) {
                break;
            }
        }
        out += "\0";
    }
    return language === "shell"
        ? out.replace(/\$(?:[A-Za-z_][A-Za-z0-9_]*|[0-9*@#?])/g, "\0")
        : out;
}

/** The fixed pieces of a message: its text with every interpolation cut out. */
export function fixedPieces(message: string, language: "typescript" | "shell"): string[] {
    return cutInterpolations(message.replace(/\\([`\\])/g, "$1"), language)
        .replace(/\\(["$])/g, "$1")
        .split("\0")
        .map((piece) => piece.replace(/\\[nt]/g, " ").replace(/^[\s).,;:'"]+|[\s(.,;:'"@]+$/g, ""))
        .filter((piece) => piece.length > 0);
}

/** The longest fixed piece, if it is long enough to find the message by. */
export function stemOf(message: string, language: "typescript" | "shell"): string | undefined {
    const longest = fixedPieces(message, language).reduce(
        (best, piece) => (piece.length > best.length ? piece : best),
        "",
    );
    return longest.length >= minimumStemLength ? longest : undefined;
}

function lineOf(source: string, index: number): number {
    return source.slice(0, index).split("\n").length;
}

/** Every message site of one TypeScript file. */
export function typescriptMessages(file: string, source: string): MessageSite[] {
    const sites: MessageSite[] = [];
    for (const pattern of [typescriptEmitters, typescriptMessageValues]) {
        for (const match of source.matchAll(pattern)) {
            const quoteAt = (match.index ?? 0) + match[0].length - 1;
            const stem = stemOf(literalAt(source, quoteAt), "typescript");
            // A conditional also picks names and keys; a message has words.
            const conditionalName = /\?\s+["`]$/.test(match[0]) && !/\s/.test(stem ?? "");
            if (stem !== undefined && !conditionalName) {
                sites.push({ at: `${file}:${lineOf(source, quoteAt)}`, stem });
            }
        }
    }
    return sites;
}

/** Every message site of one shell script. */
export function shellMessages(file: string, source: string): MessageSite[] {
    const sites: MessageSite[] = [];
    for (const { start, then } of shellEmitters) {
        for (const match of source.matchAll(start)) {
            const quoteAt = (match.index ?? 0) + match[0].length - 1;
            const message = literalAt(source, quoteAt);
            const stem = stemOf(message, "shell");
            if (stem !== undefined && then.test(source.slice(quoteAt + message.length + 2))) {
                sites.push({ at: `${file}:${lineOf(source, quoteAt)}`, stem });
            }
        }
    }
    return sites;
}

/** The committed files whose messages a user can meet: the stack, its scripts and its commands. */
export function messageFiles(root: string): string[] {
    const tracked = execFileSync("git", ["ls-files", "*.ts", "*.sh"], {
        cwd: root,
        encoding: "utf8",
    });
    return tracked
        .split("\n")
        .filter((file) => file !== "" && !/^(test|bench|node_modules)\//.test(file));
}

/** What a page says, with Markdown's escapes, code marks and line breaks out of the way. */
export function searchableText(markdown: string): string {
    return markdown.replace(/\\\|/g, "|").replace(/`/g, "").replace(/\s+/g, " ");
}
