/**
 * Rules that tie keys together rather than check one value: the cluster name against the
 * cluster type, and where an attack simulation may run (not on production targets unless
 * allowed, not without a cluster).
 */
import { configKey } from "../catalog/configKeys";
import { ClusterType } from "../catalog/eras";
import { KubeContexts } from "../common/kubeconfig";
import { ProductionPatterns, productionReason, SimulationTarget } from "../common/production";
import { quote } from "../common/quote";
import { clusterNameProblem, maxDnsSubdomainLength } from "./values";

/** The problem of a configured cluster name: its own, or "cluster" on a managed cluster. */
export function clusterNameOfTypeProblem(
    clusterName: string,
    clusterType: ClusterType | undefined,
): string | undefined {
    return (
        clusterNameProblem(clusterName) ??
        (clusterName === "cluster" && clusterType === "managed"
            ? `"cluster" is the default name of standalone and management clusters; a managed cluster must use its own name or its events land in the management cluster's indices`
            : undefined)
    );
}

/** A stack, context or cluster name pattern: printable, no longer than a Kubernetes name. */
export const patternProblem = (pattern: string): string | undefined =>
    pattern.length <= maxDnsSubdomainLength && /^[\x21-\x7e]+$/.test(pattern)
        ? undefined
        : `${quote(pattern)} is not allowed; allowed: a name pattern of up to ${maxDnsSubdomainLength} printable characters without spaces, with * and ? as wildcards`;

/**
 * The target of a simulation or demo: the stack, the configured kube context or else the
 * kubeconfig's current one, and that context's cluster.
 */
export function targetOf(
    stack: string | undefined,
    kubeContext: string | undefined,
    kubeContexts: KubeContexts | undefined,
): SimulationTarget {
    const context = kubeContext ?? kubeContexts?.current;
    return {
        stack,
        kubeContext: context,
        cluster: context === undefined ? undefined : kubeContexts?.clusters[context],
    };
}

/** Why an enabled simulation may not run against `target`, or undefined when it may. */
export function simulationInProductionProblem(
    target: SimulationTarget,
    patterns: ProductionPatterns,
): string | undefined {
    const production = productionReason(target, patterns);
    return production
        ? `${configKey("simulation")}: the attack simulation would run against production (stack ${quote(target.stack ?? "unknown")}, kube context ${quote(target.kubeContext ?? "the current one")}), because ${production}; disable it for this stack, or set ${configKey("allowSimulationInProduction")} to true if it is intended`
        : undefined;
}

/** An enabled simulation needs a cluster, which renderDirectory does not deploy to. */
export function simulationWithoutClusterProblem(
    renderDirectory: string | undefined,
): string | undefined {
    return renderDirectory === undefined
        ? undefined
        : `${configKey("simulation")}: a simulation needs a cluster to scan, but ${configKey("renderDirectory")} renders manifests without one; disable the simulation or unset renderDirectory`;
}
