/**
 * Pulumi property paths as the engine reports them in `detailedDiff` keys, e.g.
 * `spec.template.spec.containers[0].env[9].value` or `metadata.annotations["pulumi.com/skipAwait"]`.
 */

/** One step of a property path: an object key or a list index. */
export type PathSegment = string | number;

/** Splits a property path into keys and indices; undefined when the path is malformed. */
export function parsePropertyPath(path: string): PathSegment[] | undefined {
    const segments: PathSegment[] = [];
    let i = 0;
    while (i < path.length) {
        if (path[i] === "[") {
            const close = path.indexOf("]", i);
            if (close < 0) {
                return undefined;
            }
            const inner = path.slice(i + 1, close);
            if (/^\d+$/.test(inner)) {
                segments.push(Number(inner));
                i = close + 1;
            } else if (inner.startsWith('"')) {
                // Quoted keys may themselves contain "]" or ".", so scan to the closing quote.
                const end = quotedKeyEnd(path, i + 1);
                if (end === undefined || path[end + 1] !== "]") {
                    return undefined;
                }
                segments.push(JSON.parse(path.slice(i + 1, end + 1)) as string);
                i = end + 2;
            } else {
                return undefined;
            }
        } else {
            if (path[i] === ".") {
                if (segments.length === 0) {
                    return undefined;
                }
                i++;
            }
            const match = /^[^.[\]]+/.exec(path.slice(i));
            if (!match) {
                return undefined;
            }
            segments.push(match[0]);
            i += match[0].length;
        }
    }
    return segments;
}

/** Index of the closing quote of the JSON string starting at `start`. */
function quotedKeyEnd(path: string, start: number): number | undefined {
    for (let i = start + 1; i < path.length; i++) {
        if (path[i] === "\\") {
            i++;
        } else if (path[i] === '"') {
            return i;
        }
    }
    return undefined;
}

/** The value at `segments` inside `root`, or undefined when any step is missing. */
export function valueAtPath(root: unknown, segments: readonly PathSegment[]): unknown {
    let current: unknown = root;
    for (const segment of segments) {
        if (current === null || typeof current !== "object") {
            return undefined;
        }
        current = (current as Record<string | number, unknown>)[segment];
    }
    return current;
}

/** Renders segments back into Pulumi's path syntax. */
export function formatPropertyPath(segments: readonly PathSegment[]): string {
    return segments
        .map((segment, index) => {
            if (typeof segment === "number") {
                return `[${segment}]`;
            }
            if (/^[A-Za-z_$][\w$-]*$/.test(segment)) {
                return index === 0 ? segment : `.${segment}`;
            }
            return `[${JSON.stringify(segment)}]`;
        })
        .join("");
}
