/**
 * The structured stack key `calico-ad:simulation`: the optional port-scan and ip-sweep
 * simulations. `parseSimulation` is pure: it checks the already-parsed value against the release
 * and the thresholds in force and returns typed settings, or problems naming key, value and what
 * is allowed. Every value that reaches a shell is held to Kubernetes naming rules here.
 */
import { nearestName } from "../catalog/lookup";
import {
    bucketGuardSeconds,
    formatPortRange,
    portCount,
    PortRange,
    portRangeFor,
    probesPerSecond,
} from "../scan/arithmetic";
import { configKey } from "../catalog/configKeys";
import { dnsLabelPattern, dnsSubdomainPattern } from "./values";
import { prototypeKeys, quote } from "../common/quote";

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

/** The simulations to run on `pulumi up`; a disabled one is absent. */
export interface SimulationSettings {
    readonly portScan?: PortScanSimulationSettings;
    readonly ipSweep?: IpSweepSimulationSettings;
    /** kubeconfig context the commands use, the same as the stack's Kubernetes provider. */
    readonly kubeContext?: string;
}

/** What `parseSimulation` needs to know about the release and the settings in force. */
export interface SimulationContext {
    readonly era: "manifest" | "globalAlert";
    /** Release name for messages, e.g. "Calico Enterprise 3.12.0". */
    readonly release: string;
    readonly portScanThreshold: number;
    /** Defined when the release has the ip_sweep job (manifest era). */
    readonly ipSweepThreshold?: number;
    readonly kubeContext?: string;
    /** Job or detector IDs that will run; when given, a simulation of a stopped one warns. */
    readonly enabled?: readonly string[];
}

export interface SimulationResult {
    /** Undefined when there are problems or no simulation is enabled. */
    readonly settings?: SimulationSettings;
    readonly problems: string[];
    readonly warnings: string[];
}

/** Largest sweep: 4096 addresses take about four seconds and stay inside one bucket. */
export const maxSweepAddresses = 4096;

const simulationKey = configKey("simulation");
const portScanFields = [
    "enabled",
    "namespace",
    "scannerPod",
    "targetNamespace",
    "targetSelector",
    "ports",
] as const;
const ipSweepFields = ["enabled", "namespace", "scannerPod", "targetCidr"] as const;

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
    const problems: string[] = [];
    const warnings: string[] = [];
    if (raw === undefined || raw === null || raw === "") {
        return { problems, warnings };
    }
    // `verify` is read by config/verification.ts.
    const top = mapAt(simulationKey, raw, ["portScan", "ipSweep", "verify"], problems);
    if (!top) {
        return { problems, warnings };
    }
    const portScan =
        top.portScan === undefined
            ? undefined
            : parsePortScan(
                  mapAt(`${simulationKey}.portScan`, top.portScan, portScanFields, problems),
                  context,
                  problems,
                  warnings,
              );
    const ipSweep =
        top.ipSweep === undefined
            ? undefined
            : parseIpSweep(
                  mapAt(`${simulationKey}.ipSweep`, top.ipSweep, ipSweepFields, problems),
                  context,
                  problems,
                  warnings,
              );

    if ((portScan || ipSweep) && context?.kubeContext !== undefined) {
        const problem = kubeContextProblem(context.kubeContext);
        if (problem) {
            problems.push(`${configKey("kubeContext")}: ${problem}`);
        }
    }
    if (problems.length > 0 || !context || (!portScan && !ipSweep)) {
        return { problems, warnings };
    }
    return {
        settings: { portScan, ipSweep, kubeContext: context?.kubeContext },
        problems,
        warnings,
    };
}

/** The fields both simulations share: whether it runs, and the pod that runs nmap. */
function readScanner(field: FieldReader): {
    enabled: boolean;
    namespace: string | undefined;
    scannerPod: string | undefined;
} {
    return {
        enabled: field.boolean("enabled") ?? false,
        namespace: field.required(
            "namespace",
            namespaceProblem,
            "the namespace of the scanner pod, e.g. dev",
        ),
        scannerPod: field.required(
            "scannerPod",
            podNameProblem,
            "the pod that runs nmap, e.g. netshoot",
        ),
    };
}

