/**
 * Shell scripts as the Command resources run them: common/kube.sh, then the given files, with
 * every `@NAME@` placeholder filled in. The `.sh` files are the source (shellcheck reads them);
 * they are found in the source tree also when this module runs compiled from bin/.
 */
import * as fs from "node:fs";
import * as path from "node:path";

const prelude = "common/kube.sh";

function sourceRoot(): string {
    const candidates = [path.resolve(__dirname, ".."), path.resolve(__dirname, "..", "..")];
    const found = candidates.find((dir) => fs.existsSync(path.join(dir, prelude)));
    if (!found) {
        throw new Error(
            `the shell scripts are missing (looked for ${prelude} in ${candidates.join(", ")})`,
        );
    }
    return found;
}

/** The prelude and `files` (paths from the source root) joined; throws on an unknown placeholder. */
export function loadShellScript(
    files: readonly string[],
    placeholders: Readonly<Record<string, string>> = {},
): string {
    const root = sourceRoot();
    const text = [prelude, ...files]
        .map((file) => fs.readFileSync(path.join(root, file), "utf8"))
        .join("\n");
    return text.replace(/@([A-Z_]+)@/g, (_, name: string) => {
        const value = placeholders[name];
        if (value === undefined) {
            throw new Error(`${files.join(", ")} uses an unknown placeholder @${name}@`);
        }
        return value;
    });
}

/**
 * A Command's interpreter that runs `script` as `sh -c <script> <name>`; the Command's create,
 * update or delete string becomes the script's `$1`. pulumi-command quotes that string whole in
 * its error when the script fails, so it stays a word and the script stays out of the message.
 * `name` is the script's `$0`, which prefixes the shell's own diagnostics.
 */
export function scriptInterpreter(script: string, name: string): string[] {
    return ["/bin/sh", "-c", script, name];
}
