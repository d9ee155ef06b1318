/**
 * The rule-based scan alert of a release without AD (Calico Enterprise 3.18) confirmed from real
 * packets, through the real engine on the local node: `pulumi up` of a new 3.18 stack in demo
 * mode creates the GlobalAlert `calico-ad.port-scan`, runs the port scan with a real `kubectl
 * exec` of nmap at a pod that a real default-deny ingress NetworkPolicy protects, and the
 * verification confirms the alert from the GlobalAlert's `status.lastEvent` and its
 * `global_alert` event, read through `kubectl port-forward` to the Elasticsearch stand-in. The
 * alert is derived from the packets alone, by STAND-INS (scripts/node-images.sh,
 * test/fixtures/node-pipeline): the flow recorder (for Felix) drops the packets to the protected
 * pod with nftables and records those NFLOG hands back as denied at the destination; the
 * GlobalAlert evaluator (for the intrusion-detection-controller) counts them per source and
 * destination against the alert's threshold, writes the event and sets the status.
 *
 * The evaluator's minute is CALICO_AD_STAND_IN_MINUTE_SECONDS of its image (scripts/test.sh
 * starts the tests' node with 6 s), so the alert's 1-minute period takes 6 s.
 * Needs the node; skips with the reason otherwise, and fails with CALICO_AD_REQUIRE_ALL_TESTS=1.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { repoRoot } from "../helpers";
import { getObject, kubeContext, kubectl, missingNode } from "./harness";
import { pipelineSuite, podLogs, pollingVerify } from "./node";

const skip = missingNode();
const ids = "tigera-intrusion-detection";
const globalAlerts = "globalalerts.projectcalico.org";
const alertName = "calico-ad.port-scan";
const namespace = `cad-e2e-scan-alert-${process.pid}`;
const threshold = 20;

interface Report {
    found: boolean;
    status: string;
    description?: string;
    source?: string;
    eventTime?: string;
    index?: string;
    confirmedBy?: string[];
    reason?: string;
}

/** The workshop's default-deny fixture, applied in the test's namespace. */
function applyDefaultDeny(): void {
    const fixture = fs.readFileSync(
        path.join(repoRoot, "test/fixtures/node/51-default-deny-dev.yaml"),
        "utf8",
    );
    execFileSync("kubectl", ["--context", kubeContext, "apply", "-f", "-"], {
        input: fixture.replace(/namespace: dev\n/, `namespace: ${namespace}\n`),
        stdio: "pipe",
    });
}

describe(
    "the rule-based scan alert on 3.18 derived from real packets, confirmed from the GlobalAlert's status and its global_alert event (real engine, kubelet, nmap, NetworkPolicy, CoreDNS; STAND-INS: flow recorder with policy enforcement, GlobalAlert evaluator, Elasticsearch)",
    { skip, concurrency: false },
    () => {
        const config = (scannerPod: string, timeoutSeconds: number, connectTo?: string) => ({
            "calico-ad:product": "enterprise",
            "calico-ad:calicoVersion": "3.18.0",
            "calico-ad:clusterType": "managed",
            "calico-ad:kubeContext": kubeContext,
            "calico-ad:demo": "true",
            "calico-ad:scanAlertThreshold": threshold,
            "calico-ad:simulation": {
                portScan: { enabled: true, namespace, scannerPod, targetSelector: "app=centos" },
                verify: pollingVerify(timeoutSeconds, "warn", connectTo),
            },
        });
        const up = async () =>
            (await stack().stack.up()).outputs.scanAlertVerification?.value as Report;

        const stack = pipelineSuite(
            "scan-alert",
            namespace,
            ["netshoot", "netshoot2", "netshoot3"],
            () => config("netshoot", 90),
            applyDefaultDeny,
        );

        it("a scan of more ports than the threshold at a default-deny pod: its dropped packets cross the threshold and the verification finds the status and the event", async () => {
            const report = await up();
            assert.equal(report.status, "found", JSON.stringify(report));
            assert.deepEqual(report.confirmedBy, ["status.lastEvent", "global_alert event"]);
            assert.equal(report.source, `${namespace}/netshoot`);
            // The count is what the evaluator counted in the denied flow records.
            const count = Number(
                new RegExp(
                    `^Possible port scan: (\\d+) denied TCP flows from ${namespace}/netshoot to ${namespace}/centos \\(calico-ad\\)$`,
                ).exec(report.description ?? "")?.[1],
            );
            assert.ok(count >= threshold, JSON.stringify(report));
            assert.equal(report.index, "tigera_secure_ee_events.local-cluster.lma");
            const status = (
                getObject(globalAlerts, alertName) as { status?: { lastEvent?: string } }
            ).status;
            assert.ok(status?.lastEvent, JSON.stringify(status));
            assert.match(
                podLogs(["-n", ids, "deployment/calico-ad-global-alert-stand-in"]),
                new RegExp(
                    `${alertName.replace(".", "\\.")}: \\d+ flow log documents in the last 2m10s, [1-9]\\d* events written`,
                ),
            );
            // Denied records exist only because the drop rule's NFLOG reported the packets.
            assert.match(
                podLogs(["-n", "calico-system", "deployment/calico-ad-flow-recorder"]),
                new RegExp(`default-deny ingress enforced for \\[[^\\]]*\\] .*NFLOG group`),
            );
        });

        it("the events route down (connectTo a closed port): the same scan from another pod is confirmed by status.lastEvent alone, and the report says why the event was not read", async () => {
            await stack().setConfig(config("netshoot2", 60, "127.0.0.1:1"));
            const outputs = (await stack().stack.up()).outputs;
            const report = outputs.scanAlertVerification?.value as Report;
            assert.equal(report.status, "found", JSON.stringify(report));
            assert.deepEqual(report.confirmedBy, ["status.lastEvent"]);
            assert.match(
                report.reason ?? "",
                /^confirmed by status\.lastEvent only; the global_alert event was not read \(unreachable: .*127\.0\.0\.1:1/,
            );
            // eventTime is the status.lastEvent the verification read: not before this scan started.
            const started = Number(
                /\(started at (\d+)\)/.exec(String(outputs.portScan?.value))?.[1],
            );
            assert.ok(Date.parse(report.eventTime ?? "") / 1000 >= started, JSON.stringify(report));
        });

        it("the same scan from another pod after the GlobalAlert's threshold is raised above what it produces: the evaluator writes nothing and the verification reports not-found", async () => {
            // The stack refuses a scan that cannot cross its own threshold, so the threshold is
            // raised where the evaluator reads it: the GlobalAlert, as by hand.
            const patched = kubectl([
                "patch",
                globalAlerts,
                alertName,
                "--type=merge",
                "--patch",
                JSON.stringify({ spec: { threshold: 60000 } }),
            ]);
            assert.equal(patched.status, 0, patched.stderr);
            await stack().setConfig(config("netshoot3", 30));
            const report = await up();
            assert.equal(report.found, false, JSON.stringify(report));
            assert.equal(report.status, "not-found", JSON.stringify(report));
            assert.match(
                report.reason ?? "",
                /status\.lastEvent of GlobalAlert calico-ad\.port-scan is not later than the scan/,
            );
            assert.match(
                podLogs(["-n", ids, "deployment/calico-ad-global-alert-stand-in"]),
                /calico-ad\.port-scan: \d+ flow log documents in the last 2m10s, 0 events written/,
            );
        });
    },
);
