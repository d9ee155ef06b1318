/**
 * The schema of the whole stack config for one release. `stackConfigSchema(release, environment)`
 * is a zod object over the raw config (keys like "calico-ad:jobEnv", values as strings or JSON):
 * every key's schema as that release has it (its jobs, detectors and eras; keys of another era
 * refused), then, in one refinement over the whole object, the unknown keys, the release's own
 * problems and the rules across keys, and finally the typed settings. One parse reports every
 * problem; `configProblems` turns its issues into the lines of a ConfigError.
 */
import { z } from "zod";
import { configKey, scalarKey, scalarKeys, structuredKeys } from "../catalog/configKeys";
import { enterpriseEquivalent } from "../catalog/lookup";
import { defaultProductionPatterns } from "../common/production";
import {
    clusterNameOfTypeProblem,
    patternProblem,
    simulationInProductionProblem,
    simulationWithoutClusterProblem,
    targetOf,
} from "./crossFieldRules";
import { applyDemo, parseDemo } from "./demo";
import {
    globalAlertEraFields,
    globalAlertEraSettings,
    GlobalAlertEraValues,
} from "./globalAlertEra";
import { kubeContextMissing } from "./kubeContext";
import {
    imageTagOf,
    manifestEraFields,
    manifestEraSettings,
    ManifestEraValues,
} from "./manifestEra";
import { otherEraKeySchema } from "./otherEraKeys";
import { idList, scalarSchemas, structuredValue, unknownKeyProblems } from "./rawConfig";
import { ResolvedRelease } from "./release";
import { ruleBasedEraFields, ruleBasedEraSettings, RuleBasedEraValues } from "./ruleBasedEra";
import { addLines, issueProblems, problemIssues, readingOrder } from "./schema";
import { EffectiveEnvSetting, Settings, SettingsEnvironment } from "./settingsTypes";
import { resolveSimulations, simulationSchema } from "./simulation";
import { imageTagProblem } from "./values";
import { alertLatency, resolveVerification, settleTimeout, verifySchema } from "./verification";

/** Records the issues `schema` finds in `value`, under `path`, as issues of the field. */
function addIssuesOf(schema: z.ZodType, value: unknown, ctx: z.RefinementCtx, path: string[]) {
    for (const issue of schema.safeParse(value).error?.issues ?? []) {
        ctx.addIssue({ ...issue, path: [...path, ...issue.path], input: value } as Parameters<
            typeof ctx.addIssue
        >[0]);
    }
}

/** The `verify` map of `calico-ad:simulation` as written; undefined when there is none. */
const verifyOf = (simulation: unknown): unknown =>
    typeof simulation === "object" &&
    simulation !== null &&
    !Array.isArray(simulation) &&
    Object.hasOwn(simulation, "verify")
        ? (simulation as { verify: unknown }).verify
        : undefined;

/**
 * `calico-ad:simulation`: checked by `simulationSchema` and its `verify` map by `verifySchema`,
 * kept as written for the checks against the release.
 */
const simulationField = structuredValue.superRefine((raw, ctx) => {
    if (raw === undefined || raw === null || raw === "") {
        return;
    }
    addIssuesOf(simulationSchema, raw, ctx, []);
    const verify = verifyOf(raw);
    if (verify !== undefined && verify !== null && verify !== "") {
        addIssuesOf(verifySchema, verify, ctx, ["verify"]);
    }
});

/** A list of name patterns (productionStacks, protectedContexts); undefined when one is bad. */
const patternList = structuredValue.pipe(
    idList.optional().transform((items, ctx) => {
        for (const { item, index } of items ?? []) {
            const problem = patternProblem(item);
            if (problem) {
                ctx.addIssue({ code: "custom", message: problem, path: [index], input: item });
            }
        }
        return items?.every(({ item }) => !patternProblem(item))
            ? items.map(({ item }) => item)
            : undefined;
    }),
);

/** The keys every era reads. */
const commonFields = (release: ResolvedRelease) => ({
    ...scalarSchemas,
    clusterName: scalarSchemas.clusterName.superRefine(
        problemIssues((name: unknown) => {
            const problem =
                typeof name === "string"
                    ? clusterNameOfTypeProblem(name, release.clusterType)
                    : undefined;
            return problem ? [problem] : [];
        }),
    ),
    simulation: simulationField,
    productionStacks: patternList,
    protectedContexts: patternList,
});

