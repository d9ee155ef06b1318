/**
 * The Felix flow log settings that decide whether the scan alert of releases without AD can
 * fire, read from FelixConfiguration `default` (the object demo mode also changes). Pure: the
 * caller reads the object; this says what it means.
 */
import { felixFlushIntervals } from "../catalog/demo";
import { durationSeconds } from "../catalog/envValues";
import { felixConfiguration, flowLogSettings, flushIntervalField } from "../catalog/scanAlert";
import { configKey } from "../catalog/configKeys";
import { quote } from "../common/quote";

/** What the flow log settings mean for the alert. */
export interface FlowLogFindings {
    /** Felix's flush interval in force, in seconds, and where it was read. */
    readonly flushSeconds: number;
    readonly flushSource: string;
    /** Settings that stop the alert from ever firing: preflight fails on them. */
    readonly problems: readonly string[];
    /** Settings that may stop it: shown as warnings. */
    readonly warnings: readonly string[];
}

const felixObject = `${felixConfiguration.resource}/${felixConfiguration.name}`;
const patchHint = (field: string, value: string) =>
    `\`kubectl patch ${felixConfiguration.resource} ${felixConfiguration.name} --type merge -p '{"spec":{"${field}":${value}}}'\``;

/** Reads the flow log settings of a FelixConfiguration (undefined: it does not exist). */
export function flowLogFindings(felix: unknown): FlowLogFindings {
    const problems: string[] = [];
    const warnings: string[] = [];
    if (felix === undefined) {
        return {
            flushSeconds: felixFlushIntervals.defaultSeconds,
            flushSource: `Felix's default (${felixObject} is missing)`,
            problems,
            warnings: [
                `${felixObject} is missing, so the scan alert assumes Felix's defaults (${flushIntervalField} ${felixFlushIntervals.defaultSeconds}s, denied flows logged with their destination port); ${felixConfiguration.howCreated}`,
            ],
        };
    }
    const spec = ((felix as { spec?: unknown }).spec ?? {}) as Record<string, unknown>;
    for (const setting of flowLogSettings) {
        const value = spec[setting.field];
        const finding = setting.check(value);
        if (!finding) {
            continue;
        }
        const text = `${felixObject} spec.${setting.field} is ${quote(value)}: ${finding.why}`;
        if (finding.fatal) {
            problems.push(
                `the scan alert can never fire: ${text}; change it (e.g. ${patchHint(setting.field, JSON.stringify(setting.felixDefault))}), or set ${configKey("afterAdRemoval")} to deleteOnly or fail`,
            );
        } else {
            warnings.push(`the scan alert may never fire: ${text}`);
        }
    }
    const interval = spec[flushIntervalField];
    if (interval === undefined || interval === "") {
        return {
            flushSeconds: felixFlushIntervals.defaultSeconds,
            flushSource: `Felix's default (${felixObject} leaves ${flushIntervalField} unset)`,
            problems,
            warnings,
        };
    }
    const seconds = typeof interval === "string" ? durationSeconds(interval) : undefined;
    if (seconds === undefined || seconds === 0) {
        problems.push(
            `${felixObject} spec.${flushIntervalField} is ${quote(interval)}, which the scan alert cannot derive its period and lookback from; allowed: a duration of whole seconds such as 300s, 5m0s or 10s`,
        );
    }
    return {
        flushSeconds: seconds || felixFlushIntervals.defaultSeconds,
        flushSource: `${felixObject} spec.${flushIntervalField} (${String(interval)})`,
        problems,
        warnings,
    };
}

/**
 * The flush interval the alert will see: demo mode's, which the stack sets, or the one preflight
 * read (Felix's default when the stack renders without a cluster).
 */
export function flushInForce(
    demo: boolean,
    findings: FlowLogFindings | undefined,
): { readonly seconds: number; readonly source: string } {
    if (demo) {
        return {
            seconds: felixFlushIntervals.demoSeconds,
            source: `demo mode (${configKey("demo")}) sets ${flushIntervalField} to ${felixFlushIntervals.demo}`,
        };
    }
    return findings
        ? { seconds: findings.flushSeconds, source: findings.flushSource }
        : {
              seconds: felixFlushIntervals.defaultSeconds,
              source: `Felix's default, assumed because the stack renders without reading the cluster`,
          };
}
