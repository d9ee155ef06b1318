import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
    labelSelectorProblem,
    parseCidr,
    parseSimulation,
    SimulationContext,
} from "../../config/simulation";

const workshop: SimulationContext = {
    era: "manifest",
    release: "Calico Cloud 3.12.0",
    portScanThreshold: 200,
    ipSweepThreshold: 32,
};
const globalAlert: SimulationContext = {
    era: "globalAlert",
    release: "Calico Enterprise 3.17.1",
    portScanThreshold: 500,
};
const portScan = (fields: Record<string, unknown>) => ({
    portScan: {
        enabled: true,
        namespace: "dev",
        scannerPod: "netshoot",
        targetSelector: "app=centos",
        ...fields,
    },
});
const ipSweep = (fields: Record<string, unknown>) => ({
    ipSweep: {
        enabled: true,
        namespace: "dev",
        scannerPod: "netshoot",
        targetCidr: "10.244.1.0/26",
        ...fields,
    },
});
const problemsOf = (raw: unknown, context: SimulationContext = workshop) =>
    parseSimulation(raw, context).problems.join("\n");

const hostile = [
    "; rm -rf /",
    "$(touch /tmp/pwned)",
    "`touch /tmp/pwned`",
    "dev\ntouch /tmp/pwned",
    "dev'",
    'dev"',
    "dev && id",
    "dev|id",
    "${HOME}",
];

describe("calico-ad:simulation: off unless turned on", () => {
    it("is off when unset, empty or disabled", () => {
        for (const raw of [undefined, null, "", {}, portScan({ enabled: false })]) {
            const result = parseSimulation(raw, workshop);
            assert.equal(result.settings, undefined, JSON.stringify(raw));
            assert.deepEqual(result.problems, []);
        }
        assert.equal(
            parseSimulation(portScan({ enabled: undefined }), workshop).settings,
            undefined,
            "a block without enabled: true stays off",
        );
    });

    it("accepts enabled as a boolean or as the string `config set --path` may store", () => {
        assert.ok(parseSimulation(portScan({ enabled: "true" }), workshop).settings?.portScan);
        assert.match(
            problemsOf(portScan({ enabled: "yes" })),
            /calico-ad:simulation\.portScan\.enabled: "yes" is not allowed; allowed: true or false/,
        );
    });
});

describe("port scan: the range crosses the threshold in force", () => {
    it("derives 1-220 from the workshop threshold 200 and 1-550 from the default 500", () => {
        const workshopScan = parseSimulation(portScan({}), workshop).settings!.portScan!;
        assert.deepEqual(workshopScan, {
            namespace: "dev",
            scannerPod: "netshoot",
            targetNamespace: "dev",
            targetSelector: "app=centos",
            ports: "1-220",
            portCount: 220,
            portsSource: "derived from the threshold",
            threshold: 200,
        });
        const fixed = parseSimulation(portScan({}), globalAlert).settings!.portScan!;
        assert.equal(fixed.ports, "1-550");
        assert.equal(fixed.threshold, 500);
    });

    it("accepts an explicit range above the threshold", () => {
        const settings = parseSimulation(portScan({ ports: "1-600" }), workshop).settings!;
        assert.equal(settings.portScan!.ports, "1-600");
        assert.equal(settings.portScan!.portsSource, "stack config");
    });

    it("rejects a range that cannot cross the threshold, with both numbers", () => {
        assert.match(
            problemsOf(portScan({ ports: "1-200" })),
            /calico-ad:simulation\.portScan\.ports: "1-200" probes 200 ports, which cannot cross the port-scan threshold of 200 in Calico Cloud 3\.12\.0; allowed: a range of more than 200 ports, e\.g\. 1-220/,
        );
        assert.match(
            problemsOf(portScan({ ports: "1-450" }), globalAlert),
            /"1-450" probes 450 ports, which cannot cross the port-scan threshold of 500 in Calico Enterprise 3\.17\.1/,
        );
    });

    it("warns when an explicit range is long enough to straddle two buckets", () => {
        const result = parseSimulation(portScan({ ports: "1-65535" }), workshop);
        assert.match(
            result.warnings.join("\n"),
            /ports: "1-65535" takes about 66 s at 1000 probes per second, so the scan may straddle two 5-minute buckets/,
        );
        assert.deepEqual(parseSimulation(portScan({ ports: "1-900" }), workshop).warnings, []);
    });

    it("fails when no range can cross the threshold", () => {
        assert.match(
            problemsOf(portScan({}), { ...workshop, portScanThreshold: 65535 }),
            /calico-ad:simulation\.portScan: the port-scan threshold of 65535 .* cannot be crossed: a scan probes at most 65535 ports \(1-65535\)/,
        );
    });

    it("rejects malformed ranges", () => {
        for (const ports of ["600", "0-600", "1-70000", "600-1", "1-600,700", "1 - 600", 600]) {
            assert.match(
                problemsOf(portScan({ ports })),
                /calico-ad:simulation\.portScan\.ports: .* is not allowed; allowed: one range FIRST-LAST of TCP ports from 1 to 65535/,
                String(ports),
            );
        }
    });

    it("warns when the port_scan job or detector will not run", () => {
        const manifest = parseSimulation(portScan({}), { ...workshop, enabled: ["dga"] });
        assert.match(manifest.warnings[0], /port_scan job is disabled in this stack/);
        const alerts = parseSimulation(portScan({}), { ...globalAlert, enabled: ["dga"] });
        assert.match(alerts.warnings[0], /port_scan detector is not enabled/);
        assert.deepEqual(
            parseSimulation(portScan({}), { ...workshop, enabled: ["port_scan"] }).warnings,
            [],
        );
    });

    it("names required and unknown fields", () => {
        const message = problemsOf({ portScan: { enabled: true, targetselector: "app=x" } });
        assert.match(message, /calico-ad:simulation\.portScan\.namespace: required/);
        assert.match(message, /calico-ad:simulation\.portScan\.scannerPod: required/);
        assert.match(
            message,
            /calico-ad:simulation\.portScan\.targetselector: unknown field; did you mean targetSelector\?/,
        );
        assert.match(
            problemsOf({ portscan: {} }),
            /calico-ad:simulation\.portscan: unknown field; did you mean portScan\?/,
        );
        assert.match(problemsOf("on"), /calico-ad:simulation: expected a map/);
    });
});

