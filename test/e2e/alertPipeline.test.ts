/**
 * The workshop's alert from real packets, through the real engine on the local node: `pulumi up`
 * deploys the AD Deployment in demo mode, runs the port scan and the ip sweep with a real
 * `kubectl exec` of nmap, and the alert verification finds each one's AD event (the detection
 * tests) through its default route, `kubectl
 * port-forward` to the release's Elasticsearch Service (Guardian, for this managed 3.12 stack),
 * with the AD user's Secret and CA. The event is derived from the packets alone, by STAND-INS
 * (scripts/node-images.sh, test/fixtures/node-pipeline): the flow recorder (for Felix's flow
 * logs) records the scanner's packets on the node's bridge, the AD jobs image applies the
 * port_scan and ip_sweep rules with the thresholds in its env, the Elasticsearch stand-in
 * stores and searches,
 * and CoreDNS (real, as kube-dns) resolves the AD jobs' ELASTIC_HOST.
 *
 * The AD stand-in's minute is CALICO_AD_STAND_IN_MINUTE_SECONDS of the image (scripts/test.sh
 * starts the tests' node with 6 s; unset, 60 s), so its 5-minute search interval takes 30 s.
 * Needs the node; skips with the reason otherwise, and fails with CALICO_AD_REQUIRE_ALL_TESTS=1.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { committedConfig, getObject, kubectl, missingNode } from "./harness";
import {
    DetectionReport,
    detectionTestsOf,
    pipelineSuite,
    podLogs,
    pollingVerify,
    runPod,
} from "./node";

const skip = missingNode();
const ids = "tigera-intrusion-detection";
const namespace = `cad-e2e-alert-${process.pid}`;
const minuteSeconds = Number(process.env.CALICO_AD_STAND_IN_MINUTE_SECONDS ?? "60");
// Demo mode's Felix flush (10 s), then the AD job's next search (every 5 of its minutes).
const detectionSeconds = 10 + 5 * minuteSeconds;
// Off the node's pod range, so the sweep's packets leave through the bridge the recorder reads.
const sweepRange = "198.18.64.0/26";

/**
 * Sets the detectors' thresholds where the AD job reads them, on the running Deployment, as by
 * hand: the stack refuses a scan that cannot cross its own threshold. Pulumi compares with the
 * inputs it recorded, so the next `up` leaves the Deployment alone.
 */
function setThresholds(portScan: number, ipSweep: number): void {
    for (const args of [
        [
            "set",
            "env",
            "deployment/ad-jobs-deployment",
            `AD_port_scan_threshold=${portScan}`,
            `AD_ip_sweep_threshold=${ipSweep}`,
        ],
        ["rollout", "status", "deployment/ad-jobs-deployment", "--timeout=180s"],
    ]) {
        const result = kubectl(["-n", ids, ...args]);
        assert.equal(result.status, 0, result.stderr);
    }
}

