/**
 * docs/troubleshooting.md lists every error and warning the code can print: each message found at
 * its emitter has its fixed text on the page, so a message added without an entry fails here.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { repoRoot } from "../helpers";
import {
    MessageSite,
    messageFiles,
    searchableText,
    shellMessages,
    stemOf,
    typescriptMessages,
} from "../messageSources";

/**
 * Strings the emitter patterns also find that are not errors or warnings: progress lines of the
 * pull-request commands and pieces of other text. Each must still be found, so the list cannot
 * outlive the code it excuses.
 */
const notMessages: readonly { file: string; stem: string; why: string }[] = [
    { file: "catalog/versions.ts", stem: "up to (not including)", why: "part of a range" },
    { file: "preview/summary.ts", stem: "(known after apply)", why: "a value in the summary" },
    { file: "preview/cli/changedStacks.ts", stem: "file(s) changed between", why: "progress" },
    { file: "preview/cli/summary.ts", stem: "run of stack", why: "progress" },
    { file: "preview/cli/summary.ts", stem: "summary written to", why: "progress" },
    {
        file: "preview/cli/detectionRun.ts",
        stem: "error title=Detection tests of stack",
        why: "the annotation's title; the messages after it have entries",
    },
    { file: "preview/detectionRun.ts", stem: "every detector fired", why: "a summary heading" },
    {
        file: "catalog/envVars.ts",
        stem: "threat/anomaly-detection/customizing.md",
        why: "a source",
    },
    { file: "catalog/scanAlert.ts", stem: "type = global_alert AND origin =", why: "a query" },
    {
        file: "catalog/prerequisites.ts",
        stem: "created by the operator when the cluster is connected to a management cluster (ManagementClusterConnection)",
        why: "how an object comes to exist, quoted inside preflight messages",
    },
    { file: "cluster/preflight.ts", stem: "secret generic", why: "part of a kubectl command" },
    { file: "config/reference.ts", stem: "none written", why: "reference text" },
    {
        file: "config/summary.ts",
        stem: "demo mode, or stack config if shorter",
        why: "an output value",
    },
    { file: "simulations/portScan.ts", stem: "derived from the threshold", why: "an output value" },
    { file: "preview/markdown.ts", stem: "No changes could be computed", why: "comment text" },
    { file: "preview/markdown.ts", stem: "more characters in the job log)", why: "comment text" },
    { file: "preview/markdown.ts", stem: "(replaced because of", why: "comment text" },
    { file: "preview/markdown.ts", stem: "(forces replacement)", why: "comment text" },
];

function allSites(): MessageSite[] {
    return messageFiles(repoRoot).flatMap((file) => {
        const source = fs.readFileSync(path.join(repoRoot, file), "utf8");
        return file.endsWith(".sh")
            ? shellMessages(file, source)
            : typescriptMessages(file, source);
    });
}

const excused = (site: MessageSite) =>
    notMessages.some((n) => site.at.startsWith(`${n.file}:`) && site.stem === n.stem);

describe("docs/troubleshooting.md against the messages in the code", () => {
    const sites = allSites();
    const page = searchableText(
        fs.readFileSync(path.join(repoRoot, "docs", "troubleshooting.md"), "utf8"),
    );

    it("finds the messages of the stack, its scripts and its commands", () => {
        const files = new Set(sites.map((site) => site.at.split(":")[0]));
        for (const expected of [
            "config/settings.ts",
            "cluster/preflight.ts",
            "simulations/portScan.sh",
            "verify/searchEvents.sh",
            "scripts/toolchain.sh",
            "recovery/interruptedUpdate.ts",
        ]) {
            assert.ok(files.has(expected), `no message found in ${expected}`);
        }
        assert.ok(sites.length >= 150, `only ${sites.length} messages found`);
    });

    it("lists every message the code can print, with its fixed text", () => {
        const missing = sites
            .filter((site) => !excused(site) && !page.includes(searchableText(site.stem)))
            .map((site) => `${site.at}: ${site.stem}`);
        assert.deepEqual(missing, [], "messages without an entry on docs/troubleshooting.md");
    });

    it("excuses only strings that are still in the code", () => {
        for (const entry of notMessages) {
            assert.ok(
                sites.some((site) => excused(site) && site.at.startsWith(`${entry.file}:`)),
                `${entry.file}: "${entry.stem}" is no longer printed; drop it from notMessages`,
            );
        }
    });
});

describe("finding messages at their emitters", () => {
    it("takes the longest fixed text of a TypeScript message, without interpolations", () => {
        const source = [
            "problems.push(",
            "    `${key}: ${quote(value)} is not a cluster name we know; allowed: ${list}`,",
            ");",
        ].join("\n");
        assert.deepEqual(typescriptMessages("config/x.ts", source), [
            { at: "config/x.ts:2", stem: "is not a cluster name we know; allowed" },
        ]);
    });

    it("finds a message that a check returns or a zod schema reports", () => {
        const source = [
            "function f() { return `${quote(name)} is an unreplaced placeholder`; }",
            "z.string({ error: (iss) => `expected a string, got ${quote(iss.input)}` });",
        ].join("\n");
        assert.deepEqual(
            typescriptMessages("config/y.ts", source).map((site) => site.stem),
            ["is an unreplaced placeholder", "expected a string, got"],
        );
    });

    it("passes over an emitter whose message is defined elsewhere", () => {
        assert.deepEqual(typescriptMessages("a.ts", "problems.push(...simulation.problems);"), []);
    });

    it("finds die, fail and echo >&2 in shell scripts, cutting $var, ${var} and $(cmd)", () => {
        const source = [
            'die "port 127.0.0.1:$port is in use by ${who} (set CALICO_AD_APISERVER_PORT)"',
            'fail "cannot patch $(cat "$f"): giving up after five tries"',
            'echo "usage: $0 [--stack NAME]" >&2; exit 2',
            'report unauthorized "the search endpoint refused the AD user (HTTP $code)" null',
        ].join("\n");
        assert.deepEqual(
            shellMessages("s.sh", source)
                .map((site) => site.stem)
                .sort(),
            [
                "(set CALICO_AD_APISERVER_PORT)",
                "[--stack NAME]",
                "giving up after five tries",
                "the search endpoint refused the AD user (HTTP",
            ],
        );
    });

    it("leaves out what a script echoes to its standard output", () => {
        assert.deepEqual(shellMessages("s.sh", 'echo "toolchain: all components built"'), []);
    });

    it("ignores fixed text too short to find a message by", () => {
        assert.equal(stemOf("${key}: ${problem}", "typescript"), undefined);
    });
});
