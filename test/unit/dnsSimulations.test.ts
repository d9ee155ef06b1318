/**
 * The DNS simulations, dga and dns tunnel (sketch of issue 18 outcome 2): their plans (names and
 * caps), refusals and script, run with a kubectl stand-in that executes the pod's part on this
 * machine, where a recording nslookup stands in for the pod's resolver.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import {
    defaultLookupDomain,
    dgaLabelLength,
    dnsLookupRange,
    dnsTunnelLabelLength,
} from "../../catalog/simulation";
import { version } from "../../catalog/versions";
import { parseSimulation, SimulationContext } from "../../config/simulation";
import { simulationCommand } from "../../simulations/definition";
import { dga, dgaNames } from "../../simulations/dga";
import { dnsLookupsScript, lookupDomainProblem } from "../../simulations/dnsLookups";
import { dnsTunnel, dnsTunnelNames } from "../../simulations/dnsTunnel";

const context = (release: string, era: SimulationContext["era"]): SimulationContext => ({
    era,
    release: `Calico Enterprise ${release}`,
    version: version(release),
    portScanThreshold: 500,
});
const ce317 = context("3.17.1", "globalAlert");
const fields = { enabled: true, namespace: "dev", scannerPod: "netshoot" };
const parse = (dgaFields: Record<string, unknown>, at: SimulationContext = ce317) =>
    parseSimulation({ dga: { ...fields, ...dgaFields } }, at);
const parseTunnel = (tunnelFields: Record<string, unknown>, at: SimulationContext = ce317) =>
    parseSimulation({ dnsTunnel: { ...fields, ...tunnelFields } }, at);

describe("dga plan: names and caps", () => {
    it("looks up the default number of names under the reserved default domain", () => {
        const settings = parse({}).settings!.dga!;
        assert.equal(settings.domain, defaultLookupDomain);
        assert.equal(settings.names.length, dnsLookupRange.default);
    });

    it("makes distinct random-looking labels of 15 to 20 letters and digits, the same for the same settings", () => {
        const names = dgaNames(100, "lab.example.org");
        assert.equal(new Set(names).size, 100);
        for (const name of names) {
            const [label, ...rest] = name.split(".");
            assert.equal(rest.join("."), "lab.example.org");
            assert.match(label, /^[a-z][a-z0-9]+$/);
            assert.ok(label.length >= dgaLabelLength.min && label.length <= dgaLabelLength.max);
        }
        assert.deepEqual(dgaNames(100, "lab.example.org"), names, "no diff on an unchanged stack");
        assert.notDeepEqual(dgaNames(30, "lab.example.org"), names.slice(0, 30));
    });

    it("refuses a count outside the cap and a domain that is not a DNS name, naming key, value and what is allowed", () => {
        for (const lookups of [5, 101, "1e3", "x"]) {
            assert.match(
                parse({ lookups }).problems.join("\n"),
                new RegExp(
                    `calico-ad:simulation\\.dga\\.lookups: "${lookups}" is not allowed; allowed: a whole number of lookups from 10 to 100`,
                ),
            );
        }
        assert.equal(parse({ lookups: 40 }).settings!.dga!.names.length, 40);
        assert.equal(parse({ lookups: "100" }).settings!.dga!.names.length, 100);
        for (const domain of ["com", "Example.com", "a..b", "x.com;id", "$(id).com", "a b.com"]) {
            assert.match(
                parse({ domain }).problems.join("\n"),
                /calico-ad:simulation\.dga\.domain: .* is not allowed; allowed: a DNS name of at least two labels/,
                domain,
            );
        }
        assert.equal(lookupDomainProblem(`${"a".repeat(63)}.${"b".repeat(63)}.com`), undefined);
    });
});

describe("dns tunnel plan", () => {
    it("makes distinct base32 labels of 50 to 60 characters, the default count under the default domain", () => {
        const settings = parseTunnel({}).settings!.dnsTunnel!;
        assert.equal(settings.domain, defaultLookupDomain);
        assert.equal(settings.names.length, dnsLookupRange.default);
        assert.deepEqual(
            settings.names,
            dnsTunnelNames(dnsLookupRange.default, defaultLookupDomain),
        );
        const names = dnsTunnelNames(100, "example.net");
        assert.equal(new Set(names).size, 100);
        for (const name of names) {
            const label = name.split(".")[0];
            assert.match(label, /^[a-z][a-z2-7]+$/);
            const { min, max } = dnsTunnelLabelLength;
            assert.ok(label.length >= min && label.length <= max, label);
        }
    });

    it("is refused where the release has no dns_tunnel detector: before CE 3.15", () => {
        for (const [release, era] of [
            ["3.12.0", "manifest"],
            ["3.14.4", "globalAlert"],
        ] as const) {
            assert.match(
                parseTunnel({}, context(release, era)).problems.join("\n"),
                new RegExp(
                    `calico-ad:simulation\\.dnsTunnel: Calico Enterprise ${release.replace(/\./g, "\\.")} has no "dns_tunnel" detector, so no alert can follow; it exists in 3\\.15\\.0 to`,
                ),
            );
        }
        assert.deepEqual(parseTunnel({}, context("3.15.0", "globalAlert")).problems, []);
    });
});

describe("dga: where it runs", () => {
    it("is refused on a release without the dga detector, and runs where it exists", () => {
        assert.deepEqual(parse({}, context("3.12.0", "manifest")).problems, []);
        assert.deepEqual(parse({}, context("3.17.4", "globalAlert")).problems, []);
        assert.match(
            parse({}, context("3.4.0", "manifest")).problems.join("\n"),
            /calico-ad:simulation\.dga: Calico Enterprise 3\.4\.0 has no "dga" detector/,
        );
    });

    it("warns when the stack does not enable the dga detector", () => {
        const result = parse({}, { ...ce317, enabled: ["port_scan"] });
        assert.match(result.warnings.join("\n"), /the dga detector is not enabled in this stack/);
    });
});

describe("the DNS lookups script, with a kubectl stand-in that runs the pod's part here", () => {
    let dir: string;
    let lookups: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "calico-ad-dga-"));
        lookups = path.join(dir, "lookups");
        const bin = path.join(dir, "bin");
        fs.mkdirSync(bin);
        // kubectl: records its arguments, then runs what follows `--` (the pod's command).
        fs.writeFileSync(
            path.join(bin, "kubectl"),
            `#!/bin/sh\nprintf '%s\\n' "$*" >> ${JSON.stringify(path.join(dir, "kubectl"))}\nwhile [ "$1" != -- ]; do shift; done\nshift\nexec "$@"\n`,
            { mode: 0o755 },
        );
        fs.writeFileSync(
            path.join(bin, "nslookup"),
            `#!/bin/sh\nprintf '%s\\n' "$1" >> ${JSON.stringify(lookups)}\nexit 1\n`,
            { mode: 0o755 },
        );
        fs.writeFileSync(path.join(bin, "date"), `#!/bin/sh\necho 1700000000\n`, { mode: 0o755 });
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("looks up each generated name once, with a trailing dot, and prints one summary line", () => {
        const settings = parse({ lookups: 12, domain: "lab.example.org" }).settings!.dga!;
        const run = simulationCommand(dga, settings, "kind-calico-ad");
        const result = spawnSync("/bin/sh", ["-c", dnsLookupsScript], {
            env: { PATH: `${path.join(dir, "bin")}:${process.env.PATH}`, ...run.environment },
            encoding: "utf8",
        });
        assert.equal(result.status, 0, result.stderr);
        const made = fs.readFileSync(lookups, "utf8").trim().split("\n");
        assert.deepEqual(
            made,
            settings.names.map((name) => `${name}.`),
            "every name, once, NXDOMAIN or not",
        );
        assert.equal(
            result.stdout,
            "dga lookups of 12 names under lab.example.org from dev/netshoot in 0 s (started at 1700000000)\n",
        );
        const kubectl = fs.readFileSync(path.join(dir, "kubectl"), "utf8");
        assert.match(
            kubectl,
            /^--context kind-calico-ad --namespace dev exec -i netshoot -- sh -c /,
        );
        assert.ok(!dnsLookupsScript.includes("lab.example.org"), "values only in the environment");
    });

    it("names the dns tunnel simulation in its summary line", () => {
        fs.rmSync(lookups, { force: true });
        const settings = parseTunnel({ lookups: 10 }).settings!.dnsTunnel!;
        const run = simulationCommand(dnsTunnel, settings, undefined);
        const result = spawnSync("/bin/sh", ["-c", run.script.text], {
            env: { PATH: `${path.join(dir, "bin")}:${process.env.PATH}`, ...run.environment },
            encoding: "utf8",
        });
        assert.equal(result.status, 0, result.stderr);
        assert.equal(fs.readFileSync(lookups, "utf8").trim().split("\n").length, 10);
        assert.match(
            result.stdout,
            /^dns tunnel lookups of 10 names under example\.com from dev\/netshoot/,
        );
    });
});
