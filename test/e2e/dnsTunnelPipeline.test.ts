/**
 * The dns_tunnel simulation's alert on a GlobalAlert-era release (CE 3.16), through the real
 * engine on the local node: `pulumi up` creates the detector's GlobalAlert (type
 * AnomalyDetection) and runs the lookups with a real `kubectl exec` in the scanner pod; CoreDNS
 * (real, the node's kube-dns) answers them NXDOMAIN itself; the detection test finds the event
 * through `kubectl port-forward` to Guardian's Service. Between the two, STAND-INS
 * (scripts/node-images.sh, test/fixtures/node-pipeline): the intrusion-detection-controller's
 * stand-in turns the GlobalAlert into a detection CronJob from the operator's PodTemplate
 * (test/fixtures/cluster, a stand-in fixture); the real kube-controller-manager and kubelet run
 * its Jobs; each Job's AD jobs stand-in applies its stand-in dns_tunnel rule to the DNS log
 * records the flow recorder wrote from the packets; the Elasticsearch stand-in stores and
 * searches. Needs the node; skips with the reason otherwise, and fails with
 * CALICO_AD_REQUIRE_ALL_TESTS=1.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { defaultLookupDomain } from "../../catalog/simulation";
import { globalAlertName } from "../../catalog/lookup";
import { dnsTunnelNames } from "../../simulations/dnsTunnel";
import { kubeContext, kubectl, missingNode } from "./harness";
import {
    assertCoreDnsAnsweredNxdomain,
    detectionTestsOf,
    pipelineSuite,
    podLogs,
    pollingVerify,
} from "./node";

const skip = missingNode();
const ids = "tigera-intrusion-detection";
const namespace = `cad-e2e-tunnel-${process.pid}`;
const alert = globalAlertName("dns_tunnel");
// Demo mode's Felix DNS log flush (10 s), then the next detection Job: the CronJob runs the
// demo's 5m period on the stand-in's minute, and at most once a minute (detectors.go).
const minuteSeconds = Number(process.env.CALICO_AD_STAND_IN_MINUTE_SECONDS ?? "60");
const everySeconds = Math.max(60, 5 * minuteSeconds);
const detectionSeconds = 10 + everySeconds + 15;
const lookups = 30;

/** The detection CronJobs of the local cluster, as `name schedule`. */
function detectionCronJobs(): string[] {
    const result = kubectl([
        "-n",
        ids,
        "get",
        "cronjobs",
        "-l",
        "tigera.io.detector-cycle=detection,cluster=local-cluster",
        "-o",
        'jsonpath={range .items[*]}{.metadata.name} {.spec.schedule}{"\\n"}{end}',
    ]);
    assert.equal(result.status, 0, result.stderr);
    return result.stdout.split("\n").filter(Boolean);
}

describe(
    "the dns_tunnel alert of CE 3.16 derived from real DNS queries at a real CoreDNS, by a detection Job its GlobalAlert started (real engine, kubelet, CronJob and Job controllers, CoreDNS; STAND-INS: the IDS's CronJobs and the operator's PodTemplate, flow recorder's DNS logs, AD jobs' dns_tunnel rule, Elasticsearch, netshoot's nslookup)",
    { skip, concurrency: false },
    () => {
        const config = (
            scannerPod: string,
            timeoutSeconds: number,
            onNotFound: "warn" | "error",
        ) => ({
            "calico-ad:product": "enterprise",
            "calico-ad:calicoVersion": "3.16.5",
            "calico-ad:clusterType": "managed",
            "calico-ad:kubeContext": kubeContext,
            "calico-ad:detectors": ["dns_tunnel"],
            "calico-ad:demo": "true",
            "calico-ad:simulation": {
                dnsTunnel: { enabled: true, namespace, scannerPod, lookups: String(lookups) },
                verify: pollingVerify(timeoutSeconds, onNotFound),
            },
        });
        const upOutputs = async () => (await stack().stack.up()).outputs;

        const stack = pipelineSuite("dns-tunnel", namespace, ["netshoot", "netshoot2"], () =>
            config("netshoot", 2 * detectionSeconds, "warn"),
        );

        it("the GlobalAlert becomes a detection CronJob running dns_tunnel; 30 lookups of base32-labelled names reach CoreDNS, and the Job that reads their DNS log records raises dns_tunnel, which detectionTests reports found", async () => {
            const outputs = await upOutputs();
            const tests = detectionTestsOf(outputs, [["dnsTunnel", "dns_tunnel", "found"]]);
            const [report] = tests;
            assert.equal(report.source, `${namespace}/netshoot`);
            const counted = new RegExp(
                `^anomaly_detection\\.dns_tunnel: ${namespace}/netshoot looked up (\\d+) names with an encoded subdomain .*\\(longest label (\\d+) characters, in [a-z2-7]+\\.${defaultLookupDomain.replace(".", "\\.")}\\)$`,
            ).exec(report.description ?? "");
            assert.ok(counted && Number(counted[1]) >= lookups / 2, report.description);
            assert.ok(Number(counted[2]) >= 50, report.description);

            assertCoreDnsAnsweredNxdomain(dnsTunnelNames(lookups, defaultLookupDomain));
            const [cronJob] = detectionCronJobs();
            assert.match(
                cronJob ?? "",
                new RegExp(
                    `^local-cluster-tigera\\.io\\.detector\\.dns.*-detection-[0-9a-f]{5} @every ${everySeconds}s$`,
                ),
            );
            // The Jobs' pods are the AD jobs image of CE 3.16, running dns_tunnel only.
            const jobLogs = podLogs([
                "-n",
                ids,
                "-l",
                "tigera.io.detector-cycle=detection",
                "--tail=-1",
            ]);
            assert.match(
                jobLogs,
                /args \["-m" "adj" "detect"\]: cluster local-cluster, jobs dns_tunnel,/,
            );
            assert.match(jobLogs, /By job: port_scan=0 ip_sweep=0 dga=0 dns_tunnel=[01]/);
        });

        it("with the GlobalAlert deleted, its CronJob goes, and the same lookups from another pod raise nothing: onNotFound error fails pulumi up (not-found)", async () => {
            const deleted = kubectl(["delete", "globalalerts.projectcalico.org", alert]);
            assert.equal(deleted.status, 0, deleted.stderr);
            const deadline = Date.now() + 30_000;
            while (detectionCronJobs().length > 0) {
                assert.ok(Date.now() < deadline, `CronJob still there: ${detectionCronJobs()}`);
                await new Promise((resolve) => setTimeout(resolve, 1000));
            }
            // The stack still records the GlobalAlert (no refresh), so up changes only the
            // simulation and verification Commands.
            await stack().setConfig(config("netshoot2", detectionSeconds, "error"));
            await assert.rejects(upOutputs(), (error: Error) => {
                assert.match(
                    error.message,
                    /detection test: no dns_tunnel alert after the dns tunnel lookups \(not-found\): no matching event yet after/,
                );
                return true;
            });
        });
    },
);
