/**
 * Reading raw stack config: `readStackConfig` takes it from Pulumi, and `ConfigReader` gives
 * typed access to each key, parsed by the key's catalog schema, recording a problem for each bad
 * value and each unknown key instead of stopping at the first.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
    configKey,
    DefaultedKeyName,
    findKey,
    maxCollectionSize,
    maxStructuredValueLength,
    projectName,
    scalarKey,
    ScalarKey,
    ScalarKeyName,
    ScalarKeyOf,
    scalarKeys,
    structuredKeys,
} from "../catalog/configKeys";
import { envVarCatalog } from "../catalog/envVars";
import { editDistance, nearestName } from "../catalog/lookup";
import { prototypeKeys, quote } from "../common/quote";
import { keyPath, listSchema, mapSchema, problemsOf, scalarSchema, ScalarValue } from "./schema";

/** Reads the stack's config as key/value strings (structured values as JSON). */
export function readStackConfig(): Record<string, string> {
    return pulumi.runtime.allConfig();
}

const idList = listSchema(maxCollectionSize);
const entryMap = mapSchema(maxCollectionSize, `the catalog has ${envVarCatalog.length} env vars`);

/** Every scalar key's schema, derived once from its catalog declaration. */
export const scalarSchemas = Object.fromEntries(
    scalarKeys.map((key) => [key.name, scalarSchema(key)]),
);

/** Typed access to raw config values; records a problem for each bad one. */
export class ConfigReader {
    constructor(
        private readonly raw: Readonly<Record<string, string>>,
        private readonly problems: string[],
    ) {}

    private value(name: string): string | undefined {
        const key = configKey(name);
        return Object.hasOwn(this.raw, key) ? this.raw[key] : undefined;
    }

    /** Whether the key holds a value other than empty or its declared default. */
    isSet(name: string): boolean {
        const value = this.value(name);
        const declared = scalarKeys.find((k) => k.name === name);
        return (
            value !== undefined &&
            value !== "" &&
            (declared?.default === undefined || value !== String(declared.default))
        );
    }

    rejectUnknownKeys(): void {
        const known = [...scalarKeys, ...structuredKeys].map((k) => k.name);
        for (const key of Object.keys(this.raw)) {
            const colon = key.indexOf(":");
            const namespace = colon < 0 ? "" : key.slice(0, colon);
            const name = key.slice(colon + 1);
            if (namespace !== projectName) {
                if (isMisspeltNamespace(namespace)) {
                    const suggestion = known.includes(name) ? name : nearestName(name, known);
                    this.problems.push(
                        `${quote(key)}: unknown config namespace ${quote(namespace)}, so the key is ignored${suggestion ? `; did you mean ${configKey(suggestion)}?` : `; the project's keys are ${projectName}:<name>`}`,
                    );
                }
                continue;
            }
            if (!known.includes(name)) {
                const suggestion = prototypeKeys.has(name) ? undefined : nearestName(name, known);
                const shown = /^[A-Za-z0-9_.-]{1,100}$/.test(name) ? key : quote(key);
                this.problems.push(
                    `${shown}: unknown config key${suggestion ? `; did you mean ${configKey(suggestion)}?` : `; known keys: ${known.join(", ")}`}`,
                );
            }
        }
    }

    /** Keys already reported as not applying; they are not read further. */
    private readonly ignored = new Set<string>();

    /** Records `problem` for the key, which is then read no further. */
    refuse(name: string, problem: string): void {
        this.problems.push(problem);
        this.ignored.add(name);
    }

    /** The key's value as messages show it: parsed JSON for a structured key. */
    shownValue(name: string): unknown {
        const key = findKey(name);
        return key && "shape" in key ? this.json(name) : (this.value(name) ?? "");
    }

    /** A scalar key's value, parsed by the key's catalog schema; undefined when unset or bad. */
    scalar<N extends ScalarKeyName>(name: N): ScalarValue<ScalarKeyOf<N>> | undefined {
        if (this.ignored.has(name)) {
            return undefined;
        }
        const parsed = scalarSchemas[name].safeParse(this.value(name));
        if (!parsed.success) {
            this.problems.push(...problemsOf(configKey(name), parsed.error));
            return undefined;
        }
        return parsed.data as ScalarValue<ScalarKeyOf<N>> | undefined;
    }

    /** A key with a default: its value, or the default when the value is bad (and reported). */
    defaulted<N extends DefaultedKeyName>(name: N): ScalarValue<ScalarKeyOf<N>> {
        const declared: ScalarKey = scalarKey(name);
        return this.scalar(name) ?? (declared.default as ScalarValue<ScalarKeyOf<N>>);
    }

    /** A structured key holding a map; undefined when unset or bad. */
    object(name: string): Record<string, unknown> | undefined {
        return this.parsedJson(name, entryMap);
    }

    /**
     * A list key given as a YAML list or a comma-separated string; each item is checked, and
     * duplicates are dropped. Undefined when unset.
     */
    list(
        name: string,
        itemProblem: (item: string, key: string) => string | undefined,
    ): string[] | undefined {
        const items = this.parsedJson(name, idList);
        if (items === undefined) {
            return undefined;
        }
        const problems = items.flatMap(
            ({ item, index }) => itemProblem(item, keyPath(configKey(name), index)) ?? [],
        );
        this.problems.push(...problems);
        return problems.length === 0 ? items.map(({ item }) => item) : undefined;
    }

    /** A structured key's JSON value parsed by `schema`; undefined when unset or bad. */
    private parsedJson<T>(name: string, schema: z.ZodType<T>): T | undefined {
        const raw = this.ignored.has(name) ? undefined : this.json(name);
        if (raw === undefined) {
            return undefined;
        }
        const parsed = schema.safeParse(raw);
        if (!parsed.success) {
            this.problems.push(...problemsOf(configKey(name), parsed.error));
            return undefined;
        }
        return parsed.data;
    }

    check(name: string, value: string, problemOf: (value: string) => string | undefined): void {
        if (this.ignored.has(name)) {
            return;
        }
        const problem = problemOf(value);
        if (problem) {
            this.problems.push(`${configKey(name)}: ${problem}`);
        }
    }

    /** A structured key's value as parsed JSON (or the plain string); undefined when unset. */
    structured(name: string): unknown {
        return this.json(name);
    }

    private json(name: string): unknown {
        const value = this.value(name);
        if (value === undefined) {
            return undefined;
        }
        if (value.length > maxStructuredValueLength) {
            this.problems.push(
                `${configKey(name)}: the value is ${value.length} characters of JSON; at most ${maxStructuredValueLength} are allowed`,
            );
            this.ignored.add(name);
            return undefined;
        }
        try {
            return JSON.parse(value);
        } catch {
            return value;
        }
    }
}

/** A namespace that is surely meant to be the project's, such as calico_ad or calicoad. */
function isMisspeltNamespace(namespace: string): boolean {
    const squashed = (text: string) => text.toLowerCase().replace(/[^a-z0-9]/g, "");
    return (
        namespace !== "" &&
        (squashed(namespace) === squashed(projectName) || editDistance(namespace, projectName) <= 2)
    );
}
