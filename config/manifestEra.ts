/**
 * The manifest era (CE 3.5 to 3.12): the schema of its keys for a release (`calico-ad:jobEnv`
 * checked against the catalog, the jobs to disable against the release's jobs, the image), and
 * the settings they yield, with the env vars the stack writes.
 */
import { configKey } from "../catalog/configKeys";
import { envValueSchema, renderEnvValue } from "../catalog/envValues";
import { envVarCatalog, reservedEnvVars } from "../catalog/envVars";
import { manifestConstants, manifestSteps } from "../catalog/eras";
import {
    documentedAt,
    findDetector,
    findEnvVar,
    jobsOf,
    manifestProfile,
    nearestName,
} from "../catalog/lookup";
import { anyReleaseJobIds } from "../catalog/releases";
import { CalicoVersion, describeRanges, formatVersion, valueAt } from "../catalog/versions";
import { prototypeKeys, quote } from "../common/quote";
import { entryMap, idList, scalarSchemas, structuredValue } from "./rawConfig";
import { ReleaseKnowledge } from "./release";
import { keyPath, nearestSuggestion, problemIssues } from "./schema";
import {
    CommonSettings,
    EffectiveEnvSetting,
    EnvSetting,
    ManifestEraSettings,
} from "./settingsTypes";
import { dnsSubdomainProblem, imageDigestProblem, imageRegistryProblem } from "./values";
import { unreadEnvVarWarning } from "./warnings";

/** Why `name` cannot be set in jobEnv, or undefined when the catalog has it. */
function envVarNameProblem(name: string): string | undefined {
    if (Object.hasOwn(reservedEnvVars, name)) {
        return `${name} is set by the stack itself; use ${reservedEnvVars[name]} instead`;
    }
    if (findEnvVar(name)) {
        return undefined;
    }
    const suggestion = prototypeKeys.has(name)
        ? undefined
        : nearestName(
              name,
              envVarCatalog.map((e) => e.name),
          );
    return `unknown AD env var${suggestion ? `; did you mean ${suggestion}?` : "; see the env var reference in docs/configuration.md"}`;
}

const catalogOrder = (e: EnvSetting) => envVarCatalog.findIndex((c) => c.name === e.name);

/**
 * `calico-ad:jobEnv`: each value parsed by its env var's schema (catalog/envValues.ts). Yields
 * the valid entries, rendered, in catalog order; each bad one is an issue at its name.
 */
const jobEnvSchema = structuredValue.pipe(
    entryMap.optional().transform((map, ctx) => {
        const entries: EnvSetting[] = [];
        for (const [name, value] of Object.entries(map ?? {})) {
            const refuse = (message: string) =>
                ctx.addIssue({ code: "custom", message, path: [name], input: value });
            const nameProblem = envVarNameProblem(name);
            if (nameProblem) {
                refuse(nameProblem);
                continue;
            }
            const parsed = envValueSchema(findEnvVar(name)!).safeParse(value);
            if (!parsed.success) {
                refuse(parsed.error.issues[0].message);
                continue;
            }
            entries.push({ name, value: parsed.data });
        }
        return map === undefined
            ? undefined
            : entries.sort((a, b) => catalogOrder(a) - catalogOrder(b));
    }),
);

/** The release whose jobs `calico-ad:disabledJobs` (and AD_DISABLED_JOBS) may name. */
interface JobsRelease {
    /** For messages, e.g. "Calico Enterprise 3.12.0". */
    readonly name: string;
    readonly version: CalicoVersion;
}

/** Why `id` cannot be disabled in `release` (undefined: any release), or undefined when it can. */
function jobIdProblem(id: string, release: JobsRelease | undefined): string | undefined {
    const detector = findDetector(id);
    if (!release) {
        return detector && detector.jobs.length > 0
            ? undefined
            : `${quote(id)} is not a job ID of any release${nearestSuggestion(id, anyReleaseJobIds)}`;
    }
    const jobs = jobsOf(release.version);
    if (jobs.includes(id)) {
        return undefined;
    }
    if (detector && detector.jobs.length > 0) {
        return `${quote(id)} is not a job of ${release.name} (it runs in ${describeRanges(detector.jobs)}); jobs of this release: ${jobs.join(", ")}`;
    }
    return `${quote(id)} is not a job ID${nearestSuggestion(id, jobs)}; jobs of ${release.name}: ${jobs.join(", ")}`;
}

/**
 * `calico-ad:disabledJobs` for `release` (undefined: any release's jobs), as a YAML list or a
 * comma-separated string: only its jobs, and only where it reads
 * AD_DISABLED_JOBS.
 */
