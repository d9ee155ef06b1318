/**
 * The dga simulation (sketch of issue 18 outcome 2): DNS lookups of random-looking names (15 to
 * 20 letters and digits) that AD's pre-trained DGA classifier should score above its cut-off.
 * That it does is an inference (detection-tests.md section 2), not verified on a cluster.
 */
import { dgaLabelLength } from "../catalog/simulation";
import { dnsLookupSimulation, generatedNames, LabelShape } from "./dnsLookups";

const labels: LabelShape = {
    alphabet: "abcdefghijklmnopqrstuvwxyz0123456789",
    length: dgaLabelLength,
};

/** `count` names under `domain` with DGA-like labels. */
export const dgaNames = (count: number, domain: string) => generatedNames(labels, count, domain);

export const dga = dnsLookupSimulation({
    title: "dga lookups",
    kind: "dga",
    resourceName: "dga",
    detector: "dga",
    labels,
});
