import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { globalAlertRules } from "../../catalog/scanAlert";
import { version } from "../../catalog/versions";
import { verificationReport } from "../../components/alertVerification";
import {
    alertLatency,
    connectToProblem,
    parseVerification,
    settleTimeout,
    VerificationContext,
} from "../../config/verification";
import { parseSettings } from "../../config/settings";
import {
    EventSearchSpec,
    eventQuery,
    eventTool,
    matchesScan,
    parseScanTiming,
    readSearchAnswer,
    sourceNames,
    windowStart,
} from "../../verify/events";
import { stackFileConfig } from "../helpers";

const spec: EventSearchSpec = {
    index: "tigera_secure_ee_events.cd8i1cf9*",
    indexName: "tigera_secure_ee_events.cd8i1cf9",
    eventType: "anomaly_detection_job",
    sourceNamespace: "dev",
    sourcePod: "netshoot",
    bucketSeconds: 300,
    detector: "port_scan",
    origins: ["port_scan", "tigera.io.detector.port-scan"],
};
const since = 1700000100;
const hit = (source: Record<string, unknown>, index = "tigera_secure_ee_events.cd8i1cf9.lma") => ({
    _index: index,
    _source: {
        type: "anomaly_detection_job",
        time: since + 60,
        description: "anomaly_detection.port_scan",
        source_namespace: "dev",
        source_name: "netshoot",
        source_name_aggr: "netshoot",
        ...source,
    },
});

describe("the events query", () => {
    it("filters AD events from the scanner's namespace and pod, from the window start, oldest first", () => {
        assert.deepEqual(eventQuery(spec, since), {
            size: 50,
            sort: [{ time: { order: "asc" } }],
            query: {
                bool: {
                    filter: [
                        { term: { type: "anomaly_detection_job" } },
                        { term: { source_namespace: "dev" } },
                        {
                            bool: {
                                should: [
                                    { terms: { source_name: ["netshoot"] } },
                                    { terms: { source_name_aggr: ["netshoot"] } },
                                ],
                                minimum_should_match: 1,
                            },
                        },
                        { range: { time: { gte: since, format: "epoch_second" } } },
                    ],
                },
            },
        });
    });

    it("also asks for the aggregated name of a controller-named scanner pod", () => {
        assert.deepEqual(sourceNames("netshoot"), ["netshoot"]);
        assert.deepEqual(sourceNames("netshoot-7d9f8b6c5-x2x7q"), [
            "netshoot-7d9f8b6c5-x2x7q",
            "netshoot-7d9f8b6c5-*",
        ]);
        assert.deepEqual(sourceNames("scanner-pod"), ["scanner-pod"], "4-character suffix");
    });

    it("opens the window at the start of the bucket the scan began in", () => {
        const timing = parseScanTiming(
            "port scan of 10.244.1.7 (dev, app=centos) from dev/netshoot: ports 1-220 for threshold 200 in 3 s (started at 1700000190); Nmap done: 1 IP address (1 host up) scanned in 0.42 seconds",
        );
        assert.deepEqual(timing, { startedAt: 1700000190, seconds: 3 });
        assert.equal(windowStart(timing!, 300), 1700000100);
        assert.equal(parseScanTiming("port scan ... in 3 s; Nmap done"), undefined);
    });
});

