/**
 * The port scan: nmap probes more ports of one target pod than the port-scan threshold in force,
 * each once, from a scanner pod, so AD's port_scan detector counts them in one bucket. Source:
 * ../shared/reference/calico-ad.md section 5 and detection-tests.md section 2.
 */
import { tcpPortRange } from "../catalog/simulation";
import { quote } from "../common/quote";
import { optionalParsed, optionalText, requiredText } from "../config/schema";
import {
    labelSelectorProblem,
    namespaceProblem,
    parsePortRange,
    scannerFields,
    simulationBlock,
} from "../config/simulationFields";
import {
    bucketGuardSeconds,
    formatPortRange,
    portCount,
    portRangeFor,
    probesPerSecond,
} from "../scan/arithmetic";
import { simulationScript } from "../scan/scripts";
import { defineSimulation, namedScript, scannerSource } from "./definition";

/** The port-scan simulation, validated. */
export interface PortScanSimulationSettings {
    /** Namespace of the scanner pod. */
    readonly namespace: string;
    /** Pod that runs nmap. */
    readonly scannerPod: string;
    /** Namespace of the target pod; defaults to `namespace`. */
    readonly targetNamespace: string;
    /** Label selector of the target pod. */
    readonly targetSelector: string;
    /** Ports to probe in nmap syntax, e.g. `1-220`. */
    readonly ports: string;
    readonly portCount: number;
    /** Whether `ports` was set in config or derived from the threshold with a margin. */
    readonly portsSource: "stack config" | "derived from the threshold";
    /** The port-scan threshold in force. */
    readonly threshold: number;
}

const portsAllowed = `allowed: one range FIRST-LAST of TCP ports from ${tcpPortRange.min} to ${tcpPortRange.max}, e.g. 1-600`;

const block = simulationBlock({
    fields: {
        ...scannerFields,
        targetNamespace: optionalText(namespaceProblem),
        targetSelector: requiredText(
            "the label selector of the target pod, e.g. app=centos",
            labelSelectorProblem,
        ),
        ports: optionalParsed(
            (text) => parsePortRange(text) ?? `${quote(text)} is not allowed; ${portsAllowed}`,
        ),
    },
    resolve(fields, context, key, { problems, warnings }): PortScanSimulationSettings | undefined {
        if (!fields.enabled) {
            return undefined;
        }
        const threshold = context.portScanThreshold;
        const configured = fields.ports;
        const range = configured ?? portRangeFor(threshold);
        if (portCount(range) <= threshold) {
            const shown = formatPortRange(range);
            problems.push(
                configured === undefined
                    ? `${key}: the port-scan threshold of ${threshold} in ${context.release} cannot be crossed: a scan probes at most ${portCount(range)} ports (${shown}); lower AD_port_scan_threshold or disable the simulation`
                    : `${key}.ports: ${quote(shown)} probes ${portCount(range)} ports, which cannot cross the port-scan threshold of ${threshold} in ${context.release}; allowed: a range of more than ${threshold} ports, e.g. ${formatPortRange(portRangeFor(threshold))}, or leave it unset to derive it`,
            );
        }
        const seconds = Math.ceil(portCount(range) / probesPerSecond);
        if (seconds > bucketGuardSeconds / 2) {
            warnings.push(
                `${key}.ports: ${quote(formatPortRange(range))} takes about ${seconds} s at ${probesPerSecond} probes per second, so the scan may straddle two 5-minute buckets and split its ports; a range just above the threshold is enough`,
            );
        }
        const { namespace, scannerPod, targetSelector } = fields;
        if (namespace === undefined || scannerPod === undefined || targetSelector === undefined) {
            return undefined;
        }
        return {
            namespace,
            scannerPod,
            targetNamespace: fields.targetNamespace ?? namespace,
            targetSelector,
            ports: formatPortRange(range),
            portCount: portCount(range),
            portsSource: configured === undefined ? "derived from the threshold" : "stack config",
            threshold,
        };
    },
});

/** The script; env: SCAN_NAMESPACE, SCANNER_POD, TARGET_NAMESPACE, TARGET_SELECTOR, SCAN_PORTS, SCAN_THRESHOLD, KUBE_CONTEXT. */
export const portScanScript = simulationScript("simulations/portScan.sh");

export const portScan = defineSimulation({
    title: "port scan",
    resourceName: "port-scan",
    detector: "port_scan",
    prerequisites: ["a scanner pod with nmap, and a Running target pod the selector matches"],
    caps: `one target pod; one probe per port, at most ${tcpPortRange.max} ports, at ${probesPerSecond} probes per second`,
    script: namedScript("port-scan", portScanScript, "nmap"),
    block,
    environment: (s: PortScanSimulationSettings) => ({
        SCAN_NAMESPACE: s.namespace,
        SCANNER_POD: s.scannerPod,
        TARGET_NAMESPACE: s.targetNamespace,
        TARGET_SELECTOR: s.targetSelector,
        SCAN_PORTS: s.ports,
        SCAN_THRESHOLD: String(s.threshold),
    }),
    triggers: (s: PortScanSimulationSettings) => [
        s.threshold,
        s.namespace,
        s.scannerPod,
        s.targetNamespace,
        s.targetSelector,
        s.ports,
    ],
    source: scannerSource,
});
