/**
 * The local node (scripts/local-cluster.sh with kubelet and containerd) for end-to-end tests:
 * pods that really run, and nftables on the node's bridge device counting what a pod sends.
 * Needs root and nft.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { after, before } from "node:test";
import type { OutputMap } from "@pulumi/pulumi/automation";
import { applyFelixDefault, felixResource, getObject, kubectl, TestStack } from "./harness";

/** What a scanner pod sent through the node's bridge since the last `resetCounts`. */
export interface BridgeCounts {
    /** Distinct TCP destination ports. */
    readonly ports: number;
    /** Distinct destination addresses. */
    readonly addresses: number;
    /** TCP packets. */
    readonly probes: number;
}

function mustKubectl(args: string[], input?: string): string {
    return execFileSync("kubectl", ["--context", "calico-ad-local", ...args], {
        encoding: "utf8",
        input,
        stdio: "pipe",
    });
}

/** The IP of a Running pod. */
export function podIP(namespace: string, name: string): string {
    const ip = mustKubectl(["-n", namespace, "get", "pod", name, "-o", "jsonpath={.status.podIP}"]);
    if (!/^[0-9.]+$/.test(ip)) {
        throw new Error(`pod ${namespace}/${name} has no IP: ${JSON.stringify(ip)}`);
    }
    return ip;
}

/**
 * Creates a pod of a stand-in image (never pulled) in `namespace`, creating the namespace,
 * and waits until it is Ready; returns its IP.
 */
export function runPod(
    namespace: string,
    name: string,
    image: string,
    labels: Record<string, string>,
): string {
    mustKubectl(
        ["apply", "-f", "-"],
        JSON.stringify({
            apiVersion: "v1",
            kind: "List",
            items: [
                { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } },
                {
                    apiVersion: "v1",
                    kind: "Pod",
                    metadata: { name, namespace, labels },
                    spec: {
                        terminationGracePeriodSeconds: 1,
                        containers: [{ name, image, imagePullPolicy: "Never" }],
                    },
                },
            ],
        }),
    );
    mustKubectl([
        "-n",
        namespace,
        "wait",
        "--for=condition=Ready",
        "--timeout=120s",
        `pod/${name}`,
    ]);
    return podIP(namespace, name);
}

/** The host device holding the node's InternalIP: the bridge the pods are attached to. */
export function nodeBridge(): string {
    const nodeIP = mustKubectl([
        "get",
        "nodes",
        "-o",
        'jsonpath={.items[0].status.addresses[?(@.type=="InternalIP")].address}',
    ]).trim();
    const links = JSON.parse(
        execFileSync("ip", ["-j", "-4", "addr", "show"], { encoding: "utf8" }),
    ) as { ifname: string; addr_info: { local: string }[] }[];
    const link = links.find((l) => l.addr_info.some((a) => a.local === nodeIP));
    if (!link) {
        throw new Error(`no device on this machine holds the node IP ${nodeIP}`);
    }
    return link.ifname;
}

/**
 * nftables in the bridge family on the node's bridge: every TCP packet the scanner pod sends
 * is counted (distinct ports and addresses in sets); packets to `dropRange` (an ip sweep's
 * range, off the node's network) are dropped there, so they never leave the machine.
 */
export class BridgeCounter {
    private readonly table = `cad_e2e_${process.pid}`;

    constructor(
        readonly bridge: string,
        readonly scannerIP: string,
        dropRange: string,
    ) {
        const rules = `table bridge ${this.table} {
    set ports { type inet_service; size 65536; flags dynamic; }
    set addresses { type ipv4_addr; size 65536; flags dynamic; }
    counter probes { }
    chain prerouting {
        type filter hook prerouting priority 0; policy accept;
        ip saddr ${scannerIP} meta l4proto tcp counter name probes add @ports { tcp dport } add @addresses { ip daddr }
        ip saddr ${scannerIP} ip daddr ${dropRange} drop
    }
}
`;
        nft(["-f", "-"], rules);
    }

    resetCounts(): void {
        nft(["flush", "set", "bridge", this.table, "ports"]);
        nft(["flush", "set", "bridge", this.table, "addresses"]);
        nft(["reset", "counter", "bridge", this.table, "probes"]);
    }

    counts(): BridgeCounts {
        const setSize = (set: string) =>
            (
                JSON.parse(nft(["-j", "list", "set", "bridge", this.table, set])) as {
                    nftables: { set?: { elem?: unknown[] } }[];
                }
            ).nftables.find((entry) => entry.set)?.set?.elem?.length ?? 0;
        const counter = JSON.parse(
            nft(["-j", "list", "counter", "bridge", this.table, "probes"]),
        ) as {
            nftables: { counter?: { packets: number } }[];
        };
        return {
            ports: setSize("ports"),
            addresses: setSize("addresses"),
            probes: counter.nftables.find((entry) => entry.counter)?.counter?.packets ?? 0,
        };
    }

