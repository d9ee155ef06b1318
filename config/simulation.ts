/**
 * The structured stack key `calico-ad:simulation`: the optional port-scan and ip-sweep
 * simulations. `parseSimulation` is pure: it checks the already-parsed value against the release
 * and the thresholds in force and returns typed settings, or problems naming key, value and what
 * is allowed. Every value that reaches a shell is held to Kubernetes naming rules here.
 */
import { z } from "zod";
import { configKey } from "../catalog/configKeys";
import { Era } from "../catalog/eras";
import {
    maxSweepAddresses,
    maxTargetSelectorLength,
    sweepableRanges,
    tcpPortRange,
} from "../catalog/simulation";
import {
    bucketGuardSeconds,
    formatPortRange,
    portCount,
    PortRange,
    portRangeFor,
    probesPerSecond,
} from "../scan/arithmetic";
import { quote } from "../common/quote";
import {
    booleanField,
    fieldMap,
    optionalText,
    optionalParsed,
    problemsOf,
    readableMap,
    requiredParsed,
    requiredText,
    ValidFields,
    validFields,
} from "./schema";
import {
    dnsLabelPattern,
    dnsSubdomainPattern,
    dnsSubdomainProblem,
    maxDnsLabelLength,
    maxDnsSubdomainLength,
} from "./values";

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

/** What `parseSimulation` needs to know about the release and the settings in force. */
export interface SimulationContext {
    readonly era: Era;
    /** Release name for messages, e.g. "Calico Enterprise 3.12.0". */
    readonly release: string;
    readonly portScanThreshold: number;
    /** Defined when the release has the ip_sweep job (manifest era). */
    readonly ipSweepThreshold?: number;
    readonly kubeContext?: string;
    /** Job or detector IDs that will run; when given, a simulation of a stopped one warns. */
    readonly enabled?: readonly string[];
}

/** Where the checks of the simulation record what they find. */
export interface SimulationReport {
    readonly problems: string[];
    readonly warnings: string[];
}

export interface SimulationResult extends SimulationReport {
    /** Undefined when there are problems or no simulation is enabled. */
    readonly settings?: SimulationSettings;
}

/**
 * One sub-block of `calico-ad:simulation`: its fields as a zod shape, and the settings it yields
 * once its valid fields are checked against the release in force. A block of another module is
 * one more entry in `simulationBlocks`; its fields are then validated, and unknown ones named,
 * with the rest.
 */
export interface SimulationBlock<Shape extends z.ZodRawShape, Settings> {
    readonly fields: Shape;
    /** Settings, or undefined when the block is off or has problems (recorded in `report`). */
    resolve(
        fields: ValidFields<Shape>,
        context: SimulationContext,
        key: string,
        report: SimulationReport,
    ): Settings | undefined;
}

/** Keeps a block's field and settings types when it is declared. */
export const simulationBlock = <Shape extends z.ZodRawShape, Settings>(
    block: SimulationBlock<Shape, Settings>,
) => block;

const simulationKey = configKey("simulation");

/** The fields both simulations share: whether it runs, and the pod that runs nmap. */
const scannerFields = {
    enabled: booleanField.optional(),
    namespace: requiredText("the namespace of the scanner pod, e.g. dev", namespaceProblem),
    scannerPod: requiredText("the pod that runs nmap, e.g. netshoot", podNameProblem),
};

const portsAllowed = `allowed: one range FIRST-LAST of TCP ports from ${tcpPortRange.min} to ${tcpPortRange.max}, e.g. 1-600`;

