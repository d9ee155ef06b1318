/**
 * scripts/toolchain.sh's archive, run for real (bash, tar, sha256sum) on stand-in components
 * (test/toolchainFakes.ts): export, install into an empty cache where the script then builds
 * nothing (with no Go on PATH), and the refusals of a file failing its checksum, of other pins
 * and of what is no archive. Also its progress: the time a step took last time on this
 * machine, the documented figure before that, and the elapsed-time lines.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { repoRoot } from "../helpers";
import { bash, componentDirs, fakeComponents, scriptEnv } from "../toolchainFakes";

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "calico-ad-archive-"));
const cacheOf = (name: string) => path.join(scratch, name);
const toolsIn = (cache: string) =>
    fs.existsSync(path.join(cache, "tools"))
        ? fs.readdirSync(path.join(cache, "tools")).filter((d) => !d.startsWith("."))
        : [];

/** Every file below dir, relative, with its content. */
function filesBelow(dir: string): Map<string, string> {
    const files = new Map<string, string>();
    for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
        if (entry.isFile()) {
            const full = path.join(entry.parentPath, entry.name);
            files.set(path.relative(dir, full), fs.readFileSync(full, "utf8"));
        }
    }
    return files;
}

/** Unpacks an archive, lets `change` edit the tree, and packs it again as a new archive. */
function repacked(archive: string, name: string, change: (dir: string) => void): string {
    const dir = fs.mkdtempSync(path.join(scratch, "repack-"));
    assert.equal(bash(["-c", `tar -xf "${archive}" -C "${dir}"`], process.env).status, 0);
    change(dir);
    const out = path.join(scratch, name);
    const packed = bash(
        ["-c", `tar -czf "${out}" -C "${dir}" MANIFEST SHA256SUMS tools`],
        process.env,
    );
    assert.equal(packed.status, 0, packed.stderr);
    return out;
}

