/**
 * scripts/demo-summary.jq, the end of ./scripts/demo.sh, run with the machine's jq on stack
 * outputs as `pulumi stack output --json` prints them: the alert as the workshop's step 5 shows
 * it, or why there is none.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { describe, it } from "node:test";
import { repoRoot } from "../helpers";

const summary = (outputs: unknown): string =>
    execFileSync(
        "jq",
        ["-r", "--arg", "stack", "local", "-f", path.join(repoRoot, "scripts/demo-summary.jq")],
        { input: JSON.stringify(outputs), encoding: "utf8" },
    );

const deployed = {
    release: "Calico Cloud 3.12.0",
    era: "manifest",
    clusterName: "local-cluster",
    deployed: ["Deployment tigera-intrusion-detection/ad-jobs-deployment"],
    warnings: [],
    portScan: "dev/netshoot -> dev/centos-x (198.19.59.11) ports 1-220 ...",
};

describe("the demo's summary (scripts/demo-summary.jq)", () => {
    it("prints a found alert as step 5: detector from the description, source pod, description, seconds after the scan", () => {
        const text = summary({
            ...deployed,
            alertVerification: {
                found: true,
                status: "found",
                secondsAfterScan: 312,
                source: "dev/netshoot",
                description:
                    "anomaly_detection.port_scan: dev/netshoot sent packets to 220 distinct destination ports",
                eventTime: "2026-12-07T01:30:00.000Z",
                index: "tigera_secure_ee_events.local-cluster.lma",
            },
        });
        assert.match(text, /^ {2}detector {5}port_scan$/m);
        assert.match(text, /^ {2}source pod {3}dev\/netshoot$/m);
        assert.match(text, /^ {2}description {2}anomaly_detection\.port_scan: dev\/netshoot sent/m);
        assert.match(text, /^ {2}raised {7}312 s after the scan ended/m);
        assert.match(text, /cluster local-cluster/);
    });

    it("prints a release without AD's rule-based scan alert with what confirmed it, and no AD detector", () => {
        const text = summary({
            ...deployed,
            release: "Calico Enterprise 3.18.0",
            era: "ruleBased",
            scanAlertVerification: {
                found: true,
                status: "found",
                secondsAfterScan: 14,
                source: "dev/netshoot",
                description:
                    "Possible port scan: 240 denied TCP flows from dev/netshoot to dev/centos (calico-ad)",
                eventTime: "2026-12-07T01:30:00.000Z",
                confirmedBy: ["status.lastEvent", "global_alert event"],
            },
        });
        assert.match(
            text,
            /^ {2}alert {8}the rule-based scan alert \(no AD on this release\), confirmed by status\.lastEvent and global_alert event$/m,
        );
        assert.match(text, /^ {2}source pod {3}dev\/netshoot$/m);
        assert.match(text, /^ {2}description {2}Possible port scan: 240 denied TCP flows/m);
        assert.match(text, /^ {2}raised {7}14 s after the scan ended/m);
        assert.doesNotMatch(text, /detector/);
    });

    it("says why there is no alert: the verification's status and reason, or that it was off", () => {
        const notFound = summary({
            ...deployed,
            alertVerification: {
                found: false,
                status: "not-found",
                waitedSeconds: 625,
                reason: "no matching event yet after 625 s (timeout 625 s)",
            },
        });
        assert.match(notFound, /no alert \(not-found\) after 625 s: no matching event yet/);
        assert.doesNotMatch(notFound, /detector/);
        const off = summary({ release: "Calico Cloud 3.12.0" });
        assert.match(off, /no scan ran in this stack/);
        assert.match(off, /not looked for: the alert verification is off in this stack/);
    });
});
