/**
 * The dns tunnel simulation (sketch of issue 18 outcome 2): DNS lookups of names whose first label
 * is 50 to 60 characters of base32, as DNS tunnels encode data, for AD's dns_tunnel detector (CE
 * 3.15 to 3.17). That it alerts on them is plausible, not verified (detection-tests.md section 2).
 */
import { dnsTunnelLabelLength } from "../catalog/simulation";
import { dnsLookupSimulation, generatedNames, LabelShape } from "./dnsLookups";

/** RFC 4648 base32, lowercase: what tunnels use, since DNS names ignore case. */
const labels: LabelShape = {
    alphabet: "abcdefghijklmnopqrstuvwxyz234567",
    length: dnsTunnelLabelLength,
};

/** `count` names under `domain` with tunnel-like labels. */
export const dnsTunnelNames = (count: number, domain: string) =>
    generatedNames(labels, count, domain);

export const dnsTunnel = dnsLookupSimulation({
    title: "dns tunnel lookups",
    kind: "dns tunnel",
    resourceName: "dns-tunnel",
    detector: "dns_tunnel",
    labels,
});