describe("scripts/toolchain.sh export and install (stand-in components)", () => {
    const source = cacheOf("built");
    const sourceEnv = scriptEnv(scratch, source);
    const archive = path.join(scratch, "toolchain.tar.gz");
    let dirs: Map<string, string>;

    before(() => {
        dirs = fakeComponents(sourceEnv);
        const exported = bash(["scripts/toolchain.sh", "export", archive], sourceEnv);
        assert.equal(exported.status, 0, exported.stdout + exported.stderr);
        assert.match(exported.stdout, /wrote .*toolchain\.tar\.gz: .*, sha256 [0-9a-f]{64}/);
    });
    after(() => fs.rmSync(scratch, { recursive: true, force: true }));

    it("writes a MANIFEST of the pins, the platform and every component of env.sh's list", () => {
        const manifest = bash(["-c", `tar -xzOf "${archive}" MANIFEST`], process.env).stdout;
        assert.match(manifest, /^calico-ad toolchain archive 1\n/);
        assert.match(manifest, /^platform Linux /m);
        for (const pin of ["PULUMI_VERSION 3.248.0", "KUBERNETES_VERSION 1.37.2"]) {
            assert.match(manifest, new RegExp(`^pin CALICO_AD_${pin}$`, "m"));
        }
        for (const [name, dir] of dirs) {
            assert.match(manifest, new RegExp(`^component ${name} ${path.basename(dir)}$`, "m"));
        }
    });

    it("round trip: an empty cache gets every file, and toolchain.sh then builds nothing without Go", () => {
        const target = cacheOf("fresh");
        const env = scriptEnv(scratch, target);
        const installed = bash(["scripts/toolchain.sh", "install", archive], env);
        assert.equal(installed.status, 0, installed.stdout + installed.stderr);
        for (const dir of componentDirs(env).values()) {
            const original = path.join(source, "tools", path.basename(dir));
            assert.deepEqual(filesBelow(dir), filesBelow(original), dir);
            assert.equal(
                fs.statSync(path.join(dir, "stamp")).isFile() &&
                    fs.readdirSync(path.join(dir, "bin")).every((bin) => {
                        return (fs.statSync(path.join(dir, "bin", bin)).mode & 0o111) !== 0;
                    }),
                true,
                `${dir}: binaries stay executable`,
            );
        }

        const run = bash(["scripts/toolchain.sh"], env);
        assert.equal(run.status, 0, run.stdout + run.stderr);
        assert.doesNotMatch(run.stdout, /==> (download|build)-/);
        assert.match(run.stdout, /--- build-kubernetes: nothing to do/);
        assert.match(run.stdout, /<== verify: ok/);
        const times = fs.readFileSync(path.join(target, "toolchain-times.txt"), "utf8");
        assert.match(times, /^build-pulumi\s+\d+\s+0\s+cached$/m);
    });

    it("keeps a component the cache already holds, and says so", () => {
        const target = cacheOf("fresh");
        const again = bash(
            ["scripts/toolchain.sh", "install", archive],
            scriptEnv(scratch, target),
        );
        assert.equal(again.status, 0, again.stderr);
        assert.match(again.stdout, /--- pulumi: already in the cache, kept/);
    });

    /** Installs the archive with its pulumi component's bin/ edited, into a fresh cache. */
    const installEdited = (name: string, edit: (binDir: string) => void) => {
        const pulumiDir = path.basename(dirs.get("pulumi") ?? "");
        const edited = repacked(archive, `${name}.tar.gz`, (dir) =>
            edit(path.join(dir, "tools", pulumiDir, "bin")),
        );
        const target = cacheOf(name);
        const refused = bash(
            ["scripts/toolchain.sh", "install", edited],
            scriptEnv(scratch, target),
        );
        return { pulumiDir, target, refused };
    };

    it("refuses a file that fails its checksum, naming it, and installs nothing", () => {
        const { pulumiDir, target, refused } = installEdited("tampered", (bin) =>
            fs.appendFileSync(path.join(bin, "pulumi"), "echo extra\n"),
        );
        assert.equal(refused.status, 1);
        assert.match(refused.stderr, /checksum mismatch in .*tampered\.tar\.gz, refusing it/);
        assert.match(refused.stderr, new RegExp(`tools/${pulumiDir}/bin/pulumi: FAILED`));
        assert.deepEqual(toolsIn(target), []);
    });

    it("refuses a file that SHA256SUMS does not list", () => {
        const { pulumiDir, target, refused } = installEdited("extra", (bin) =>
            fs.writeFileSync(path.join(bin, "kubectl"), "#!/bin/sh\n"),
        );
        assert.equal(refused.status, 1);
        assert.match(refused.stderr, /holds files that SHA256SUMS does not list/);
        assert.match(refused.stderr, new RegExp(`tools/${pulumiDir}/bin/kubectl`));
        assert.deepEqual(toolsIn(target), []);
    });

    it("refuses an archive made for another pin, naming the pin and both values", () => {
        const otherPin = repacked(archive, "other-pin.tar.gz", (dir) => {
            const manifest = path.join(dir, "MANIFEST");
            fs.writeFileSync(
                manifest,
                fs
                    .readFileSync(manifest, "utf8")
                    .replace(
                        /^pin CALICO_AD_KUBERNETES_VERSION .*$/m,
                        "pin CALICO_AD_KUBERNETES_VERSION 1.36.0",
                    ),
            );
        });
        const target = cacheOf("other-pin");
        const refused = bash(
            ["scripts/toolchain.sh", "install", otherPin],
            scriptEnv(scratch, target),
        );
        assert.equal(refused.status, 1);
        assert.match(
            refused.stderr,
            /CALICO_AD_KUBERNETES_VERSION: the archive was built for '1\.36\.0', scripts\/env\.sh here pins '1\.37\.2'/,
        );
        assert.match(
            refused.stderr,
            /refusing .*other-pin\.tar\.gz: it was made for other pins than this checkout's/,
        );
        assert.deepEqual(toolsIn(target), [], "refused before unpacking");
    });

    it("refuses a kubernetes build with kubectl where this machine expects none, saying how to take it", () => {
        const target = cacheOf("no-kubectl");
        const refused = bash(
            ["scripts/toolchain.sh", "install", archive],
            scriptEnv(scratch, target, { CALICO_AD_BUILD_KUBECTL: "0" }),
        );
        assert.equal(refused.status, 1);
        assert.match(
            refused.stderr,
            /built with kubectl=1, here kubectl=0 \(set CALICO_AD_BUILD_KUBECTL=1 to take it\)/,
        );
        assert.match(
            refused.stderr,
            /component kubernetes: the archive holds kubernetes-\w+, this checkout needs kubernetes-\w+/,
        );
        assert.deepEqual(toolsIn(target), []);
    });

    it("refuses what is no toolchain archive, and an export name without a known suffix", () => {
        const env = scriptEnv(scratch, cacheOf("other"));
        const notArchive = bash(
            ["scripts/toolchain.sh", "install", path.join(repoRoot, "package.json")],
            env,
        );
        assert.equal(notArchive.status, 1);
        assert.match(notArchive.stderr, /package\.json is not a calico-ad toolchain archive/);
        const badName = bash(
            ["scripts/toolchain.sh", "export", path.join(scratch, "t.zip")],
            sourceEnv,
        );
        assert.equal(badName.status, 1);
        assert.match(
            badName.stderr,
            /'.*t\.zip' must end in \.tar, \.tar\.gz, \.tgz, \.tar\.zst or \.tar\.xz/,
        );
    });

    it("archive-key changes with the component keys (here: kubectl built or not)", () => {
        const key = (kubectl: string) =>
            bash(
                ["scripts/toolchain.sh", "archive-key"],
                scriptEnv(scratch, source, { CALICO_AD_BUILD_KUBECTL: kubectl }),
            ).stdout.trim();
        assert.match(key("1"), /^calico-ad-toolchain-Linux-\S+-[0-9a-f]{16}$/);
        assert.equal(key("1"), key("1"));
        assert.notEqual(key("1"), key("0"));
    });
});

