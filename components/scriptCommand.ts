/**
 * The pattern every calico-ad Command shares: a fixed `.sh` script as its interpreter, every value
 * in its environment, and a word as its create (update, delete) string, which pulumi-command
 * quotes in its error instead of the script.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { scriptInterpreter } from "../common/shellScript";

/** The inputs of a script Command. */
export interface ScriptCommandArgs {
    /** The script text and its `$0`. */
    readonly script: string;
    readonly scriptName: string;
    /** The words the script gets as `$1` on create, update and delete; unset runs nothing. */
    readonly create: string;
    readonly update?: string;
    readonly delete?: string;
    /** The only way values reach the script. */
    readonly environment: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Values whose change replaces the Command, so create runs again. */
    readonly triggers?: pulumi.Input<unknown>[];
    /** Whether the script sees its previous stdout (PULUMI_COMMAND_STDOUT) on update and delete. */
    readonly addPreviousOutputInEnv: boolean;
}

/** A `command.local.Command` that runs `args.script` with `sh -c`. */
export function scriptCommand(
    name: string,
    args: ScriptCommandArgs,
    opts: pulumi.CustomResourceOptions,
): command.local.Command {
    return new command.local.Command(
        name,
        {
            interpreter: scriptInterpreter(args.script, args.scriptName),
            create: args.create,
            ...(args.update === undefined ? {} : { update: args.update }),
            ...(args.delete === undefined ? {} : { delete: args.delete }),
            environment: args.environment,
            ...(args.triggers === undefined ? {} : { triggers: args.triggers }),
            addPreviousOutputInEnv: args.addPreviousOutputInEnv,
        },
        opts,
    );
}