describe("every value that reaches a shell follows Kubernetes naming rules", () => {
    it("rejects hostile namespaces, pod names and selectors at parse time", () => {
        for (const value of hostile) {
            for (const field of ["namespace", "targetNamespace", "scannerPod", "targetSelector"]) {
                const result = parseSimulation(portScan({ [field]: value }), workshop);
                assert.equal(result.settings, undefined, `${field}=${value}`);
                assert.match(
                    result.problems.join("\n"),
                    new RegExp(`calico-ad:simulation\\.portScan\\.${field}: .* is not`),
                    `${field}=${value}`,
                );
            }
        }
    });

    it("shows hostile values escaped, so a newline cannot forge a message line", () => {
        const message = problemsOf(portScan({ namespace: "dev\ntouch /tmp/pwned" }));
        assert.ok(message.includes('"dev\\ntouch /tmp/pwned" is not a valid namespace name'));
        assert.ok(!message.includes("dev\ntouch"));
    });

    it("rejects hostile values even in a disabled block", () => {
        assert.match(
            problemsOf(portScan({ enabled: false, scannerPod: "$(id)" })),
            /scannerPod: "\$\(id\)" is not a valid pod name/,
        );
    });

    it("rejects hostile ports, ranges and kube contexts", () => {
        assert.match(
            problemsOf(portScan({ ports: "1-600;id" })),
            /ports: "1-600;id" is not allowed/,
        );
        assert.match(
            problemsOf(ipSweep({ targetCidr: "10.0.0.0/24 $(id)" })),
            /targetCidr: "10\.0\.0\.0\/24 \$\(id\)" is not allowed/,
        );
        for (const kubeContext of hostile) {
            assert.match(
                problemsOf(portScan({}), { ...workshop, kubeContext }),
                /calico-ad:kubeContext: .* cannot be passed to kubectl by calico-ad:simulation/,
                kubeContext,
            );
        }
    });

    it("accepts real kube context names and passes them on", () => {
        for (const kubeContext of [
            "kind-calico-ad",
            "gke_my-project_europe-west1-b_prod",
            "arn:aws:eks:eu-west-1:123456789012:cluster/prod",
            "admin@prod.example.com",
        ]) {
            const result = parseSimulation(portScan({}), { ...workshop, kubeContext });
            assert.deepEqual(result.problems, [], kubeContext);
            assert.equal(result.settings?.kubeContext, kubeContext);
        }
    });

    it("accepts the safe subset of the selector grammar", () => {
        for (const selector of [
            "app=centos",
            "app==centos",
            "app=centos,tier!=db",
            "app in (centos,nginx)",
            "app in (centos, nginx), !canary",
            "app.kubernetes.io/name=centos,environment",
            "app=",
        ]) {
            assert.equal(labelSelectorProblem(selector), undefined, selector);
        }
    });

    it("rejects selectors outside the subset or not pinning a pod", () => {
        for (const selector of ["app=centos;id", "app=(centos)", "app in (a,(b))", "a=b\tc"]) {
            assert.match(labelSelectorProblem(selector)!, /is not allowed/, selector);
        }
        for (const selector of ["app", "!canary", "app!=db", "app notin (db)"]) {
            assert.match(labelSelectorProblem(selector)!, /could match unrelated pods/, selector);
        }
    });
});

