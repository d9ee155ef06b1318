/**
 * Releases without AD (CE 3.18+, CC 18.3+): the schema of the rule-based port-scan alert's keys
 * for a release (threshold, severity, the webhook that delivers it) and the settings they yield.
 */
import { z } from "zod";
import { scanAlert } from "../catalog/scanAlert";
import { globalAlertRulesOf } from "../catalog/lookup";
import { scalarSchemas, structuredValue } from "./rawConfig";
import { ReleaseKnowledge } from "./release";
import { addLines } from "./schema";
import { CommonSettings, RuleBasedEraSettings } from "./settingsTypes";
import { parseWebhook, WebhookSettings } from "./webhook";

/** `calico-ad:scanAlertWebhook` for a release: it must have SecurityEventWebhook. */
const webhookSchema = (release: ReleaseKnowledge) =>
    structuredValue.transform((raw, ctx: z.RefinementCtx) => {
        const webhook = parseWebhook(
            raw,
            release.known ? { product: release.product, version: release.version } : undefined,
        );
        addLines(ctx, webhook.problems, raw);
        return webhook.settings;
    });

/** The rule-based era's keys for `release`. */
export function ruleBasedEraFields(release: ReleaseKnowledge) {
    return {
        scanAlertThreshold: scalarSchemas.scanAlertThreshold,
        scanAlertSeverity: scalarSchemas.scanAlertSeverity,
        scanAlertWebhook: webhookSchema(release),
    };
}

/** The rule-based era's valid values, as its schema yields them. */
export interface RuleBasedEraValues {
    readonly scanAlertThreshold?: number;
    readonly scanAlertSeverity?: number;
    readonly scanAlertWebhook?: WebhookSettings;
}

/** The rule-based scan alert's settings; undefined when the release has no GlobalAlert rules. */
export function ruleBasedEraSettings(
    values: RuleBasedEraValues,
    release: Extract<ReleaseKnowledge, { known: true }>,
): Omit<RuleBasedEraSettings, keyof CommonSettings> | undefined {
    const rules = globalAlertRulesOf(release.product, release.version);
    if (!rules) {
        return undefined;
    }
    return {
        era: "ruleBased",
        portScanThreshold: values.scanAlertThreshold ?? scanAlert.defaultThreshold,
        scanAlertSeverity: values.scanAlertSeverity ?? scanAlert.defaultSeverity,
        globalAlertRules: rules,
        webhook: values.scanAlertWebhook,
    };
}
