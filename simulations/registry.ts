/**
 * Every simulation, by its key under `calico-ad:simulation` (also its stack output). Adding one
 * is one line here; docs/development.md "Adding a simulation" says the rest.
 */
import { dga } from "./dga";
import { dnsTunnel } from "./dnsTunnel";
import { ipSweep } from "./ipSweep";
import { portScan } from "./portScan";

export const simulations = {
    portScan,
    ipSweep,
    dga,
    dnsTunnel,
};