describe("ip sweep: only for releases with the ip_sweep job", () => {
    it("sweeps a private range larger than the threshold", () => {
        const settings = parseSimulation(ipSweep({}), workshop).settings!;
        assert.deepEqual(settings.ipSweep, {
            namespace: "dev",
            scannerPod: "netshoot",
            targetCidr: "10.244.1.0/26",
            addressCount: 64,
            threshold: 32,
        });
        assert.equal(settings.portScan, undefined);
    });

    it("names a missing or non-text targetCidr with what it must hold", () => {
        assert.match(
            problemsOf(ipSweep({ targetCidr: undefined })),
            /calico-ad:simulation\.ipSweep\.targetCidr: required; a private IPv4 range to sweep, e\.g\. the pod CIDR block of a node such as 10\.244\.1\.0\/24/,
        );
        assert.match(
            problemsOf(ipSweep({ targetCidr: ["10.244.1.0/26"] })),
            /calico-ad:simulation\.ipSweep\.targetCidr: expected a string, got \["10\.244\.1\.0\/26"\]/,
        );
    });

    it("rejects a range that cannot cross the threshold, with both numbers", () => {
        assert.match(
            problemsOf(ipSweep({ targetCidr: "10.244.1.0/27" })),
            /calico-ad:simulation\.ipSweep\.targetCidr: "10\.244\.1\.0\/27" holds 32 addresses, which cannot cross the ip-sweep threshold of 32 in Calico Cloud 3\.12\.0; allowed: a range of more than 32 addresses, e\.g\. a \/26/,
        );
    });

    it("for a threshold no allowed range can cross, advises lowering it instead of naming a range the targetCidr check rejects", () => {
        const high = { ...workshop, ipSweepThreshold: 5000 };
        const problems = problemsOf(ipSweep({ targetCidr: "10.244.0.0/20" }), high);
        assert.match(
            problems,
            /holds 4096 addresses, which cannot cross the ip-sweep threshold of 5000 in Calico Cloud 3\.12\.0; no range the sweep may target \(at most 4096 addresses\) can cross it: lower calico-ad:jobEnv\.AD_ip_sweep_threshold below 4096, or set enabled: false/,
        );
        // Every range named as advice passes the targetCidr check itself.
        for (const threshold of [1, 32, 100, 2047, 4095]) {
            const advice = problemsOf(ipSweep({ targetCidr: "10.244.1.0/32" }), {
                ...workshop,
                ipSweepThreshold: threshold,
            });
            const prefix = /e\.g\. a \/(\d+)/.exec(advice)?.[1];
            assert.ok(prefix, advice);
            assert.equal(
                typeof parseCidr(`10.244.0.0/${prefix}`),
                "object",
                `/${prefix} for ${threshold}`,
            );
            assert.deepEqual(
                parseSimulation(ipSweep({ targetCidr: `10.244.0.0/${prefix}` }), {
                    ...workshop,
                    ipSweepThreshold: threshold,
                }).problems,
                [],
                `/${prefix} for ${threshold}`,
            );
        }
    });

    it("says why it is unavailable in the GlobalAlert era or without the job", () => {
        assert.match(
            problemsOf(ipSweep({}), globalAlert),
            /calico-ad:simulation\.ipSweep: not available for Calico Enterprise 3\.17\.1: .*only manifest-era releases \(Calico 3\.5 to 3\.12\)/,
        );
        assert.match(
            problemsOf(ipSweep({}), { ...workshop, ipSweepThreshold: undefined }),
            /calico-ad:simulation\.ipSweep: Calico Cloud 3\.12\.0 has no ip_sweep job/,
        );
        assert.deepEqual(
            parseSimulation(ipSweep({ enabled: false }), globalAlert).problems,
            [],
            "a disabled sweep does not stop a GlobalAlert-era stack",
        );
    });

    it("only sweeps private ranges of bounded size, in canonical form", () => {
        assert.deepEqual(parseCidr("192.168.0.0/24"), { text: "192.168.0.0/24", addresses: 256 });
        assert.deepEqual(parseCidr("100.64.0.0/20"), { text: "100.64.0.0/20", addresses: 4096 });
        assert.deepEqual(parseCidr("198.19.255.0/24"), { text: "198.19.255.0/24", addresses: 256 });
        assert.match(
            parseCidr("10.244.1.7/26") as string,
            /host bits set; did you mean 10\.244\.1\.0\/26\?/,
        );
        for (const bad of [
            "8.8.8.0/24",
            "198.17.255.0/24",
            "198.20.0.0/24",
            "10.0.0.0/16",
            "10.0.0.0/7",
            "10.0.0.256/24",
            "010.0.0.0/24",
            "10.0.0.0",
            "fd00::/120",
        ]) {
            assert.match(
                parseCidr(bad) as string,
                /is not allowed; allowed: a private IPv4 range/,
                bad,
            );
        }
    });

    it("runs both simulations together", () => {
        const settings = parseSimulation({ ...portScan({}), ...ipSweep({}) }, workshop).settings!;
        assert.equal(settings.portScan?.ports, "1-220");
        assert.equal(settings.ipSweep?.targetCidr, "10.244.1.0/26");
    });
});
