import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, parseSettings, stackConfigSchema } from "../../config/settings";
import { resolveRelease } from "../../config/release";
import { configProblems } from "../../config/stackConfigSchema";
import { rawConfig, workshopPortScan } from "../helpers";

const manifest = { calicoVersion: "3.12.0", clusterType: "standalone" };

function problemsOf(values: Record<string, unknown>): readonly string[] {
    try {
        parseSettings(rawConfig(values));
    } catch (error) {
        assert.ok(error instanceof ConfigError, String(error));
        return error.problems;
    }
    throw new Error("expected a ConfigError");
}

/** The problems the schema of the release `values` names finds in `config`; none: []. */
function problemsUnder(values: Record<string, unknown>, config: Record<string, unknown>) {
    const schema = stackConfigSchema(resolveRelease(rawConfig(values), undefined), {});
    const parsed = schema.safeParse(rawConfig({ ...values, ...config }));
    return parsed.success ? [] : configProblems(parsed.error);
}

describe("one parse of the whole stack config", () => {
    it("reports a bad scalar key, jobEnv value, disabled job, simulation, verification and demo value of one config together", () => {
        const problems = problemsOf({
            ...manifest,
            clusterName: "Prod Cluster",
            renderDirectory: "out",
            imagePullSecret: "Bad_Name",
            jobEnv: { AD_port_scan_threshold: 0, AD_debug: "maybe" },
            disabledJobs: ["port_scan", "no_such_job"],
            simulation: {
                portScan: { ...workshopPortScan, namespace: "Dev" },
                verify: { enabled: true, onNotFound: "fail" },
            },
            demo: "true",
            "calico-ad:unknwon": "x",
        });
        const keys = problems.map((p) => p.split(": ")[0]);
        for (const key of [
            "calico-ad:clusterName",
            "calico-ad:imagePullSecret",
            "calico-ad:jobEnv.AD_port_scan_threshold",
            "calico-ad:jobEnv.AD_debug",
            "calico-ad:disabledJobs[1]",
            "calico-ad:simulation.portScan.namespace",
            "calico-ad:simulation.verify.onNotFound",
            "calico-ad:demo",
            "calico-ad:unknwon",
        ]) {
            assert.ok(keys.includes(key), `${key} is reported:\n${problems.join("\n")}`);
        }
        assert.equal(new Set(problems).size, problems.length, "each problem once");
        assert.ok(
            problems.every((p) => !p.includes("\n")),
            "one line each",
        );
    });

    it("still applies the rules across keys when a key they read is bad", () => {
        const problems = problemsOf({
            ...manifest,
            clusterName: "east",
            imageDigest: "sha256:abc",
            imageTag: "master",
            jobEnv: { AD_port_scan_threshold: 20, AD_debug: "maybe" },
            simulation: { portScan: { ...workshopPortScan, ports: "1-10" } },
        });
        assert.ok(problems.some((p) => p.startsWith("calico-ad:imageDigest: ")));
        // The bad digest pins nothing, so the tag must pin the image itself.
        assert.ok(
            problems.some((p) => /^calico-ad:imageTag: "master" is not a release version/.test(p)),
        );
        // The valid threshold of the same jobEnv map still sets what the scan must exceed.
        assert.ok(
            problems.some((p) => /simulation\.portScan\.ports: .*20/.test(p)),
            problems.join("\n"),
        );
    });
});

describe("the order of the problems", () => {
    it("lists unknown keys and the release's problems first, then unknown fields, then bad values", () => {
        const problems = problemsOf({
            ...manifest,
            calicoVersion: "3.12",
            clusterName: "Prod Cluster",
            simulation: { portScan: { ...workshopPortScan, namespace: "Dev" }, portscan: {} },
            "calico-ad:imagetag": "x",
        });
        assert.deepEqual(
            problems.map((p) => p.split(": ")[0]),
            [
                "calico-ad:imagetag",
                "calico-ad:calicoVersion",
                "calico-ad:simulation.portscan",
                "calico-ad:clusterName",
                "calico-ad:simulation.portScan.namespace",
            ],
            problems.join("\n"),
        );
    });
});

describe("the schema of a release", () => {
    it("accepts a job of 3.12 in disabledJobs and refuses it on 3.9, naming the release", () => {
        const config = { disabledJobs: ["generic_flows"] };
        assert.deepEqual(problemsUnder(manifest, config), []);
        const [problem, ...rest] = problemsUnder({ ...manifest, calicoVersion: "3.9.0" }, config);
        assert.deepEqual(rest, []);
        assert.match(
            problem,
            /^calico-ad:disabledJobs\[0\]: "generic_flows" is not a job of Calico Enterprise 3\.9\.0 \(it runs in 3\.10\.0 up to/,
        );
    });

    it("accepts a detector of 3.17 and refuses it on 3.13, naming the release", () => {
        const globalAlert = { clusterType: "management", detectors: ["dns_tunnel"] };
        assert.deepEqual(problemsUnder({ ...globalAlert, calicoVersion: "3.17.0" }, {}), []);
        assert.match(
            problemsUnder({ ...globalAlert, calicoVersion: "3.13.0" }, {}).join("\n"),
            /calico-ad:detectors\[0\]: "dns_tunnel" is not a detector of Calico Enterprise 3\.13\.0/,
        );
    });

    it("reads a jobEnv threshold on 3.12, refuses it on 3.13 and refuses every AD key without AD", () => {
        const config = { jobEnv: { AD_HTTP_VERBS_THRESHOLD: 0.5 } };
        assert.deepEqual(problemsUnder(manifest, config), []);
        assert.match(
            problemsUnder({ calicoVersion: "3.13.0", clusterType: "management" }, config).join(),
            /^calico-ad:jobEnv\.AD_HTTP_VERBS_THRESHOLD: thresholds cannot be set for Calico Enterprise 3\.13\.0/,
        );
        assert.match(
            problemsUnder(
                { calicoVersion: "3.19.0", clusterType: "management", afterAdRemoval: "scanAlert" },
                config,
            ).join(),
            /^calico-ad:jobEnv: is set to .* but it configures the AD jobs Deployment of the manifest era, and Calico Enterprise 3\.19\.0 has no AD/,
        );
    });

    it("warns, naming the release, when it does not read a jobEnv threshold that 3.12 reads", () => {
        const jobEnv = { AD_HTTP_VERBS_THRESHOLD: 0.5 };
        const on312 = parseSettings(rawConfig({ ...manifest, clusterName: "east", jobEnv }));
        assert.deepEqual(on312.warnings, []);
        const on35 = parseSettings(
            rawConfig({ ...manifest, calicoVersion: "3.5.0", clusterName: "east", jobEnv }),
        );
        assert.match(
            on35.warnings.join("\n"),
            /jobEnv\.AD_HTTP_VERBS_THRESHOLD: Calico Enterprise 3\.5\.0 does not read AD_HTTP_VERBS_THRESHOLD/,
        );
    });
});
