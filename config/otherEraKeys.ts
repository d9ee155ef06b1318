/**
 * Keys that do not apply to the release's era (a manifest-era key on a GlobalAlert-era release,
 * an AD key on a release without AD): each set one is a problem that says why, in the words
 * users need, and is not read further.
 */
import { configKey, KeyScope, scalarKeys, structuredKeys } from "../catalog/configKeys";
import { Era } from "../catalog/eras";
import { GlobalAlertRules } from "../catalog/scanAlert";
import { quote } from "../common/quote";
import { ConfigReader } from "./rawConfig";

/**
 * Records a problem for every set key whose scope is another era. The GlobalAlert era
 * explains its refusal of jobEnv itself, per env var.
 */
export function rejectOtherEraKeys(
    reader: ConfigReader,
    era: Era,
    release: string,
    rules?: GlobalAlertRules,
): void {
    for (const key of [...scalarKeys, ...structuredKeys]) {
        const scope: KeyScope = key.scope;
        if (
            scope === "all" ||
            scope === era ||
            (key.name === "jobEnv" && era === "globalAlert") ||
            !reader.isSet(key.name)
        ) {
            continue;
        }
        reader.refuse(
            key.name,
            `${configKey(key.name)}: is set to ${quote(reader.shownValue(key.name))} but ${otherEraReason(era, scope, release, key.name, rules)}`,
        );
    }
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
