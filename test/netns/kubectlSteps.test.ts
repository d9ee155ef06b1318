/**
 * The port-scan script's kubectl steps against the local kube-apiserver (scripts/local-cluster.sh,
 * context calico-ad-local): the real kubectl finds the target pod by selector and phase, with
 * the stack's context; only `kubectl exec`, which needs a kubelet, is stood in for by
 * `ip netns exec` into the scanner namespace of the lab, so real nmap probes go on the wire.
 * Skips unless root, `ip netns` and the local API server are there (fails instead with
 * CALICO_AD_REQUIRE_ALL_TESTS=1).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { portScanScript } from "../../simulations/portScan";
import {
    createLab,
    createPodObject,
    kubectlShim,
    labUnavailable,
    realKubectl,
    ScanLab,
    skipReason,
} from "./lab";

const kubeContext = "calico-ad-local";
const namespace = "default";
const runLabel = `calico-ad.test/simulation=${process.pid}`;

function apiServerUnavailable(): string | undefined {
    const ready = spawnSync("kubectl", ["--context", kubeContext, "get", "--raw", "/readyz"], {
        encoding: "utf8",
        timeout: 20_000,
    });
    return ready.status === 0
        ? undefined
        : `the local API server (context ${kubeContext}) is not reachable: run scripts/local-cluster.sh start and eval "$(scripts/local-cluster.sh env)"`;
}

const skip = skipReason(labUnavailable() ?? apiServerUnavailable());

function pod(name: string, phase: "Pending" | "Running", podIP: string) {
    createPodObject({
        kubeContext,
        namespace,
        name,
        labels: { app: "centos", "calico-ad.test/simulation": String(process.pid) },
        phase,
        podIP,
    });
}

describe(
    "the port-scan script's kubectl steps (local API server, network namespaces)",
    { skip },
    () => {
        let lab: ScanLab;
        let shim: ReturnType<typeof kubectlShim>;

        before(() => {
            lab = createLab();
            shim = kubectlShim(lab, { realKubectl: realKubectl() });
            // Sorted first by name, so only the phase filter keeps the scan off it.
            pod(`cad-sim-${process.pid}-a-pending`, "Pending", "198.18.10.99");
            pod(`cad-sim-${process.pid}-b-running`, "Running", lab.dropTarget);
        });
        after(() => {
            spawnSync("kubectl", [
                "--context",
                kubeContext,
                "--namespace",
                namespace,
                "delete",
                "pods",
                "--selector",
                runLabel,
                "--grace-period=0",
                "--force",
                "--wait=false",
            ]);
            shim?.remove();
            lab?.destroy();
        });

        const scan = (env: Record<string, string>) =>
            spawnSync("/bin/sh", ["-c", portScanScript], {
                encoding: "utf8",
                env: {
                    ...process.env,
                    PATH: `${shim.bin}:${process.env.PATH}`,
                    SCAN_NAMESPACE: "dev",
                    SCANNER_POD: "netshoot",
                    TARGET_NAMESPACE: namespace,
                    SCAN_PORTS: "1-220",
                    SCAN_THRESHOLD: "200",
                    KUBE_CONTEXT: kubeContext,
                    ...env,
                },
                timeout: 60_000,
            });

        for (const selector of [
            `app=centos,${runLabel}`,
            `calico-ad.test/simulation in (${process.pid}), app==centos`,
        ]) {
            it(`finds the Running pod by "${selector}" and scans its IP`, () => {
                lab.resetCounts();
                const result = scan({ TARGET_SELECTOR: selector });
                assert.equal(result.status, 0, result.stderr);
                assert.ok(
                    result.stdout.startsWith(
                        `port scan of ${lab.dropTarget} (${namespace}, ${selector}) from dev/netshoot: ports 1-220 for threshold 200 in `,
                    ),
                    result.stdout,
                );
                assert.match(result.stdout, /; Nmap done: 1 IP address \(1 host up\) scanned in/);
                assert.equal(lab.counts("drop").ports, 220, "the probes reached the pod's IP");
            });
        }

        it("fails, and scans nothing, when no Running pod matches", () => {
            lab.resetCounts();
            const result = scan({ TARGET_SELECTOR: `app=nginx,${runLabel}` });
            assert.notEqual(result.status, 0);
            assert.match(result.stderr, /no Running pod with an IP in namespace default matches/);
            assert.equal(lab.counts("drop").probes, 0);
        });

        it("uses the given kube context", () => {
            const result = scan({ TARGET_SELECTOR: runLabel, KUBE_CONTEXT: "no-such-context" });
            assert.notEqual(result.status, 0);
            assert.match(result.stderr, /no-such-context/);
            assert.match(result.stderr, /cannot list pods in namespace default/);
        });
    },
);
