import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import Ajv, { ErrorObject } from "ajv";
import * as yaml from "js-yaml";
import { configKey, scalarKeys, structuredKeys } from "../../catalog/configKeys";
import { envVarCatalog } from "../../catalog/envVars";
import { stackFileSchemaText } from "../../config/reference";
import { parseSettings } from "../../config/settings";
import {
    integerRangePattern,
    stackFileSchema,
    stackFileSchemaPath,
} from "../../config/stackFileSchema";
import { errorOf, rawConfig, repoRoot } from "../helpers";

type StackFile = { config: Record<string, unknown> };

const validate = new Ajv({ allErrors: true, strict: true, strictTypes: false }).compile(
    JSON.parse(fs.readFileSync(path.join(repoRoot, stackFileSchemaPath), "utf8")) as object,
);

/** The JSON Pointer of each error's value; for an unknown or missing field, of that field. */
const errorPaths = (errors: readonly ErrorObject[]) =>
    errors.map((e) => {
        const field =
            (e.params as { additionalProperty?: string; missingProperty?: string })
                .additionalProperty ?? (e.params as { missingProperty?: string }).missingProperty;
        return field === undefined ? e.instancePath : `${e.instancePath}/${field}`;
    });

// Committed, not every file in the checkout: end-to-end tests running beside these add their own.
const committedStackFiles = execFileSync("git", ["ls-files", "--", "Pulumi.*.yaml"], {
    cwd: repoRoot,
    encoding: "utf8",
})
    .split("\n")
    .filter((name) => /^Pulumi\.[^.]+\.yaml$/.test(name))
    .sort();

const loadStackFile = (name: string) =>
    yaml.load(fs.readFileSync(path.join(repoRoot, name), "utf8")) as StackFile;

/** The workshop stack with `change` applied to its config. */
const workshopWith = (change: (config: Record<string, unknown>) => void): StackFile => {
    const file = structuredClone(loadStackFile("Pulumi.dev.yaml"));
    change(file.config);
    return file;
};

