/**
 * The one component that runs any attack simulation (simulations/registry.ts): its script, from a
 * scanner pod with `kubectl exec`, by a `command.local.Command` on `pulumi up` (never in preview).
 * The script is fixed text; every configured value reaches it only as an environment variable
 * expanded inside double quotes. What to run comes from `simulationCommand`
 * (simulations/definition.ts); this component only wires it.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { simulationComponentModule } from "../catalog/simulation";
import { SimulationCommand } from "../simulations/definition";
import { runTriggers } from "./runIdentity";
import { scriptCommand } from "./scriptCommand";

/** Arguments of a simulation: what to run, from `simulationCommand`, and what to follow. */
export interface SimulationArgs {
    /** Component type, script, environment and triggers of the simulation. */
    readonly run: SimulationCommand;
    /** Resources the simulation must follow, normally the AnomalyDetection component. */
    readonly runAfter?: pulumi.Input<pulumi.Resource>[];
    /** The run identity; a new one runs the simulation again, unset keeps the last run's. */
    readonly runId?: string;
}

/**
 * Runs a simulation once the Anomaly Detection objects are deployed, and again whenever one of
 * its triggers changes (threshold, target, scanner, kube context, run identity). Removing it
 * runs nothing.
 */
export class Simulation extends pulumi.ComponentResource {
    /** The command that runs the simulation on `pulumi up`. */
    public readonly command: command.local.Command;
    /** The script's one summary line (what it probed, for which threshold, how long it took). */
    public readonly summary: pulumi.Output<string>;

    /**
     * @param name The _unique_ name of the component.
     * @param args What to run and what to run after.
     * @param opts Options of the component.
     */
    constructor(name: string, args: SimulationArgs, opts?: pulumi.ComponentResourceOptions) {
        // The type names the simulation, so a preview says which one runs.
        super(`${simulationComponentModule}:${args.run.componentType}`, name, {}, opts);
        const { script } = args.run;
        const run = runTriggers(args.run.triggers, args.runId);
        this.command = scriptCommand(
            `${name}-${script.commandSuffix}`,
            {
                script: script.text,
                scriptName: script.name,
                create: script.create,
                environment: { ...args.run.environment },
                triggers: [...run.triggers],
                addPreviousOutputInEnv: false,
            },
            { parent: this, dependsOn: args.runAfter, ignoreChanges: [...run.ignoreChanges] },
        );
        this.summary = this.command.stdout.apply((stdout) => stdout?.trim() ?? "");
        this.registerOutputs({ summary: this.summary });
    }
}