describe(
    "the scan's alert derived from real packets, verified through kubectl port-forward (real engine, kubelet, nmap, CoreDNS; STAND-INS: flow recorder, AD jobs, Elasticsearch)",
    { skip, concurrency: false },
    () => {
        const config = (
            scannerPod: string,
            timeoutSeconds: number,
            onNotFound: "warn" | "error" = "warn",
        ) => ({
            ...committedConfig("local"),
            "calico-ad:demo": "true",
            "calico-ad:simulation": {
                portScan: { enabled: true, namespace, scannerPod, targetSelector: "app=centos" },
                ipSweep: { enabled: true, namespace, scannerPod, targetCidr: sweepRange },
                verify: pollingVerify(timeoutSeconds, onNotFound),
            },
        });
        const upOutputs = async () => (await stack().stack.up()).outputs;
        const up = async () => (await upOutputs()).alertVerification?.value as DetectionReport;

        const stack = pipelineSuite("alert", namespace, ["netshoot", "netshoot2"], () =>
            config("netshoot", 2 * detectionSeconds + 30),
        );

        it("220 ports over the workshop's threshold of 200 and 64 addresses over its 32: the AD job raises both alerts and detectionTests finds each in the events index", async () => {
            const outputs = await upOutputs();
            const tests = detectionTestsOf(outputs, [
                ["portScan", "port_scan", "found"],
                ["ipSweep", "ip_sweep", "found"],
            ]);
            const report = outputs.alertVerification?.value as DetectionReport;
            assert.deepEqual(report, {
                ...tests[0],
                secondsAfterScan: tests[0].secondsAfterSimulation,
            });
            const sweep = tests[1];
            assert.equal(sweep.source, `${namespace}/netshoot`);
            // The ip_sweep rule counted the addresses the flow recorder saw: the 64 swept, and
            // the port scan's target, reached from the same pod in the same bucket.
            const swept = new RegExp(
                `^anomaly_detection\\.ip_sweep: ${namespace}/netshoot sent packets to (\\d+) distinct destination IPs .*\\(threshold 32\\)$`,
            ).exec(sweep.description ?? "");
            assert.ok(swept && Number(swept[1]) >= 64, sweep.description);
            assert.ok((sweep.secondsAfterSimulation ?? Infinity) <= 2 * detectionSeconds + 30);
            assert.equal(report.status, "found", JSON.stringify(report));
            assert.equal(report.source, `${namespace}/netshoot`);
            // The count comes from the packets the flow recorder saw, not from the scan's report.
            assert.match(
                report.description ?? "",
                new RegExp(
                    `^anomaly_detection\\.port_scan: ${namespace}/netshoot sent packets to 220 distinct destination ports .*\\(threshold 200\\)$`,
                ),
            );
            assert.equal(report.index, "tigera_secure_ee_events.local-cluster.lma");
            assert.ok((report.secondsAfterScan ?? Infinity) <= 2 * detectionSeconds + 30);
            assert.match(
                podLogs(["-n", ids, "deployment/ad-jobs-deployment"]),
                /AlertClient: sent [1-9]\d* alerts with anomalies\./,
            );
            // The search went through the port-forward into the Elasticsearch stand-in's pod,
            // as the AD user.
            assert.match(
                podLogs(["-n", "tigera-guardian", "deployment/calico-ad-es-stand-in"]),
                /POST \/tigera_secure_ee_events\.local-cluster\*\/_search user="fake-ad-job-user" -> 200/,
            );
        });

        it("the same scan and sweep after AD_port_scan_threshold is raised to 300 and AD_ip_sweep_threshold to 100 on the running Deployment: the AD job reads the flows and raises nothing, and onNotFound error fails pulumi up naming both detectors (not-found)", async () => {
            setThresholds(300, 100);
            // Another scanner pod, so the first scan's alert (same 5-minute bucket) is not its own.
            await stack().setConfig(config("netshoot2", detectionSeconds + 20, "error"));
            await assert.rejects(upOutputs(), (error: Error) => {
                for (const [detector, simulation] of [
                    ["port_scan", "port scan"],
                    ["ip_sweep", "ip sweep"],
                ]) {
                    assert.match(
                        error.message,
                        new RegExp(
                            `detection test: no ${detector} alert after the ${simulation} \\(not-found\\): no matching event yet after`,
                        ),
                    );
                }
                return true;
            });
            const adLog = podLogs(["-n", ids, "deployment/ad-jobs-deployment"]);
            assert.match(adLog, /port_scan threshold 300, ip_sweep threshold 100/);
            const cycles = [
                ...adLog.matchAll(
                    /STOP detection: (\d+) flow records; AlertClient: sent (\d+) alerts/g,
                ),
            ];
            assert.ok(
                cycles.some(([, flows]) => Number(flows) >= 220),
                `a detection cycle read the scan's flow records:\n${adLog}`,
            );
            assert.ok(
                cycles.every(([, , sent]) => sent === "0"),
                `and raised nothing:\n${adLog}`,
            );
        });

        it("the AD user's Secret no longer holding the user Elasticsearch knows: the verification reports unauthorized at once", async () => {
            const credential = "tigera-ee-ad-job-elasticsearch-access";
            const saved = (getObject("secret", credential, ids) as { data: { password: string } })
                .data.password;
            const setPassword = (password: string) => {
                const result = kubectl([
                    "-n",
                    ids,
                    "patch",
                    "secret",
                    credential,
                    "--type=merge",
                    "--patch",
                    JSON.stringify({ data: { password } }),
                ]);
                assert.equal(result.status, 0, result.stderr);
            };
            setPassword(Buffer.from("not-the-password-elasticsearch-knows").toString("base64"));
            try {
                // A changed verification setting runs the verification again.
                await stack().setConfig(config("netshoot2", detectionSeconds + 21));
                const report = await up();
                assert.equal(report.status, "unauthorized", JSON.stringify(report));
                assert.match(report.reason ?? "", /refused the AD user \(HTTP 401\)/);
                assert.match(
                    podLogs(["-n", "tigera-guardian", "deployment/calico-ad-es-stand-in"]),
                    /_search user="fake-ad-job-user" -> 401/,
                );
            } finally {
                setPassword(saved);
            }
        });

        it("the same scan and sweep that raised nothing at 300 and 100 alert once AD_port_scan_threshold is lowered to 150 and AD_ip_sweep_threshold to 50 on the running Deployment: detectionTests finds both, each naming the lowered threshold", async () => {
            setThresholds(150, 50);
            runPod(namespace, "netshoot3", "docker.io/nicolaka/netshoot:latest", {
                app: "scanner",
            });
            await stack().setConfig(config("netshoot3", 2 * detectionSeconds + 30, "error"));
            const tests = (await upOutputs()).detectionTests?.value as DetectionReport[];
            assert.deepEqual(
                tests.map((t) => [t.detector, t.status, t.source]),
                [
                    ["port_scan", "found", `${namespace}/netshoot3`],
                    ["ip_sweep", "found", `${namespace}/netshoot3`],
                ],
                JSON.stringify(tests),
            );
            assert.match(
                tests[0].description ?? "",
                /220 distinct destination ports .*\(threshold 150\)$/,
            );
            assert.match(
                tests[1].description ?? "",
                /distinct destination IPs .*\(threshold 50\)$/,
            );
        });
    },
);