describe("the stack-file JSON Schema (schema/stack-config.schema.json)", () => {
    it("is the one generated from the catalog (run `npm run docs` after changing it)", () => {
        const committed = fs.readFileSync(path.join(repoRoot, stackFileSchemaPath), "utf8");
        assert.equal(committed, stackFileSchemaText());
    });

    it("declares every calico-ad key and every jobEnv env var of the catalog", () => {
        const config = (stackFileSchema().properties as Record<string, Record<string, unknown>>)
            .config;
        const keys = config.properties as Record<string, { properties?: object }>;
        assert.deepEqual(
            Object.keys(keys).sort(),
            [...scalarKeys, ...structuredKeys].map((k) => configKey(k.name)).sort(),
        );
        assert.deepEqual(
            Object.keys(keys[configKey("jobEnv")].properties ?? {}).sort(),
            envVarCatalog.map((e) => e.name).sort(),
        );
    });

    it("finds the committed stack files", () => {
        assert.deepEqual(
            ["Pulumi.dev.yaml", "Pulumi.local.yaml"].filter(
                (f) => !committedStackFiles.includes(f),
            ),
            [],
        );
    });

    for (const name of committedStackFiles) {
        it(`accepts the committed ${name}`, () => {
            assert.ok(
                validate(loadStackFile(name)),
                JSON.stringify(validate.errors?.map((e) => [e.instancePath, e.message])),
            );
        });
    }

    it("accepts secure values where a string goes, and keys of other namespaces", () => {
        const secret = { secure: "v1:PjHIGngJjsDleaYx:OX/zxRr6S+vjz8wHVw==" };
        const file = workshopWith((config) => {
            config[configKey("kubeContext")] = secret;
            (config[configKey("jobEnv")] as Record<string, unknown>).AD_max_docs = secret;
            config["kubernetes:context"] = "anything";
        });
        assert.ok(validate(file), JSON.stringify(validate.errors));
    });

    /**
     * Each broken file fails the schema at the path of its mistake, and the stack refuses it at
     * preview naming the same key, so the editor underlines exactly what preview would reject.
     */
    const broken: readonly {
        readonly what: string;
        readonly change: (config: Record<string, unknown>) => void;
        readonly path: string;
        readonly key: string;
    }[] = [
        {
            what: "a misspelt key",
            change: (config) => {
                config[configKey("kubeContex")] = "prod";
            },
            path: "/config/calico-ad:kubeContex",
            key: "calico-ad:kubeContex",
        },
        {
            what: "a value out of range",
            change: (config) => {
                config[configKey("detectorSeverity")] = 500;
            },
            path: "/config/calico-ad:detectorSeverity",
            key: "calico-ad:detectorSeverity",
        },
        {
            what: "a jobEnv value out of range",
            change: (config) => {
                (config[configKey("jobEnv")] as Record<string, unknown>).AD_port_scan_threshold = 0;
            },
            path: "/config/calico-ad:jobEnv/AD_port_scan_threshold",
            key: "calico-ad:jobEnv.AD_port_scan_threshold",
        },
        {
            what: "a value of the wrong type",
            change: (config) => {
                config[configKey("awaitRollout")] = "yes";
            },
            path: "/config/calico-ad:awaitRollout",
            key: "calico-ad:awaitRollout",
        },
        {
            what: "an unknown jobEnv name",
            change: (config) => {
                (config[configKey("jobEnv")] as Record<string, unknown>).AD_port_scan_treshold =
                    200;
            },
            path: "/config/calico-ad:jobEnv/AD_port_scan_treshold",
            key: "calico-ad:jobEnv.AD_port_scan_treshold",
        },
        {
            what: "a misspelt simulation field",
            change: (config) => {
                (
                    (config[configKey("simulation")] as Record<string, unknown>).portScan as Record<
                        string,
                        unknown
                    >
                ).scanerPod = "netshoot";
            },
            path: "/config/calico-ad:simulation/portScan/scanerPod",
            key: "calico-ad:simulation.portScan.scanerPod",
        },
        {
            what: "a webhook credential in plain text",
            change: (config) => {
                config[configKey("product")] = "enterprise";
                config[configKey("calicoVersion")] = "3.19.0";
                config[configKey("scanAlertWebhook")] = {
                    consumer: "Slack",
                    config: { url: "https://hooks.slack.com/services/T0/B0/secret" },
                };
            },
            path: "/config/calico-ad:scanAlertWebhook/config/url",
            key: "calico-ad:scanAlertWebhook.config.url",
        },
    ];
    for (const { what, change, path: at, key } of broken) {
        it(`rejects ${what} at ${at}, as the stack does at preview`, () => {
            const file = workshopWith(change);
            assert.equal(validate(file), false);
            assert.ok(
                errorPaths(validate.errors ?? []).includes(at),
                `errors at ${JSON.stringify(errorPaths(validate.errors ?? []))}`,
            );
            assert.match(
                errorOf(() => parseSettings(rawConfig(file.config))),
                new RegExp(key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")),
            );
        });
    }

    it("rejects a credential of a webhook only when it is not a Secret reference", () => {
        const withUrl = (url: unknown) =>
            validate(
                workshopWith((config) => {
                    config[configKey("scanAlertWebhook")] = { consumer: "Slack", config: { url } };
                }),
            );
        assert.equal(withUrl({ secretKeyRef: { name: "slack", key: "url" } }), true);
        assert.equal(withUrl({ configMapKeyRef: { name: "slack", key: "url" } }), false);
    });
});

describe("integerRangePattern", () => {
    const ranges: readonly [number, number][] = [
        [0, 9],
        [1, 100],
        [1, 1440],
        [7, 93],
        [60, 86400],
        [1, 65535],
        [120, 4096],
    ];
    for (const [min, max] of ranges) {
        it(`matches exactly the integers from ${min} to ${max}`, () => {
            const pattern = new RegExp(integerRangePattern(min, max), "u");
            for (let n = 0; n <= Math.min(max * 2 + 10, 200_000); n++) {
                assert.equal(pattern.test(String(n)), n >= min && n <= max, String(n));
            }
        });
    }

    it("reads a quoted number as Number() does: spaces, a plus sign, leading zeros, .0", () => {
        const pattern = new RegExp(integerRangePattern(1, 100), "u");
        for (const text of [" 42 ", "+42", "0042", "42.0", "100."]) {
            assert.equal(pattern.test(text), true, text);
        }
        for (const text of ["", "-1", "0", "101", "4 2", "42.5", "0x10", "ab"]) {
            assert.equal(pattern.test(text), false, text);
        }
    });
});
