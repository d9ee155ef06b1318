/**
 * The dga simulation (sketch of issue 18 outcome 2): DNS lookups of random-looking names (15 to
 * 20 letters and digits) that AD's pre-trained DGA classifier should score above its cut-off.
 * That it does is an inference (detection-tests.md section 2), not verified on a cluster.
 */
import { dgaLabelLength } from "../catalog/simulation";
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

const labels: LabelShape = {
    alphabet: "abcdefghijklmnopqrstuvwxyz0123456789",
    length: dgaLabelLength,
};

/** `count` names under `domain` with DGA-like labels. */
export const dgaNames = (count: number, domain: string) => generatedNames(labels, count, domain);

export const dga = defineSimulation({
    title: "dga lookups",
    resourceName: "dga",
    componentType: "DgaSimulation",
    detector: "dga",
    prerequisites: dnsLookupPrerequisites,
    caps: dnsLookupCaps,
    script: {
        text: dnsLookupsScript,
        name: "calico-ad-dga",
        create: "dga",
        commandSuffix: "lookups",
    },
    block: dnsLookupBlock("dga", labels),
    environment: (s: DnsLookupSettings) => dnsLookupEnvironment("dga", s),
    triggers: dnsLookupTriggers,
    source: (s: DnsLookupSettings) => ({ namespace: s.namespace, pod: s.scannerPod }),
});
