/** Whether a configured kube context is in the kubeconfig, and the closest names when not. */
import { nearestName } from "../catalog/lookup";
import { KubeContexts } from "../common/kubeconfig";
import { quote } from "../common/quote";

/** Why a configured kube context cannot be used, or undefined when the kubeconfig has it. */
export function kubeContextMissing(
    context: string,
    contexts: KubeContexts | undefined,
): string | undefined {
    if (!contexts) {
        return undefined;
    }
    if (contexts.unreadable) {
        return `${quote(context)} cannot be looked up: ${contexts.unreadable}`;
    }
    if (contexts.names.includes(context)) {
        return undefined;
    }
    const suggestion = nearestName(context, contexts.names);
    const listed = contexts.names
        .slice(0, 20)
        .map((name) => quote(name))
        .join(", ");
    return `${quote(context)} is not a context of ${contexts.files.join(", ")}${suggestion ? `; did you mean ${quote(suggestion)}?` : ""}; contexts there: ${listed || "none"}${contexts.names.length > 20 ? `, and ${contexts.names.length - 20} more` : ""}`;
}
