import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ClusterObject } from "../../catalog/prerequisites";
import {
    alertExceptionWarnings,
    alertFacts,
    isActive,
    parseSelector,
    selectorSelects,
} from "../../cluster/alertExceptions";
import { ClusterReader } from "../../cluster/clusterReader";
import { preflightAlertExceptions } from "../../cluster/preflight";
import { parseSettings } from "../../config/settings";
import { rawConfig, stackFileConfig, workshopPortScan } from "../helpers";

const portScan = { title: "port scan", detector: "port_scan", namespace: "dev", pod: "netshoot" };
const facts = alertFacts(portScan);

describe("an AlertException's selector against a simulation's alert", () => {
    it("selects it when every clause of one OR branch holds for the alert's fields", () => {
        assert.equal(selectorSelects('source_namespace = "dev"', facts), true);
        assert.equal(
            selectorSelects("type = anomaly_detection_job AND source_name = netshoot", facts),
            true,
        );
        assert.equal(
            selectorSelects('source_namespace = "prod" OR source_name_aggr != "centos"', facts),
            true,
            "AND binds tighter than OR; != of a value it cannot have",
        );
        assert.equal(
            selectorSelects("source_namespace = dev and type = anomaly_detection_job", facts),
            true,
        );
    });

    it("does not select it when a clause of every branch fails", () => {
        assert.equal(selectorSelects('source_namespace = "prod"', facts), false);
        assert.equal(selectorSelects("source_name != netshoot", facts), false);
        assert.equal(
            selectorSelects('dest_ip = "10.0.0.1" AND source_namespace = "prod"', facts),
            false,
            "an unknown field cannot rescue a failed clause",
        );
    });

    it("may select it when the deciding clause is on a field unknown before the run, or on one of several possible values", () => {
        assert.equal(selectorSelects('dest_ip = "10.0.0.1"', facts), undefined);
        assert.equal(
            selectorSelects('origin = "port_scan"', facts),
            undefined,
            "origin differs by release",
        );
        assert.equal(
            selectorSelects('host = "node-1" AND source_namespace = "dev"', facts),
            undefined,
        );
    });

    it("says why a selector outside the evaluated subset cannot be evaluated, without throwing", () => {
        for (const [selector, why] of [
            ['(source_namespace = "dev")', /"\(" is outside the evaluated subset/],
            ['source_namespace IN {"dev"}', /"\{" is outside the evaluated subset/],
            [
                "source_namespace = != dev",
                /expected a value without "\*" after "source_namespace ="/,
            ],
            ['source_name = "net*"', /without "\*"/],
            ['NOT source_namespace = "dev"', /expected FIELD = VALUE/],
            ['source_namespace = "dev" AND', /ends with "AND"/],
            ['source_namespace = "dev" XOR type = x', /expected AND or OR at "XOR"/],
            ['source_namespace = "dev', /outside the evaluated subset/],
            ["", /empty/],
        ] as const) {
            const result = selectorSelects(selector, facts);
            assert.equal(typeof result, "string", selector);
            assert.match(result as string, why, selector);
        }
        assert.deepEqual(parseSelector("a = 1 OR b != '2'"), [
            [{ field: "a", equal: true, value: "1" }],
            [{ field: "b", equal: false, value: "2" }],
        ]);
    });
});

describe("which AlertExceptions preflight warns of", () => {
    const now = Date.parse("2026-12-07T04:00:00Z");
    const exception = (name: string, spec: Record<string, unknown>) => ({
        metadata: { name },
        spec: { description: name, startTime: "2026-12-01T00:00:00Z", ...spec },
    });

    it("is in force from its startTime until its endTime, forever without one", () => {
        assert.ok(isActive({ startTime: "2026-12-01T00:00:00Z" }, now));
        assert.ok(!isActive({ startTime: "2026-12-08T00:00:00Z" }, now), "not started");
        assert.ok(
            !isActive({ startTime: "2026-12-01T00:00:00Z", endTime: "2026-12-07T03:59:59Z" }, now),
        );
        assert.ok(
            isActive({ startTime: "2026-12-01T00:00:00Z", endTime: "2026-12-07T04:00:01Z" }, now),
        );
    });

    it("names each active exception that hides, may hide or cannot be checked against an enabled simulation's alert", () => {
        const list = {
            items: [
                exception("silence-dev", { selector: 'source_namespace = "dev"' }),
                exception("ended", {
                    selector: 'source_namespace = "dev"',
                    endTime: "2026-12-02T00:00:00Z",
                }),
                exception("other-namespace", { selector: 'source_namespace = "prod"' }),
                exception("by-destination", { selector: 'dest_ip = "10.0.0.1"' }),
                exception("grouped", { selector: '(source_namespace = "dev")' }),
            ],
        };
        const warnings = alertExceptionWarnings(list, [portScan], now);
        assert.equal(warnings.length, 3, warnings.join("\n"));
        assert.match(
            warnings[0],
            /^AlertException "silence-dev" matches the port_scan alert of the port scan from dev\/netshoot \(selector "source_namespace = \\"dev\\""\), so it hides that alert from the web UI/,
        );
        assert.match(warnings[1], /^AlertException "by-destination" may match the port_scan alert/);
        assert.match(
            warnings[2],
            /^AlertException "grouped" may hide the port_scan alert .*: preflight cannot evaluate its selector .*outside the evaluated subset.*; check it by hand$/,
        );
        assert.deepEqual(
            alertExceptionWarnings(undefined, [portScan], now),
            [],
            "no AlertException type",
        );
        assert.deepEqual(alertExceptionWarnings(list, [], now), [], "no simulation");
    });
});

describe("preflight's read of AlertExceptions", () => {
    /** A cluster that answers every read with `list` and records what was read. */
    class Recorder implements ClusterReader {
        readonly read: string[] = [];
        constructor(private readonly list: unknown) {}
        async exists() {
            return true;
        }
        async get(object: ClusterObject) {
            this.read.push(object.resource);
            return this.list;
        }
    }
    const list = {
        items: [
            {
                metadata: { name: "quiet" },
                spec: { selector: "source_name = netshoot", startTime: "2020-01-01T00:00:00Z" },
            },
        ],
    };
    const settingsOf = (config: Record<string, string>) => {
        const simulation = {
            portScan: workshopPortScan,
        };
        return parseSettings({ ...config, ...rawConfig({ simulation }) }, { stack: "test" });
    };

    it("reads them on CE 3.14 and later (management example, CE 3.17) and warns before the simulation runs", async () => {
        const cluster = new Recorder(list);
        const warnings = await preflightAlertExceptions(
            settingsOf(stackFileConfig("management")),
            cluster,
            Date.now(),
        );
        assert.deepEqual(cluster.read, ["alertexceptions.projectcalico.org"]);
        assert.match(
            warnings.join(),
            /^preflight: AlertException "quiet" matches the port_scan alert of the port scan/,
        );
    });

    it("reads nothing on a release without them (the workshop's 3.12) or without a simulation", async () => {
        const cluster = new Recorder(list);
        assert.deepEqual(
            await preflightAlertExceptions(settingsOf(stackFileConfig("dev")), cluster, Date.now()),
            [],
        );
        const noSimulation = parseSettings(
            { ...stackFileConfig("management"), ...rawConfig({ simulation: {} }) },
            { stack: "test" },
        );
        assert.deepEqual(await preflightAlertExceptions(noSimulation, cluster, Date.now()), []);
        assert.deepEqual(cluster.read, []);
    });
});
