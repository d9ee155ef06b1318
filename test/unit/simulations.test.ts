/**
 * The generic simulation pieces: the registry, the catalog's answer to "does this release have
 * the detector", the facts and Command derived from a definition, and the refusal of a simulation
 * whose detector is missing. The port scan's and ip sweep's own plans are in simulation.test.ts.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { detectorCatalog } from "../../catalog/detectors";
import { detectorReleases, hasDetector } from "../../catalog/releases";
import { tcpPortRange } from "../../catalog/simulation";
import { version } from "../../catalog/versions";
import {
    enabledSimulations,
    parseSimulation,
    SimulationContext,
    simulationSchema,
} from "../../config/simulation";
import { stackFileSchema } from "../../config/stackFileSchema";
import { portCount, portScanMargin } from "../../scan/arithmetic";
import {
    AnySimulation,
    missingDetectorProblem,
    simulationCommand,
    simulationFacts,
} from "../../simulations/definition";
import { ipSweep } from "../../simulations/ipSweep";
import { portScan } from "../../simulations/portScan";
import { simulations } from "../../simulations/registry";
import { repoRoot } from "../helpers";

const registered: [string, AnySimulation][] = Object.entries(simulations);

const portScanFields = {
    enabled: true,
    namespace: "dev",
    scannerPod: "netshoot",
    targetSelector: "app=centos",
};
const ipSweepFields = {
    enabled: true,
    namespace: "dev",
    scannerPod: "netshoot",
    targetCidr: "10.244.1.0/26",
};
const enterprise = (release: string, era: SimulationContext["era"]): SimulationContext => ({
    era,
    release: `Calico Enterprise ${release}`,
    version: version(release),
    portScanThreshold: 500,
    ipSweepThreshold: era === "manifest" ? 32 : undefined,
});

describe("the simulation registry", () => {
    it("registers the port scan, the ip sweep and the DNS lookups under their calico-ad:simulation keys", () => {
        assert.deepEqual(Object.keys(simulations), ["portScan", "ipSweep", "dga", "dnsTunnel"]);
        assert.equal(simulations.portScan, portScan);
        assert.equal(simulations.ipSweep, ipSweep);
    });

    it("gives every simulation a detector of the catalog and its own names", () => {
        const ids = detectorCatalog.map((d) => d.id);
        for (const [key, definition] of registered) {
            assert.ok(ids.includes(definition.detector), `${key}: ${definition.detector}`);
            assert.match(definition.componentType, /^[A-Z][A-Za-z]+Simulation$/, key);
            assert.match(definition.resourceName, /^[a-z][a-z-]*$/, key);
        }
        for (const name of ["resourceName", "componentType", "detector"] as const) {
            const values = registered.map(([, d]) => d[name]);
            assert.equal(new Set(values).size, values.length, `${name} is unique`);
        }
        const creates = registered.map(([, d]) => d.script.create);
        assert.equal(new Set(creates).size, creates.length, "create words are unique");
    });

    it("loads each script from a simulations/*.sh file with every placeholder filled in", () => {
        const files = fs
            .readdirSync(path.join(repoRoot, "simulations"))
            .filter((file) => file.endsWith(".sh"))
            .map((file) => fs.readFileSync(path.join(repoRoot, "simulations", file), "utf8"));
        const common = fs.readFileSync(path.join(repoRoot, "scan", "common.sh"), "utf8");
        for (const [key, definition] of registered) {
            const text = definition.script.text;
            assert.ok(text.includes(common.split("@")[0]), `${key}: scan/common.sh first`);
            const own = files.filter((file) => text.includes(file.split("@")[0]));
            assert.equal(own.length, 1, `${key}: exactly one simulations/*.sh`);
            assert.doesNotMatch(text, /@[A-Z_]+@/, key);
        }
    });

    it("puts every registered block into the calico-ad:simulation schema and the stack-file schema", () => {
        const unknown = parseSimulation({ nosuch: {} }, undefined).problems.join("\n");
        for (const key of [...Object.keys(simulations), "verify"]) {
            assert.match(unknown, new RegExp(`allowed: .*\\b${key}\\b`), key);
        }
        assert.ok(simulationSchema.safeParse({ ipSweep: { ...ipSweepFields } }).success);
        const stackFile = JSON.stringify(stackFileSchema());
        for (const [key, definition] of registered) {
            for (const field of Object.keys(definition.block.fields)) {
                assert.ok(stackFile.includes(`"${field}"`), `${key}.${field} in the stack file`);
            }
        }
    });
});

describe("the enabled simulations", () => {
    it("are the registered ones with settings, in registry order, each with its own settings", () => {
        const settings = parseSimulation(
            { ipSweep: ipSweepFields, portScan: portScanFields },
            enterprise("3.12.0", "manifest"),
        ).settings;
        const enabled = enabledSimulations(settings);
        assert.deepEqual(
            enabled.map((e) => e.key),
            ["portScan", "ipSweep"],
        );
        assert.equal(enabled[0].definition, portScan);
        assert.equal(enabled[0].settings, settings?.portScan);
        assert.equal(enabled[1].settings, settings?.ipSweep);
        assert.deepEqual(enabledSimulations(undefined), []);
        assert.deepEqual(
            enabledSimulations({ kubeContext: "ctx" }).map((e) => e.key),
            [],
            "the kube context is not a simulation",
        );
    });
});

describe("which releases have a detector (catalog data)", () => {
    it("answers from the AD jobs image in the manifest era", () => {
        assert.equal(hasDetector("port_scan", "manifest", version("3.5.0")), true);
        assert.equal(hasDetector("ip_sweep", "manifest", version("3.12.0")), true);
        assert.equal(hasDetector("process_restarts", "manifest", version("3.6.0")), false);
        assert.equal(hasDetector("dns_tunnel", "manifest", version("3.12.0")), false);
    });

    it("answers from the operator's templates per GlobalAlert-era patch release", () => {
        assert.equal(hasDetector("port_scan", "globalAlert", version("3.17.1")), true);
        assert.equal(hasDetector("ip_sweep", "globalAlert", version("3.14.4")), true);
        assert.equal(hasDetector("ip_sweep", "globalAlert", version("3.15.0")), false);
        assert.equal(
            hasDetector("ip_sweep", "globalAlert", version("3.16.2")),
            undefined,
            "a patch release the catalog does not list: it cannot say",
        );
        assert.equal(hasDetector("port_scan", "ruleBased", version("3.19.0")), undefined);
    });

    it("says where a detector exists in words", () => {
        assert.equal(
            detectorReleases("ip_sweep"),
            "3.5.0 up to (not including) 3.13.0 (AD jobs); 3.13.0 to 3.14.4 (GlobalAlert detectors)",
        );
        assert.match(detectorReleases("dns_tunnel"), /^3\.15\.0 to .* \(GlobalAlert detectors\)$/);
    });
});

describe("a simulation's facts and Command, derived from its definition", () => {
    it("names the detector, its log source and the event that proves it fired", () => {
        const facts = simulationFacts(portScan);
        assert.equal(facts.detector, "port_scan");
        assert.deepEqual(facts.event, { type: "anomaly_detection_job", detector: "port_scan" });
        assert.equal(facts.needs[0], "flow logs");
        assert.ok(facts.needs.length > 1, "and its own prerequisites");
        assert.match(facts.releases, /3\.5\.0/);
        assert.match(facts.caps, new RegExp(`at most ${tcpPortRange.max} ports`));
        assert.match(simulationFacts(ipSweep).caps, /at most 4096 addresses/);
    });

    it("adds the kube context to the environment and, last, to the triggers", () => {
        const settings = parseSimulation(
            { ipSweep: ipSweepFields },
            { ...enterprise("3.12.0", "manifest") },
        ).settings!.ipSweep!;
        const withContext = simulationCommand(ipSweep, settings, "kind-calico-ad");
        assert.equal(withContext.environment.KUBE_CONTEXT, "kind-calico-ad");
        assert.equal(withContext.triggers[withContext.triggers.length - 1], "kind-calico-ad");
        const current = simulationCommand(ipSweep, settings, undefined);
        assert.equal(current.environment.KUBE_CONTEXT, "", "empty: kubectl's current context");
        assert.equal(current.componentType, "IpSweepSimulation");
        assert.equal(current.script, ipSweep.script);
        for (const value of Object.values(current.environment)) {
            assert.equal(typeof value, "string");
        }
        assert.ok(!current.script.text.includes(settings.targetCidr), "values only in the env");
    });

    it("re-runs on a change of any value the script receives", () => {
        const settings = parseSimulation(
            { portScan: portScanFields },
            enterprise("3.17.1", "globalAlert"),
        ).settings!.portScan!;
        const run = simulationCommand(portScan, settings, "ctx");
        for (const [name, value] of Object.entries(run.environment)) {
            assert.ok(
                run.triggers.map(String).includes(value),
                `${name}=${value} is a trigger, so changing it runs the simulation again`,
            );
        }
    });
});

describe("the plan crosses the threshold with a margin, or is refused", () => {
    it("derives a port range at least the margin above every threshold it can cross", () => {
        for (const threshold of [1, 32, 200, 500, 5000, 65000, 65524, 65525, 65535]) {
            const result = parseSimulation(
                { portScan: portScanFields },
                { ...enterprise("3.12.0", "manifest"), portScanThreshold: threshold },
            );
            const plan = result.settings?.portScan;
            if (threshold + portScanMargin(threshold) <= tcpPortRange.max) {
                assert.ok(plan, `${threshold}: ${result.problems.join("; ")}`);
                const [first, last] = plan.ports.split("-").map(Number);
                assert.equal(plan.portCount, portCount({ first, last }));
                assert.ok(plan.portCount >= threshold + portScanMargin(threshold), `${threshold}`);
            } else if (threshold >= tcpPortRange.max) {
                assert.equal(plan, undefined, `${threshold} cannot be crossed`);
                assert.match(result.problems.join("\n"), /cannot be crossed/);
            }
        }
    });
});

describe("a simulation of a detector the release lacks", () => {
    it("is refused naming the key, the release, the detector and where it exists", () => {
        const problems = parseSimulation(
            { ipSweep: ipSweepFields },
            enterprise("3.17.1", "globalAlert"),
        ).problems;
        assert.deepEqual(problems, [
            `calico-ad:simulation.ipSweep: Calico Enterprise 3.17.1 has no "ip_sweep" detector, so no alert can follow; it exists in ${detectorReleases("ip_sweep")}; set enabled: false or remove calico-ad:simulation.ipSweep`,
        ]);
    });

    it("is not refused when it is off, the release has the detector, or the catalog cannot say", () => {
        const off = parseSimulation(
            { ipSweep: { ...ipSweepFields, enabled: false } },
            enterprise("3.17.1", "globalAlert"),
        );
        assert.deepEqual(off.problems, []);
        const scan = parseSimulation(
            { portScan: portScanFields },
            enterprise("3.17.1", "globalAlert"),
        );
        assert.deepEqual(scan.problems, []);
        assert.ok(scan.settings?.portScan);
        assert.equal(
            missingDetectorProblem(ipSweep, enterprise("3.16.2", "globalAlert"), "k"),
            undefined,
        );
        assert.equal(
            missingDetectorProblem(
                ipSweep,
                { ...enterprise("3.17.1", "globalAlert"), version: undefined },
                "k",
            ),
            undefined,
            "without a version the block's own checks decide",
        );
    });

    it("leaves the ip sweep's own refusal where the detector exists but its threshold is not the stack's", () => {
        const problems = parseSimulation(
            { ipSweep: ipSweepFields },
            enterprise("3.14.4", "globalAlert"),
        ).problems.join("\n");
        assert.match(problems, /not available for Calico Enterprise 3\.14\.4: .*operator-fixed/);
        assert.doesNotMatch(problems, /has no "ip_sweep" detector/);
    });
});

describe("a simulation whose detector the stack leaves off", () => {
    it("runs, with one warning naming the key, the detector and the simulation, for any registered simulation", () => {
        const manifest = { ...enterprise("3.12.0", "manifest"), enabled: ["port_scan"] };
        const sweep = parseSimulation({ ipSweep: ipSweepFields }, manifest);
        assert.deepEqual(sweep.problems, []);
        assert.ok(sweep.settings?.ipSweep);
        assert.deepEqual(sweep.warnings, [
            "calico-ad:simulation.ipSweep: the ip_sweep job is disabled in this stack, so the ip sweep simulation runs but no alert will follow",
        ]);
        const globalAlert = { ...enterprise("3.17.1", "globalAlert"), enabled: ["dga"] };
        const lookups = { enabled: true, namespace: "dev", scannerPod: "netshoot" };
        assert.deepEqual(parseSimulation({ dnsTunnel: lookups }, globalAlert).warnings, [
            "calico-ad:simulation.dnsTunnel: the dns_tunnel detector is not enabled in this stack, so the dns tunnel lookups simulation runs but no alert will follow",
        ]);
        assert.deepEqual(parseSimulation({ dga: lookups }, globalAlert).warnings, []);
        assert.deepEqual(
            parseSimulation({ dga: { ...lookups, enabled: false } }, globalAlert).warnings,
            [],
            "nor when it is off",
        );
    });
});
