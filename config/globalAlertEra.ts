/**
 * The GlobalAlert era (CE 3.13 to 3.17): the schema of its keys for a release (the detectors it
 * offers, their period and severity) and the settings they yield. The Tigera operator owns the
 * detector pods, so jobEnv is refused per env var.
 */
import { configKey, detectorPeriodRange } from "../catalog/configKeys";
import { durationSeconds } from "../catalog/envValues";
import { globalAlertConstants } from "../catalog/eras";
import { detectorsOf, enterpriseEquivalent, findDetector } from "../catalog/lookup";
import { anyReleaseDetectorIds, releasesOffering } from "../catalog/releases";
import { quote } from "../common/quote";
import { entryMap, idList, scalarSchemas, structuredValue } from "./rawConfig";
import { ReleaseKnowledge } from "./release";
import { nearestSuggestion, problemIssues } from "./schema";
import { CommonSettings, GlobalAlertEraSettings } from "./settingsTypes";

/** The detectors `release` offers; undefined when the release or its detectors are unknown. */
export const detectorsOfRelease = (release: ReleaseKnowledge) =>
    release.known ? detectorsOf(enterpriseEquivalent(release.product, release.version)) : undefined;

/** Why `id` cannot be enabled in `release`, or undefined when the release offers it. */
function detectorIdProblem(id: string, release: ReleaseKnowledge): string | undefined {
    const detector = findDetector(id);
    const available = detectorsOfRelease(release);
    if (!available) {
        return detector && releasesOffering(id) !== ""
            ? undefined
            : `${quote(id)} is not a detector ID of any release${nearestSuggestion(id, anyReleaseDetectorIds)}`;
    }
    if (available.includes(id)) {
        return undefined;
    }
    if (detector) {
        const offered = releasesOffering(id);
        return `${quote(id)} is not a detector of ${release.name}${offered ? ` (offered in ${offered})` : ""}; detectors of this release: ${available.join(", ")}`;
    }
    return `${quote(id)} is not a detector ID${nearestSuggestion(id, available)}; detectors of ${release.name}: ${available.join(", ")}`;
}

/** `calico-ad:detectors` for a release: the detectors it offers (any release's when unknown). */
const detectorsSchema = (release: ReleaseKnowledge) =>
    structuredValue.pipe(
        idList.optional().transform((items, ctx) => {
            if (items === undefined) {
                return undefined;
            }
            let valid = true;
            for (const { item, index } of items) {
                const problem = detectorIdProblem(item, release);
                if (problem) {
                    ctx.addIssue({ code: "custom", message: problem, path: [index], input: item });
                    valid = false;
                }
            }
            return valid ? items.map(({ item }) => item) : undefined;
        }),
    );

/** `calico-ad:jobEnv` on a known GlobalAlert-era release: every entry refused, saying why. */
const jobEnvRefused = (release: string) =>
    structuredValue.pipe(
        entryMap.optional().superRefine((map, ctx) => {
            const operatorOwned = `since Calico 3.13 the Tigera operator owns the detector pods, so ${release} offers no supported way to change it`;
            for (const name of Object.keys(map ?? {})) {
                ctx.addIssue({
                    code: "custom",
                    message: `thresholds cannot be set for ${release}: ${operatorOwned}; remove ${configKey("jobEnv")}`,
                    path: [name],
                });
            }
        }),
    );

const detectorPeriodSchema = scalarSchemas.detectorPeriod.superRefine(
    problemIssues((period: unknown) => {
        const seconds = typeof period === "string" ? durationSeconds(period) : undefined;
        return seconds === undefined ||
            seconds < detectorPeriodRange.min ||
            seconds > detectorPeriodRange.max
            ? [
                  `${quote(period)} is not allowed; allowed: a duration from ${detectorPeriodRange.shown} such as 5m, 15m or 1h`,
              ]
            : [];
    }),
);

/** The GlobalAlert era's keys for `release`; jobEnv only when the release is known. */
export function globalAlertEraFields(release: ReleaseKnowledge) {
    return {
        ...(release.known && release.era === "globalAlert"
            ? { jobEnv: jobEnvRefused(release.name) }
            : {}),
        detectors: detectorsSchema(release),
        detectorPeriod: detectorPeriodSchema,
        detectorSeverity: scalarSchemas.detectorSeverity,
    };
}

/** The GlobalAlert era's valid values, as its schema yields them. */
export interface GlobalAlertEraValues {
    readonly detectors?: readonly string[];
    readonly detectorPeriod?: string;
    readonly detectorSeverity?: number;
}

/** The GlobalAlert era's settings; undefined when the release's detectors are unknown. */
export function globalAlertEraSettings(
    values: GlobalAlertEraValues,
    release: ReleaseKnowledge,
): Omit<GlobalAlertEraSettings, keyof CommonSettings> | undefined {
    const available = detectorsOfRelease(release);
    if (!available) {
        return undefined;
    }
    return {
        era: "globalAlert",
        detectors: values.detectors ?? [...globalAlertConstants.defaultDetectors],
        availableDetectors: available,
        detectorPeriod: values.detectorPeriod ?? globalAlertConstants.defaultPeriod,
        detectorSeverity: values.detectorSeverity ?? globalAlertConstants.defaultSeverity,
        portScanThreshold: globalAlertConstants.fixedPortScanThreshold,
    };
}
