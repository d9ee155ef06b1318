/**
 * The alert verification through the real engine: `pulumi up` runs the port scan's and the
 * verification's `@pulumi/command` Commands (the upstream command provider plugin); the
 * verification script reads the AD user's Secret and the Elasticsearch CA from the local API
 * server with the real kubectl and searches with real curl over TLS, checking the certificate
 * against that CA for the AD pods' Elasticsearch host name.
 *
 * STAND-INS: (1) the events search endpoint is test/e2e/eventsStandIn.ts (no Elasticsearch
 * here), reached through `simulation.verify.connectTo`; for the run, the CA Secret the AD pods
 * use holds the stand-in's throw-away CA, and is restored afterwards. (2) The local API server
 * has no kubelet, so a kubectl wrapper first on the engine's PATH answers `kubectl exec ... nmap`
 * with nmap's last line and passes every other call to the real kubectl (the scan itself is
 * tested in simulation.test.ts); `sleep` is a no-op for the scan's bucket guard only.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { createPodObject, realKubectl } from "../netns/lab";
import { EventsSearchStandIn, makeCertificates, StoredEvent } from "./eventsStandIn";
import { committedConfig, getObject, kubectl, missingPrerequisite, TestStack } from "./harness";

const skip = missingPrerequisite();
const ids = "tigera-intrusion-detection";
const caSecret = "tigera-secure-es-gateway-http-certs-public";
const esHost = "tigera-secure-es-gateway-http.tigera-elasticsearch.svc";
const targetNamespace = `cad-e2e-verify-${process.pid}`;
const marker = `event-body-marker-${process.pid}`;
const index = "tigera_secure_ee_events.local-cluster.lma";

function mustKubectl(args: string[], input?: string): string {
    return execFileSync("kubectl", ["--context", "calico-ad-local", ...args], {
        encoding: "utf8",
        input,
        stdio: "pipe",
    });
}

/** A kubectl wrapper: `exec` prints nmap's last line; everything else is the real kubectl. */
function scanStandIn(): { bin: string; remove: () => void } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "calico-ad-verify-"));
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    fs.writeFileSync(
        path.join(bin, "kubectl"),
        [
            "#!/bin/sh",
            'for arg in "$@"; do',
            '    if [ "$arg" = exec ]; then',
            "        echo 'Nmap done: 1 IP address (1 host up) scanned in 0.31 seconds'",
            "        exit 0",
            "    fi",
            "done",
            `exec '${realKubectl()}' "$@"`,
            "",
        ].join("\n"),
        { mode: 0o755 },
    );
    const realSleep = execFileSync("sh", ["-c", "command -v sleep"], { encoding: "utf8" }).trim();
    fs.writeFileSync(
        path.join(bin, "sleep"),
        `#!/bin/sh\n[ -n "\${SCAN_PORTS:-}" ] && exit 0\nexec '${realSleep}' "$@"\n`,
        { mode: 0o755 },
    );
    return { bin, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

const now = () => Math.floor(Date.now() / 1000);

/** The alert of the scan, and events the verification must not take for it. */
function scanEvents(alertFromSearch: number): StoredEvent[] {
    const event = (overrides: Record<string, unknown>, visibleFromSearch = 1): StoredEvent => ({
        index,
        visibleFromSearch,
        source: {
            type: "anomaly_detection_job",
            time: now(),
            severity: 100,
            origin: "port_scan",
            description:
                "anomaly_detection.port_scan: 220 distinct destination ports from dev/netshoot",
            source_namespace: "dev",
            source_name: "netshoot",
            source_name_aggr: "netshoot",
            record: { marker },
            ...overrides,
        },
    });
    return [
        event({ source_namespace: "other", description: "from another namespace" }),
        event({ time: now() - 3600, description: "an hour old" }),
        event({ type: "global_alert", description: "not an AD event" }),
        event({ origin: "ip_sweep", description: "anomaly_detection.ip_sweep: another detector" }),
        {
            ...event({ description: "another cluster" }),
            index: "tigera_secure_ee_events.local-cluster2.lma",
        },
        { ...event({}, alertFromSearch), timedAtVisibility: true },
    ];
}

describe(
    "alert verification through pulumi up (real engine, kubectl and curl; STAND-INS: events search endpoint, kubectl exec of nmap)",
    { skip, concurrency: false },
    () => {
        let standIn: EventsSearchStandIn;
        let shim: ReturnType<typeof scanStandIn>;
        let stack: TestStack;
        let savedCa: string;
        const output: string[] = [];

        const verify = (overrides: Record<string, unknown>) => {
            const base = committedConfig("local");
            return {
                ...base,
                "calico-ad:simulation": {
                    portScan: {
                        enabled: true,
                        namespace: "dev",
                        scannerPod: "netshoot",
                        targetNamespace,
                        targetSelector: "app=centos",
                    },
                    verify: {
                        enabled: true,
                        timeout: "30s",
                        pollInterval: "1s",
                        connectTo: `127.0.0.1:${standIn.port}`,
                        ...overrides,
                    },
                },
            };
        };
        const up = async () => {
            const result = await stack.stack.up({ onOutput: (line) => output.push(line) });
            return result.outputs.alertVerification?.value as Record<string, unknown>;
        };

        before(async () => {
            const secret = getObject("secret", "tigera-ee-ad-job-elasticsearch-access", ids) as {
                data: { username: string; password: string };
            };
            const credential = {
                username: Buffer.from(secret.data.username, "base64").toString(),
                password: Buffer.from(secret.data.password, "base64").toString(),
            };
            const tls = makeCertificates(esHost);
            standIn = await EventsSearchStandIn.start(tls, credential);
            savedCa = (getObject("secret", caSecret, ids) as { data: { "tls.crt": string } }).data[
                "tls.crt"
            ];
            mustKubectl([
                "--namespace",
                ids,
                "patch",
                "secret",
                caSecret,
                "--type=merge",
                "--patch",
                JSON.stringify({ data: { "tls.crt": Buffer.from(tls.ca).toString("base64") } }),
            ]);
            shim = scanStandIn();
            createPodObject({
                kubeContext: "calico-ad-local",
                namespace: targetNamespace,
                name: "centos",
                labels: { app: "centos" },
                phase: "Running",
                podIP: "198.18.0.7",
                createNamespace: true,
            });
            stack = await TestStack.create("verify", verify({}), {
                env: { PATH: `${shim.bin}:${process.env.PATH}` },
            });
        });
        after(async () => {
            await stack?.remove();
            kubectl([
                "--namespace",
                ids,
                "patch",
                "secret",
                caSecret,
                "--type=merge",
                "--patch",
                JSON.stringify({ data: { "tls.crt": savedCa } }),
            ]);
            kubectl(["delete", "namespace", targetNamespace, "--wait=false", "--ignore-not-found"]);
            shim?.remove();
            await standIn?.stop();
        });

        it("preview plans the verification Command and searches nothing", async () => {
            standIn.reset("events", scanEvents(1));
            const { steps } = await stack.preview();
            const verification = steps.filter((s) =>
                s.urn.includes("port-scan-verification-search"),
            );
            assert.deepEqual(
                verification.map((s) => s.op),
                ["create"],
            );
            assert.equal(standIn.requests.length, 0);
        });

        it("found: reports the scan's alert, ignoring other namespaces, older events, other types, other detectors and clusters", async () => {
            standIn.reset("events", scanEvents(3));
            const report = await up();
            assert.equal(report.found, true, JSON.stringify(report));
            assert.equal(report.status, "found");
            assert.equal(report.source, "dev/netshoot");
            assert.equal(
                report.description,
                "anomaly_detection.port_scan: 220 distinct destination ports from dev/netshoot",
            );
            assert.equal(report.index, index);
            assert.equal(typeof report.secondsAfterScan, "number");
            assert.ok(standIn.requests.length >= 3, "searched until the alert appeared");
            assert.ok(
                standIn.requests.every((r) => r.authorized),
                "as the AD user",
            );
            assert.ok(
                standIn.requests.every(
                    (r) => r.path === "/tigera_secure_ee_events.local-cluster*/_search",
                ),
            );
        });

        it("keeps the credential and the event body out of state, outputs and logs", async () => {
            const state = JSON.stringify(await stack.stack.exportStack());
            const secret = getObject("secret", "tigera-ee-ad-job-elasticsearch-access", ids) as {
                data: { username: string; password: string };
            };
            const password = Buffer.from(secret.data.password, "base64").toString();
            const username = Buffer.from(secret.data.username, "base64").toString();
            const basic = Buffer.from(`${username}:${password}`).toString("base64");
            for (const [name, text] of [
                ["state", state],
                ["engine output", output.join("\n")],
            ]) {
                for (const forbidden of [password, username, basic, secret.data.password, marker]) {
                    assert.ok(
                        !text.includes(forbidden),
                        `${name} holds ${forbidden === marker ? "the event body" : "the credential"}`,
                    );
                }
            }
            assert.ok(state.includes("alertVerification"), "the state was read");
        });

        it("not found before the timeout: a warning, and the report says how long it waited", async () => {
            standIn.reset("events", scanEvents(1000));
            await stack.setConfig(verify({ timeout: "5s" }));
            output.length = 0;
            const report = await up();
            assert.equal(report.found, false);
            assert.equal(report.status, "not-found");
            assert.ok((report.waitedSeconds as number) >= 4, JSON.stringify(report));
            assert.match(
                report.reason as string,
                /no matching event yet after \d+ s \(timeout 5 s\)/,
            );
            assert.ok(standIn.requests.length >= 2, "searched again until the timeout");
            assert.match(
                output.join("\n"),
                /warning: detection test: no port_scan alert after the port scan \(not-found\)/,
            );
        });

        it("not found with onNotFound error fails pulumi up, naming the outcome without the script's text", async () => {
            standIn.reset("events", []);
            await stack.setConfig(verify({ timeout: "5s", onNotFound: "error" }));
            await assert.rejects(up(), (error: Error) => {
                assert.match(
                    error.message,
                    /detection test: no port_scan alert after the port scan \(not-found\): no matching event yet after/,
                );
                assert.match(error.message, /running "search"/);
                assert.ok(!error.message.includes("kube() {"), error.message);
                return true;
            });
        });

        it("search endpoint unreachable: reported with curl's reason", async () => {
            await stack.setConfig(verify({ timeout: "5s", connectTo: "127.0.0.1:1" }));
            const report = await up();
            assert.equal(report.status, "unreachable");
            assert.match(
                report.reason as string,
                new RegExp(
                    `${esHost.replace(/\./g, "\\.")}:9200 via 127\\.0\\.0\\.1:1: curl: \\(7\\)`,
                ),
            );
        });

        it("without connectTo, port-forwards to the Service behind the host (Guardian on a managed cluster) and reports unreachable when no pod answers for it", async () => {
            // On the local node the Elasticsearch stand-in answers for Guardian: stop it here
            // (alertPipeline.test.ts covers the route when it runs).
            const esStandIn = ["-n", "tigera-guardian", "deployment/calico-ad-es-stand-in"];
            const running = kubectl(["get", ...esStandIn]).status === 0;
            const scale = (replicas: number) =>
                mustKubectl(["scale", ...esStandIn, `--replicas=${replicas}`]);
            if (running) {
                scale(0);
                // Fails only when no pod is left to wait for.
                kubectl([
                    "-n",
                    "tigera-guardian",
                    "wait",
                    "--for=delete",
                    "pod",
                    "-l",
                    "k8s-app=tigera-guardian",
                    "--timeout=60s",
                ]);
            }
            try {
                await stack.setConfig(verify({ timeout: "5s", connectTo: "" }));
                const report = await up();
                assert.equal(report.status, "unreachable");
                assert.match(
                    report.reason as string,
                    /kubectl port-forward to service tigera-guardian\/tigera-guardian:9200 failed/,
                );
            } finally {
                if (running) {
                    scale(1);
                }
            }
        });

        it("malformed answer: reported at once, and an error when configured", async () => {
            standIn.reset("malformed");
            await stack.setConfig(verify({ timeout: "20s" }));
            const report = await up();
            assert.equal(report.status, "malformed");
            assert.match(report.reason as string, /not JSON/);
            assert.ok((report.waitedSeconds as number) < 10, "no waiting for a timeout");
            standIn.reset("malformed");
            await stack.setConfig(verify({ timeout: "20s", onNotFound: "error" }));
            await assert.rejects(
                up(),
                /detection test: no port_scan alert after the port scan \(malformed\)/,
            );
        });
    },
);
