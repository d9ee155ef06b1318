/**
 * What every simulation's stack-config block shares: the context it is checked against, the shape
 * of a block, the scanner fields, and the checks that hold each value that reaches a shell to
 * Kubernetes naming rules. The simulation modules (simulations/*.ts) build their blocks from
 * these; config/simulation.ts composes the blocks into `calico-ad:simulation`.
 */
import { z } from "zod";
import { configKey } from "../catalog/configKeys";
import { Era } from "../catalog/eras";
import {
    maxRunIdLength,
    maxSweepAddresses,
    maxTargetSelectorLength,
    sweepableRanges,
    tcpPortRange,
} from "../catalog/simulation";
import { CalicoVersion } from "../catalog/versions";
import { PortRange } from "../scan/arithmetic";
import { quote } from "../common/quote";
import { booleanField, optionalText, requiredText, ValidFields } from "./schema";
import {
    dnsLabelPattern,
    dnsSubdomainPattern,
    dnsSubdomainProblem,
    maxDnsLabelLength,
    maxDnsSubdomainLength,
} from "./values";

/** What `parseSimulation` needs to know about the release and the settings in force. */
export interface SimulationContext {
    readonly era: Era;
    /** Release name for messages, e.g. "Calico Enterprise 3.12.0". */
    readonly release: string;
    /**
     * The release as a Calico Enterprise version (Calico Cloud as its equivalent); when given, a
     * simulation whose detector the release lacks is refused (simulations/definition.ts).
     */
    readonly version?: CalicoVersion;
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

/**
 * One sub-block of `calico-ad:simulation`: its fields as a zod shape, and the settings it yields
 * once its valid fields are checked against the release in force. Each simulation module
 * (simulations/*.ts) declares one; config/simulation.ts validates its fields, and names unknown
 * ones, with the rest.
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

/** `calico-ad:simulation`. */
export const simulationKey = configKey("simulation");

/** The fields both simulations share: whether it runs, and the pod that runs nmap. */
export const scannerFields = {
    enabled: booleanField.optional(),
    namespace: requiredText("the namespace of the scanner pod, e.g. dev", namespaceProblem),
    scannerPod: requiredText("the pod that runs nmap, e.g. netshoot", podNameProblem),
};

/** The longest prefix whose range holds more addresses than `threshold`. */
export function prefixFor(threshold: number): number {
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

/**
 * `calico-ad:simulation.runId`: the identity of a detection-test run. Only the simulation and
 * verification Commands depend on it, so a new value re-runs the enabled simulations and their
 * verifications and changes nothing else (docs/workflows.md "Detection tests").
 */
export function runIdProblem(runId: string): string | undefined {
    return runId.length <= maxRunIdLength && /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(runId)
        ? undefined
        : `${quote(runId)} is not allowed; allowed: letters, digits, ".", "_" and "-", at most ${maxRunIdLength} characters, starting with a letter or digit, e.g. a CI run's ID and attempt such as 8675309-1`;
}

/** The optional `runId` field of `calico-ad:simulation`. */
export const runIdField = optionalText(runIdProblem);