function disabledJobsSchema(release: JobsRelease | undefined) {
    const reads = release ? valueAt(release.version, manifestSteps.readsDisabledJobs) : true;
    return structuredValue.pipe(
        idList.optional().transform((items, ctx) => {
            if (items === undefined) {
                return undefined;
            }
            let valid = true;
            for (const { item, index } of items) {
                const problem = jobIdProblem(item, release);
                if (problem) {
                    ctx.addIssue({ code: "custom", message: problem, path: [index], input: item });
                    valid = false;
                }
            }
            if (valid && !reads) {
                ctx.addIssue({
                    code: "custom",
                    message: `${release?.name} does not read AD_DISABLED_JOBS (documented from ${manifestSteps.readsDisabledJobs.find((step) => step.value)?.since}), so no job can be disabled; remove ${configKey("disabledJobs")}`,
                    input: items,
                });
            }
            return valid ? items.map(({ item }) => item) : undefined;
        }),
    );
}

/** A scalar key whose set value must pass `problemOf`. */
const checkedScalar = (name: string, problemOf: (value: string) => string | undefined) =>
    scalarSchemas[name].superRefine(
        problemIssues((value: unknown) => {
            const problem = typeof value === "string" ? problemOf(value) : undefined;
            return problem ? [problem] : [];
        }),
    );

/**
 * The manifest era's keys for `release` (every release's jobs when it is unknown). The image tag
 * is checked with the digest and the opt-in beside it (crossFieldRules.ts).
 */
export function manifestEraFields(release: ReleaseKnowledge) {
    return {
        jobEnv: jobEnvSchema,
        disabledJobs: disabledJobsSchema(release.known ? release : undefined),
        imageRegistry: checkedScalar("imageRegistry", imageRegistryProblem),
        imageTag: scalarSchemas.imageTag,
        imageDigest: checkedScalar("imageDigest", imageDigestProblem),
        allowUnpinnedImage: scalarSchemas.allowUnpinnedImage,
        imagePullSecret: checkedScalar("imagePullSecret", (name) => dnsSubdomainProblem(name)),
    };
}

/** The manifest era's valid values, as its schema yields them. */
export interface ManifestEraValues {
    readonly jobEnv?: readonly EnvSetting[];
    readonly disabledJobs?: readonly string[];
    readonly imageRegistry?: string;
    readonly imageTag?: string;
    readonly imageDigest?: string;
    readonly imagePullSecret?: string;
}

/** The tag the stack deploys: the configured one, or the release's. */
export const imageTagOf = (tag: string | undefined, release: ReleaseKnowledge) =>
    tag ?? (release.known ? `v${formatVersion(release.version)}` : undefined);

/** The manifest era's settings from its valid values, and the warnings about them. */
export function manifestEraSettings(
    values: ManifestEraValues,
    release: Extract<ReleaseKnowledge, { known: true }>,
): { settings: Omit<ManifestEraSettings, keyof CommonSettings>; warnings: string[] } {
    const v = release.version;
    const jobEnv = values.jobEnv ?? [];
    const warnings = jobEnv.flatMap(
        ({ name }) =>
            unreadEnvVarWarning(
                keyPath(configKey("jobEnv"), name),
                release.name,
                findEnvVar(name)!,
                v,
            ) ?? [],
    );
    const jobs = jobsOf(v);
    const profile = manifestProfile(v, release.clusterType);
    const disabledJobs = profile.readsDisabledJobs
        ? (values.disabledJobs ?? profile.defaultDisabledJobs.filter((id) => jobs.includes(id)))
        : [];
    const effectiveEnv: EffectiveEnvSetting[] = [];
    const leftToImage: string[] = [];
    for (const e of envVarCatalog) {
        const set = jobEnv.find((j) => j.name === e.name);
        const documented = documentedAt(e, v);
        if (set) {
            effectiveEnv.push({
                ...set,
                source: documented ? "stack config" : "stack config, not read by this release",
            });
        } else if (documented?.default !== undefined) {
            const rendered = renderEnvValue(e, documented.default);
            if (!("value" in rendered)) {
                throw new Error(`catalog error: ${e.name}: ${rendered.problem}`);
            }
            effectiveEnv.push({ name: e.name, value: rendered.value, source: "default" });
        } else if (documented) {
            leftToImage.push(e.name);
        }
    }
    const effectiveNumber = (name: string) =>
        Number(effectiveEnv.find((e) => e.name === name)?.value);
    const registry = values.imageRegistry ?? manifestConstants.defaultImageRegistry;
    const digest = values.imageDigest;
    return {
        settings: {
            era: "manifest",
            profile,
            image: `${registry}/${manifestConstants.imageName}:${imageTagOf(values.imageTag, release)}${digest ? `@${digest}` : ""}`,
            imagePullSecret: values.imagePullSecret ?? manifestConstants.defaultPullSecret,
            jobEnv,
            effectiveEnv,
            leftToImage,
            enabledJobs: jobs.filter((id) => !disabledJobs.includes(id)),
            disabledJobs,
            portScanThreshold: effectiveNumber("AD_port_scan_threshold"),
            ipSweepThreshold: jobs.includes("ip_sweep")
                ? effectiveNumber("AD_ip_sweep_threshold")
                : undefined,
        },
        warnings,
    };
}
