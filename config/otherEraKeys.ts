/**
 * Keys that do not apply to the release's era (a manifest-era key on a GlobalAlert-era release,
 * an AD key on a release without AD): the schema of such a key refuses any set value, saying why
 * in the words users need.
 */
import { z } from "zod";
import { KeyScope, scalarKeys, configKey } from "../catalog/configKeys";
import { Era } from "../catalog/eras";
import { globalAlertRulesOf } from "../catalog/lookup";
import { GlobalAlertRules } from "../catalog/scanAlert";
import { quote } from "../common/quote";
import { isSetValue, structuredValue } from "./rawConfig";
import { ReleaseKnowledge } from "./release";

/**
 * The schema of a key of `scope` on a known release of another era: unset, empty or its
 * default, else one issue that says why the release refuses it. The GlobalAlert era explains
 * its refusal of jobEnv itself, per env var (globalAlertEra.ts).
 */
export function otherEraKeySchema(
    name: string,
    scope: KeyScope,
    release: Extract<ReleaseKnowledge, { known: true }>,
) {
    const refusal = (shown: unknown) =>
        `is set to ${quote(shown)} but ${otherEraReason(release.era, scope as Era, release.name, name, globalAlertRulesOf(release.product, release.version))}`;
    if (scalarKeys.some((key) => key.name === name)) {
        return z
            .string()
            .optional()
            .superRefine((text, ctx) => {
                if (isSetValue(name, text)) {
                    ctx.addIssue({ code: "custom", message: refusal(text), input: text });
                }
            });
    }
    return structuredValue.superRefine((value, ctx) => {
        if (value !== undefined && value !== "") {
            ctx.addIssue({ code: "custom", message: refusal(value), input: value });
        }
    });
}

/** Why a release of one era refuses a key of another scope, in the words users need. */
function otherEraReason(
    era: Era,
    scope: Era,
    release: string,
    name: string,
    rules?: GlobalAlertRules,
): string {
    if (scope === "ruleBased") {
        return `applies only to releases without AD (Calico Enterprise 3.18 and later, Calico Cloud 18.3 and later), where the stack deploys the rule-based scan alert; ${release} still has AD`;
    }
    if (era === "ruleBased") {
        const instead = `the stack deploys the rule-based port-scan alert instead (${configKey("scanAlertThreshold")}, ${configKey("scanAlertSeverity")}); remove ${configKey(name)}`;
        return scope === "globalAlert"
            ? `it configures GlobalAlerts of type AnomalyDetection, which ${release} refuses (AD was removed; GlobalAlert types there: ${rules?.types.join(", ") ?? "RuleBased"}); ${instead}`
            : `it configures the AD jobs Deployment of the manifest era, and ${release} has no AD; ${instead}`;
    }
    if (era === "manifest") {
        return name === "detectors"
            ? `applies from Calico 3.13 on; in ${release} every job runs unless listed in ${configKey("disabledJobs")}`
            : `applies from Calico 3.13 on (GlobalAlert era); ${release} runs the AD jobs Deployment, configured by ${configKey("jobEnv")} and ${configKey("disabledJobs")}`;
    }
    return name === "disabledJobs"
        ? `applies to the manifest era (up to 3.12); in ${release} detectors are off unless listed in ${configKey("detectors")}`
        : `the operator picks the detector image in ${release}`;
}
