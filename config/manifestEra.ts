/**
 * The manifest era (CE 3.5 to 3.12): the env vars of `calico-ad:jobEnv` rendered and checked
 * against the catalog, the jobs to disable, the image, and the env vars the stack writes.
 */
import { configKey } from "../catalog/configKeys";
import { renderEnvValue } from "../catalog/envValues";
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
import { describeRanges, formatVersion } from "../catalog/versions";
import { prototypeKeys, quote } from "../common/quote";
import { ConfigReader } from "./rawConfig";
import { ReleaseKnowledge } from "./release";
import { keyPath, nearestSuggestion } from "./schema";
import {
    CommonSettings,
    EffectiveEnvSetting,
    EnvSetting,
    ManifestEraSettings,
} from "./settingsTypes";
import {
    dnsSubdomainProblem,
    imageDigestProblem,
    imageRegistryProblem,
    imageTagProblem,
} from "./values";
import { unreadEnvVarWarning } from "./warnings";

/** The common keys the manifest era checks, and where its warnings go. */
export type Common = {
    readonly clusterName?: string;
    readonly renderDirectory?: string;
    readonly warnings: string[];
};

/** The manifest era's keys: jobEnv, disabledJobs and the image; undefined without a known release. */
export function manifestEra(
    reader: ConfigReader,
    release: ReleaseKnowledge,
    common: Common,
    problems: string[],
): Omit<ManifestEraSettings, keyof CommonSettings> | undefined {
    const known = release.known ? release : undefined;
    const v = known?.version;
    const jobEnv: EnvSetting[] = [];
    for (const [name, value] of Object.entries(reader.object("jobEnv") ?? {})) {
        const key = keyPath(configKey("jobEnv"), name);
        if (Object.hasOwn(reservedEnvVars, name)) {
            problems.push(
                `${key}: ${name} is set by the stack itself; use ${reservedEnvVars[name]} instead`,
            );
            continue;
        }
        const envVar = findEnvVar(name);
        if (!envVar) {
            const suggestion = prototypeKeys.has(name)
                ? undefined
                : nearestName(
                      name,
                      envVarCatalog.map((e) => e.name),
                  );
            problems.push(
                `${key}: unknown AD env var${suggestion ? `; did you mean ${suggestion}?` : "; see the env var reference in docs/configuration.md"}`,
            );
            continue;
        }
        const rendered = renderEnvValue(envVar, value);
        if ("problem" in rendered) {
            problems.push(`${key}: ${rendered.problem}`);
            continue;
        }
        const unread = known && v && unreadEnvVarWarning(key, known.name, envVar, v);
        if (unread) {
            common.warnings.push(unread);
        }
        jobEnv.push({ name, value: rendered.value });
    }
    const catalogOrder = (e: EnvSetting) => envVarCatalog.findIndex((c) => c.name === e.name);
    jobEnv.sort((a, b) => catalogOrder(a) - catalogOrder(b));

    const jobs = v ? jobsOf(v) : undefined;
    const configuredDisabled = reader.list("disabledJobs", (id, key) => {
        const detector = findDetector(id);
        if (!jobs) {
            return detector && detector.jobs.length > 0
                ? undefined
                : `${key}: ${quote(id)} is not a job ID of any release${nearestSuggestion(id, anyReleaseJobIds)}`;
        }
        if (jobs.includes(id)) {
            return undefined;
        }
        if (detector && detector.jobs.length > 0) {
            return `${key}: ${quote(id)} is not a job of ${known?.name} (it runs in ${describeRanges(detector.jobs)}); jobs of this release: ${jobs.join(", ")}`;
        }
        return `${key}: ${quote(id)} is not a job ID${nearestSuggestion(id, jobs)}; jobs of ${known?.name}: ${jobs.join(", ")}`;
    });

    const registry = reader.scalar("imageRegistry") ?? manifestConstants.defaultImageRegistry;
    const tag = reader.scalar("imageTag") ?? (v ? `v${formatVersion(v)}` : undefined);
    const digest = reader.scalar("imageDigest");
    const pullSecret = reader.scalar("imagePullSecret") ?? manifestConstants.defaultPullSecret;
    reader.check("imageRegistry", registry, imageRegistryProblem);
    const allowUnpinned = reader.defaulted("allowUnpinnedImage");
    if (tag !== undefined) {
        reader.check("imageTag", tag, (text) => imageTagProblem(text, digest, allowUnpinned));
    }
    if (digest !== undefined) {
        reader.check("imageDigest", digest, imageDigestProblem);
    }
    reader.check("imagePullSecret", pullSecret, dnsSubdomainProblem);

    if (!known || !v || !jobs) {
        return undefined;
    }
    if (common.renderDirectory !== undefined && common.clusterName === undefined) {
        problems.push(
            `${configKey("clusterName")}: required with ${configKey("renderDirectory")}, because a rendered manifest cannot read the name from a cluster`,
        );
    }
    const profile = manifestProfile(v, known.clusterType);
    if (configuredDisabled !== undefined && !profile.readsDisabledJobs) {
        problems.push(
            `${configKey("disabledJobs")}: ${known.name} does not read AD_DISABLED_JOBS (documented from ${manifestSteps.readsDisabledJobs.find((step) => step.value)?.since}), so no job can be disabled; remove ${configKey("disabledJobs")}`,
        );
    }
    const disabledJobs = profile.readsDisabledJobs
        ? (configuredDisabled ?? profile.defaultDisabledJobs.filter((id) => jobs.includes(id)))
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

    return {
        era: "manifest",
        profile,
        image: `${registry}/${manifestConstants.imageName}:${tag}${digest ? `@${digest}` : ""}`,
        imagePullSecret: pullSecret,
        jobEnv,
        effectiveEnv,
        leftToImage,
        enabledJobs: jobs.filter((id) => !disabledJobs.includes(id)),
        disabledJobs,
        portScanThreshold: effectiveNumber("AD_port_scan_threshold"),
        ipSweepThreshold: jobs.includes("ip_sweep")
            ? effectiveNumber("AD_ip_sweep_threshold")
            : undefined,
    };
}
