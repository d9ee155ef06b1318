/**
 * When an attack simulation would hit production: the one rule the program (at preview, from
 * stack config) and the policy pack (on every preview and update) both apply. A target is
 * production when the stack is tagged so, or its stack name, kube context or kubeconfig cluster
 * matches a pattern.
 */
import { quote } from "./quote";

/** The stack tag that marks a stack as production, whatever its name. */
export const productionTag = "calico-ad:production";

/** Patterns (`*` and `?`) that make a target production. */
export interface ProductionPatterns {
    /** Stack names. */
    readonly productionStacks: readonly string[];
    /** kubeconfig context names and the names of the clusters they point at. */
    readonly protectedContexts: readonly string[];
}

export const defaultProductionPatterns: ProductionPatterns = {
    productionStacks: ["prod*"],
    protectedContexts: ["*prod*"],
};

/** Where a simulation would run, as far as it is known. */
export interface SimulationTarget {
    readonly stack?: string;
    readonly stackTags?: ReadonlyMap<string, string>;
    /** The kube context the scan uses (configured, or the kubeconfig's current one). */
    readonly kubeContext?: string;
    /** The kubeconfig cluster that context points at. */
    readonly cluster?: string;
}

/** `*` matches any run of characters, `?` one character; the rest is literal. */
export function globMatches(pattern: string, text: string): boolean {
    const regex = pattern
        .split("")
        .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
        .join("");
    return new RegExp(`^${regex}$`).test(text);
}

/** Why the target counts as production, or undefined when nothing says it does. */
export function productionReason(
    target: SimulationTarget,
    patterns: ProductionPatterns,
): string | undefined {
    if (target.stackTags?.get(productionTag) === "true") {
        return `it is tagged ${productionTag}=true`;
    }
    const match = (what: string, text: string | undefined, list: readonly string[]) => {
        const pattern = text === undefined ? undefined : list.find((p) => globMatches(p, text));
        return pattern === undefined ? undefined : `${what} matches ${quote(pattern)}`;
    };
    return (
        match("its name", target.stack, patterns.productionStacks) ??
        match(
            `its kube context ${quote(target.kubeContext)}`,
            target.kubeContext,
            patterns.protectedContexts,
        ) ??
        match(`its cluster ${quote(target.cluster)}`, target.cluster, patterns.protectedContexts)
    );
}