/**
 * Every key's schema for `release`: the keys of its era, those of every era when the era is
 * unknown, and a refusal for each key of another era when the release is known (unread when the
 * release is not).
 */
function keySchemas(release: ResolvedRelease): Record<string, z.ZodType> {
    const eraFields: Record<string, Record<string, z.ZodType>> = {
        manifest: manifestEraFields(release),
        globalAlert: globalAlertEraFields(release),
        ruleBased: ruleBasedEraFields(release),
    };
    const common: Record<string, z.ZodType> = commonFields(release);
    const shape: Record<string, z.ZodType> = {};
    for (const key of [...scalarKeys, ...structuredKeys]) {
        const own = release.era === undefined ? undefined : eraFields[release.era][key.name];
        const schema =
            key.scope === "all"
                ? common[key.name]
                : release.era === undefined
                  ? eraFields[key.scope][key.name]
                  : (own ??
                    (release.known ? otherEraKeySchema(key.name, key.scope, release) : undefined));
        if (schema) {
            shape[configKey(key.name)] = schema;
        }
    }
    return shape;
}

/** The values of the keys that parsed, by key name, as their schemas yield them. */
type StackValues = ManifestEraValues &
    GlobalAlertEraValues &
    RuleBasedEraValues & {
        readonly clusterName?: string;
        readonly kubeContext?: string;
        readonly renderDirectory?: string;
        readonly awaitRollout?: boolean;
        readonly allowUnpinnedImage?: boolean;
        readonly allowSimulationInProduction?: boolean;
        readonly demo?: boolean;
        readonly productionStacks?: readonly string[];
        readonly protectedContexts?: readonly string[];
        /** As written: the simulation's release checks read each block's valid fields. */
        readonly simulation?: unknown;
    };

/** A key with an issue about its whole value has no valid value; one about its items keeps the rest. */
function validValues(
    value: Record<string, unknown>,
    issues: readonly z.core.$ZodRawIssue[],
): StackValues {
    const wholeKeyBad = new Set(issues.filter((i) => i.path?.length === 1).map((i) => i.path![0]));
    return Object.fromEntries(
        [...scalarKeys, ...structuredKeys].map(({ name }) => {
            const key = configKey(name);
            return [name, wholeKeyBad.has(key) && name !== "simulation" ? undefined : value[key]];
        }),
    ) as StackValues;
}

