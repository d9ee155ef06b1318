/**
 * Which Pulumi CLI scripts/env.sh picks: an installed one of the same major and the same or a
 * newer minor, with its bundled language host beside it, keeping its own PULUMI_HOME; otherwise
 * the CLI built from source with the hermetic PULUMI_HOME. The installed CLIs here are fake
 * `pulumi` scripts that only answer `pulumi version`.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { repoRoot } from "../helpers";

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "calico-ad-env-"));
const cache = path.join(scratch, "cache");

/** A directory with a fake `pulumi` reporting `version` and, optionally, a language host. */
function fakeInstall(version: string, withLanguageHost = true): string {
    const dir = fs.mkdtempSync(path.join(scratch, "pulumi-"));
    fs.writeFileSync(path.join(dir, "pulumi"), `#!/bin/sh\necho v${version}\n`, { mode: 0o755 });
    if (withLanguageHost) {
        fs.writeFileSync(path.join(dir, "pulumi-language-nodejs"), "#!/bin/sh\n", { mode: 0o755 });
    }
    return dir;
}

/** Sources scripts/env.sh with `dir` first on PATH and reports what it chose. */
function chosen(dir: string | undefined, extraEnv: Record<string, string> = {}) {
    const result = spawnSync(
        "bash",
        [
            "-c",
            'source scripts/env.sh && printf "%s\\n" "$CALICO_AD_PULUMI_SOURCE" "$CALICO_AD_PULUMI_BIN" "${PULUMI_HOME:-unset}" "$(command -v pulumi)"',
        ],
        {
            cwd: repoRoot,
            encoding: "utf8",
            env: {
                PATH: [dir, "/usr/bin", "/bin"].filter(Boolean).join(":"),
                HOME: scratch,
                CALICO_AD_CACHE: cache,
                CALICO_AD_BUILD_KUBECTL: "0",
                ...extraEnv,
            },
        },
    );
    assert.equal(result.status, 0, result.stderr);
    const [source, bin, pulumiHome, pulumi] = result.stdout.trim().split("\n");
    return { source, bin, pulumiHome, pulumi };
}

describe("scripts/env.sh: installed Pulumi CLI or the source build", () => {
    after(() => fs.rmSync(scratch, { recursive: true, force: true }));

    for (const version of ["3.248.0", "3.260.1"]) {
        it(`uses an installed ${version} with its own PULUMI_HOME`, () => {
            const dir = fakeInstall(version);
            const pick = chosen(dir);
            assert.equal(pick.source, "installed");
            assert.equal(pick.bin, dir);
            assert.equal(pick.pulumi, path.join(dir, "pulumi"));
            assert.equal(pick.pulumiHome, "unset", "the CLI's default ~/.pulumi applies");
        });
    }

    it("keeps a PULUMI_HOME the user set for the installed CLI", () => {
        const pick = chosen(fakeInstall("3.250.0"), { PULUMI_HOME: "/opt/pulumi-home" });
        assert.equal(pick.pulumiHome, "/opt/pulumi-home");
    });

    for (const [label, dir] of [
        ["an older minor (3.247.0)", () => fakeInstall("3.247.0")],
        ["another major (4.0.0)", () => fakeInstall("4.0.0")],
        ["a CLI without its language host", () => fakeInstall("3.250.0", false)],
        ["no CLI at all", () => undefined],
    ] as const) {
        it(`builds from source with ${label}`, () => {
            const pick = chosen(dir());
            assert.equal(pick.source, "built");
            assert.match(pick.bin, new RegExp(`^${cache}/tools/pulumi-[0-9a-f]{12}/bin$`));
            assert.equal(pick.pulumiHome, path.join(cache, "pulumi-home"));
        });
    }

    it("builds from source when told to, even with a suitable CLI installed", () => {
        const pick = chosen(fakeInstall("3.250.0"), { CALICO_AD_USE_INSTALLED_PULUMI: "0" });
        assert.equal(pick.source, "built");
    });
});
