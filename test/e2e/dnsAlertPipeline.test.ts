/**
 * The dga simulation's alert from real DNS queries, through the real engine on the local node:
 * `pulumi up` runs the dga lookups with a real `kubectl exec` in the scanner pod, whose resolver
 * sends them to CoreDNS (real, the node's kube-dns), which answers NXDOMAIN itself (no upstream
 * here). The detection test finds the dga event through `kubectl port-forward` to Guardian's
 * Service, as the port scan's. The event is derived from the packets alone, by STAND-INS
 * (scripts/node-images.sh, test/fixtures/node-pipeline): the flow recorder (for Felix's DNS logs)
 * turns the queries and answers on the node's bridge into DNS log records, the AD jobs image
 * applies its stand-in dga rule (a randomness score of each qname's labels against
 * AD_DGA_SCORE_THRESHOLD from its env), the Elasticsearch stand-in stores and searches.
 *
 * The workshop's 3.12 release has dga; dns_tunnel, which only CE 3.15 to 3.17 have, is
 * dnsTunnelPipeline.test.ts.
 * Needs the node; skips with the reason otherwise, and fails with CALICO_AD_REQUIRE_ALL_TESTS=1.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { defaultLookupDomain } from "../../catalog/simulation";
import { dgaNames } from "../../simulations/dga";
import { committedConfig, kubectl, missingNode } from "./harness";
import {
    assertCoreDnsAnsweredNxdomain,
    detectionTestsOf,
    pipelineSuite,
    podLogs,
    pollingVerify,
} from "./node";

const skip = missingNode();
const ids = "tigera-intrusion-detection";
const namespace = `cad-e2e-dns-${process.pid}`;
const minuteSeconds = Number(process.env.CALICO_AD_STAND_IN_MINUTE_SECONDS ?? "60");
// Demo mode's Felix DNS log flush (10 s), then the AD job's next search (every 5 of its minutes).
const detectionSeconds = 10 + 5 * minuteSeconds;
const lookups = 30;

describe(
    "the dga alert derived from real DNS queries at a real CoreDNS, verified through kubectl port-forward (real engine, kubelet, CoreDNS; STAND-INS: flow recorder's DNS logs, AD jobs' dga rule, Elasticsearch, netshoot's nslookup)",
    { skip, concurrency: false },
    () => {
        const config = (
            scannerPod: string,
            timeoutSeconds: number,
            onNotFound: "warn" | "error",
        ) => ({
            ...committedConfig("local"),
            "calico-ad:demo": "true",
            "calico-ad:simulation": {
                dga: { enabled: true, namespace, scannerPod, lookups: String(lookups) },
                verify: pollingVerify(timeoutSeconds, onNotFound),
            },
        });
        const upOutputs = async () => (await stack().stack.up()).outputs;

        const stack = pipelineSuite("dns-alert", namespace, ["netshoot", "netshoot2"], () =>
            config("netshoot", 2 * detectionSeconds + 30, "warn"),
        );

        it("30 lookups of generated names reach CoreDNS, which answers NXDOMAIN; the DNS log records they become trip the dga rule at the default threshold of 0.5 and detectionTests reports found", async () => {
            const outputs = await upOutputs();
            const tests = detectionTestsOf(outputs, [["dga", "dga", "found"]]);
            const [report] = tests;
            assert.equal(report.source, `${namespace}/netshoot`);
            assert.ok((report.secondsAfterSimulation ?? Infinity) <= 2 * detectionSeconds + 30);
            // The count is of the qnames the DNS log records carry, not the simulation's.
            const counted = new RegExp(
                `^anomaly_detection\\.dga: ${namespace}/netshoot looked up (\\d+) names that look generated .*\\.${defaultLookupDomain.replace(".", "\\.")}; threshold 0\\.5\\)$`,
            ).exec(report.description ?? "");
            assert.ok(counted && Number(counted[1]) >= lookups / 2, report.description);
            // Every name reached the real DNS server, which answered it itself.
            assertCoreDnsAnsweredNxdomain(dgaNames(lookups, defaultLookupDomain));
            assert.match(
                podLogs(["-n", "calico-system", "deployment/calico-ad-flow-recorder"]),
                /wrote \d+ DNS log records to tigera_secure_ee_dns\.local-cluster\.\d{8}/,
            );
            assert.match(
                podLogs(["-n", ids, "deployment/ad-jobs-deployment"]),
                /AlertClient: sent [1-9]\d* alerts with anomalies\. DNS: [1-9]\d* records\./,
            );
        });

        it("the same lookups from another pod after AD_DGA_SCORE_THRESHOLD is raised to 1 on the running Deployment, which no score exceeds: the AD job reads their DNS logs and raises no dga alert, and onNotFound error fails pulumi up (not-found)", async () => {
            // Where the detector reads it, once its new pod runs (as the port scan's negative
            // test does): Pulumi compares with its recorded inputs and leaves the Deployment alone.
            for (const args of [
                ["set", "env", "deployment/ad-jobs-deployment", "AD_DGA_SCORE_THRESHOLD=1"],
                ["rollout", "status", "deployment/ad-jobs-deployment", "--timeout=180s"],
            ]) {
                const result = kubectl(["-n", ids, ...args]);
                assert.equal(result.status, 0, result.stderr);
            }
            await stack().setConfig(config("netshoot2", detectionSeconds + 20, "error"));
            await assert.rejects(upOutputs(), (error: Error) => {
                assert.match(
                    error.message,
                    /detection test: no dga alert after the dga lookups \(not-found\): no matching event yet after/,
                );
                return true;
            });
            const adLog = podLogs(["-n", ids, "deployment/ad-jobs-deployment"]);
            assert.match(adLog, /dga score threshold 1 \(stand-in rule\)/);
            // dga sent nothing (other jobs may alert an earlier test's traffic in the window).
            const cycles = [...adLog.matchAll(/DNS: (\d+) records\. By job: .*\bdga=(\d+)\b/g)];
            assert.ok(
                // One record per name and query type (A, AAAA): more than the AD pod's own lookups.
                cycles.some(([, dns]) => Number(dns) >= lookups),
                `a detection cycle read the lookups' DNS log records:\n${adLog}`,
            );
            assert.ok(
                cycles.every(([, , dga]) => dga === "0"),
                `and raised no dga alert:\n${adLog}`,
            );
        });
    },
);
