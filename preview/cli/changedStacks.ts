/**
 * Prints the workflow matrix of the stacks a change touches, as JSON on stdout, and why each was
 * picked on stderr.
 *
 *   changedStacks --base <rev> [--head <rev>]   stacks touched by the diff base..head
 *   changedStacks --all                          every stack
 *   ... --exclude local,sandbox                  never these stacks (e.g. ones for a local cluster)
 *   ... --org my-org                             Pulumi Cloud organisation of the stacks
 *   ... --github-output "$GITHUB_OUTPUT"         also append `matrix=<json>` there, for a workflow
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { parseArgs } from "node:util";
import { listStacks, matrixOf, selectStacks, StackSelection } from "../stacks";

/** `git diff` cannot compare against the null commit GitHub sends for a new branch. */
const nullCommit = /^0+$/;

function git(root: string, args: string[]): string {
    return execFileSync("git", args, { cwd: root, encoding: "utf8" });
}

function main(): void {
    const { values } = parseArgs({
        options: {
            base: { type: "string" },
            head: { type: "string", default: "HEAD" },
            all: { type: "boolean", default: false },
            exclude: { type: "string", default: "" },
            org: { type: "string", default: "" },
            "github-output": { type: "string" },
        },
    });
    const root = git(process.cwd(), ["rev-parse", "--show-toplevel"]).trim();
    const excluded = values.exclude
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "");
    const stacks = listStacks(fs.readdirSync(root)).filter((stack) => !excluded.includes(stack));
    if (excluded.length > 0) {
        process.stderr.write(`excluded: ${excluded.join(", ")}\n`);
    }

    let selection: StackSelection[];
    if (
        values.all ||
        values.base === undefined ||
        values.base === "" ||
        nullCommit.test(values.base)
    ) {
        if (!values.all) {
            process.stderr.write("no base commit to compare with: selecting every stack\n");
        }
        selection = stacks.map((stack) => ({ stack, reason: "all stacks requested" }));
    } else {
        const changed = git(root, ["diff", "--name-only", "-z", values.base, values.head])
            .split("\0")
            .filter((file) => file !== "");
        process.stderr.write(
            `${changed.length} file(s) changed between ${values.base} and ${values.head}\n`,
        );
        selection = selectStacks(changed, stacks);
    }
    for (const { stack, reason } of selection) {
        process.stderr.write(`stack ${stack}: ${reason}\n`);
    }
    if (selection.length === 0) {
        process.stderr.write("no stack is affected\n");
    }
    const matrix = JSON.stringify(matrixOf(selection, values.org.trim()));
    process.stdout.write(`${matrix}\n`);
    if (values["github-output"]) {
        fs.appendFileSync(values["github-output"], `matrix=${matrix}\n`);
    }
}

main();
