/**
 * The dga simulation (sketch of issue 18 outcome 2): DNS lookups, from a scanner pod through
 * kube-dns, of random-looking names under a domain the stack may set, so Felix's DNS logs carry
 * names AD's pre-trained DGA classifier should score above its cut-off. That it does is an
 * inference (detection-tests.md section 2), not verified on a cluster. Off unless enabled: the
 * lookups leave the cluster for the domain's servers.
 */
import { defaultLookupDomain, dgaLabelLength, dnsLookupRange } from "../catalog/simulation";
import { quote } from "../common/quote";
import { optionalParsed, optionalText, requiredText } from "../config/schema";
import { podNameProblem, scannerFields, simulationBlock } from "../config/simulationFields";
import { maxDnsSubdomainLength } from "../config/values";
import { simulationScript } from "../scan/scripts";
import { defineSimulation } from "./definition";

/** The dga simulation, validated. */
export interface DgaSimulationSettings {
    readonly namespace: string;
    readonly scannerPod: string;
    /** The domain every generated name sits under. */
    readonly domain: string;
    /** The generated names, `lookups` of them, each looked up once. */
    readonly names: readonly string[];
}

/** Longest domain that still leaves room for a generated label and its dot. */
const maxDomainLength = maxDnsSubdomainLength - dgaLabelLength.max - 1;

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

/** 32-bit FNV-1a of `text`. */
function fnv1a(text: string): number {
    let hash = 0x811c9dc5;
    for (const char of text) {
        hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
    }
    return hash;
}

/**
 * `count` distinct names `<label>.<domain>`, each label of letters and digits with a length in
 * `dgaLabelLength`, random-looking but the same for the same count and domain, so an unchanged
 * stack previews no change.
 */
export function dgaNames(count: number, domain: string): string[] {
    const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    let state = fnv1a(`${count}/${domain}`) || 1;
    const next = () => {
        // xorshift32
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        state >>>= 0;
        return state;
    };
    const names = new Set<string>();
    while (names.size < count) {
        const length =
            dgaLabelLength.min + (next() % (dgaLabelLength.max - dgaLabelLength.min + 1));
        // The first character is a letter, as in a host name.
        let label = alphabet[next() % 26];
        while (label.length < length) {
            label += alphabet[next() % alphabet.length];
        }
        names.add(`${label}.${domain}`);
    }
    return [...names];
}

const block = simulationBlock({
    fields: {
        enabled: scannerFields.enabled,
        namespace: scannerFields.namespace,
        scannerPod: requiredText("the pod that runs nslookup, e.g. netshoot", podNameProblem),
        domain: optionalText(lookupDomainProblem),
        lookups: optionalParsed(parseLookups),
    },
    resolve(fields, context, key, { warnings }): DgaSimulationSettings | undefined {
        if (!fields.enabled) {
            return undefined;
        }
        if (context.enabled && !context.enabled.includes("dga")) {
            warnings.push(
                `${key}: the dga ${context.era === "manifest" ? "job is disabled" : "detector is not enabled"} in this stack, so the lookups run but no alert will follow`,
            );
        }
        const { namespace, scannerPod } = fields;
        if (namespace === undefined || scannerPod === undefined) {
            return undefined;
        }
        const domain = fields.domain ?? defaultLookupDomain;
        const count = fields.lookups?.count ?? dnsLookupRange.default;
        return { namespace, scannerPod, domain, names: dgaNames(count, domain) };
    },
});

/** The script; env: SCAN_NAMESPACE, SCANNER_POD, DGA_DOMAIN, DGA_NAMES, KUBE_CONTEXT. */
export const dgaScript = simulationScript("simulations/dga.sh");

export const dga = defineSimulation({
    title: "dga lookups",
    resourceName: "dga",
    componentType: "DgaSimulation",
    detector: "dga",
    prerequisites: [
        "a scanner pod with sh and nslookup whose resolver is a dnsTrustedServers entry (default kube-dns)",
        "the names' lookups leave the cluster for the domain's servers",
    ],
    caps: `at most ${dnsLookupRange.max} lookups, each once, of names under one domain (default ${defaultLookupDomain}, reserved for examples)`,
    script: { text: dgaScript, name: "calico-ad-dga", create: "dga", commandSuffix: "lookups" },
    block,
    environment: (s: DgaSimulationSettings) => ({
        SCAN_NAMESPACE: s.namespace,
        SCANNER_POD: s.scannerPod,
        DGA_DOMAIN: s.domain,
        DGA_NAMES: s.names.join("\n"),
    }),
    triggers: (s: DgaSimulationSettings) => [s.namespace, s.scannerPod, s.domain, s.names.length],
    source: (s: DgaSimulationSettings) => ({ namespace: s.namespace, pod: s.scannerPod }),
});
