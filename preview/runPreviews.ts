/**
 * Previews existing stacks of the project through the Automation API and summarises each: one
 * `pulumi preview --diff` per stack, whose engine events make the summary and whose text output
 * is kept beside it. The backend, passphrase and kubeconfig come from the environment, as for
 * `pulumi preview`.
 */
import { EngineEvent, LocalWorkspace } from "@pulumi/pulumi/automation";
import { mapInPool } from "./pool";
import { StackPreview, summarizePreview } from "./summary";

/** A stack to preview. */
export interface PreviewRequest {
    /** Stack name as `pulumi stack select` takes it (`dev`, or `org/dev` on Pulumi Cloud). */
    readonly stack: string;
    /** Config file to use instead of `Pulumi.<stack>.yaml` next to `Pulumi.yaml`. */
    readonly configFile?: string;
}

/** How to run the previews. */
export interface PreviewOptions {
    /** Directory holding `Pulumi.yaml`. */
    readonly workDir: string;
    /** Extra environment for the Pulumi CLI, e.g. PULUMI_BACKEND_URL. */
    readonly envVars?: Record<string, string>;
    /** Policy pack directories to run with each preview. */
    readonly policyPacks?: readonly string[];
    /** JSON config files of the policy packs, in the same order. */
    readonly policyPackConfigs?: readonly string[];
    /**
     * How many previews run at once (default 1). Each is its own `pulumi preview` process, so the
     * bound is what the machine and the API servers can take, not a property of the engine.
     */
    readonly concurrency?: number;
    /** Refresh each stack from its cluster first (`pulumi preview --refresh`), to show drift. */
    readonly refresh?: boolean;
    /** Progress lines, e.g. to stderr. */
    readonly log?: (line: string) => void;
    /** Receives each run's events and output, e.g. to record a test fixture. */
    readonly onRun?: (run: PreviewRun) => void;
}

/** What one preview run produced: its engine events and the CLI's text output. */
export interface PreviewRun {
    readonly stack: string;
    readonly events: readonly EngineEvent[];
    readonly output: string;
}

/**
 * Previews the stacks, up to `concurrency` at once, and returns their summaries in the order of
 * `requests`; a failed preview is reported in its summary, not thrown.
 */
export async function previewStacks(
    requests: readonly PreviewRequest[],
    options: PreviewOptions,
): Promise<StackPreview[]> {
    return mapInPool(requests, options.concurrency ?? 1, async (request) => {
        options.log?.(`previewing stack ${request.stack} ...`);
        const preview = await previewStack(request, options);
        options.log?.(
            `stack ${request.stack}: ${preview.errors.length > 0 ? "failed" : `${preview.resources.length} resource(s) change`}`,
        );
        return preview;
    });
}

async function previewStack(
    request: PreviewRequest,
    options: PreviewOptions,
): Promise<StackPreview> {
    const events: EngineEvent[] = [];
    let output = "";
    try {
        const stack = await LocalWorkspace.selectStack(
            { stackName: request.stack, workDir: options.workDir },
            { envVars: options.envVars },
        );
        await stack.preview({
            diff: true,
            refresh: options.refresh,
            configFile: request.configFile,
            policyPacks: options.policyPacks ? [...options.policyPacks] : undefined,
            policyPackConfigs: options.policyPackConfigs
                ? [...options.policyPackConfigs]
                : undefined,
            color: "never",
            onEvent: (event) => events.push(event),
            onOutput: (text) => (output += text),
        });
        return { ...summarizePreview(request.stack, events), output };
    } catch (error) {
        return {
            ...summarizePreview(request.stack, events, failureText(error, events)),
            output,
        };
    } finally {
        options.onRun?.({ stack: request.stack, events, output });
    }
}

/**
 * The CLI's own error lines. When the engine already reported error diagnostics they say it
 * all, so only a one-line note is added.
 */
function failureText(error: unknown, events: readonly EngineEvent[]): string {
    if (events.some((e) => e.diagnosticEvent?.severity === "error")) {
        return "pulumi preview exited with an error (see above)";
    }
    const message = error instanceof Error ? error.message : String(error);
    const stderr = /stderr:([\s\S]*?)(?:\n\s*err\?:|$)/.exec(message)?.[1] ?? message;
    const lines = stderr
        .split("\n")
        .map((line) => line.trimEnd())
        .filter((line) => line.trim() !== "");
    return lines.slice(-15).join("\n");
}
