/**
 * Reading raw stack config: `readStackConfig` takes it from Pulumi as key/value strings; the
 * schemas here turn one key's string into its value (a scalar by its catalog declaration, a
 * structured key's JSON), and `unknownKeyProblems` names every key the project does not have.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
    configKey,
    maxCollectionSize,
    maxStructuredValueLength,
    projectName,
    ScalarKey,
    ScalarKeyName,
    ScalarKeyOf,
    scalarKeys,
    structuredKeys,
} from "../catalog/configKeys";
import { envVarCatalog } from "../catalog/envVars";
import { editDistance, nearestName } from "../catalog/lookup";
import { prototypeKeys, quote } from "../common/quote";
import { listSchema, mapSchema, scalarSchema, ScalarValue } from "./schema";

/** Reads the stack's config as key/value strings (structured values as JSON). */
export function readStackConfig(): Record<string, string> {
    return pulumi.runtime.allConfig();
}

/** A list key's items (YAML list or comma-separated), at most the catalog's bound. */
export const idList = listSchema(maxCollectionSize);
/** A map key's entries, at most the catalog's bound. */
export const entryMap = mapSchema(
    maxCollectionSize,
    `the catalog has ${envVarCatalog.length} env vars`,
);

/** Every scalar key's schema, derived once from its catalog declaration. */
export const scalarSchemas = Object.fromEntries(
    scalarKeys.map((key) => [key.name, scalarSchema(key)]),
);

/** A scalar key's value when it is valid (or its default when unset), else undefined. */
export function validScalar<N extends ScalarKeyName>(
    raw: Readonly<Record<string, string>>,
    name: N,
): ScalarValue<ScalarKeyOf<N>> | undefined {
    const key = configKey(name);
    const parsed = scalarSchemas[name].safeParse(Object.hasOwn(raw, key) ? raw[key] : undefined);
    return parsed.success ? (parsed.data as ScalarValue<ScalarKeyOf<N>> | undefined) : undefined;
}

/**
 * A structured key's string as its value: parsed JSON, or the plain string when it is not JSON
 * (a comma-separated list); undefined when unset. A value longer than the bound is refused
 * unread.
 */
export const structuredValue = z
    .string()
    .optional()
    .transform((text, ctx): unknown => {
        if (text === undefined) {
            return undefined;
        }
        if (text.length > maxStructuredValueLength) {
            ctx.addIssue({
                code: "custom",
                message: `the value is ${text.length} characters of JSON; at most ${maxStructuredValueLength} are allowed`,
                input: quote(text),
            });
            return undefined;
        }
        try {
            return JSON.parse(text) as unknown;
        } catch {
            return text;
        }
    });

/** Whether a key's raw value is set to something other than empty or its declared default. */
export function isSetValue(name: string, text: string | undefined): boolean {
    const declared: ScalarKey | undefined = scalarKeys.find((k) => k.name === name);
    return (
        text !== undefined &&
        text !== "" &&
        (declared?.default === undefined || text !== String(declared.default))
    );
}

/** One problem per raw key that is not a key of the project (or of a misspelt namespace). */
export function unknownKeyProblems(keys: readonly string[]): string[] {
    const known = [...scalarKeys, ...structuredKeys].map((k) => k.name);
    return keys.flatMap((key) => {
        const colon = key.indexOf(":");
        const namespace = colon < 0 ? "" : key.slice(0, colon);
        const name = key.slice(colon + 1);
        if (namespace !== projectName) {
            if (!isMisspeltNamespace(namespace)) {
                return [];
            }
            const suggestion = known.includes(name) ? name : nearestName(name, known);
            return [
                `${quote(key)}: unknown config namespace ${quote(namespace)}, so the key is ignored${suggestion ? `; did you mean ${configKey(suggestion)}?` : `; the project's keys are ${projectName}:<name>`}`,
            ];
        }
        if (known.includes(name)) {
            return [];
        }
        const suggestion = prototypeKeys.has(name) ? undefined : nearestName(name, known);
        const shown = /^[A-Za-z0-9_.-]{1,100}$/.test(name) ? key : quote(key);
        return [
            `${shown}: unknown config key${suggestion ? `; did you mean ${configKey(suggestion)}?` : `; known keys: ${known.join(", ")}`}`,
        ];
    });
}

/** A namespace that is surely meant to be the project's, such as calico_ad or calicoad. */
function isMisspeltNamespace(namespace: string): boolean {
    const squashed = (text: string) => text.toLowerCase().replace(/[^a-z0-9]/g, "");
    return (
        namespace !== "" &&
        (squashed(namespace) === squashed(projectName) || editDistance(namespace, projectName) <= 2)
    );
}
