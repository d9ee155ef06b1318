import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { ipSweepFlags, portScanFlags } from "../../scan/arithmetic";
import { ipSweepScript, portScanScript } from "../../scan/scripts";
import { repoRoot } from "../helpers";

const shellcheck = spawnSync("shellcheck", ["--version"]).status === 0;
const skip =
    !shellcheck && !process.env.CALICO_AD_REQUIRE_ALL_TESTS
        ? "shellcheck is not on PATH (scripts/install-deps.sh installs it)"
        : false;

describe("the simulation scripts", () => {
    it("are the scan/*.sh files with every placeholder filled in from scan/arithmetic.ts", () => {
        for (const script of [portScanScript, ipSweepScript]) {
            assert.doesNotMatch(script, /@[A-Z_]+@/);
            assert.ok(
                script.startsWith(
                    fs.readFileSync(path.join(repoRoot, "scan", "common.sh"), "utf8").split("@")[0],
                ),
            );
            assert.match(script, /^bucket_seconds=300$/m);
        }
        assert.ok(
            portScanScript.includes(
                `run_nmap ${portScanFlags.join(" ")} -p "$SCAN_PORTS" "$target"`,
            ),
        );
        assert.ok(ipSweepScript.includes(`run_nmap ${ipSweepFlags.join(" ")} "$SWEEP_CIDR"`));
    });

    it("pass shellcheck as written and as run", { skip }, () => {
        const files = ["common.sh", "portScan.sh", "ipSweep.sh"].map((f) =>
            path.join(repoRoot, "scan", f),
        );
        const written = spawnSync("shellcheck", files, { encoding: "utf8" });
        assert.equal(written.status, 0, written.stdout);
        for (const script of [portScanScript, ipSweepScript]) {
            const run = spawnSync("shellcheck", ["--shell=sh", "-"], {
                input: script,
                encoding: "utf8",
            });
            assert.equal(run.status, 0, run.stdout);
        }
    });
});
