/**
 * The dns tunnel simulation (sketch of issue 18 outcome 2): DNS lookups of names whose first label
 * is 50 to 60 characters of base32, as DNS tunnels encode data, for AD's dns_tunnel detector (CE
 * 3.15 to 3.17). That it alerts on them is plausible, not verified (detection-tests.md section 2).
 */
import { dnsTunnelLabelLength } from "../catalog/simulation";
import { defineSimulation } from "./definition";
import {
    dnsLookupBlock,
    dnsLookupCaps,
    dnsLookupEnvironment,
    dnsLookupPrerequisites,
    dnsLookupsScript,
    DnsLookupSettings,
    dnsLookupTriggers,
    generatedNames,
    LabelShape,
} from "./dnsLookups";

/** RFC 4648 base32, lowercase: what tunnels use, since DNS names ignore case. */
const labels: LabelShape = {
    alphabet: "abcdefghijklmnopqrstuvwxyz234567",
    length: dnsTunnelLabelLength,
};

/** `count` names under `domain` with tunnel-like labels. */
export const dnsTunnelNames = (count: number, domain: string) =>
    generatedNames(labels, count, domain);

export const dnsTunnel = defineSimulation({
    title: "dns tunnel lookups",
    resourceName: "dns-tunnel",
    componentType: "DnsTunnelSimulation",
    detector: "dns_tunnel",
    prerequisites: dnsLookupPrerequisites,
    caps: dnsLookupCaps,
    script: {
        text: dnsLookupsScript,
        name: "calico-ad-dns-tunnel",
        create: "dns-tunnel",
        commandSuffix: "lookups",
    },
    block: dnsLookupBlock("dns_tunnel", labels),
    environment: (s: DnsLookupSettings) => dnsLookupEnvironment("dns tunnel", s),
    triggers: dnsLookupTriggers,
    source: (s: DnsLookupSettings) => ({ namespace: s.namespace, pod: s.scannerPod }),
});