describe("scripts/toolchain.sh progress", () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), "calico-ad-progress-"));
    const env = scriptEnv(cache, cache);
    const run = (...args: string[]) => bash(["scripts/toolchain.sh", "__run", ...args], env);
    after(() => fs.rmSync(cache, { recursive: true, force: true }));

    it("before any run here, shows the documented cold-build figure of each build step", () => {
        const page = fs.readFileSync(path.join(repoRoot, "docs", "local-cluster.md"), "utf8");
        for (const step of [
            "build-pulumi",
            "build-kubernetes-provider",
            "build-command-provider",
            "build-kubernetes",
        ]) {
            const shown = run("expectation", step, "cold").stdout.trim();
            const [seconds] = shown.split(" ");
            assert.match(
                shown,
                /^\d+ first run here; the documented cold build on 2 cores: \d+m\d\ds$/,
                step,
            );
            assert.ok(
                page.includes(`${seconds} s`),
                `docs/local-cluster.md has no "${seconds} s" (${step})`,
            );
        }
        assert.equal(run("expectation", "verify", "cold").stdout, "");
    });

    it("then the newest successful run on this machine, with Go caches in the same state", () => {
        const row = (step: string, seconds: number, status = "ok") =>
            `${step.padEnd(30)} ${"0".padStart(9)} ${String(seconds).padStart(8)}  ${status}\n`;
        fs.writeFileSync(
            path.join(cache, "toolchain-times.history"),
            `# scripts/toolchain.sh 20261201T100000Z: vm, 2 cores, go1.26.8, go caches cold at start\n` +
                row("build-kubernetes", 1880) +
                row("build-pulumi", 883) +
                `\n# scripts/toolchain.sh 20261202T100000Z: vm, 2 cores, go1.26.8, go caches warm at start\n` +
                row("build-kubernetes", 95) +
                row("build-pulumi", 0, "cached") +
                `\n# scripts/toolchain.sh 20261203T100000Z: vm, 2 cores, go1.26.8, go caches cold at start\n` +
                row("build-kubernetes", 400, "FAILED(rc=1)"),
        );
        assert.equal(
            run("expectation", "build-kubernetes", "cold").stdout.trim(),
            "1880 last time on this machine: 31m20s (go caches cold, run 20261201T100000Z)",
        );
        assert.equal(
            run("expectation", "build-kubernetes", "warm").stdout.trim(),
            "95 last time on this machine: 1m35s (go caches warm, run 20261202T100000Z)",
        );
        assert.match(run("expectation", "build-pulumi", "warm").stdout, /^883 .*go caches cold/);
    });

    it("prints each running step's elapsed time and last time, a line per interval without a terminal", () => {
        const running = path.join(cache, "running");
        fs.mkdirSync(running);
        const now = Math.floor(Date.now() / 1000);
        fs.writeFileSync(path.join(running, "build-kubernetes"), `${now - 125} 1880\n`);
        fs.writeFileSync(path.join(running, "download-pulumi"), `${now - 5}\n`);
        const ticks = bash(
            [
                "-c",
                'timeout 2.6 bash scripts/toolchain.sh __run progress_ticker "$1"; true',
                "_",
                running,
            ],
            { ...env, CALICO_AD_PROGRESS_INTERVAL: "1" },
        ).stdout;
        const lines = ticks.trim().split("\n");
        assert.ok(lines.length >= 1 && lines.length <= 3, ticks);
        assert.match(
            lines[0],
            /^\[toolchain \d\d:\d\d:\d\d\] \.\.\. running: build-kubernetes 2m0\ds \(last time 31m20s\), download-pulumi \ds$/,
        );
        assert.ok(
            !ticks.includes("\r") && !ticks.includes("\x1b"),
            "no terminal control characters",
        );
    });
});
