import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { envVarCatalog } from "../../catalog/envVars";
import { manifestProfile } from "../../catalog/lookup";
import { version } from "../../catalog/versions";
import { buildAdJobsManifests } from "../../components/adJobsDeployment";
import { buildScanAlertWebhook } from "../../components/scanAlert";
import { ManifestEraSettings, parseSettings } from "../../config/settings";
import { renderEnvValue } from "../../catalog/envValues";
import {
    imagePinned,
    noLiteralCredentials,
    noSimulationInProduction,
    policies,
    thresholdsInCatalogRange,
    webhookCredentialsFromSecrets,
} from "../../policy/policies";
import { catalogValueProblem, globMatches, imagePinProblem } from "../../policy/validators";
import { runResourcePolicy, stackFileConfig } from "../helpers";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const deploymentType = "kubernetes:apps/v1:Deployment";
const commandType = "command:local:Command";

/** The AD Deployment the program builds for the workshop stack (Pulumi.dev.yaml). */
function workshopDeployment(): Json {
    const settings = parseSettings({
        ...stackFileConfig("dev"),
        "calico-ad:clusterName": "cd8i1cf9.aks-calicocloud-repo",
    }) as ManifestEraSettings;
    return structuredClone(
        buildAdJobsManifests({
            profile: manifestProfile(version("3.12.0"), "managed"),
            clusterName: "cd8i1cf9.aks-calicocloud-repo",
            image: settings.image,
            imagePullSecret: settings.imagePullSecret,
            // What index.ts deploys: every env var the release reads, defaults written out.
            jobEnv: settings.effectiveEnv,
            disabledJobs: settings.disabledJobs,
            awaitRollout: true,
        }).deployment,
    ) as Json;
}

const containerOf = (deployment: Json) => deployment.spec.template.spec.containers[0];

function withEnv(deployment: Json, name: string, entry: Json): Json {
    const env: Json[] = containerOf(deployment).env;
    const index = env.findIndex((e) => e.name === name);
    if (index < 0) {
        env.push({ name, ...entry });
    } else {
        env[index] = { name, ...entry };
    }
    return deployment;
}

const deployment = (props: Json) => ({ type: deploymentType, props });

describe("the policy pack", () => {
    it("has five mandatory policies with unique names", () => {
        assert.equal(new Set(policies.map((p) => p.name)).size, 5);
        assert.ok(policies.every((p) => p.enforcementLevel === "mandatory"));
    });

    it("finds nothing wrong with the Deployment the workshop stack builds", async () => {
        for (const policy of policies) {
            assert.deepEqual(await runResourcePolicy(policy, deployment(workshopDeployment())), []);
        }
    });
});

describe("image pinned to a release", () => {
    it("accepts release tags and digests, with or without a registry port", () => {
        for (const image of [
            "quay.io/tigera/anomaly_detection_jobs:v3.12.0",
            "quay.io/tigera/anomaly_detection_jobs:3.12",
            "registry.example.com:5000/mirror/anomaly_detection_jobs:v3.12.0-1",
            `quay.io/tigera/anomaly_detection_jobs@sha256:${"a".repeat(64)}`,
            `quay.io/tigera/anomaly_detection_jobs:latest@sha256:${"b".repeat(64)}`,
        ]) {
            assert.equal(imagePinProblem(image), undefined, image);
        }
    });

    it("rejects latest, untagged and non-version tags", () => {
        assert.match(imagePinProblem("quay.io/tigera/anomaly_detection_jobs:latest")!, /"latest"/);
        assert.match(imagePinProblem("quay.io/tigera/anomaly_detection_jobs")!, /no tag/);
        assert.match(
            imagePinProblem("registry.example.com:5000/tigera/anomaly_detection_jobs")!,
            /no tag/,
        );
        assert.match(imagePinProblem("quay.io/tigera/anomaly_detection_jobs:master")!, /"master"/);
        assert.match(imagePinProblem("quay.io/tigera/anomaly_detection_jobs:v3")!, /not a version/);
    });

    it("reports the container of an unpinned Deployment", async () => {
        const bad = workshopDeployment();
        containerOf(bad).image = "quay.io/tigera/anomaly_detection_jobs:latest";
        const violations = await runResourcePolicy(imagePinned, deployment(bad));
        assert.equal(violations.length, 1);
        assert.match(violations[0], /^container ad-jobs: image .*:latest/);
    });

    it("ignores other resource types", async () => {
        const props = { spec: { template: { spec: { containers: [{ image: "x:latest" }] } } } };
        assert.deepEqual(
            await runResourcePolicy(imagePinned, { type: "kubernetes:core/v1:Pod", props }),
            [],
        );
    });
});

