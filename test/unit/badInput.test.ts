import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { quote } from "../../common/quote";
import { readKubeContexts } from "../../common/kubeconfig";
import { ConfigError, parseSettings, SettingsEnvironment } from "../../config/settings";
import { rawConfig } from "../helpers";

function configError(values: Record<string, unknown>, environment?: SettingsEnvironment) {
    try {
        parseSettings(rawConfig(values), environment);
    } catch (error) {
        assert.ok(error instanceof ConfigError, String(error));
        return error;
    }
    throw new Error("expected a ConfigError");
}
const manifest = { calicoVersion: "3.12.0", clusterType: "standalone" };
const globalAlert = { calicoVersion: "3.17.1", clusterType: "management" };

describe("every problem in one pass", () => {
    it("still checks the release-independent keys when product, version and cluster type are all bad", () => {
        const error = configError({
            product: "enterprize",
            calicoVersion: "3.12",
            clusterType: "big",
            clusterName: "Prod Cluster",
            imagePullSecret: "Bad_Name",
            jobEnv: { AD_port_scan_threshold: 0 },
            disabledJobs: ["no_such_job"],
            detectorSeverity: "0",
        });
        const keys = error.problems.map((p) => p.split(":").slice(0, 2).join(":"));
        for (const key of [
            "calico-ad:product",
            "calico-ad:calicoVersion",
            "calico-ad:clusterType",
            "calico-ad:clusterName",
            "calico-ad:imagePullSecret",
            "calico-ad:jobEnv.AD_port_scan_threshold",
            "calico-ad:disabledJobs[0]",
            "calico-ad:detectorSeverity",
        ]) {
            assert.ok(keys.includes(key), `${key} is reported: ${error.message}`);
        }
        assert.match(
            error.message,
            /not checked: whether each key applies to the release.*because calico-ad:product and calico-ad:calicoVersion and calico-ad:clusterType are missing or invalid/,
        );
    });

    it("says the detectors could not be checked against a release the catalog does not know", () => {
        const error = configError({ ...globalAlert, calicoVersion: "3.16.2", detectors: ["dga"] });
        assert.match(
            error.message,
            /calicoVersion: the catalog knows no detectors for Calico Enterprise 3\.16\.2.*known releases: 3\.16\.0, 3\.16\.1, 3\.16\.3, 3\.16\.4, 3\.16\.5/,
        );
        assert.match(
            error.message,
            /not checked: .*the detectors of Calico Enterprise 3\.16\.2 are unknown/,
        );
    });
});

