/**
 * The checks of a scheduled detection-test run (preview/detectionRun.ts): which previews may go
 * ahead, and which results fail the run. The same check runs on real engine events in
 * test/e2e/simulation.test.ts; here on recorded events and on built summaries.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { EngineEvent } from "@pulumi/pulumi/automation";
import {
    checkRunPreview,
    parentTypeOf,
    renderRunResults,
    runFailures,
} from "../../preview/detectionRun";
import { ResourceChange, StackPreview, summarizePreview } from "../../preview/summary";
import { DetectionTest } from "../../verify/detectionTest";
import { repoRoot } from "../helpers";

const prefix = "urn:pulumi:dev::calico-ad::";
const command = (parent: string, name: string, operation: ResourceChange["operation"]) => ({
    urn: `${prefix}${parent}$command:local:Command::${name}`,
    type: "command:local:Command",
    name,
    label: `command:local:Command ${name}`,
    operation,
    replaceKeys: operation === "replace" ? ["triggers"] : [],
    changes: [],
});
const scan = command("calico-ad:simulation:PortScanSimulation", "port-scan-nmap", "replace");
const search = command(
    "calico-ad:simulation:AlertVerification",
    "port-scan-verification-search",
    "replace",
);
const preview = (resources: ResourceChange[], errors: string[] = []): StackPreview => ({
    stack: "dev",
    resources,
    unchanged: 9,
    alerts: [],
    policyViolations: [],
    errors,
});

describe("the preview of a detection-test run", () => {
    it("goes ahead when it only replaces simulation and verification Commands", () => {
        assert.deepEqual(checkRunPreview(preview([scan, search])), {
            commands: [scan.urn, search.urn],
            problems: [],
        });
    });

    it("is refused, naming the stack and the object, when it would change an AD object (recorded preview of a threshold change)", () => {
        const recorded = JSON.parse(
            fs.readFileSync(
                path.join(repoRoot, "test/fixtures/preview/threshold-change.events.json"),
                "utf8",
            ),
        ) as { events: EngineEvent[] };
        const summary = summarizePreview("dev", recorded.events);
        const checked = checkRunPreview({
            ...summary,
            resources: [...summary.resources, scan, search],
        });
        assert.deepEqual(checked.problems, [
            "stack dev: Deployment tigera-intrusion-detection/ad-jobs-deployment would be updated; a detection-test run may only replace the simulation and verification Commands: deploy the stack first (or fix its drift), then run again",
        ]);
    });

    it("is refused when a Command would be updated or deleted instead of replaced, or is not a simulation's", () => {
        const updated = command(
            "calico-ad:simulation:PortScanSimulation",
            "port-scan-nmap",
            "update",
        );
        const felix = command("calico-ad:demo:FelixFlushIntervals", "demo-felix-set", "replace");
        const problems = checkRunPreview(preview([updated, felix, search])).problems;
        assert.equal(problems.length, 2, problems.join("\n"));
        assert.match(
            problems[0],
            /^stack dev: command:local:Command port-scan-nmap would be updated;/,
        );
        assert.match(
            problems[1],
            /^stack dev: command:local:Command demo-felix-set would be replaced;/,
        );
    });

    it("is refused when nothing would run, or nothing would check the alerts", () => {
        assert.deepEqual(checkRunPreview(preview([])).problems, [
            "stack dev: no simulation would run: enable one under calico-ad:simulation (and its verify block)",
        ]);
        assert.deepEqual(checkRunPreview(preview([scan])).problems, [
            "stack dev: nothing would check the alerts: set calico-ad:simulation.verify.enabled to true",
        ]);
    });

    it("is refused with the preview's own errors when it failed", () => {
        const problems = checkRunPreview(preview([], ["calico-ad:simulation.runId: bad"])).problems;
        assert.deepEqual(problems, [
            "stack dev: the preview failed: calico-ad:simulation.runId: bad",
        ]);
    });

    it("reads a resource's parent type from its URN", () => {
        assert.equal(parentTypeOf(scan.urn), "calico-ad:simulation:PortScanSimulation");
        assert.equal(parentTypeOf(`${prefix}calico-ad:index:AnomalyDetection::ad`), undefined);
    });
});

describe("the results of a detection-test run", () => {
    const found: DetectionTest = {
        simulation: "portScan",
        detector: "port_scan",
        found: true,
        status: "found",
        secondsAfterSimulation: 412,
        description: "anomaly_detection.port_scan from dev/netshoot",
        runId: "r1",
    };
    const missing: DetectionTest = {
        simulation: "ipSweep",
        detector: "ip_sweep",
        found: false,
        status: "not-found",
        reason: "no matching event yet after 625 s (timeout 625 s)",
        runId: "r1",
    };

    it("pass when every detector fired in this run", () => {
        assert.deepEqual(runFailures("dev", "r1", [found]), []);
    });

    it("fail naming the stack and each detector that did not fire, with the reason", () => {
        assert.deepEqual(runFailures("dev", "r1", [found, missing]), [
            "stack dev: detector ip_sweep did not fire after the ipSweep simulation (not-found: no matching event yet after 625 s (timeout 625 s))",
        ]);
    });

    it("fail when a result is not this run's, or there are none", () => {
        assert.deepEqual(runFailures("dev", "r2", [found]), [
            "stack dev: the port_scan result of portScan is from run r1, not from this run r2",
        ]);
        assert.deepEqual(runFailures("dev", "r1", undefined), [
            "stack dev: no detectionTests output: set calico-ad:simulation.verify.enabled to true",
        ]);
    });

    it("are summarised as one Markdown table with the failures under it", () => {
        const failures = runFailures("dev", "r1", [found, missing]);
        const markdown = renderRunResults("dev", "r1", [found, missing], failures);
        assert.match(markdown, /^### Detection tests of dev \(run r1\): 1 failure\(s\)\n/);
        assert.match(
            markdown,
            /\n\| portScan \| port_scan \| found \| 412 \| anomaly_detection\.port_scan from dev\/netshoot \|\n/,
        );
        assert.match(markdown, /\n- stack dev: detector ip_sweep did not fire/);
    });
});
