/**
 * The links between the README and the pages under docs/: every relative link names a file that
 * exists, and every `#anchor` a heading of that file, as GitHub renders them.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { repoRoot } from "../helpers";

/** GitHub's anchor for a heading: lower case, punctuation other than `-` and `_` dropped, spaces as `-`. */
export function headingAnchor(heading: string): string {
    return heading
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, "")
        .replace(/\s/g, "-");
}

/** Lines outside fenced code blocks, where Markdown links and headings are rendered. */
function renderedLines(markdown: string): string[] {
    let fenced = false;
    return markdown.split("\n").filter((line) => {
        if (/^\s*(```|~~~)/.test(line)) {
            fenced = !fenced;
            return false;
        }
        return !fenced;
    });
}

/** The anchors of a page's headings, with GitHub's `-1`, `-2` suffixes for repeats. */
export function anchorsOf(markdown: string): Set<string> {
    const anchors = new Set<string>();
    for (const line of renderedLines(markdown)) {
        const heading = /^#{1,6}\s+(.*)$/.exec(line);
        if (!heading) {
            continue;
        }
        const base = headingAnchor(heading[1]);
        let anchor = base;
        for (let n = 1; anchors.has(anchor); n++) {
            anchor = `${base}-${n}`;
        }
        anchors.add(anchor);
    }
    return anchors;
}

/** The relative links of a page (not web links), with code spans left out. */
export function relativeLinks(markdown: string): string[] {
    const links: string[] = [];
    for (const line of renderedLines(markdown)) {
        for (const match of line.replace(/`[^`]*`/g, "").matchAll(/\]\(([^)\s]+)\)/g)) {
            if (!/^[a-z][a-z0-9+.-]*:/i.test(match[1])) {
                links.push(match[1]);
            }
        }
    }
    return links;
}

/** Problems with a page's relative links: missing files and anchors no heading has. */
export function brokenLinks(page: string, read: (file: string) => string | undefined): string[] {
    const text = read(page);
    if (text === undefined) {
        return [`${page} does not exist`];
    }
    const problems: string[] = [];
    for (const link of relativeLinks(text)) {
        const [file, anchor] = link.split("#", 2);
        const target = file === "" ? page : path.posix.join(path.posix.dirname(page), file);
        const targetText = read(target);
        if (targetText === undefined) {
            problems.push(`${page}: ${link}: ${target} does not exist`);
        } else if (anchor !== undefined && !anchorsOf(targetText).has(anchor)) {
            problems.push(`${page}: ${link}: ${target} has no heading #${anchor}`);
        }
    }
    return problems;
}

const readFromRepo = (file: string): string | undefined => {
    const full = path.join(repoRoot, file);
    return fs.existsSync(full) && fs.statSync(full).isFile()
        ? fs.readFileSync(full, "utf8")
        : undefined;
};

const pages = [
    "README.md",
    ...fs
        .readdirSync(path.join(repoRoot, "docs"))
        .filter((f) => f.endsWith(".md"))
        .map((f) => `docs/${f}`),
];

describe("documentation links", () => {
    it("headingAnchor spells anchors as GitHub does", () => {
        assert.equal(
            headingAnchor("Recovering from an interrupted `pulumi up`"),
            "recovering-from-an-interrupted-pulumi-up",
        );
        assert.equal(
            headingAnchor("The release: from the cluster, or pinned"),
            "the-release-from-the-cluster-or-pinned",
        );
    });

    it("brokenLinks reports a missing page and a missing heading", () => {
        const site: Record<string, string> = {
            "README.md":
                "[a](docs/a.md#there) [b](docs/gone.md) [c](#top) [web](https://x.test/#y)\n# Top\n",
            "docs/a.md": "# A\n## Here\n```\n[not a link](nowhere.md)\n```\n",
        };
        assert.deepEqual(
            brokenLinks("README.md", (f) => site[f]),
            [
                "README.md: docs/a.md#there: docs/a.md has no heading #there",
                "README.md: docs/gone.md: docs/gone.md does not exist",
            ],
        );
        assert.deepEqual(
            brokenLinks("docs/a.md", (f) => site[f]),
            [],
        );
    });

    for (const page of pages) {
        it(`every relative link of ${page} reaches an existing page and heading`, () => {
            assert.deepEqual(brokenLinks(page, readFromRepo), []);
        });
    }

    it("the README links every page under docs/", () => {
        const linked = new Set(
            relativeLinks(readFromRepo("README.md") ?? "").map((l) => l.split("#")[0]),
        );
        assert.deepEqual(
            pages.filter((p) => p !== "README.md" && !linked.has(p)),
            [],
        );
    });

    it("the README stays short: what a newcomer needs in the first minutes", () => {
        const lines = (readFromRepo("README.md") ?? "").split("\n").length;
        assert.ok(lines <= 250, `README.md has ${lines} lines; move detail into docs/`);
    });
});