describe("values that used to pass preview are rejected with key, value and what is allowed", () => {
    it("refuses versions that are not a release shape", () => {
        for (const version of ["03.12.0", "3.12.0-1", " 3.12.0", "3.12.0.1", "3.1200.0"]) {
            assert.match(
                configError({ ...manifest, calicoVersion: version }).message,
                /calico-ad:calicoVersion: .* is not a release version; allowed: MAJOR\.MINOR\.PATCH/,
                version,
            );
        }
        assert.match(
            configError({ ...manifest, calicoVersion: "4.0.0" }).message,
            /"4\.0\.0" is not a Calico Enterprise release; allowed: 3\.MINOR\.PATCH/,
        );
        assert.match(
            configError({ ...manifest, calicoVersion: "18.2.0" }).message,
            /looks like a Calico Cloud version \(set calico-ad:product to cloud\)/,
        );
    });

    it("refuses keys in a misspelt namespace, naming the key meant", () => {
        const message = configError({ ...manifest, "calico_ad:imageTag": "v3.12.1" }).message;
        assert.match(
            message,
            /"calico_ad:imageTag": unknown config namespace "calico_ad", so the key is ignored; did you mean calico-ad:imageTag\?/,
        );
        assert.doesNotThrow(() =>
            parseSettings(rawConfig({ ...manifest, "kubernetes:context": "x" })),
        );
    });

    it("refuses image registries, tags and digests that are not valid references", () => {
        const cases: [Record<string, string>, RegExp][] = [
            [
                { imageRegistry: "quay..io/tigera" },
                /imageRegistry: "quay\.\.io\/tigera" is not a registry path/,
            ],
            [
                { imageRegistry: "quay.io/Tigera" },
                /imageRegistry: "quay\.io\/Tigera" is not a registry path/,
            ],
            [{ imageTag: "-v3.12.0" }, /imageTag: "-v3\.12\.0" is not a valid image tag/],
            [
                { imageDigest: "sha256:abc" },
                /imageDigest: "sha256:abc" is not an image digest; allowed: sha256:/,
            ],
        ];
        for (const [values, expected] of cases) {
            assert.match(configError({ ...manifest, ...values }).message, expected);
        }
        const digest = `sha256:${"a".repeat(64)}`;
        const settings = parseSettings(rawConfig({ ...manifest, imageDigest: digest }));
        assert.equal(
            settings.era === "manifest" && settings.image,
            `quay.io/tigera/anomaly_detection_jobs:v3.12.0@${digest}`,
        );
    });

    it("refuses keys of the other era, but not their declared defaults", () => {
        assert.match(
            configError({ ...manifest, detectorPeriod: "5m" }).message,
            /calico-ad:detectorPeriod: is set to "5m" but applies from Calico 3\.13 on/,
        );
        assert.doesNotThrow(() =>
            parseSettings(
                rawConfig({ ...manifest, detectorPeriod: "15m", detectorSeverity: "100" }),
            ),
        );
        assert.match(
            configError({ ...globalAlert, imageDigest: `sha256:${"b".repeat(64)}` }).message,
            /imageDigest: is set to .* but the operator picks the detector image/,
        );
    });

    it("refuses env values that are maps or lists", () => {
        assert.match(
            configError({ ...manifest, jobEnv: { AD_port_scan_threshold: { value: 200 } } })
                .message,
            /jobEnv\.AD_port_scan_threshold: \{"value": 200\} is not a single value; allowed: an integer from 1 to 65535/,
        );
        assert.match(
            configError({ ...manifest, jobEnv: { AD_debug: [true] } }).message,
            /jobEnv\.AD_debug: \[true\] is not a single value; allowed: true or false/,
        );
    });

    it("points list indexes at the user's own list, before duplicates and empty items are dropped", () => {
        const error = configError({ ...manifest, disabledJobs: ["dga", "dga", "dgaa"] });
        assert.match(error.message, /calico-ad:disabledJobs\[2\]: "dgaa" is not a job ID/);
        const text = configError({ ...globalAlert, detectors: "dga,,dga, bogus" });
        assert.match(text.message, /calico-ad:detectors\[3\]: "bogus" is not a detector/);
    });

    it("names each unknown field of a field list with its index, not the whole list", () => {
        const error = configError({
            ...manifest,
            jobEnv: { AD_GENERIC_DNS_FIELDS: ["latency_mean", "cnt", "latency_max", "bogus"] },
        });
        assert.match(
            error.message,
            /jobEnv\.AD_GENERIC_DNS_FIELDS: unknown fields "cnt" \(item 1\), "bogus" \(item 3\); allowed: a list/,
        );
    });

    it("refuses huge maps and lists in one bounded line each", () => {
        const many = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`AD_x${i}`, i]));
        const error = configError({ ...manifest, jobEnv: many });
        assert.deepEqual(error.problems, [
            "calico-ad:jobEnv: holds 300 entries; at most 200 are allowed (the catalog has " +
                error.problems[0].split("the catalog has ")[1],
        ]);
        const list = configError({ ...globalAlert, detectors: Array(1000).fill("dga") });
        assert.match(list.message, /detectors: holds 1000 items; at most 200/);
        const huge = configError({ ...manifest, jobEnv: { AD_debug: "x".repeat(100_000) } });
        assert.match(huge.message, /jobEnv: the value is \d+ characters of JSON; at most 65536/);
        assert.ok(huge.message.length < 1000, "the message stays short");
    });

    it("lists at most 50 problems and counts the rest", () => {
        const detectors = Array.from({ length: 120 }, (_, i) => `bogus_${i}`);
        const error = configError({ ...globalAlert, detectors });
        assert.equal(error.problems.length, 120);
        assert.match(error.message, /\.\.\. and 70 more$/);
    });

    it("treats __proto__ and constructor as names like any other, never as object machinery", () => {
        const jobEnv = JSON.parse('{"__proto__": {"polluted": 1}, "constructor": 5}');
        const error = configError({ ...manifest, jobEnv });
        assert.deepEqual(
            error.problems.map((p) => p.split(": ")[0]),
            ["calico-ad:jobEnv.__proto__", "calico-ad:jobEnv.constructor"],
        );
        assert.ok(
            error.problems.every((p) => /: unknown AD env var; see the env var reference/.test(p)),
            error.message,
        );
        assert.equal(({} as Record<string, unknown>).polluted, undefined);
        const simulation = JSON.parse(
            '{"portScan": {"__proto__": {"enabled": true}, "namespace": "dev"}}',
        );
        assert.match(
            configError({ ...manifest, simulation }).message,
            /simulation\.portScan\.__proto__: unknown field; allowed:/,
        );
    });
});

