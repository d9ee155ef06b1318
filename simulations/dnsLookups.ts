/**
 * What the DNS simulations (dga, dns tunnel) share: lookups, from a scanner pod through its
 * resolver (kube-dns, which Felix trusts by default, so the queries reach the DNS logs), of
 * generated names under a domain the stack may set; the count is capped and the names are
 * derived from the settings, so an unchanged stack previews no change. Each simulation supplies
 * only the shape of its labels. Off unless enabled: the lookups leave the cluster for the
 * domain's servers.
 */
import {
    defaultLookupDomain,
    dgaLabelLength,
    dnsLookupRange,
    dnsTunnelLabelLength,
} from "../catalog/simulation";
import { quote } from "../common/quote";
import { optionalParsed, optionalText, requiredText } from "../config/schema";
import { podNameProblem, scannerFields, simulationBlock } from "../config/simulationFields";
import { maxDnsSubdomainLength } from "../config/values";
import { simulationScript } from "../scan/scripts";
import { defineSimulation, namedScript, scannerSource } from "./definition";

/** A DNS simulation, validated. */
export interface DnsLookupSettings {
    readonly namespace: string;
    readonly scannerPod: string;
    /** The domain every generated name sits under. */
    readonly domain: string;
    /** The generated names, `lookups` of them, each looked up once. */
    readonly names: readonly string[];
}

/** Longest domain that still leaves room for the longest generated label and its dot. */
const maxDomainLength =
    maxDnsSubdomainLength - Math.max(dgaLabelLength.max, dnsTunnelLabelLength.max) - 1;

/** A lowercase DNS name of at least two labels, short enough for a generated label in front. */
export function lookupDomainProblem(domain: string): string | undefined {
    const allowed = `allowed: a DNS name of at least two labels (lowercase letters, digits, "-"), at most ${maxDomainLength} characters, e.g. ${defaultLookupDomain}`;
    const label = "[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?";
    const valid =
        domain.length <= maxDomainLength && new RegExp(`^${label}(\\.${label})+$`).test(domain);
    return valid ? undefined : `${quote(domain)} is not allowed; ${allowed}`;
}

/** The number of lookups, or the problem as text. */
export function parseLookups(text: string): { count: number } | string {
    const count = /^[1-9][0-9]{0,3}$/.test(text) ? Number(text) : NaN;
    return count >= dnsLookupRange.min && count <= dnsLookupRange.max
        ? { count }
        : `${quote(text)} is not allowed; allowed: a whole number of lookups from ${dnsLookupRange.min} to ${dnsLookupRange.max}, e.g. ${dnsLookupRange.default}`;
}

/** A label of `alphabet` characters with a length in `length`, the first one a letter. */
export interface LabelShape {
    readonly alphabet: string;
    readonly length: { readonly min: number; readonly max: number };
}

/** 32-bit FNV-1a of `text`. */
function fnv1a(text: string): number {
    let hash = 0x811c9dc5;
    for (const char of text) {
        hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
    }
    return hash;
}

/**
 * `count` distinct names `<label>.<domain>` with labels of `shape`, random-looking but the same
 * for the same shape, count and domain.
 */
export function generatedNames(shape: LabelShape, count: number, domain: string): string[] {
    const { alphabet, length } = shape;
    let state = fnv1a(`${alphabet}/${length.min}/${count}/${domain}`) || 1;
    const next = () => {
        // xorshift32
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        state >>>= 0;
        return state;
    };
    const letters = alphabet.replace(/[^a-z]/g, "");
    const names = new Set<string>();
    while (names.size < count) {
        const size = length.min + (next() % (length.max - length.min + 1));
        let label = letters[next() % letters.length];
        while (label.length < size) {
            label += alphabet[next() % alphabet.length];
        }
        names.add(`${label}.${domain}`);
    }
    return [...names];
}

/** The stack-config block of a DNS simulation whose names have labels of `shape`. */
function dnsLookupBlock(shape: LabelShape) {
    return simulationBlock({
        fields: {
            enabled: scannerFields.enabled,
            namespace: scannerFields.namespace,
            scannerPod: requiredText("the pod that runs nslookup, e.g. netshoot", podNameProblem),
            domain: optionalText(lookupDomainProblem),
            lookups: optionalParsed(parseLookups),
        },
        resolve(fields): DnsLookupSettings | undefined {
            if (!fields.enabled) {
                return undefined;
            }
            const { namespace, scannerPod } = fields;
            if (namespace === undefined || scannerPod === undefined) {
                return undefined;
            }
            const domain = fields.domain ?? defaultLookupDomain;
            const count = fields.lookups?.count ?? dnsLookupRange.default;
            return { namespace, scannerPod, domain, names: generatedNames(shape, count, domain) };
        },
    });
}

/** The script both run; env: SCAN_NAMESPACE, SCANNER_POD, LOOKUP_KIND, LOOKUP_DOMAIN, LOOKUP_NAMES, KUBE_CONTEXT. */
export const dnsLookupsScript = simulationScript("simulations/dnsLookups.sh");

/** What the DNS simulations need beyond DNS logs. */
const dnsLookupPrerequisites: readonly string[] = [
    "a scanner pod with sh and nslookup whose resolver is a dnsTrustedServers entry (default kube-dns)",
    "the names' lookups leave the cluster for the domain's servers",
];

/** The caps of the DNS simulations, in words. */
const dnsLookupCaps = `at most ${dnsLookupRange.max} lookups, each once, of names under one domain (default ${defaultLookupDomain}, reserved for examples)`;

/** What distinguishes one DNS simulation: its names, its detector and the shape of its labels. */
export interface DnsLookupSimulation {
    /** Its title, e.g. `dga lookups`; `kind` names it in the script's summary line. */
    readonly title: string;
    readonly kind: string;
    readonly resourceName: string;
    readonly detector: string;
    readonly labels: LabelShape;
}

/** A DNS simulation: the lookups of names with `labels` shaped labels, for `detector`. */
export function dnsLookupSimulation(simulation: DnsLookupSimulation) {
    return defineSimulation({
        title: simulation.title,
        resourceName: simulation.resourceName,
        detector: simulation.detector,
        prerequisites: dnsLookupPrerequisites,
        caps: dnsLookupCaps,
        script: namedScript(simulation.resourceName, dnsLookupsScript, "lookups"),
        block: dnsLookupBlock(simulation.labels),
        environment: (s: DnsLookupSettings) => ({
            SCAN_NAMESPACE: s.namespace,
            SCANNER_POD: s.scannerPod,
            LOOKUP_KIND: simulation.kind,
            LOOKUP_DOMAIN: s.domain,
            LOOKUP_NAMES: s.names.join("\n"),
        }),
        // Its scanner, domain and count: the names follow from them.
        triggers: (s: DnsLookupSettings) => [s.namespace, s.scannerPod, s.domain, s.names.length],
        source: scannerSource,
    });
}