function parsePortScan(
    map: Record<string, unknown> | undefined,
    context: SimulationContext | undefined,
    problems: string[],
    warnings: string[],
): PortScanSimulationSettings | undefined {
    if (!map) {
        return undefined;
    }
    const key = `${simulationKey}.portScan`;
    const field = new FieldReader(key, map, problems);
    const { enabled, namespace, scannerPod } = readScanner(field);
    const targetNamespace = field.optional("targetNamespace", namespaceProblem) ?? namespace;
    const targetSelector = field.required(
        "targetSelector",
        labelSelectorProblem,
        "the label selector of the target pod, e.g. app=centos",
    );
    const configuredPorts = field.optional("ports", (value) =>
        parsePortRange(value)
            ? undefined
            : `${quote(value)} is not allowed; allowed: one range FIRST-LAST of TCP ports from 1 to 65535, e.g. 1-600`,
    );
    if (!enabled || !context) {
        return undefined;
    }

    const threshold = context.portScanThreshold;
    const range =
        configuredPorts === undefined ? portRangeFor(threshold) : parsePortRange(configuredPorts);
    if (range && portCount(range) <= threshold) {
        const shown = formatPortRange(range);
        problems.push(
            configuredPorts === undefined
                ? `${key}: the port-scan threshold of ${threshold} in ${context.release} cannot be crossed: a scan probes at most ${portCount(range)} ports (${shown}); lower AD_port_scan_threshold or disable the simulation`
                : `${key}.ports: ${quote(configuredPorts)} probes ${portCount(range)} ports, which cannot cross the port-scan threshold of ${threshold} in ${context.release}; allowed: a range of more than ${threshold} ports, e.g. ${formatPortRange(portRangeFor(threshold))}, or leave it unset to derive it`,
        );
    }
    const seconds = range ? Math.ceil(portCount(range) / probesPerSecond) : 0;
    if (range && seconds > bucketGuardSeconds / 2) {
        warnings.push(
            `${key}.ports: ${quote(formatPortRange(range))} takes about ${seconds} s at ${probesPerSecond} probes per second, so the scan may straddle two 5-minute buckets and split its ports; a range just above the threshold is enough`,
        );
    }
    if (context.enabled && !context.enabled.includes("port_scan")) {
        warnings.push(
            `${key}: the port_scan ${context.era === "manifest" ? "job is disabled" : "detector is not enabled"} in this stack, so the scan runs but no alert will follow`,
        );
    }
    if (
        !range ||
        namespace === undefined ||
        scannerPod === undefined ||
        targetSelector === undefined ||
        targetNamespace === undefined
    ) {
        return undefined;
    }
    return {
        namespace,
        scannerPod,
        targetNamespace,
        targetSelector,
        ports: formatPortRange(range),
        portCount: portCount(range),
        portsSource: configuredPorts === undefined ? "derived from the threshold" : "stack config",
        threshold,
    };
}