/** The problems across keys, and the settings when there are none and the release is known. */
function settle(
    values: StackValues,
    release: ResolvedRelease,
    environment: SettingsEnvironment,
    clusterNameGiven: boolean,
): { problems: string[]; settings?: Settings } {
    const problems: string[] = [];
    const warnings: string[] = [];
    const { kubeContext, renderDirectory } = values;
    if (kubeContext !== undefined && renderDirectory === undefined) {
        const problem = kubeContextMissing(kubeContext, environment.kubeContexts);
        if (problem) {
            problems.push(`${configKey("kubeContext")}: ${problem}`);
        }
    }
    if (release.era === "manifest" || release.era === undefined) {
        const tag = imageTagOf(values.imageTag, release);
        const problem =
            tag !== undefined &&
            imageTagProblem(
                tag,
                values.imageDigest,
                values.allowUnpinnedImage ?? scalarKey("allowUnpinnedImage").default,
            );
        if (problem) {
            problems.push(`${configKey("imageTag")}: ${problem}`);
        }
    }
    if (
        release.known &&
        release.era === "manifest" &&
        renderDirectory !== undefined &&
        !clusterNameGiven
    ) {
        problems.push(
            `${configKey("clusterName")}: required with ${configKey("renderDirectory")}, because a rendered manifest cannot read the name from a cluster`,
        );
    }
    const manifest =
        release.known && release.era === "manifest"
            ? manifestEraSettings(values, release)
            : undefined;
    warnings.push(...(manifest?.warnings ?? []));
    const globalAlert =
        release.era === "globalAlert" ? globalAlertEraSettings(values, release) : undefined;
    const ruleBased =
        release.known && release.era === "ruleBased"
            ? ruleBasedEraSettings(values, release)
            : undefined;
    const era = manifest?.settings ?? globalAlert ?? ruleBased;

    const simulation = resolveSimulations(
        values.simulation,
        release.known && era
            ? {
                  era: release.era,
                  release: release.name,
                  version: enterpriseEquivalent(release.product, release.version),
                  portScanThreshold: era.portScanThreshold,
                  ipSweepThreshold: manifest?.settings.ipSweepThreshold,
                  kubeContext,
                  enabled: manifest?.settings.enabledJobs ?? globalAlert?.detectors,
              }
            : undefined,
    );
    problems.push(...simulation.problems);
    warnings.push(...simulation.warnings);
    const verification = resolveVerification(
        verifyOf(values.simulation),
        release.known && era
            ? {
                  era: release.era,
                  clusterType: release.clusterType,
                  enterpriseVersion: enterpriseEquivalent(release.product, release.version),
                  simulation: simulation.settings,
              }
            : undefined,
    );
    problems.push(...verification.problems);
    // Settings exist only when at least one registered simulation is enabled and valid.
    const runsSimulation = simulation.settings !== undefined;
    const patterns = {
        productionStacks: values.productionStacks ?? defaultProductionPatterns.productionStacks,
        protectedContexts: values.protectedContexts ?? defaultProductionPatterns.protectedContexts,
    };
    const target = targetOf(environment.stack, kubeContext, environment.kubeContexts);
    if (runsSimulation && !values.allowSimulationInProduction) {
        const problem = simulationInProductionProblem(target, patterns);
        if (problem) {
            problems.push(problem);
        }
    }
    const demo = parseDemo(
        values.demo ?? scalarKey("demo").default,
        target,
        patterns,
        renderDirectory !== undefined,
    );
    problems.push(...demo.problems);
    const withoutCluster = runsSimulation && simulationWithoutClusterProblem(renderDirectory);
    if (withoutCluster) {
        problems.push(withoutCluster);
    }
    if (problems.length > 0 || !release.known || !era) {
        return { problems };
    }
    const settings = {
        clusterName: values.clusterName,
        kubeContext,
        renderDirectory,
        awaitRollout: values.awaitRollout ?? scalarKey("awaitRollout").default,
        warnings,
        product: release.product,
        calicoVersion: release.version,
        calicoVersionReadFrom: release.readFrom,
        clusterType: release.clusterType,
        ...era,
    } as Settings;
    const tuned = demo.settings
        ? { ...applyDemo<EffectiveEnvSetting, Settings>(settings), demo: demo.settings }
        : settings;
    if (!runsSimulation) {
        return { problems, settings: tuned };
    }
    const timed = verification.settings
        ? settleTimeout(verification.settings, alertLatency({ ...tuned, demo: !!demo.settings }))
        : undefined;
    if (timed?.warning) {
        warnings.push(timed.warning);
    }
    return {
        problems,
        settings: { ...tuned, simulation: simulation.settings, verification: timed?.settings },
    };
}

/**
 * The schema of the whole stack config of `release`: raw config in, typed settings out (undefined
 * only when the release is unknown, which its problems say).
 */
export function stackConfigSchema(release: ResolvedRelease, environment: SettingsEnvironment) {
    const settled = new WeakMap<object, Settings | undefined>();
    return z
        .looseObject(keySchemas(release))
        .superRefine(
            (value, ctx) => {
                addLines(ctx, unknownKeyProblems(Object.keys(value)), value, true);
                addLines(ctx, release.problems, value, true);
                const clusterNameGiven = value[configKey("clusterName")] !== undefined;
                const outcome = settle(
                    validValues(value, ctx.issues),
                    release,
                    environment,
                    clusterNameGiven,
                );
                addLines(ctx, outcome.problems);
                settled.set(value, outcome.settings);
            },
            { when: () => true },
        )
        .transform((value) => settled.get(value));
}

/** The problems of a failed parse, one line each, in reading order. */
export function configProblems(error: z.ZodError): string[] {
    return readingOrder(error.issues).flatMap((issue) => issueProblems(issue));
}
