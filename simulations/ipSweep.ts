/**
 * The ip sweep: nmap probes every address of a private range, more than the ip-sweep threshold in
 * force, once each from a scanner pod, so AD's ip_sweep job counts them in one bucket. Only where
 * the stack knows that threshold (manifest-era releases with the job). Source:
 * ../shared/reference/calico-ad.md section 5 and detection-tests.md section 2.
 */
import { configKey } from "../catalog/configKeys";
import { maxSweepAddresses, sweepableRanges } from "../catalog/simulation";
import { quote } from "../common/quote";
import { requiredParsed } from "../config/schema";
import { parseCidr, prefixFor, scannerFields, simulationBlock } from "../config/simulationFields";
import { ipSweepProbePort, probesPerSecond } from "../scan/arithmetic";
import { simulationScript } from "../scan/scripts";
import { defineSimulation, namedScript, scannerSource } from "./definition";

/** The ip-sweep simulation, validated (releases with the ip_sweep job only). */
export interface IpSweepSimulationSettings {
    readonly namespace: string;
    readonly scannerPod: string;
    /** Private IPv4 range, in canonical form, holding more addresses than the threshold. */
    readonly targetCidr: string;
    readonly addressCount: number;
    /** The ip-sweep threshold in force. */
    readonly threshold: number;
}

const block = simulationBlock({
    fields: {
        ...scannerFields,
        targetCidr: requiredParsed(
            "a private IPv4 range to sweep, e.g. the pod CIDR block of a node such as 10.244.1.0/24",
            parseCidr,
        ),
    },
    resolve(fields, context, key, { problems }): IpSweepSimulationSettings | undefined {
        if (!fields.enabled) {
            return undefined;
        }
        const threshold = context.ipSweepThreshold;
        if (threshold === undefined) {
            problems.push(
                context.era === "manifest"
                    ? `${key}: ${context.release} has no ip_sweep job; set enabled: false or remove ${key}`
                    : `${key}: not available for ${context.release}: the sweep is checked against AD_ip_sweep_threshold, which only manifest-era releases (Calico 3.5 to 3.12) let the stack know; the ip_sweep detector of 3.13 to 3.14.0 has an operator-fixed threshold and later releases have none; set enabled: false or remove ${key}`,
            );
            return undefined;
        }
        const cidr = fields.targetCidr;
        if (cidr && cidr.addresses <= threshold) {
            // Advice names only ranges the targetCidr check accepts (at most maxSweepAddresses).
            const advice =
                threshold < maxSweepAddresses
                    ? `allowed: a range of more than ${threshold} addresses, e.g. a /${prefixFor(threshold)}`
                    : `no range the sweep may target (at most ${maxSweepAddresses} addresses) can cross it: lower ${configKey("jobEnv")}.AD_ip_sweep_threshold below ${maxSweepAddresses}, or set enabled: false`;
            problems.push(
                `${key}.targetCidr: ${quote(cidr.text)} holds ${cidr.addresses} addresses, which cannot cross the ip-sweep threshold of ${threshold} in ${context.release}; ${advice}`,
            );
        }
        const { namespace, scannerPod } = fields;
        if (
            !cidr ||
            cidr.addresses <= threshold ||
            namespace === undefined ||
            scannerPod === undefined
        ) {
            return undefined;
        }
        return {
            namespace,
            scannerPod,
            targetCidr: cidr.text,
            addressCount: cidr.addresses,
            threshold,
        };
    },
});

/** The script; env: SCAN_NAMESPACE, SCANNER_POD, SWEEP_CIDR, SCAN_THRESHOLD, KUBE_CONTEXT. */
export const ipSweepScript = simulationScript("simulations/ipSweep.sh");

export const ipSweep = defineSimulation({
    title: "ip sweep",
    resourceName: "ip-sweep",
    detector: "ip_sweep",
    prerequisites: [
        "a scanner pod with nmap; the destination addresses stay in the flow logs (denied traffic keeps them)",
    ],
    caps: `one TCP probe to port ${ipSweepProbePort} per address, at most ${maxSweepAddresses} addresses inside ${sweepableRanges.join(", ")}, at ${probesPerSecond} probes per second`,
    script: namedScript("ip-sweep", ipSweepScript, "nmap"),
    block,
    environment: (s: IpSweepSimulationSettings) => ({
        SCAN_NAMESPACE: s.namespace,
        SCANNER_POD: s.scannerPod,
        SWEEP_CIDR: s.targetCidr,
        SCAN_THRESHOLD: String(s.threshold),
    }),
    triggers: (s: IpSweepSimulationSettings) => [
        s.threshold,
        s.namespace,
        s.scannerPod,
        s.targetCidr,
    ],
    source: scannerSource,
});
