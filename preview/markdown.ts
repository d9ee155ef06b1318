/** Renders preview summaries as Markdown for a pull request, a CI job summary or a terminal. */
import { FieldChange, ResourceChange, ResourceOperation, StackPreview } from "./summary";

const operationOrder: readonly ResourceOperation[] = [
    "replace",
    "delete",
    "update",
    "create",
    "import",
    "read",
    "refresh",
    "discard",
];

const operationWords: Record<ResourceOperation, string> = {
    create: "to create",
    update: "to update",
    replace: "to replace",
    delete: "to delete",
    read: "to read",
    import: "to import",
    refresh: "to refresh",
    discard: "to discard",
};

/** Context printed under the heading. */
export interface RenderOptions {
    /** The commit that was previewed, so that a stale comment is recognisable. */
    readonly revision?: string;
}

/**
 * The CLI output kept per stack; GitHub cuts comments at 65536 characters, and the whole output
 * stays in the job log.
 */
const maxOutputLength = 30_000;

/** The whole summary: an overview table, then one section per stack. */
export function renderMarkdown(
    previews: readonly StackPreview[],
    options: RenderOptions = {},
): string {
    const lines = [
        "# calico-ad preview",
        "",
        ...(options.revision ? [`Previewed commit ${code(options.revision)}.`, ""] : []),
        "| Stack | Result | Changes |",
        "| --- | --- | --- |",
        ...previews.map((p) => `| ${code(p.stack)} | ${resultOf(p)} | ${countsOf(p)} |`),
    ];
    for (const preview of previews) {
        lines.push("", ...renderStack(preview));
    }
    return `${lines.join("\n")}\n`;
}

/** One stack's section. */
export function renderStack(preview: StackPreview): string[] {
    const lines = [`## ${code(preview.stack)}`, ""];
    for (const alert of preview.alerts) {
        lines.push("> [!CAUTION]", `> ${alert}`, "");
    }
    if (preview.policyViolations.length > 0) {
        lines.push("**Policy violations:**", "");
        for (const v of preview.policyViolations) {
            const where = v.resource ? ` on ${code(v.resource)}` : "";
            lines.push(
                `- ${v.enforcementLevel} ${code(`${v.policyPack}/${v.policy}`)}${where}: ${oneLine(v.message)}`,
            );
        }
        lines.push("");
    }
    if (preview.errors.length > 0) {
        const fence = fenceFor(preview.errors.join("\n"));
        lines.push("**The preview failed:**", "", fence, ...preview.errors, fence, "");
    }
    if (preview.resources.length === 0) {
        lines.push(preview.errors.length > 0 ? "No changes could be computed." : "No changes.", "");
    } else {
        const ordered = [...preview.resources].sort(
            (a, b) => operationOrder.indexOf(a.operation) - operationOrder.indexOf(b.operation),
        );
        for (const resource of ordered) {
            lines.push(...renderResource(resource));
        }
        lines.push("");
    }
    if (preview.output?.trim()) {
        lines.push(...renderOutput(preview.output));
    }
    return lines;
}

/** The CLI's own output of the run, folded away, for reviewers who want every detail. */
function renderOutput(output: string): string[] {
    const text = output.trimEnd();
    const shown =
        text.length > maxOutputLength
            ? `${text.slice(0, maxOutputLength)}\n… (${text.length - maxOutputLength} more characters in the job log)`
            : text;
    const fence = fenceFor(shown);
    return [
        "<details><summary>Output of <code>pulumi preview --diff</code></summary>",
        "",
        fence,
        shown,
        fence,
        "",
        "</details>",
        "",
    ];
}

function renderResource(resource: ResourceChange): string[] {
    const because =
        resource.operation === "replace" && resource.replaceKeys.length > 0
            ? ` (replaced because of ${resource.replaceKeys.map(code).join(", ")})`
            : "";
    return [
        `- **${resource.operation}** ${code(resource.label)}${because}`,
        ...resource.changes.map(
            (change) =>
                `  - ${code(describeChange(change))}${change.forcesReplacement ? " (forces replacement)" : ""}`,
        ),
    ];
}

/** `AD_port_scan_threshold: 200 → 300`; unset sides read `(unset)`. */
export function describeChange(change: FieldChange): string {
    return `${change.field}: ${change.oldValue ?? "(unset)"} → ${change.newValue ?? "(unset)"}`;
}

function resultOf(preview: StackPreview): string {
    if (preview.policyViolations.some((v) => v.enforcementLevel === "mandatory")) {
        return "❌ mandatory policy violations";
    }
    if (preview.errors.length > 0) {
        return "❌ preview failed";
    }
    if (preview.alerts.length > 0) {
        return "⚠️ replaces or deletes the AD Deployment";
    }
    if (preview.policyViolations.length > 0) {
        return "⚠️ policy violations";
    }
    return preview.resources.length === 0 ? "no changes" : "ok";
}

function countsOf(preview: StackPreview): string {
    const counts = operationOrder
        .map((op) => [op, preview.resources.filter((r) => r.operation === op).length] as const)
        .filter(([, n]) => n > 0)
        .map(([op, n]) => `${n} ${operationWords[op]}`);
    return [...counts, `${preview.unchanged} unchanged`].join(", ");
}

/** A code fence longer than any run of backticks in `text`. */
export function fenceFor(text: string): string {
    const longestRun = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
    return "`".repeat(Math.max(3, longestRun + 1));
}

/** Inline code that survives backticks inside the text. */
function code(text: string): string {
    const fence = text.includes("`") ? "``" : "`";
    const padded = text.startsWith("`") || text.endsWith("`") ? ` ${text} ` : text;
    return `${fence}${oneLine(padded)}${fence}`;
}

function oneLine(text: string): string {
    return text.replace(/\s*\n\s*/g, " ");
}