describe("no credentials as literal env values", () => {
    it("rejects a literal ELASTIC_PASSWORD without echoing it", async () => {
        const bad = withEnv(workshopDeployment(), "ELASTIC_PASSWORD", { value: "hunter2" });
        const violations = await runResourcePolicy(noLiteralCredentials, deployment(bad));
        assert.equal(violations.length, 1);
        assert.match(violations[0], /ELASTIC_PASSWORD is a literal value/);
        assert.doesNotMatch(violations[0], /hunter2/);
    });

    it("rejects ELASTIC_USER read from a ConfigMap", async () => {
        const bad = withEnv(workshopDeployment(), "ELASTIC_USER", {
            valueFrom: { configMapKeyRef: { name: "es", key: "user" } },
        });
        const violations = await runResourcePolicy(noLiteralCredentials, deployment(bad));
        assert.match(violations.join("\n"), /ELASTIC_USER is not read from a Secret/);
    });

    it("rejects any password-, token- or secret-like variable with a literal value", async () => {
        for (const name of ["API_TOKEN", "ES_PASSWORD", "client_secret", "AWS_SECRET_ACCESS_KEY"]) {
            const bad = withEnv(workshopDeployment(), name, { value: "s3cr3t" });
            const violations = await runResourcePolicy(noLiteralCredentials, deployment(bad));
            assert.equal(violations.length, 1, name);
            assert.match(violations[0], new RegExp(`${name} looks like a credential`));
        }
    });

    it("accepts such variables from a Secret, and empty placeholders", async () => {
        const good = withEnv(
            withEnv(workshopDeployment(), "API_TOKEN", {
                valueFrom: { secretKeyRef: { name: "api", key: "token" } },
            }),
            "ES_PASSWORD",
            { value: "" },
        );
        assert.deepEqual(await runResourcePolicy(noLiteralCredentials, deployment(good)), []);
    });
});

describe("thresholds inside the catalog's ranges", () => {
    it("accepts every catalog default as the stack renders it, and rejects just past the bounds", () => {
        for (const envVar of envVarCatalog) {
            for (const span of envVar.documented.filter((s) => s.default !== undefined)) {
                const rendered = renderEnvValue(envVar, span.default!);
                assert.ok("value" in rendered, envVar.name);
                assert.equal(catalogValueProblem(envVar, rendered.value), undefined, envVar.name);
            }
            if (envVar.min !== undefined) {
                assert.ok(catalogValueProblem(envVar, String(envVar.min - 1)), envVar.name);
            }
            if (envVar.max !== undefined) {
                assert.ok(catalogValueProblem(envVar, String(envVar.max + 1)), envVar.name);
            }
        }
    });

    it("reports values edited out of range, wrong types and unknown variables", async () => {
        const bad = workshopDeployment();
        withEnv(bad, "AD_port_scan_threshold", { value: "0" });
        withEnv(bad, "AD_ip_sweep_threshold", { value: "2.5" });
        withEnv(bad, "AD_debug", { value: "maybe" });
        withEnv(bad, "ES_scroll_time", { value: "20 seconds" });
        withEnv(bad, "AD_DnsLatency_IsolationForest_score_threshold", { value: "0.5" });
        withEnv(bad, "AD_made_up", { value: "1" });
        withEnv(bad, "AD_max_docs", { valueFrom: { configMapKeyRef: { name: "x", key: "y" } } });
        const violations = await runResourcePolicy(thresholdsInCatalogRange, deployment(bad));
        assert.deepEqual(
            [...violations].sort(),
            [
                "env AD_max_docs is not a literal value, so its range cannot be checked",
                'env AD_DnsLatency_IsolationForest_score_threshold: "0.5" is out of range; allowed: a number from -1 to 0',
                'env AD_port_scan_threshold: "0" is out of range; allowed: an integer from 1 to 65535',
                'env AD_ip_sweep_threshold: "2.5" is not allowed; allowed: an integer from 1 to 65536',
                'env AD_debug: "maybe" is not allowed; allowed: true or false',
                'env ES_scroll_time: "20 seconds" is not allowed; allowed: a duration such as 20s, 2m or 1h',
                "env AD_made_up is not in the calico-ad env var catalog, so its value cannot be checked",
            ].sort(),
        );
    });

    it("skips the variables the stack sets itself", async () => {
        const good = withEnv(workshopDeployment(), "AD_DISABLED_JOBS", { value: "whatever" });
        assert.deepEqual(await runResourcePolicy(thresholdsInCatalogRange, deployment(good)), []);
    });

    it("applies only to the AD Deployment", async () => {
        const other = withEnv(workshopDeployment(), "AD_port_scan_threshold", { value: "0" });
        other.metadata.name = "something-else";
        assert.deepEqual(await runResourcePolicy(thresholdsInCatalogRange, deployment(other)), []);
    });
});

