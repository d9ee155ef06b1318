/**
 * The GlobalAlert era (CE 3.13 to 3.17): the detectors to enable, their period and severity.
 * The Tigera operator owns the detector pods, so jobEnv is refused per env var.
 */
import { configKey, detectorPeriodRange } from "../catalog/configKeys";
import { durationSeconds } from "../catalog/envValues";
import { globalAlertConstants } from "../catalog/eras";
import { detectorsOf, enterpriseEquivalent, findDetector } from "../catalog/lookup";
import { anyReleaseDetectorIds, releasesOffering } from "../catalog/releases";
import { quote } from "../common/quote";
import { ConfigReader } from "./rawConfig";
import { ReleaseKnowledge } from "./release";
import { keyPath, nearestSuggestion } from "./schema";
import { CommonSettings, GlobalAlertEraSettings } from "./settingsTypes";

/** The GlobalAlert era's keys: detectors, their period and severity; undefined without a known release. */
export function globalAlertEra(
    reader: ConfigReader,
    release: ReleaseKnowledge,
    problems: string[],
    notChecked: string[],
): Omit<GlobalAlertEraSettings, keyof CommonSettings> | undefined {
    const known = release.known ? release : undefined;
    if (known) {
        const operatorOwned = `since Calico 3.13 the Tigera operator owns the detector pods, so ${known.name} offers no supported way to change it`;
        for (const name of Object.keys(reader.object("jobEnv") ?? {})) {
            problems.push(
                `${keyPath(configKey("jobEnv"), name)}: thresholds cannot be set for ${known.name}: ${operatorOwned}; remove ${configKey("jobEnv")}`,
            );
        }
    }
    const available = known
        ? detectorsOf(enterpriseEquivalent(known.product, known.version))
        : undefined;
    if (!available && reader.isSet("detectors")) {
        notChecked.push(
            `whether ${configKey("detectors")} are offered by the release, because its detectors are unknown (see ${configKey("calicoVersion")})`,
        );
    }
    const detectors = reader.list("detectors", (id, key) => {
        const detector = findDetector(id);
        if (!available) {
            return detector && releasesOffering(id) !== ""
                ? undefined
                : `${key}: ${quote(id)} is not a detector ID of any release${nearestSuggestion(id, anyReleaseDetectorIds)}`;
        }
        if (available.includes(id)) {
            return undefined;
        }
        if (detector) {
            const offered = releasesOffering(id);
            return `${key}: ${quote(id)} is not a detector of ${known?.name}${offered ? ` (offered in ${offered})` : ""}; detectors of this release: ${available.join(", ")}`;
        }
        return `${key}: ${quote(id)} is not a detector ID${nearestSuggestion(id, available)}; detectors of ${known?.name}: ${available.join(", ")}`;
    }) ?? [...globalAlertConstants.defaultDetectors];

    const period = reader.defaulted("detectorPeriod");
    const seconds = durationSeconds(period);
    if (
        seconds === undefined ||
        seconds < detectorPeriodRange.min ||
        seconds > detectorPeriodRange.max
    ) {
        problems.push(
            `${configKey("detectorPeriod")}: ${quote(period)} is not allowed; allowed: a duration from ${detectorPeriodRange.shown} such as 5m, 15m or 1h`,
        );
    }
    const severity = reader.defaulted("detectorSeverity");

    if (!known || !available) {
        return undefined;
    }
    return {
        era: "globalAlert",
        detectors,
        availableDetectors: available,
        detectorPeriod: period,
        detectorSeverity: severity,
        portScanThreshold: globalAlertConstants.fixedPortScanThreshold,
    };
}
