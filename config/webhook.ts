/**
 * `calico-ad:scanAlertWebhook`: an optional SecurityEventWebhook that delivers the scan alert's
 * events (CE 3.19+, CC 19.0+). Values that carry credentials are accepted only as references to
 * existing Secrets, so neither the stack config nor the state ever holds them. Pure: returns
 * settings, or problems naming the key, the value and what is allowed.
 */
import { configKey } from "../catalog/configKeys";
import {
    securityEventWebhookSince,
    WebhookConsumer,
    webhookConstants,
    webhookConsumers,
    webhookStates,
} from "../catalog/scanAlert";
import { nearestName } from "../catalog/lookup";
import { compareVersions, CalicoVersion, Product, releaseName, version } from "../catalog/versions";
import { prototypeKeys, quote } from "../common/quote";
import { keyPath, unknownFieldProblem } from "./schema";
import { dnsSubdomainProblem } from "./values";

export const webhookKey = configKey("scanAlertWebhook");

/** A Secret or ConfigMap key in tigera-intrusion-detection that holds a config value. */
export interface WebhookReference {
    readonly kind: "secret" | "configMap";
    readonly name: string;
    readonly key: string;
}

/** One `spec.config` entry: a plain value (never a credential), or a reference. */
export type WebhookConfigEntry =
    | { readonly name: string; readonly value: string }
    | { readonly name: string; readonly valueFrom: WebhookReference };

/** The webhook, validated. */
export interface WebhookSettings {
    readonly consumer: string;
    readonly state: (typeof webhookStates)[number];
    readonly config: readonly WebhookConfigEntry[];
}

export interface WebhookResult {
    readonly settings?: WebhookSettings;
    readonly problems: string[];
}

/** The release, when known, against which the webhook is checked. */
export interface WebhookContext {
    readonly product: Product;
    readonly version: CalicoVersion;
}

/** The fields of the webhook map. */
export const webhookFields = ["consumer", "state", "config"] as const;
const isMap = (value: unknown): value is Record<string, unknown> =>
    typeof value === "object" && value !== null && !Array.isArray(value);

/** Whether the release has SecurityEventWebhook, or why not. */
export function webhookUnavailable(context: WebhookContext): string | undefined {
    const since = securityEventWebhookSince[context.product];
    return compareVersions(context.version, version(since)) >= 0
        ? undefined
        : `${releaseName(context.product, context.version)} has no SecurityEventWebhook resource (it arrived in Calico Enterprise ${securityEventWebhookSince.enterprise} and Calico Cloud ${securityEventWebhookSince.cloud}); remove ${webhookKey}, or find the alert under Activity > Alerts`;
}

/** One config value: a plain string, `{secretKeyRef: {name, key}}` or `{configMapKeyRef: ...}`. */
function configEntry(
    name: string,
    value: unknown,
    consumer: WebhookConsumer,
    problems: string[],
): WebhookConfigEntry | undefined {
    const at = keyPath(`${webhookKey}.config`, name);
    const credential = consumer.secret.includes(name);
    const allowed = credential
        ? `allowed: {secretKeyRef: {name: <Secret>, key: <key>}} naming an existing Secret in ${webhookConstants.referenceNamespace}, because ${name} carries credentials and must not be in stack config or state`
        : `allowed: a string, or {secretKeyRef: {name, key}} or {configMapKeyRef: {name, key}} naming an object in ${webhookConstants.referenceNamespace}`;
    if (typeof value === "string") {
        if (credential) {
            problems.push(`${at}: a plain value is not allowed; ${allowed}`);
            return undefined;
        }
        return { name, value };
    }
    const kinds = credential ? ["secretKeyRef"] : ["secretKeyRef", "configMapKeyRef"];
    const refField = isMap(value) ? Object.keys(value) : [];
    if (!isMap(value) || refField.length !== 1 || !kinds.includes(refField[0])) {
        problems.push(`${at}: ${quote(value)} is not allowed; ${allowed}`);
        return undefined;
    }
    const ref = value[refField[0]];
    const refAt = `${at}.${refField[0]}`;
    if (!isMap(ref) || Object.keys(ref).some((k) => k !== "name" && k !== "key")) {
        problems.push(
            `${refAt}: ${quote(ref)} is not allowed; allowed: {name: <object>, key: <key>}`,
        );
        return undefined;
    }
    const refName = typeof ref.name === "string" ? ref.name : "";
    const refKey = typeof ref.key === "string" ? ref.key : "";
    const nameProblem = dnsSubdomainProblem(refName, "Secret or ConfigMap name");
    const keyOk = /^[-._a-zA-Z0-9]{1,253}$/.test(refKey);
    if (nameProblem) {
        problems.push(`${refAt}.name: ${nameProblem}`);
    }
    if (!keyOk) {
        problems.push(
            `${refAt}.key: ${quote(ref.key)} is not allowed; allowed: a data key of letters, digits, "-", "_" and "."`,
        );
    }
    if (nameProblem || !keyOk) {
        return undefined;
    }
    return {
        name,
        valueFrom: {
            kind: refField[0] === "secretKeyRef" ? "secret" : "configMap",
            name: refName,
            key: refKey,
        },
    };
}