describe("no simulation on production stacks", () => {
    const scan = (stack: string, extra: Record<string, unknown> = {}) => ({
        type: commandType,
        props: { create: "nmap ..." },
        name: "port-scan-command",
        stack,
        parentTypes: [
            "pulumi:pulumi:Stack",
            "calico-ad:index:AnomalyDetection",
            "calico-ad:simulation:PortScanSimulation",
        ],
        ...extra,
    });

    it("rejects a simulation on a stack named like production", async () => {
        const violations = await runResourcePolicy(noSimulationInProduction, scan("prod-east"));
        assert.equal(violations.length, 1);
        assert.match(violations[0], /"port-scan-command" would run in stack "prod-east"/);
        assert.match(violations[0], /matches "prod\*"/);
    });

    it("allows it on other stacks, or when the config allows it explicitly", async () => {
        assert.deepEqual(await runResourcePolicy(noSimulationInProduction, scan("dev")), []);
        assert.deepEqual(
            await runResourcePolicy(
                noSimulationInProduction,
                scan("prod-east", { config: { allowSimulationInProduction: true } }),
            ),
            [],
        );
    });

    it("takes production patterns from config and the production tag from the stack", async () => {
        const config = { productionStacks: ["live-*"] };
        assert.equal(
            (await runResourcePolicy(noSimulationInProduction, scan("live-eu", { config }))).length,
            1,
        );
        assert.deepEqual(
            await runResourcePolicy(noSimulationInProduction, scan("prod-east", { config })),
            [],
        );
        const tagged = scan("staging", { stackTags: { "calico-ad:production": "true" } });
        const violations = await runResourcePolicy(noSimulationInProduction, tagged);
        assert.match(violations[0], /tagged calico-ad:production=true/);
    });

    it("recognises a simulation by name when it has no simulation parent", async () => {
        const byName = { type: commandType, props: {}, name: "nmap-scan", stack: "prod" };
        assert.equal((await runResourcePolicy(noSimulationInProduction, byName)).length, 1);
        const other = { type: commandType, props: {}, name: "render-docs", stack: "prod" };
        assert.deepEqual(await runResourcePolicy(noSimulationInProduction, other), []);
    });

    it("matches stack patterns as globs, not regular expressions", () => {
        assert.ok(globMatches("prod*", "prod"));
        assert.ok(globMatches("prod-?", "prod-1"));
        assert.ok(!globMatches("prod.eu", "prodxeu"));
        assert.ok(!globMatches("prod", "production"));
    });
});

describe("webhook credentials from Secrets", () => {
    const webhookType = "kubernetes:projectcalico.org/v3:SecurityEventWebhook";
    const built = (
        consumer: string,
        config: Parameters<typeof buildScanAlertWebhook>[0]["config"],
    ) => buildScanAlertWebhook({ consumer, state: "Enabled", config }, { awaitRollout: true });

    it("accepts the webhook the stack builds from Secret references", async () => {
        const props = built("Jira", [
            { name: "url", value: "https://example.atlassian.net" },
            { name: "project", value: "SEC" },
            { name: "apiToken", valueFrom: { kind: "secret", name: "jira", key: "token" } },
        ]);
        assert.deepEqual(
            await runResourcePolicy(webhookCredentialsFromSecrets, { type: webhookType, props }),
            [],
        );
    });

    it("reports a literal Slack URL or a Jira token from a ConfigMap, naming the entry, not the value", async () => {
        const slack = built("Slack", [
            { name: "url", value: "https://hooks.slack.com/services/T/B/x" },
        ]);
        const jira = built("Jira", [
            { name: "apiToken", valueFrom: { kind: "configMap", name: "jira", key: "token" } },
        ]);
        const violations = [
            ...(await runResourcePolicy(webhookCredentialsFromSecrets, {
                type: webhookType,
                props: slack,
            })),
            ...(await runResourcePolicy(webhookCredentialsFromSecrets, {
                type: webhookType,
                props: jira,
            })),
        ];
        assert.deepEqual(violations, [
            "spec.config url of the Slack consumer carries credentials but is not read from a Secret; use valueFrom.secretKeyRef",
            "spec.config apiToken of the Jira consumer carries credentials but is not read from a Secret; use valueFrom.secretKeyRef",
        ]);
    });
});
