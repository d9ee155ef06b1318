import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { KubeContexts } from "../../common/kubeconfig";
import { defaultProductionPatterns, productionReason } from "../../common/production";
import { ConfigError, parseSettings } from "../../config/settings";
import { noSimulationInProduction } from "../../policy/policies";
import { simulationProblem, defaultSimulationPolicyConfig } from "../../policy/validators";
import { rawConfig } from "../helpers";

const kubeconfig: KubeContexts = {
    names: ["kind-dev", "admin@live", "gke_acme_europe-west1_prod-eu"],
    clusters: {
        "kind-dev": "kind-dev",
        "admin@live": "prod-eu-1",
        "gke_acme_europe-west1_prod-eu": "gke_acme_europe-west1_prod-eu",
    },
    current: "kind-dev",
    files: ["/k/config"],
};
const scan = {
    portScan: {
        enabled: true,
        namespace: "dev",
        scannerPod: "netshoot",
        targetSelector: "app=centos",
    },
};
const workshop = (values: Record<string, unknown> = {}) =>
    rawConfig({ calicoVersion: "3.12.0", clusterType: "standalone", simulation: scan, ...values });
const refusal = (values: Record<string, unknown>, stack = "dev", contexts = kubeconfig) => {
    try {
        parseSettings(workshop(values), { kubeContexts: contexts, stack });
    } catch (error) {
        assert.ok(error instanceof ConfigError);
        return error.problems.find((p) => p.startsWith("calico-ad:simulation:")) ?? "";
    }
    return "";
};

describe("a simulation aimed at production is refused at preview", () => {
    it("when the configured kube context matches a protected pattern", () => {
        assert.match(
            refusal({ kubeContext: "gke_acme_europe-west1_prod-eu" }),
            /would run against production \(stack "dev", kube context "gke_acme_europe-west1_prod-eu"\), because its kube context "gke_acme_europe-west1_prod-eu" matches "\*prod\*"; .*calico-ad:allowSimulationInProduction/,
        );
    });

    it("when the context's cluster matches, even if the context name does not", () => {
        assert.match(
            refusal({ kubeContext: "admin@live" }),
            /its cluster "prod-eu-1" matches "\*prod\*"/,
        );
    });

    it("when the current context is used and the stack name matches", () => {
        assert.match(
            refusal({}, "prod-east"),
            /\(stack "prod-east", kube context "kind-dev"\), because its name matches "prod\*"/,
        );
        assert.equal(refusal({}, "dev"), "", "kind-dev on stack dev is not production");
    });

    it("with the patterns the stack config gives, and not when explicitly allowed", () => {
        assert.match(
            refusal({ kubeContext: "kind-dev", protectedContexts: ["kind-*"] }),
            /kube context "kind-dev" matches "kind-\*"/,
        );
        assert.equal(
            refusal({ kubeContext: "admin@live", allowSimulationInProduction: "true" }),
            "",
        );
        assert.equal(refusal({ kubeContext: "admin@live", protectedContexts: ["staging-*"] }), "");
    });
});

describe("the policy pack applies the same rule", () => {
    const command = (stack: string, kubeContext = "") => ({
        type: "command:local:Command",
        urn: `urn:pulumi:${stack}::calico-ad::pulumi:pulumi:Stack$calico-ad:simulation:PortScanSimulation$command:local:Command::port-scan-nmap`,
        props: { environment: { KUBE_CONTEXT: kubeContext } },
    });
    const noTags = new Map<string, string>();

    it("judges the Command's KUBE_CONTEXT and its cluster from the kubeconfig", () => {
        const config = defaultSimulationPolicyConfig;
        assert.match(
            simulationProblem(command("dev", "admin@live"), config, noTags, kubeconfig) ?? "",
            /production because its cluster "prod-eu-1" matches "\*prod\*"/,
        );
        assert.equal(simulationProblem(command("dev"), config, noTags, kubeconfig), undefined);
        assert.match(
            simulationProblem(command("dev"), config, noTags, {
                ...kubeconfig,
                current: "admin@live",
            }) ?? "",
            /cluster "prod-eu-1"/,
            "an empty KUBE_CONTEXT is the kubeconfig's current context",
        );
    });

    it("gives the same reason as the program for the same target", () => {
        const target = { stack: "dev", kubeContext: "admin@live", cluster: "prod-eu-1" };
        const reason = productionReason(target, defaultSimulationPolicyConfig);
        assert.ok(reason);
        assert.ok(refusal({ kubeContext: "admin@live" }).includes(reason));
        assert.ok(
            simulationProblem(
                command("dev", "admin@live"),
                defaultSimulationPolicyConfig,
                noTags,
                kubeconfig,
            )?.includes(reason),
        );
    });
});

describe("the policy's config schema", () => {
    it("is generated from the zod schema the rule parses its config with, defaults included", () => {
        const properties = noSimulationInProduction.configSchema?.properties ?? {};
        assert.deepEqual(properties.protectedContexts, {
            type: "array",
            items: { type: "string" },
            default: defaultProductionPatterns.protectedContexts,
            description:
                "kube context and kubeconfig cluster name patterns (* and ?) that count as production",
        });
        assert.equal(properties.allowSimulationInProduction.type, "boolean");
        assert.deepEqual(properties.productionStacks.default, ["prod*"]);
    });
});