/**
 * Validates the webhook map (undefined when unset). Without a context only the values are
 * checked; with one, the release must have SecurityEventWebhook.
 */
export function parseWebhook(raw: unknown, context: WebhookContext | undefined): WebhookResult {
    const problems: string[] = [];
    if (raw === undefined || raw === null || raw === "") {
        return { problems };
    }
    if (!isMap(raw)) {
        problems.push(
            `${webhookKey}: expected a map with ${webhookFields.join(", ")}, got ${quote(raw)}`,
        );
        return { problems };
    }
    for (const name of Object.keys(raw)) {
        if (!(webhookFields as readonly string[]).includes(name)) {
            problems.push(unknownFieldProblem(webhookKey, name, webhookFields));
        }
    }
    if (context) {
        const unavailable = webhookUnavailable(context);
        if (unavailable) {
            problems.push(`${webhookKey}: ${unavailable}`);
            return { problems };
        }
    }
    const consumerNames = webhookConsumers.map((c) => c.name);
    const consumer = webhookConsumers.find((c) => c.name === raw.consumer);
    if (!consumer) {
        const suggestion =
            typeof raw.consumer === "string" ? nearestName(raw.consumer, consumerNames) : undefined;
        problems.push(
            `${webhookKey}.consumer: ${raw.consumer === undefined ? "required" : `${quote(raw.consumer)} is not allowed`}; allowed: ${consumerNames.join(", ")}${suggestion ? ` (did you mean ${suggestion}?)` : ""}`,
        );
    }
    const state = raw.state ?? "Enabled";
    if (!webhookStates.some((s) => s === state)) {
        problems.push(
            `${webhookKey}.state: ${quote(state)} is not allowed; allowed: ${webhookStates.join(", ")}`,
        );
    }
    if (!isMap(raw.config)) {
        problems.push(
            `${webhookKey}.config: ${raw.config === undefined ? "required" : `${quote(raw.config)} is not allowed`}; allowed: a map of config names to values or Secret references${consumer ? `, for ${consumer.name}: ${consumer.required.join(", ")}` : ""}`,
        );
        return { problems };
    }
    if (!consumer) {
        return { problems };
    }
    const names = [...consumer.required, ...consumer.optional];
    const entries: WebhookConfigEntry[] = [];
    for (const [name, value] of Object.entries(raw.config)) {
        if (!names.includes(name)) {
            const suggestion = prototypeKeys.has(name) ? undefined : nearestName(name, names);
            problems.push(
                `${keyPath(`${webhookKey}.config`, name)}: not a config name of the ${consumer.name} consumer${suggestion ? `; did you mean ${suggestion}?` : ""}; allowed: ${names.join(", ")}`,
            );
            continue;
        }
        const entry = configEntry(name, value, consumer, problems);
        if (entry) {
            entries.push(entry);
        }
    }
    for (const name of consumer.required) {
        if (!Object.hasOwn(raw.config, name)) {
            problems.push(
                `${webhookKey}.config.${name}: required by the ${consumer.name} consumer; allowed: ${consumer.secret.includes(name) ? "{secretKeyRef: {name, key}}" : "a string or a Secret or ConfigMap reference"}`,
            );
        }
    }
    if (problems.length > 0) {
        return { problems };
    }
    return {
        settings: {
            consumer: consumer.name,
            state: state as WebhookSettings["state"],
            config: entries,
        },
        problems,
    };
}

/** The Secrets and ConfigMaps the webhook reads, for preflight. */
export const webhookReferences = (webhook: WebhookSettings): WebhookReference[] =>
    webhook.config.flatMap((entry) => ("valueFrom" in entry ? [entry.valueFrom] : []));