    /** Deletes the table; safe to call twice. */
    remove(): void {
        spawnSync("nft", ["delete", "table", "bridge", this.table]);
    }
}

function nft(args: string[], input?: string): string {
    return execFileSync("nft", args, { encoding: "utf8", input, stdio: "pipe" });
}

/** Deletes a namespace without waiting. */
export function deleteNamespace(namespace: string): void {
    kubectl(["delete", "namespace", namespace, "--wait=false", "--ignore-not-found"]);
}

/**
 * The workshop's pods in a namespace of their own, for the local AD pipeline: `centos`
 * (app=centos) and one netshoot scanner (app=scanner) per name, with FelixConfiguration
 * `default` (whose flush interval the flow recorder and demo mode read) applied from the fixture
 * when the cluster has none. The returned function removes the namespace, and the Felix object
 * only if it was created here.
 */
export function workshopPods(namespace: string, scanners: readonly string[]): () => void {
    const createdFelix = !getObject(felixResource, "default");
    if (createdFelix) {
        applyFelixDefault();
    }
    runPod(namespace, "centos", "docker.io/library/centos:latest", { app: "centos" });
    for (const scanner of scanners) {
        runPod(namespace, scanner, "docker.io/nicolaka/netshoot:latest", { app: "scanner" });
    }
    return () => {
        deleteNamespace(namespace);
        if (createdFelix) {
            kubectl(["delete", felixResource, "default", "--ignore-not-found"]);
        }
    };
}

/**
 * The set-up of an alert pipeline suite, registered as its before and after hooks: the workshop's
 * pods with `scanners` in `namespace` (`workshopPods`), then `prepare`, then a new stack `label`
 * with `config`; afterwards the stack is destroyed and the pods removed. Returns the stack.
 */
export function pipelineSuite(
    label: string,
    namespace: string,
    scanners: readonly string[],
    config: () => Record<string, unknown>,
    prepare: () => void = () => {},
): () => TestStack {
    let stack: TestStack | undefined;
    let removePods = () => {};
    before(async () => {
        removePods = workshopPods(namespace, scanners);
        prepare();
        stack = await TestStack.create(label, config());
    });
    after(async () => {
        await stack?.remove();
        removePods();
    });
    return () => {
        assert.ok(stack, `the stack ${label} was not created`);
        return stack;
    };
}

/** A pipeline test's verification block: waits up to `timeoutSeconds`, polling every 2 s. */
export function pollingVerify(
    timeoutSeconds: number,
    onNotFound: "warn" | "error",
    connectTo?: string,
): Record<string, unknown> {
    return {
        enabled: true,
        timeout: `${timeoutSeconds}s`,
        pollInterval: "2s",
        onNotFound,
        ...(connectTo ? { connectTo } : {}),
    };
}

/** One report of the `detectionTests` (or `alertVerification`) output, as the pipeline tests read it. */
export interface DetectionReport {
    simulation?: string;
    detector?: string;
    found?: boolean;
    status: string;
    source?: string;
    description?: string;
    index?: string;
    secondsAfterScan?: number;
    secondsAfterSimulation?: number;
    reason?: string;
}

/**
 * The `detectionTests` output of an `up`, after asserting that its reports are exactly
 * `expected`, as `[simulation, detector, status]` in order.
 */
export function detectionTestsOf(
    outputs: OutputMap,
    expected: readonly (readonly [string, string, string])[],
): DetectionReport[] {
    const tests = outputs.detectionTests?.value as DetectionReport[];
    assert.deepEqual(
        tests.map((t) => [t.simulation, t.detector, t.status]),
        expected,
        JSON.stringify(tests),
    );
    return tests;
}

/** `kubectl logs ARGS`: the output, or an assertion failure with kubectl's error. */
export function podLogs(args: string[]): string {
    const result = kubectl(["logs", ...args]);
    assert.equal(result.status, 0, result.stderr);
    return result.stdout;
}

/** Asserts that CoreDNS (the node's kube-dns) logged its own NXDOMAIN answer to each A query. */
export function assertCoreDnsAnsweredNxdomain(names: readonly string[]): void {
    const served = podLogs(["-n", "kube-system", "deployment/coredns"]);
    for (const name of names) {
        assert.match(
            served,
            new RegExp(`"A IN ${name.replace(/\./g, "\\.")}\\. udp \\d+ \\w+ \\d+" NXDOMAIN`),
            `CoreDNS's log has no NXDOMAIN answer for ${name}`,
        );
    }
}