function parseIpSweep(
    map: Record<string, unknown> | undefined,
    context: SimulationContext | undefined,
    problems: string[],
    warnings: string[],
): IpSweepSimulationSettings | undefined {
    if (!map) {
        return undefined;
    }
    const key = `${simulationKey}.ipSweep`;
    const field = new FieldReader(key, map, problems);
    const { enabled, namespace, scannerPod } = readScanner(field);
    const targetCidr = field.required(
        "targetCidr",
        (value) => {
            const cidr = parseCidr(value);
            return typeof cidr === "string" ? cidr : undefined;
        },
        `a private IPv4 range to sweep, e.g. the pod CIDR block of a node such as 10.244.1.0/24`,
    );
    if (!enabled || !context) {
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
    const cidr = targetCidr === undefined ? undefined : parseCidr(targetCidr);
    if (typeof cidr === "object" && cidr.addresses <= threshold) {
        problems.push(
            `${key}.targetCidr: ${quote(targetCidr)} holds ${cidr.addresses} addresses, which cannot cross the ip-sweep threshold of ${threshold} in ${context.release}; allowed: a range of more than ${threshold} addresses, e.g. a /${prefixFor(threshold)}`,
        );
    }
    if (context.enabled && !context.enabled.includes("ip_sweep")) {
        warnings.push(
            `${key}: the ip_sweep job is disabled in this stack, so the sweep runs but no alert will follow`,
        );
    }
    if (
        typeof cidr !== "object" ||
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
}

/** The longest prefix whose range holds more addresses than `threshold`. */
function prefixFor(threshold: number): number {
    let prefix = 32;
    while (prefix > 0 && 2 ** (32 - prefix) <= threshold) {
        prefix--;
    }
    return prefix;
}

/** A map at `key` with only the `allowed` fields; records a problem and returns undefined otherwise. */
function mapAt(
    key: string,
    value: unknown,
    allowed: readonly string[],
    problems: string[],
): Record<string, unknown> | undefined {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        problems.push(`${key}: expected a map with ${allowed.join(", ")}, got ${quote(value)}`);
        return undefined;
    }
    const map = value as Record<string, unknown>;
    const names = Object.keys(map);
    if (names.length > allowed.length * 4) {
        problems.push(`${key}: has ${names.length} fields; allowed: ${allowed.join(", ")}`);
        return undefined;
    }
    for (const name of names) {
        if (!allowed.includes(name)) {
            const suggestion = prototypeKeys.has(name) ? undefined : nearestName(name, allowed);
            const shown = /^[A-Za-z0-9_]{1,64}$/.test(name)
                ? `${key}.${name}`
                : `${key}[${quote(name)}]`;
            problems.push(
                `${shown}: unknown field${suggestion ? `; did you mean ${suggestion}?` : ""}; allowed: ${allowed.join(", ")}`,
            );
        }
    }
    return map;
}

/** Typed access to the fields of one simulation; records a problem for each bad one. */
class FieldReader {
    constructor(
        private readonly key: string,
        private readonly map: Record<string, unknown>,
        private readonly problems: string[],
    ) {}

    private field(name: string): unknown {
        return Object.hasOwn(this.map, name) ? this.map[name] : undefined;
    }

    boolean(name: string): boolean | undefined {
        const value = this.field(name);
        if (value === undefined || value === true || value === false) {
            return value;
        }
        if (value === "true" || value === "false") {
            return value === "true";
        }
        this.problems.push(
            `${this.key}.${name}: ${quote(value)} is not allowed; allowed: true or false`,
        );
        return undefined;
    }

    optional(name: string, problemOf: (value: string) => string | undefined): string | undefined {
        const value = this.field(name);
        if (value === undefined || value === "") {
            return undefined;
        }
        const text = typeof value === "number" ? String(value) : value;
        if (typeof text !== "string") {
            this.problems.push(`${this.key}.${name}: expected a string, got ${quote(value)}`);
            return undefined;
        }
        const problem = problemOf(text);
        if (problem) {
            this.problems.push(`${this.key}.${name}: ${problem}`);
            return undefined;
        }
        return text;
    }

    required(
        name: string,
        problemOf: (value: string) => string | undefined,
        what: string,
    ): string | undefined {
        if (this.field(name) === undefined || this.field(name) === "") {
            this.problems.push(`${this.key}.${name}: required; ${what}`);
            return undefined;
        }
        return this.optional(name, problemOf);
    }
}

/** Namespaces are DNS labels (RFC 1123). */
export function namespaceProblem(name: string): string | undefined {
    return name.length <= 63 && dnsLabelPattern.test(name)
        ? undefined
        : `${quote(name)} is not a valid namespace name; allowed: lowercase letters, digits and "-", at most 63 characters, starting and ending with a letter or digit`;
}

/** Pod names are DNS subdomains (RFC 1123). */
export function podNameProblem(name: string): string | undefined {
    return name.length <= 253 && dnsSubdomainPattern.test(name)
        ? undefined
        : `${quote(name)} is not a valid pod name; allowed: lowercase letters, digits, "-" and ".", at most 253 characters, starting and ending with a letter or digit`;
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
        selector.length <= 1024 &&
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
    return first <= last && last <= 65535 ? { first, last } : undefined;
}

/**
 * Ranges a sweep may target, none routed on the public internet: RFC 1918, the shared range some
 * CNIs use for pods (RFC 6598) and the benchmarking range (RFC 2544), which lab clusters and
 * calico-ad's own tests use for pods.
 */
const privateRanges = [
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",
    "198.18.0.0/15",
];

/** A canonical private IPv4 CIDR and its size, or the problem as text. */
export function parseCidr(text: string): { text: string; addresses: number } | string {
    const allowed = `allowed: a private IPv4 range (inside ${privateRanges.join(", ")}) in CIDR form such as 10.244.1.0/24, with at most ${maxSweepAddresses} addresses (/20 or longer)`;
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
    const inside = privateRanges.some((range) => {
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
    return /^[A-Za-z0-9][A-Za-z0-9._:@/+-]{0,252}$/.test(context)
        ? undefined
        : `${quote(context)} cannot be passed to kubectl by ${simulationKey}; allowed: letters, digits, ".", "_", ":", "@", "/", "+" and "-", at most 253 characters, starting with a letter or digit`;
}
