/**
 * Demo mode's change to Felix: both flush intervals of FelixConfiguration `default` lowered so
 * flow and DNS logs reach Elasticsearch within seconds. A `command.local.Command` records the
 * values it finds, and restores them when demo mode is turned off or the stack is destroyed.
 * A server-side-apply Patch resource would not: deleting it gives up its fields, which removes
 * them (Felix falls back to 300 s) instead of restoring a value someone else had set.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { loadShellScript } from "../common/shellScript";
import { scriptCommand } from "./scriptCommand";

/** Arguments of the Felix change; values come from the catalog (catalog/demo.ts). */
export interface FelixFlushIntervalsArgs {
    /** The interval for both `flowLogsFlushInterval` and `dnsLogsFlushInterval`, e.g. 10s. */
    readonly interval: pulumi.Input<string>;
    /** kubectl resource and name of the FelixConfiguration. */
    readonly resource: pulumi.Input<string>;
    readonly name: pulumi.Input<string>;
    /** kubeconfig context of the stack's Kubernetes provider; unset uses the current one. */
    readonly kubeContext?: pulumi.Input<string>;
    /** The stack holding demo mode (`common/ownership.ts`); Felix lists every holder. */
    readonly holder: pulumi.Input<string>;
}

/** demo/felixIntervals.sh; its one argument is the mode, apply or restore. */
export const felixIntervalsScript = (): string => loadShellScript(["demo/felixIntervals.sh"]);

/** The values Felix had before demo mode, as recorded; null where a field was unset. */
export interface FelixIntervalsRecord {
    readonly flowLogsFlushInterval: string | null;
    readonly dnsLogsFlushInterval: string | null;
}

/** Lowers Felix's flush intervals while it exists; on delete, the last demo stack restores them. */
export class FelixFlushIntervals extends pulumi.ComponentResource {
    public readonly command: command.local.Command;
    /** What Felix had before the first demo stack; put back when the last one lets go. */
    public readonly previous: pulumi.Output<FelixIntervalsRecord>;

    /**
     * @param name The _unique_ name of the component.
     * @param args The interval and the FelixConfiguration.
     * @param opts Options of the component.
     */
    constructor(
        name: string,
        args: FelixFlushIntervalsArgs,
        opts?: pulumi.ComponentResourceOptions,
    ) {
        super("calico-ad:demo:FelixFlushIntervals", name, {}, opts);
        this.command = scriptCommand(
            `${name}-patch`,
            {
                // The script's $1 is its mode.
                script: felixIntervalsScript(),
                scriptName: "calico-ad-demo-felix",
                create: "apply",
                update: "apply",
                delete: "restore",
                environment: {
                    KUBE_CONTEXT: args.kubeContext ?? "",
                    FELIX_RESOURCE: args.resource,
                    FELIX_NAME: args.name,
                    DEMO_INTERVAL: args.interval,
                    DEMO_HOLDER: args.holder,
                },
                addPreviousOutputInEnv: true,
            },
            { parent: this },
        );
        this.previous = this.command.stdout.apply(
            (stdout) => JSON.parse(stdout.trim().split("\n")[0]) as FelixIntervalsRecord,
        );
        this.registerOutputs({ previous: this.previous });
    }
}
