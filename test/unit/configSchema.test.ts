import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import * as yaml from "js-yaml";
import { scalarKeys, projectName } from "../../catalog/configKeys";
import { referencePage, withDeclarations, withReference } from "../../config/reference";
import { repoRoot } from "../helpers";

describe("Pulumi.yaml config schema", () => {
    const project = yaml.load(fs.readFileSync(path.join(repoRoot, "Pulumi.yaml"), "utf8")) as {
        name: string;
        config: Record<string, { type: string; default?: unknown; description: string }>;
    };

    it("is the calico-ad project", () => {
        assert.equal(project.name, projectName);
    });

    it("is the one generated from the catalog (run `npm run docs` after changing it)", () => {
        const text = fs.readFileSync(path.join(repoRoot, "Pulumi.yaml"), "utf8");
        assert.equal(text, withDeclarations(text));
    });

    it("declares exactly the scalar keys of catalog/configKeys.ts, with their types, defaults and descriptions", () => {
        assert.deepEqual(Object.keys(project.config).sort(), scalarKeys.map((k) => k.name).sort());
        for (const key of scalarKeys) {
            const declared = project.config[key.name];
            assert.equal(declared.type, key.type, key.name);
            assert.equal(declared.default, key.default, key.name);
            assert.equal(declared.description, key.description, key.name);
        }
    });
});

describe("the config reference page", () => {
    it("is the one generated from the catalog (run `npm run docs` after changing it)", () => {
        const page = fs.readFileSync(path.join(repoRoot, referencePage), "utf8");
        assert.equal(page, withReference(page));
    });
});
