/**
 * The base of every expected error: bad config, a cluster that is missing prerequisites or
 * cannot be read. The Pulumi SDK prints a `RunError` as its message alone, without "unhandled
 * exception" or a stack trace (`cmd/run/run.js`, the uncaught-error handler). The stack is
 * replaced by the message at construction: the SDK still formats the error once for its trace
 * span, and a lazily formatted stack costs source-map lookups through every frame.
 */
import * as pulumi from "@pulumi/pulumi";

export class UserError extends pulumi.RunError {
    constructor(message: string) {
        super(message);
        this.name = new.target.name;
        this.stack = message;
    }
}