describe("matching an event to the scan", () => {
    it("takes an AD event of this cluster from the scanner pod inside the window", () => {
        assert.ok(matchesScan(hit({}), spec, since));
        assert.ok(
            matchesScan(hit({}, "tigera_secure_ee_events.cd8i1cf9"), spec, since),
            "pre-3.12 index",
        );
        assert.ok(matchesScan(hit({ source_name: "-" }), spec, since), "by aggregated name");
        assert.ok(
            matchesScan(hit({ time: new Date((since + 5) * 1000).toISOString() }), spec, since),
            "time as a date string",
        );
        assert.ok(matchesScan(hit({ time: (since + 5) * 1000 }), spec, since), "time in ms");
    });

    it("takes only an event of the simulation's detector: by the description's job ID or the origin", () => {
        const ipSweep = hit({ description: "anomaly_detection.ip_sweep: dev/netshoot sent" });
        assert.equal(matchesScan(ipSweep, spec, since), false, "the ip sweep's alert");
        assert.ok(matchesScan(ipSweep, { ...spec, detector: "ip_sweep", origins: [] }, since));
        assert.equal(
            matchesScan(hit({ description: "anomaly_detection.port_scanner" }), spec, since),
            false,
            "a longer ID that starts with this one",
        );
        for (const origin of ["port_scan", "tigera.io.detector.port-scan"]) {
            assert.ok(matchesScan(hit({ description: "Port Scan", origin }), spec, since), origin);
        }
        assert.equal(
            matchesScan(hit({ description: "Port Scan", origin: "dga" }), spec, since),
            false,
            "another origin, and a description without the job ID",
        );
    });

    it("refuses every other event", () => {
        const cases: [string, unknown][] = [
            ["another type", hit({ type: "global_alert" })],
            ["another namespace", hit({ source_namespace: "default" })],
            ["another pod", hit({ source_name: "centos", source_name_aggr: "centos" })],
            ["before the window", hit({ time: since - 1 })],
            ["no time", hit({ time: undefined })],
            [
                "a cluster whose name extends this one",
                hit({}, "tigera_secure_ee_events.cd8i1cf92.lma"),
            ],
            ["not a hit", "text"],
            ["no source", { _index: spec.indexName }],
        ];
        for (const [what, candidate] of cases) {
            assert.equal(matchesScan(candidate, spec, since), false, what);
        }
    });

    it("reads the earliest matching hit of an answer, on one line and bounded", () => {
        const answer = {
            hits: {
                hits: [
                    hit({ time: since + 200, description: "anomaly_detection.port_scan: later" }),
                    hit({ source_namespace: "other", time: since }),
                    hit({
                        time: since + 10,
                        description: `anomaly_detection.port_scan: first\nline ${"x".repeat(400)}`,
                    }),
                ],
            },
        };
        const outcome = readSearchAnswer(JSON.stringify(answer), spec, since);
        assert.equal(outcome.kind, "found");
        const event = outcome.kind === "found" ? outcome.event : undefined;
        assert.equal(event?.source, "dev/netshoot");
        assert.equal(event?.eventTime, new Date((since + 10) * 1000).toISOString());
        assert.match(
            event?.description ?? "",
            /^anomaly_detection\.port_scan: first line x+\.\.\.$/,
        );
        assert.equal(event?.description.length, 300);
    });

    it("tells no match from an answer that is not a search answer", () => {
        assert.deepEqual(
            readSearchAnswer(JSON.stringify({ hits: { hits: [hit({ type: "x" })] } }), spec, since),
            { kind: "none", hits: 1 },
        );
        assert.equal(readSearchAnswer("<html>", spec, since).kind, "malformed");
        assert.equal(readSearchAnswer('{"took":1}', spec, since).kind, "malformed");
        assert.equal(readSearchAnswer("null", spec, since).kind, "malformed");
    });

    it("the script's node tool is these functions: same query and outcome", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "calico-ad-tool-"));
        try {
            const file = path.join(dir, "answer.json");
            fs.writeFileSync(file, JSON.stringify({ hits: { hits: [hit({})] } }));
            const run = (...args: string[]) =>
                JSON.parse(
                    execFileSync("node", ["-e", eventTool, "--", ...args], {
                        encoding: "utf8",
                        env: { ...process.env, VERIFY_SPEC: JSON.stringify(spec) },
                    }),
                );
            assert.deepEqual(run("query", String(since)), eventQuery(spec, since));
            assert.deepEqual(
                run("answer", String(since), file),
                readSearchAnswer(fs.readFileSync(file, "utf8"), spec, since),
            );
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("the rule-based alert's event", () => {
    const ruleBasedSpec: EventSearchSpec = {
        ...spec,
        eventType: "global_alert",
        origin: "calico-ad.port-scan",
    };
    const alertHit = (source: Record<string, unknown>) =>
        hit({
            type: "global_alert",
            origin: "calico-ad.port-scan",
            source_name: undefined,
            ...source,
        });

    it("is searched by type global_alert and the GlobalAlert's name as origin", () => {
        const filter = (eventQuery(ruleBasedSpec, since).query as { bool: { filter: unknown[] } })
            .bool.filter;
        assert.deepEqual(filter.slice(0, 2), [
            { term: { type: "global_alert" } },
            { term: { origin: "calico-ad.port-scan" } },
        ]);
    });

    it("matches only this alert's events from the scanner, by aggregated name", () => {
        assert.ok(matchesScan(alertHit({}), ruleBasedSpec, since));
        assert.equal(matchesScan(alertHit({ origin: "other" }), ruleBasedSpec, since), false);
        assert.equal(
            matchesScan(alertHit({ source_name_aggr: "netshoot2" }), ruleBasedSpec, since),
            false,
        );
        assert.equal(matchesScan(hit({}), ruleBasedSpec, since), false, "an AD event");
    });
});

describe("the verification report: one entry of detectionTests", () => {
    it("found: seconds from the end of the simulation to the search that saw the alert", () => {
        const report = verificationReport(
            `${JSON.stringify({
                status: "found",
                reason: "",
                scanEndedAt: 1700000103,
                reportedAt: 1700000400,
                waitedSeconds: 297,
                outcome: {
                    kind: "found",
                    event: { description: "d", source: "dev/netshoot", eventTime: "t", index: "i" },
                },
            })}\n`,
            "portScan",
            "port_scan",
        );
        assert.deepEqual(report, {
            simulation: "portScan",
            detector: "port_scan",
            found: true,
            status: "found",
            secondsAfterSimulation: 297,
            description: "d",
            source: "dev/netshoot",
            eventTime: "t",
            index: "i",
            waitedSeconds: 297,
        });
    });

    it("rule-based: found by status.lastEvent and the event, or by the status alone with why the event was not read", () => {
        const base = {
            status: "found",
            scanEndedAt: 1700000103,
            reportedAt: 1700000150,
            waitedSeconds: 40,
            lastEvent: 1700000140,
        };
        const both = verificationReport(
            JSON.stringify({
                ...base,
                reason: "",
                outcome: {
                    kind: "found",
                    event: { description: "d", source: "dev/netshoot", eventTime: "t", index: "i" },
                },
            }),
            "portScan",
            "port_scan",
        );
        assert.deepEqual(both.confirmedBy, ["status.lastEvent", "global_alert event"]);
        assert.equal(both.description, "d");
        const statusOnly = verificationReport(
            JSON.stringify({
                ...base,
                reason: "confirmed by status.lastEvent only",
                outcome: null,
            }),
            "portScan",
            "port_scan",
        );
        assert.deepEqual(statusOnly, {
            simulation: "portScan",
            detector: "port_scan",
            found: true,
            status: "found",
            secondsAfterSimulation: 47,
            waitedSeconds: 40,
            confirmedBy: ["status.lastEvent"],
            eventTime: "2023-11-14T22:15:40.000Z",
            reason: "confirmed by status.lastEvent only",
        });
    });

    it("not found, malformed or no report at all", () => {
        const line = (status: string, outcome: unknown) =>
            JSON.stringify({
                status,
                reason: "why",
                scanEndedAt: 1,
                reportedAt: 2,
                waitedSeconds: 1,
                outcome,
            });
        const report = (stdout: string) => verificationReport(stdout, "ipSweep", "ip_sweep");
        assert.deepEqual(report(line("not-found", null)), {
            simulation: "ipSweep",
            detector: "ip_sweep",
            found: false,
            status: "not-found",
            waitedSeconds: 1,
            reason: "why",
        });
        assert.equal(
            report(line("malformed", { kind: "malformed", reason: "not JSON" })).reason,
            "why: not JSON",
        );
        assert.equal(report("").status, "no-report");
    });
});

const manifest312Managed: VerificationContext = {
    era: "manifest",
    clusterType: "managed",
    enterpriseVersion: version("3.12.0"),
    simulation: {
        ipSweep: {
            namespace: "dev",
            scannerPod: "netshoot",
            targetCidr: "10.0.0.0/26",
            addressCount: 64,
            threshold: 32,
        },
    },
};

describe("calico-ad:simulation.verify", () => {
    it("is off unless enabled; defaults: every 15 s, warn, and a timeout settled from the settings", () => {
        assert.equal(parseVerification(undefined, manifest312Managed).settings, undefined);
        assert.equal(parseVerification({ enabled: false }, manifest312Managed).settings, undefined);
        const settings = parseVerification({ enabled: true }, manifest312Managed).settings;
        assert.equal(settings?.timeoutSeconds, undefined);
        assert.equal(settings?.pollSeconds, 15);
        assert.equal(settings?.onNotFound, "warn");
        assert.equal(settings?.connectTo, undefined);
    });

    it("reaches Elasticsearch the way the AD pods of the release and cluster type do", () => {
        const route = (context: Partial<VerificationContext>) =>
            parseVerification({ enabled: true }, { ...manifest312Managed, ...context }).settings
                ?.route;
        const managed = route({});
        assert.equal(managed?.tlsName, "tigera-secure-es-gateway-http.tigera-elasticsearch.svc");
        assert.deepEqual(managed?.service, {
            namespace: "tigera-guardian",
            name: "tigera-guardian",
            port: 9200,
        });
        assert.equal(managed?.credentialSecret, "tigera-ee-ad-job-elasticsearch-access");
        assert.deepEqual(managed?.ca, {
            kind: "secret",
            name: "tigera-secure-es-gateway-http-certs-public",
            key: "tls.crt",
        });
        const direct = route({ clusterType: "standalone", enterpriseVersion: version("3.8.0") });
        assert.equal(direct?.tlsName, "tigera-secure-es-http.tigera-elasticsearch.svc");
        assert.deepEqual(direct?.service, {
            namespace: "tigera-elasticsearch",
            name: "tigera-secure-es-http",
            port: 9200,
        });
        assert.equal(direct?.ca.name, "tigera-secure-es-http-certs-public");
        const gateway = route({ clusterType: "management", enterpriseVersion: version("3.9.0") });
        assert.equal(gateway?.service.name, "tigera-secure-es-gateway-http");
        const bundle = route({
            era: "globalAlert",
            clusterType: "standalone",
            enterpriseVersion: version("3.17.0"),
        });
        assert.deepEqual(bundle?.ca, {
            kind: "configmap",
            name: "tigera-ca-bundle",
            key: "tigera-ca-bundle.crt",
        });
        const early = route({
            era: "globalAlert",
            clusterType: "managed",
            enterpriseVersion: version("3.14.0"),
        });
        assert.equal(early?.ca.name, "tigera-secure-es-gateway-http-certs-public");
        assert.equal(early?.service.name, "tigera-guardian");
    });

    it("names key, quoted value and what is allowed for each bad field", () => {
        const problems = parseVerification(
            {
                enabled: "yes",
                timeout: "3h",
                pollInterval: "0s",
                onNotFound: "fail",
                connectTo: "127.0.0.1; id",
                timout: "5m",
            },
            manifest312Managed,
        ).problems;
        assert.deepEqual(problems, [
            "calico-ad:simulation.verify.timout: unknown field; did you mean timeout?; allowed: enabled, timeout, pollInterval, onNotFound, connectTo",
            'calico-ad:simulation.verify.enabled: "yes" is not allowed; allowed: true or false',
            'calico-ad:simulation.verify.timeout: "3h" is not allowed; allowed: a duration from 5s to 2h such as 45m',
            'calico-ad:simulation.verify.pollInterval: "0s" is not allowed; allowed: a duration from 1s to 5m such as 15s',
            'calico-ad:simulation.verify.onNotFound: "fail" is not allowed; allowed: warn or error',
            `calico-ad:simulation.verify.connectTo: "127.0.0.1; id" is not allowed; allowed: HOST:PORT that answers for the AD pods' Elasticsearch host, e.g. 127.0.0.1:9200 for a port-forward you run yourself; unset port-forwards to the Service behind that host`,
        ]);
    });

    it("needs an enabled simulation (any, not only the port scan), and a poll interval within the timeout", () => {
        assert.match(
            parseVerification(
                { enabled: true },
                { ...manifest312Managed, simulation: undefined },
            ).problems.join(),
            /looks for the alert of each enabled simulation, but no simulation under calico-ad:simulation is enabled/,
        );
        assert.match(
            parseVerification(
                { enabled: true, timeout: "10s", pollInterval: "1m" },
                manifest312Managed,
            ).problems.join(),
            /pollInterval: "1m" is longer than the timeout "10s"/,
        );
        assert.equal(connectToProblem("[::1]:9200"), undefined);
        assert.equal(connectToProblem("es.example.test:443"), undefined);
        assert.ok(connectToProblem("127.0.0.1:70000"));
    });

    it("parseSettings reads it beside the simulations and refuses it before anything runs", () => {
        const base = stackFileConfig("local");
        const simulation = (verify: unknown) =>
            JSON.stringify({
                portScan: {
                    enabled: true,
                    namespace: "dev",
                    scannerPod: "netshoot",
                    targetSelector: "app=centos",
                },
                verify,
            });
        const settings = parseSettings(
            { ...base, "calico-ad:simulation": simulation({ enabled: true, timeout: "5m" }) },
            { stack: "dev" },
        );
        assert.equal(settings.verification?.timeoutSeconds, 300);
        assert.equal(settings.verification?.route.service.name, "tigera-guardian");
        assert.throws(
            () =>
                parseSettings(
                    {
                        ...base,
                        "calico-ad:simulation": simulation({ enabled: true, onNotFound: "x" }),
                    },
                    { stack: "dev" },
                ),
            /calico-ad:simulation.verify.onNotFound: "x" is not allowed; allowed: warn or error/,
        );
    });
});

describe("the verification's timeout: the longest wait for the alert with the stack's settings", () => {
    const env = (values: Record<string, number>) =>
        Object.entries(values).map(([name, value]) => ({ name, value: String(value) }));
    const poll = (pollSeconds: number) => ({
        ...parseVerification({ enabled: true, pollInterval: `${pollSeconds}s` }, manifest312Managed)
            .settings!,
    });

    it("sums Felix's flush, the bucket and the AD search interval, or the detector period", () => {
        const defaults = env({ AD_search_interval_minutes: 30 });
        assert.equal(
            alertLatency({ era: "manifest", demo: false, effectiveEnv: defaults }).seconds,
            2400,
        );
        assert.equal(
            alertLatency({
                era: "manifest",
                demo: true,
                effectiveEnv: env({ AD_search_interval_minutes: 5 }),
            }).seconds,
            610,
        );
        assert.equal(
            alertLatency({
                era: "manifest",
                demo: false,
                effectiveEnv: env({ AD_search_interval_minutes: 30, ES_bucket_size_minutes: 10 }),
            }).seconds,
            2700,
        );
        assert.equal(
            alertLatency({ era: "globalAlert", demo: false, detectorPeriod: "15m" }).seconds,
            1200,
        );
        assert.equal(
            alertLatency({ era: "globalAlert", demo: true, detectorPeriod: "5m" }).seconds,
            310,
        );
        assert.equal(
            alertLatency({ era: "globalAlert", demo: false, detectorPeriod: "1h" }).terms,
            "Felix flush 300 s + detector period 3600 s",
        );
    });

    it("unset, waits that long plus one poll, at most 2h, warning when even 2h is short", () => {
        const latency = { seconds: 2400, terms: "t", raisedBy: "AD" };
        assert.deepEqual(settleTimeout(poll(15), latency), {
            settings: { ...poll(15), timeoutSeconds: 2415 },
        });
        const long = settleTimeout(poll(15), {
            seconds: 87000,
            terms: "Felix flush 300 s + ...",
            raisedBy: "AD",
        });
        assert.equal(long.settings.timeoutSeconds, 7200);
        assert.match(
            long.warning ?? "",
            /timeout defaults to its maximum, 2h, but AD may take up to 87000 s/,
        );
    });

    it("names the rule-based scan alert, not AD, as what may take that long on releases without AD", () => {
        const latency = alertLatency({
            era: "ruleBased",
            demo: false,
            globalAlertRules: globalAlertRules[0].rules,
        });
        assert.equal(latency.raisedBy, "the GlobalAlert calico-ad.port-scan");
        const parsed = parseVerification(
            { enabled: true, timeout: "1m" },
            manifest312Managed,
        ).settings!;
        const warning = settleTimeout(parsed, latency).warning ?? "";
        assert.match(warning, /but the GlobalAlert calico-ad\.port-scan may take up to \d+ s/);
        assert.doesNotMatch(warning, /AD may take/);
    });

    it("configured, is kept, with a warning naming the wait when it is shorter", () => {
        const parsed = parseVerification(
            { enabled: true, timeout: "20m" },
            manifest312Managed,
        ).settings!;
        const short = settleTimeout(parsed, {
            seconds: 2400,
            terms: "Felix flush 300 s + bucket 300 s + AD_search_interval_minutes 1800 s",
            raisedBy: "AD",
        });
        assert.equal(short.settings.timeoutSeconds, 1200);
        assert.equal(
            short.warning,
            "calico-ad:simulation.verify.timeout is 1200 s, but AD may take up to 2400 s after the scan to raise the alert with these settings (Felix flush 300 s + bucket 300 s + AD_search_interval_minutes 1800 s); a later alert is reported as not-found: raise the timeout, or unset it to wait 2415 s",
        );
        assert.equal(
            settleTimeout(parsed, { seconds: 1200, terms: "t", raisedBy: "AD" }).warning,
            undefined,
        );
    });

    it("parseSettings settles it from the release's search interval and demo mode", () => {
        const base = stackFileConfig("local");
        const simulation = JSON.stringify({
            portScan: {
                enabled: true,
                namespace: "dev",
                scannerPod: "netshoot",
                targetSelector: "app=centos",
            },
            verify: { enabled: true },
        });
        const jobEnv = (interval: number) =>
            JSON.stringify({
                ...JSON.parse(base["calico-ad:jobEnv"]),
                AD_search_interval_minutes: interval,
            });
        const settle = (extra: Record<string, string>) =>
            parseSettings(
                { ...base, "calico-ad:simulation": simulation, ...extra },
                { stack: "dev" },
            );
        // The local stack's workshop env searches every 5 minutes: 300 + 300 + 300 + 15.
        assert.equal(settle({}).verification?.timeoutSeconds, 915);
        assert.equal(settle({ "calico-ad:jobEnv": jobEnv(30) }).verification?.timeoutSeconds, 2415);
        assert.equal(settle({ "calico-ad:demo": "true" }).verification?.timeoutSeconds, 625);
        const short = settle({
            "calico-ad:simulation": JSON.stringify({
                ...JSON.parse(simulation),
                verify: { enabled: true, timeout: "5m" },
            }),
        });
        assert.ok(
            short.warnings.some((w) =>
                w.startsWith("calico-ad:simulation.verify.timeout is 300 s"),
            ),
            short.warnings.join("\n"),
        );
    });
});
