import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { ipSweepFlags, portScanFlags } from "../../scan/arithmetic";
import { ipSweepScript } from "../../simulations/ipSweep";
import { portScanScript } from "../../simulations/portScan";
import { repoRoot } from "../helpers";

const shellcheck = spawnSync("shellcheck", ["--version"]).status === 0;
const skip =
    !shellcheck && !process.env.CALICO_AD_REQUIRE_ALL_TESTS
        ? "shellcheck is not on PATH (scripts/install-deps.sh installs it)"
        : false;

describe("the simulation scripts", () => {
    it("are common/kube.sh, scan/common.sh and simulations/*.sh with every placeholder filled in from scan/arithmetic.ts", () => {
        const read = (file: string) => fs.readFileSync(path.join(repoRoot, file), "utf8");
        const start = `${read("common/kube.sh")}\n${read("scan/common.sh").split("@")[0]}`;
        for (const script of [portScanScript, ipSweepScript]) {
            assert.doesNotMatch(script, /@[A-Z_]+@/);
            assert.ok(script.startsWith(start));
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
        const files = [
            "common/kube.sh",
            "scan/common.sh",
            "simulations/portScan.sh",
            "simulations/ipSweep.sh",
        ].map((f) => path.join(repoRoot, f));
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
