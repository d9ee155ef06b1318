import assert from "node:assert/strict";
import * as fs from "node:fs";
import { describe, it } from "node:test";
import {
    kubeconfigSecretName,
    listStacks,
    matrixOf,
    selectStacks,
    stackOfConfigFile,
} from "../../preview/stacks";
import { repoRoot } from "../helpers";

const stacks = ["dev", "management", "prod-east"];
const picked = (files: string[]) => selectStacks(files, stacks).map((s) => s.stack);

describe("stacks of the repository", () => {
    it("are the Pulumi.<stack>.yaml files next to Pulumi.yaml", () => {
        assert.equal(stackOfConfigFile("Pulumi.yaml"), undefined);
        assert.equal(stackOfConfigFile("Pulumi.prod.eu.yaml"), "prod.eu");
        assert.equal(stackOfConfigFile("Pulumi.dev.yml"), "dev");
        assert.equal(stackOfConfigFile("config/Pulumi.dev.yaml"), undefined);
        assert.deepEqual(listStacks(["Pulumi.yaml", "Pulumi.b.yaml", "Pulumi.a.yaml", "x.ts"]), [
            "a",
            "b",
        ]);
    });

    it("include the committed examples", () => {
        const found = listStacks(fs.readdirSync(repoRoot));
        assert.ok(found.includes("dev") && found.includes("management"), found.join(", "));
    });
});

describe("stacks a change touches", () => {
    it("previews only the stack whose config changed", () => {
        assert.deepEqual(picked(["Pulumi.management.yaml"]), ["management"]);
        assert.deepEqual(picked(["Pulumi.dev.yaml", "Pulumi.prod-east.yaml", "README.md"]), [
            "dev",
            "prod-east",
        ]);
    });

    it("previews every stack when code, packages, the project or the policy pack change", () => {
        for (const file of [
            "index.ts",
            "components/adJobsDeployment.ts",
            "catalog/envVars.ts",
            "package.json",
            "package-lock.json",
            "Pulumi.yaml",
            "tsconfig.json",
            "policy/validators.ts",
            ".github/workflows/pull-request.yml",
            ".github/actions/setup/action.yml",
            "scripts/ci/deploy.sh",
            "some-new-folder/thing.ts",
        ]) {
            assert.deepEqual(picked(["Pulumi.dev.yaml", file]), stacks, file);
        }
        assert.match(selectStacks(["index.ts"], stacks)[0].reason, /index\.ts changed/);
    });

    it("previews nothing for docs, tests, lint settings and developer tooling", () => {
        assert.deepEqual(
            picked([
                "README.md",
                "policy/README.md",
                "test/unit/settings.test.ts",
                "eslint.config.mjs",
                ".prettierrc.json",
                "scripts/local-cluster.sh",
                "tools/pulumi/go.mod",
                ".github/CODEOWNERS",
            ]),
            [],
        );
    });

    it("ignores a stack file that was removed", () => {
        assert.deepEqual(picked(["Pulumi.staging.yaml"]), []);
    });
});

describe("the workflow matrix", () => {
    it("names a kubeconfig secret per stack that GitHub accepts", () => {
        assert.equal(kubeconfigSecretName("dev"), "KUBECONFIG_DEV");
        assert.equal(kubeconfigSecretName("prod-east.eu"), "KUBECONFIG_PROD_EAST_EU");
        assert.deepEqual(matrixOf([{ stack: "dev", reason: "" }]), [
            { stack: "dev", pulumiStack: "dev", kubeconfigSecret: "KUBECONFIG_DEV" },
        ]);
    });

    it("qualifies the Pulumi stack with the organisation, but not the stack or secret", () => {
        assert.deepEqual(matrixOf([{ stack: "prod-east", reason: "" }], "acme"), [
            {
                stack: "prod-east",
                pulumiStack: "acme/prod-east",
                kubeconfigSecret: "KUBECONFIG_PROD_EAST",
            },
        ]);
    });
});
