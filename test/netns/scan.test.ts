/**
 * Real nmap against network-namespace targets made by this test (see lab.ts): the exact argument
 * lists the simulation generates must put at least threshold-many distinct destination ports (or
 * addresses) on the wire, one probe each, in seconds, even when every port is filtered.
 * Run with `npm run test:netns` as root; skips without root or `ip netns` (fails instead with
 * CALICO_AD_REQUIRE_ALL_TESTS=1).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import {
    formatPortRange,
    nmapIpSweepArgs,
    nmapPortScanArgs,
    portCount,
    portRangeFor,
} from "../../scan/arithmetic";
import { portScanScript } from "../../simulations/portScan";
import { createLab, kubectlShim, labUnavailable, ScanLab, skipReason, TargetKind } from "./lab";

const skip = skipReason(labUnavailable());

/** Well inside one 5-minute bucket; the derived ranges take about a second. */
const maxScanSeconds = 10;

describe("the simulation's nmap arguments on the wire (network namespaces)", { skip }, () => {
    let lab: ScanLab;
    before(() => {
        lab = createLab();
    });
    after(() => lab?.destroy());

    const targets: { kind: TargetKind; what: string }[] = [
        { kind: "drop", what: "a target that drops every packet (all ports filtered)" },
        { kind: "reset", what: "a target that answers with resets (closed ports)" },
    ];
    for (const threshold of [200, 500]) {
        for (const { kind, what } of targets) {
            it(`threshold ${threshold}: probes more than ${threshold} distinct ports of ${what}, once each`, () => {
                const range = portRangeFor(threshold);
                const target = kind === "drop" ? lab.dropTarget : lab.resetTarget;
                lab.resetCounts();
                const run = lab.nmap(nmapPortScanArgs(formatPortRange(range), target), 60);
                assert.equal(run.status, 0, run.stderr);
                const seen = lab.counts(kind);
                assert.ok(
                    seen.ports >= threshold,
                    `${seen.ports} distinct ports, threshold ${threshold}`,
                );
                assert.equal(seen.ports, portCount(range), "every port of the range was probed");
                assert.equal(seen.probes, portCount(range), "one probe per port, no retries");
                assert.ok(run.seconds < maxScanSeconds, `took ${run.seconds.toFixed(2)} s`);
                assert.match(run.stdout, /^Nmap done: 1 IP address \(1 host up\) scanned in/m);
            });
        }
    }

    it("ip sweep: probes more than 32 distinct addresses of a routed range, once each", () => {
        lab.resetCounts();
        const run = lab.nmap(nmapIpSweepArgs(lab.sweepRange), 60);
        assert.equal(run.status, 0, run.stderr);
        const seen = lab.counts("drop");
        assert.ok(seen.addresses >= 32, `${seen.addresses} distinct addresses`);
        assert.equal(seen.addresses, 64, "every address of the /26");
        assert.equal(seen.probes, 64, "one probe per address");
        assert.ok(run.seconds < maxScanSeconds, `took ${run.seconds.toFixed(2)} s`);
    });

    it("the component's script, with kubectl exec standing in as ip netns exec, prints one summary line", () => {
        const shim = kubectlShim(lab, { podIps: lab.dropTarget });
        try {
            lab.resetCounts();
            const result = spawnSync("/bin/sh", ["-c", portScanScript], {
                encoding: "utf8",
                env: {
                    PATH: `${shim.bin}:${process.env.PATH}`,
                    SCAN_NAMESPACE: "dev",
                    SCANNER_POD: "netshoot",
                    TARGET_NAMESPACE: "dev",
                    TARGET_SELECTOR: "app=centos",
                    SCAN_PORTS: "1-220",
                    SCAN_THRESHOLD: "200",
                    KUBE_CONTEXT: "",
                },
                timeout: 60_000,
            });
            assert.equal(result.status, 0, result.stderr);
            assert.match(
                result.stdout,
                /^port scan of 198\.18\.10\.1 \(dev, app=centos\) from dev\/netshoot: ports 1-220 for threshold 200 in \d+ s \(started at \d+\); Nmap done: 1 IP address \(1 host up\) scanned in [\d.]+ seconds\n$/,
            );
            assert.equal(lab.counts("drop").ports, 220);
        } finally {
            shim.remove();
        }
    });
});
