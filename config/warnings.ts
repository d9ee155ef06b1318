/**
 * Warnings: settings that are valid but suspicious, shown with the preview instead of refused.
 * The simulation and verification blocks word their own (config/simulation.ts,
 * config/verification.ts).
 */
import { EnvVar } from "../catalog/envVars";
import { findEnvVar } from "../catalog/lookup";
import { CalicoVersion, describeRanges, inAnyRange } from "../catalog/versions";

/**
 * The warning for an env var set in jobEnv that the release does not read (it is deployed but
 * has no effect), or undefined when the release reads it.
 */
export function unreadEnvVarWarning(
    key: string,
    release: string,
    envVar: EnvVar,
    version: CalicoVersion,
): string | undefined {
    if (inAnyRange(version, envVar.readBy)) {
        return undefined;
    }
    const replacement = findEnvVar(envVar.replacedBy ?? "");
    const hint =
        replacement && inAnyRange(version, replacement.readBy)
            ? `; this release reads ${replacement.name} instead`
            : "";
    return `${key}: ${release} does not read ${envVar.name} (read by ${describeRanges(envVar.readBy)}); it is deployed but has no effect${hint}`;
}
