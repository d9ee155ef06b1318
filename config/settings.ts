/**
 * The one place that reads stack config. `parseSettings` resolves the release from the release
 * keys (and what the cluster reports), then validates the whole config once against that
 * release's schema (stackConfigSchema.ts) and returns typed settings, or throws a ConfigError
 * listing every problem with its key, the bad value and what is allowed. Nothing here touches a
 * cluster. Each concern has its module: reading raw config (rawConfig.ts), resolving the release
 * (release.ts), each era's keys (manifestEra.ts, globalAlertEra.ts, ruleBasedEra.ts) and each
 * block's (simulation.ts, verification.ts, demo.ts, webhook.ts), keys of another era
 * (otherEraKeys.ts), rules across keys (crossFieldRules.ts) and warnings (warnings.ts).
 */
import { configKey, projectName } from "../catalog/configKeys";
import { UserError } from "../common/userError";
import { detectorsOfRelease } from "./globalAlertEra";
import { isSetValue } from "./rawConfig";
import { ResolvedRelease, resolveRelease } from "./release";
import { Settings, SettingsEnvironment } from "./settingsTypes";
import { configProblems, stackConfigSchema } from "./stackConfigSchema";

export { readStackConfig } from "./rawConfig";
export { clusterReleaseToRead, ReportedRelease } from "./release";
export { kubeContextMissing } from "./kubeContext";
export { stackConfigSchema } from "./stackConfigSchema";
export * from "./settingsTypes";

/** At most this many problems are listed; the rest are counted. */
export const maxListedProblems = 50;

/** Stack config that cannot be deployed. The message lists every problem found. */
export class ConfigError extends UserError {
    constructor(
        readonly problems: readonly string[],
        /** Checks that could not run, each with the reason. */
        readonly notChecked: readonly string[] = [],
    ) {
        const listed = problems.slice(0, maxListedProblems).map((p) => `  - ${p}`);
        if (problems.length > maxListedProblems) {
            listed.push(`  - ... and ${problems.length - maxListedProblems} more`);
        }
        const skipped = notChecked.map((n) => `  - not checked: ${n}`);
        super(
            `${projectName} stack config has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n${[...listed, ...skipped].join("\n")}`,
        );
    }
}

/** The checks an unknown release (or unknown detectors) leaves undone, each with the reason. */
function notCheckedOf(release: ResolvedRelease, raw: Readonly<Record<string, string>>): string[] {
    const detectorsKey = configKey("detectors");
    return [
        ...(release.known
            ? []
            : [
                  `whether each key applies to the release, and the values that depend on it (jobs, detectors, thresholds, simulations against them), because ${release.why}`,
              ]),
        ...((release.era === "globalAlert" || release.era === undefined) &&
        !detectorsOfRelease(release) &&
        isSetValue("detectors", Object.hasOwn(raw, detectorsKey) ? raw[detectorsKey] : undefined)
            ? [
                  `whether ${detectorsKey} are offered by the release, because its detectors are unknown (see ${configKey("calicoVersion")})`,
              ]
            : []),
    ];
}

/** Validates raw stack config (keys like "calico-ad:clusterType", values as strings or JSON). */
export function parseSettings(
    raw: Readonly<Record<string, string>>,
    environment: SettingsEnvironment = {},
): Settings {
    const release = resolveRelease(raw, environment.reportedRelease);
    const parsed = stackConfigSchema(release, environment).safeParse(raw);
    if (!parsed.success || !parsed.data) {
        throw new ConfigError(
            parsed.success ? [] : configProblems(parsed.error),
            notCheckedOf(release, raw),
        );
    }
    return parsed.data;
}