export const portScanBlock = simulationBlock({
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
        if (context.enabled && !context.enabled.includes("port_scan")) {
            warnings.push(
                `${key}: the port_scan ${context.era === "manifest" ? "job is disabled" : "detector is not enabled"} in this stack, so the scan runs but no alert will follow`,
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

export const ipSweepBlock = simulationBlock({
    fields: {
        ...scannerFields,
        targetCidr: requiredParsed(
            "a private IPv4 range to sweep, e.g. the pod CIDR block of a node such as 10.244.1.0/24",
            parseCidr,
        ),
    },
    resolve(fields, context, key, { problems, warnings }): IpSweepSimulationSettings | undefined {
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
        if (context.enabled && !context.enabled.includes("ip_sweep")) {
            warnings.push(
                `${key}: the ip_sweep job is disabled in this stack, so the sweep runs but no alert will follow`,
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

/** The sub-blocks of `calico-ad:simulation`, each validated by its own fields. */
export const simulationBlocks = { portScan: portScanBlock, ipSweep: ipSweepBlock };

type BlockSettings<Block> = Block extends { resolve(...args: never[]): infer Settings }
    ? Exclude<Settings, undefined>
    : never;

/** The simulations to run on `pulumi up`; a disabled one is absent. */
export type SimulationSettings = {
    readonly [Name in keyof typeof simulationBlocks]?: BlockSettings<
        (typeof simulationBlocks)[Name]
    >;
} & {
    /** kubeconfig context the commands use, the same as the stack's Kubernetes provider. */
    readonly kubeContext?: string;
};

const blockShape = Object.fromEntries(
    Object.entries(simulationBlocks).map(([name, block]) => [
        name,
        fieldMap(block.fields).optional(),
    ]),
);
/**
 * The whole block's schema: every field of every sub-block, and no other. `verify` is read by
 * config/verification.ts, which needs to know whether the port scan runs.
 */
const topShape = { ...blockShape, verify: z.unknown().optional() };
export const simulationSchema = fieldMap(topShape);

function resolveBlock<Shape extends z.ZodRawShape, Settings>(
    block: SimulationBlock<Shape, Settings>,
    value: unknown,
    context: SimulationContext,
    key: string,
    report: SimulationReport,
): Settings | undefined {
    const fields = validFields(block.fields, value);
    return fields && block.resolve(fields, context, key, report);
}

/**
 * Validates `calico-ad:simulation` (the JSON-parsed value, undefined when unset). Both
 * simulations are off unless their `enabled` is true; a disabled block is still checked for
 * well-formed values, but not against the release or thresholds. Without a context (the release
 * is unknown) only the values themselves are checked and no simulation is returned.
 */
export function parseSimulation(
    raw: unknown,
    context: SimulationContext | undefined,
): SimulationResult {
    const report: SimulationReport = { problems: [], warnings: [] };
    if (raw === undefined || raw === null || raw === "") {
        return report;
    }
    const parsed = simulationSchema.safeParse(raw);
    if (!parsed.success) {
        report.problems.push(...problemsOf(simulationKey, parsed.error));
    }
    const top = readableMap(topShape, raw);
    if (!context || !top) {
        return report;
    }
    const resolved = Object.entries(simulationBlocks).flatMap(
        ([name, block]: [string, SimulationBlock<z.ZodRawShape, unknown>]) => {
            const settings =
                top[name] === undefined
                    ? undefined
                    : resolveBlock(block, top[name], context, `${simulationKey}.${name}`, report);
            return settings === undefined ? [] : [[name, settings] as const];
        },
    );
    if (resolved.length > 0 && context.kubeContext !== undefined) {
        const problem = kubeContextProblem(context.kubeContext);
        if (problem) {
            report.problems.push(`${configKey("kubeContext")}: ${problem}`);
        }
    }
    if (report.problems.length > 0 || resolved.length === 0) {
        return report;
    }
    return {
        settings: { ...Object.fromEntries(resolved), kubeContext: context.kubeContext },
        ...report,
    };
}

/** The longest prefix whose range holds more addresses than `threshold`. */
function prefixFor(threshold: number): number {
    let prefix = 32;
    while (prefix > 0 && 2 ** (32 - prefix) <= threshold) {
        prefix--;
    }
    return prefix;
}

/** Namespaces are DNS labels (RFC 1123). */
export function namespaceProblem(name: string): string | undefined {
    return name.length <= maxDnsLabelLength && dnsLabelPattern.test(name)
        ? undefined
        : `${quote(name)} is not a valid namespace name; allowed: lowercase letters, digits and "-", at most ${maxDnsLabelLength} characters, starting and ending with a letter or digit`;
}

/** Pod names are DNS subdomains (RFC 1123). */
export function podNameProblem(name: string): string | undefined {
    return dnsSubdomainProblem(name, "pod name");
}

const labelName = "[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?";
const labelKey = `(${dnsSubdomainPattern.source.slice(1, -1)}/)?${labelName}`;
const labelValue = `(${labelName})?`;
const requirementPatterns = {
    equality: new RegExp(`^ *${labelKey} *(=|==|!=) *${labelValue} *$`),
    set: new RegExp(`^ *${labelKey} +(in|notin) *\\( *${labelValue}( *, *${labelValue})* *\\) *$`),
    exists: new RegExp(`^ *!? *${labelKey} *$`),
};

/**
 * Label selectors in a safe subset of the Kubernetes grammar: comma-separated `key=value`,
 * `key==value`, `key!=value`, `key in (a,b)`, `key notin (a,b)`, `key` and `!key`, with at
 * least one `=`, `==` or `in` so the target is pinned down. Only spaces, no other whitespace.
 */
export function labelSelectorProblem(selector: string): string | undefined {
    const allowed =
        'allowed: comma-separated requirements key=value, key==value, key!=value, key in (a,b), key notin (a,b), key or !key, with Kubernetes label keys and values (letters, digits, "-", "_", "." and a DNS prefix with "/"), including at least one key=value or key in (...)';
    const requirements = splitOutsideParentheses(selector);
    const valid =
        selector.length <= maxTargetSelectorLength &&
        requirements !== undefined &&
        requirements.every((r) => Object.values(requirementPatterns).some((p) => p.test(r)));
    if (!valid) {
        return `${quote(selector)} is not allowed; ${allowed}`;
    }
    const pinned = requirements.some(
        (r) => (requirementPatterns.equality.test(r) && !r.includes("!=")) || / in *\(/.test(r),
    );
    return pinned ? undefined : `${quote(selector)} could match unrelated pods; ${allowed}`;
}

function splitOutsideParentheses(text: string): string[] | undefined {
    const parts: string[] = [];
    let depth = 0;
    let current = "";
    for (const char of text) {
        if (char === "(") {
            depth++;
        } else if (char === ")") {
            depth--;
        }
        if (depth < 0 || depth > 1) {
            return undefined;
        }
        if (char === "," && depth === 0) {
            parts.push(current);
            current = "";
        } else {
            current += char;
        }
    }
    parts.push(current);
    return depth === 0 ? parts : undefined;
}

/** A range `FIRST-LAST` of TCP ports, or undefined. */
export function parsePortRange(text: string): PortRange | undefined {
    const match = /^([1-9][0-9]{0,4})-([1-9][0-9]{0,4})$/.exec(text);
    if (!match) {
        return undefined;
    }
    const first = Number(match[1]);
    const last = Number(match[2]);
    return first <= last && last <= tcpPortRange.max ? { first, last } : undefined;
}

/** A canonical private IPv4 CIDR and its size, or the problem as text. */
export function parseCidr(text: string): { text: string; addresses: number } | string {
    const allowed = `allowed: a private IPv4 range (inside ${sweepableRanges.join(", ")}) in CIDR form such as 10.244.1.0/24, with at most ${maxSweepAddresses} addresses (/${32 - Math.log2(maxSweepAddresses)} or longer)`;
    const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
    const octets = match?.slice(1, 5).map(Number);
    const prefix = Number(match?.[5]);
    if (
        !match ||
        !octets ||
        octets.some((o) => o > 255) ||
        prefix > 32 ||
        match.slice(1).some((p) => /^0\d/.test(p))
    ) {
        return `${quote(text)} is not allowed; ${allowed}`;
    }
    const address = octets.reduce((acc, o) => acc * 256 + o, 0);
    const size = 2 ** (32 - prefix);
    const network = address - (address % size);
    if (network !== address) {
        return `${quote(text)} has host bits set; did you mean ${formatAddress(network)}/${prefix}?`;
    }
    const inside = sweepableRanges.some((range) => {
        const [base, bits] = range.split("/");
        const rangeSize = 2 ** (32 - Number(bits));
        const rangeStart = base
            .split(".")
            .map(Number)
            .reduce((acc, o) => acc * 256 + o, 0);
        return prefix >= Number(bits) && address >= rangeStart && address < rangeStart + rangeSize;
    });
    if (!inside || size > maxSweepAddresses) {
        return `${quote(text)} is not allowed; ${allowed}`;
    }
    return { text, addresses: size };
}

function formatAddress(address: number): string {
    return [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join(".");
}

/**
 * kubeconfig context names are free text; the simulation passes them to kubectl as a quoted
 * variable anyway, and holds them to the characters real names use (kind-x, gke_p_z_c,
 * arn:aws:eks:...:cluster/x, user@cluster).
 */
export function kubeContextProblem(context: string): string | undefined {
    return context.length <= maxDnsSubdomainLength &&
        /^[A-Za-z0-9][A-Za-z0-9._:@/+-]*$/.test(context)
        ? undefined
        : `${quote(context)} cannot be passed to kubectl by ${simulationKey}; allowed: letters, digits, ".", "_", ":", "@", "/", "+" and "-", at most ${maxDnsSubdomainLength} characters, starting with a letter or digit`;
}
