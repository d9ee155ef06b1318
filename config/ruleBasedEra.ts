/**
 * Releases without AD (CE 3.18+, CC 18.3+): the rule-based port-scan alert's threshold and
 * severity, and the webhook that delivers it.
 */
import { globalAlertRulesOf } from "../catalog/lookup";
import { ConfigReader } from "./rawConfig";
import { ReleaseKnowledge } from "./release";
import { CommonSettings, RuleBasedEraSettings } from "./settingsTypes";
import { parseWebhook } from "./webhook";

/** The rule-based scan alert's keys; undefined without a known release. */
export function ruleBasedEra(
    reader: ConfigReader,
    release: ReleaseKnowledge,
    problems: string[],
): Omit<RuleBasedEraSettings, keyof CommonSettings> | undefined {
    const known = release.known ? release : undefined;
    const threshold = reader.defaulted("scanAlertThreshold");
    const severity = reader.defaulted("scanAlertSeverity");
    const webhook = parseWebhook(
        reader.structured("scanAlertWebhook"),
        known ? { product: known.product, version: known.version } : undefined,
    );
    problems.push(...webhook.problems);
    const rules = known && globalAlertRulesOf(known.product, known.version);
    if (!known || !rules) {
        return undefined;
    }
    return {
        era: "ruleBased",
        portScanThreshold: threshold,
        scanAlertSeverity: severity,
        globalAlertRules: rules,
        webhook: webhook.settings,
    };
}
