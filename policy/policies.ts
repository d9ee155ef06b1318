/**
 * The calico-ad policies: guardrails checked on every preview and update of a stack run with
 * `--policy-pack policy`. The rules themselves are pure functions in `validators.ts`.
 */
import {
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
} from "@pulumi/policy";
import { z } from "zod";
import { KubeContexts, readKubeContexts } from "../common/kubeconfig";
import {
    catalogRangeProblems,
    DeploymentProps,
    literalCredentialProblems,
    simulationProblem,
    simulationPolicyConfigSchema,
    unpinnedImageProblems,
    webhookCredentialProblems,
} from "./validators";

const deploymentType = "kubernetes:apps/v1:Deployment";

/** Runs `check` on Deployments and reports each problem it returns. */
function onDeployments(
    check: (deployment: DeploymentProps) => string[],
): (args: ResourceValidationArgs, reportViolation: ReportViolation) => void {
    return (args, reportViolation) => {
        if (args.type !== deploymentType) {
            return;
        }
        check(args.props as DeploymentProps).forEach((problem) => reportViolation(problem));
    };
}

export const imagePinned: ResourceValidationPolicy = {
    name: "calico-ad-image-pinned",
    description:
        "Deployment images are pinned to a release tag or a digest: not latest, not untagged.",
    remediationSteps:
        "Set calico-ad:imageTag to the release tag (default v<calicoVersion>) or pin a digest.",
    enforcementLevel: "mandatory",
    validateResource: onDeployments(unpinnedImageProblems),
};

export const noLiteralCredentials: ResourceValidationPolicy = {
    name: "calico-ad-no-literal-credentials",
    description:
        "Elasticsearch credentials (ELASTIC_USER, ELASTIC_PASSWORD) come from a Secret, and no env var named like a password, token or secret has a literal value.",
    remediationSteps:
        "Read the value with valueFrom.secretKeyRef (the AD job uses tigera-ee-ad-job-elasticsearch-access).",
    enforcementLevel: "mandatory",
    validateResource: onDeployments(literalCredentialProblems),
};

export const thresholdsInCatalogRange: ResourceValidationPolicy = {
    name: "calico-ad-thresholds-in-catalog-range",
    description:
        "Every AD_* and ES_* env var of the AD jobs Deployment is in the calico-ad catalog and inside its documented range.",
    remediationSteps:
        "Set the value in calico-ad:jobEnv within the range the env var reference documents.",
    enforcementLevel: "mandatory",
    validateResource: onDeployments(catalogRangeProblems),
};

export const webhookCredentialsFromSecrets: ResourceValidationPolicy = {
    name: "calico-ad-webhook-credentials-from-secrets",
    description:
        "A SecurityEventWebhook reads the values that carry credentials (Slack and Generic url, Jira apiToken) from a Secret, so they are in neither stack config nor state.",
    remediationSteps:
        "Reference a Secret in tigera-intrusion-detection with secretKeyRef in calico-ad:scanAlertWebhook.config.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type === "kubernetes:projectcalico.org/v3:SecurityEventWebhook") {
            webhookCredentialProblems(args.props).forEach((problem) => reportViolation(problem));
        }
    },
};

/** The kubeconfig, read once per policy run, for Commands that use the current context. */
let kubeContexts: KubeContexts | undefined;

export const noSimulationInProduction: ResourceValidationPolicy = {
    name: "calico-ad-no-simulation-in-production",
    description:
        "No attack simulation (a local Command under calico-ad:simulation:*) on a production stack, kube context or cluster unless explicitly allowed.",
    remediationSteps:
        "Turn the simulation off for this stack, or set allowSimulationInProduction: true in the policy pack config.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: (
            z.toJSONSchema(simulationPolicyConfigSchema, { io: "input" }) as {
                properties: PolicyConfigSchema["properties"];
            }
        ).properties,
    },
    validateResource: (args, reportViolation) => {
        const config = simulationPolicyConfigSchema.parse(args.getConfig());
        kubeContexts ??= readKubeContexts();
        const problem = simulationProblem(args, config, args.stackTags, kubeContexts);
        if (problem) {
            reportViolation(problem);
        }
    },
};

/** Every policy of the pack. */
export const policies: ResourceValidationPolicy[] = [
    imagePinned,
    noLiteralCredentials,
    thresholdsInCatalogRange,
    noSimulationInProduction,
    webhookCredentialsFromSecrets,
];