describe("values in messages cannot forge lines", () => {
    it("quotes control characters, line separators and bidi overrides as escapes", () => {
        for (const value of ["a\nb", "a\r\nb", "a\u2028b", "a\u2029b", "a\u0085b", "a\u202eb"]) {
            assert.doesNotMatch(
                quote(value),
                /[\n\r\u0085\u2028\u2029\u202e]/,
                JSON.stringify(value),
            );
        }
        assert.equal(quote("x".repeat(500)).length < 100, true);
    });

    it("shows the first items of lists and maps, each quoted and cut short, and counts the rest", () => {
        assert.equal(quote(["dga", 3, true, "x"]), '["dga", 3, true, ... 1 more]');
        assert.equal(
            quote({ port: "8080", nested: { a: 1 } }),
            '{"port": "8080", "nested": {1 entry}}',
        );
        assert.equal(quote([["deep"]]), "[[1 item]]");
        const escaped = quote(["a\nb", { "k\u2028": "v" }]);
        assert.doesNotMatch(escaped, /[\n\u2028]/);
        const huge = quote(Array(1000).fill("y".repeat(10_000)));
        assert.ok(huge.length < 150, huge);
        assert.match(huge, /\.\.\. 997 more\]$/);
        const bigMap = quote(
            Object.fromEntries(
                Array.from({ length: 50 }, (_, i) => [`k${"z".repeat(500)}${i}`, "v".repeat(500)]),
            ),
        );
        assert.ok(bigMap.length < 250, bigMap);
    });

    it("keeps each problem on one line whatever the value holds", () => {
        const forged = "ok\n  - calico-ad:fake: injected";
        const error = configError({
            ...manifest,
            clusterName: forged,
            imageTag: `v1\u2028  - forged`,
            [`calico-ad:evil\nkey`]: "1",
        });
        assert.equal(error.message.split("\n").length, 1 + error.problems.length);
        assert.ok(!error.message.includes("\n  - calico-ad:fake"));
    });
});

describe("a kube context that is not in the kubeconfig", () => {
    const contexts = {
        names: ["kind-dev", "prod-east"],
        clusters: { "kind-dev": "kind-dev", "prod-east": "eks-prod-east" },
        current: "kind-dev",
        files: ["/k/config"],
    };

    it("is refused at preview, listing the contexts that are", () => {
        assert.match(
            configError({ ...manifest, kubeContext: "kind-dve" }, { kubeContexts: contexts })
                .message,
            /calico-ad:kubeContext: "kind-dve" is not a context of \/k\/config; did you mean "kind-dev"\?; contexts there: "kind-dev", "prod-east"/,
        );
        assert.doesNotThrow(() =>
            parseSettings(rawConfig({ ...manifest, kubeContext: "prod-east" }), {
                kubeContexts: contexts,
            }),
        );
    });

    it("is not looked up when rendering without a cluster", () => {
        assert.doesNotThrow(() =>
            parseSettings(
                rawConfig({
                    ...manifest,
                    kubeContext: "gone",
                    renderDirectory: "out",
                    clusterName: "c",
                }),
                { kubeContexts: contexts },
            ),
        );
    });

    it("is read from every KUBECONFIG file, merged, and reported when none exists", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "calico-ad-kubeconfig-"));
        const first = path.join(dir, "a");
        const second = path.join(dir, "b");
        fs.writeFileSync(
            first,
            "current-context: one\ncontexts:\n- name: one\n  context: {cluster: c}\n",
        );
        fs.writeFileSync(second, "contexts:\n- name: two\n- name: one\n");
        const read = readKubeContexts({ KUBECONFIG: [first, second].join(path.delimiter) });
        assert.deepEqual(read.names, ["one", "two"]);
        assert.equal(read.current, "one");
        const broken = path.join(dir, "c");
        fs.writeFileSync(broken, "contexts: not-a-list\n");
        assert.match(
            readKubeContexts({ KUBECONFIG: broken }).unreadable ?? "",
            /c is not a kubeconfig \(contexts: /,
        );
        const missing = readKubeContexts({ KUBECONFIG: path.join(dir, "none") });
        assert.match(missing.unreadable ?? "", /no kubeconfig file exists/);
        assert.match(
            configError({ ...manifest, kubeContext: "one" }, { kubeContexts: missing }).message,
            /kubeContext: "one" cannot be looked up: no kubeconfig file exists/,
        );
    });
});
