/**
 * Turns the engine events of one `pulumi preview` into a summary model: per resource the
 * operation and, for updates and replacements, each changed field with its old and new value.
 * Pure: no CLI, no cluster; `runPreviews.ts` feeds it real events, unit tests feed it recorded ones.
 */
import {
    DiffKind,
    EngineEvent,
    OpType,
    PropertyDiff,
    StepEventMetadata,
    StepEventStateMetadata,
} from "@pulumi/pulumi/automation";
import { manifestConstants } from "../catalog/eras";
import { isAdDeployment } from "../catalog/lookup";
import { formatPropertyPath, parsePropertyPath, PathSegment, valueAtPath } from "./propertyPath";

/** What a preview will do to a resource; the engine's replacement steps count as one replace. */
export type ResourceOperation =
    "create" | "update" | "replace" | "delete" | "read" | "import" | "refresh" | "discard";

/** One changed field of an updated or replaced resource. */
export interface FieldChange {
    /** The env var name for container env vars, otherwise the property path. */
    readonly field: string;
    readonly kind: "add" | "delete" | "update";
    /** Old value as text; undefined when the field was not set. */
    readonly oldValue?: string;
    /** New value as text; undefined when the field is removed. */
    readonly newValue?: string;
    /** This change alone forces the resource to be replaced. */
    readonly forcesReplacement: boolean;
}

/** A resource the preview will change. */
export interface ResourceChange {
    readonly urn: string;
    readonly type: string;
    /** Logical (Pulumi) name. */
    readonly name: string;
    /** How people know the object, e.g. `Deployment tigera-intrusion-detection/ad-jobs-deployment`. */
    readonly label: string;
    readonly operation: ResourceOperation;
    /** Properties whose change forces the replacement (replace only). */
    readonly replaceKeys: readonly string[];
    readonly changes: readonly FieldChange[];
}

/** A policy pack violation reported during the preview. */
export interface PolicyViolation {
    readonly policyPack: string;
    readonly policy: string;
    readonly enforcementLevel: string;
    readonly message: string;
    /** Label of the resource in violation; undefined for stack-level violations. */
    readonly resource?: string;
}

/** Everything the summary says about one stack. */
export interface StackPreview {
    readonly stack: string;
    /** Resources the preview changes, in engine order; the Stack resource itself is left out. */
    readonly resources: readonly ResourceChange[];
    /** Resources left as they are. */
    readonly unchanged: number;
    /** Changes that deserve a warning at the top, e.g. replacing the AD Deployment. */
    readonly alerts: readonly string[];
    readonly policyViolations: readonly PolicyViolation[];
    /** Error diagnostics and the failure of the preview itself; empty when it succeeded. */
    readonly errors: readonly string[];
    /** The CLI's text output of the same preview run (`--diff`), when it was captured. */
    readonly output?: string;
}

/** The engine's placeholder for values only known after the update. */
const unknownValue = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const maxValueLength = 200;

const stackType = "pulumi:pulumi:Stack";
const deploymentType = "kubernetes:apps/v1:Deployment";
const replacementOps: readonly OpType[] = [
    "replace",
    "create-replacement",
    "delete-replaced",
    "discard-replaced",
];

/** Builds the summary of one stack from the events of its preview. */
export function summarizePreview(
    stack: string,
    events: readonly EngineEvent[],
    failure?: string,
): StackPreview {
    const steps = new Map<string, StepEventMetadata[]>();
    const sameUrns = new Set<string>();
    const errors: string[] = [];
    const violations: { urn?: string; event: NonNullable<EngineEvent["policyEvent"]> }[] = [];
    let summaryChanges: Partial<Record<OpType, number>> | undefined;

    for (const event of [...events].sort((a, b) => a.sequence - b.sequence)) {
        const metadata = event.resourcePreEvent?.metadata;
        if (metadata && metadata.type !== stackType) {
            if (metadata.op === "same") {
                sameUrns.add(metadata.urn);
            } else if (metadata.op !== "refresh") {
                // A refresh step (`preview --refresh`) only reads the live object; what the
                // preview then does with it is the resource's next step.
                steps.set(metadata.urn, [...(steps.get(metadata.urn) ?? []), metadata]);
            }
        }
        if (event.diagnosticEvent?.severity === "error") {
            errors.push(plainText(event.diagnosticEvent.message));
        }
        if (event.policyEvent) {
            violations.push({ urn: event.policyEvent.resourceUrn, event: event.policyEvent });
        }
        if (event.summaryEvent) {
            summaryChanges = event.summaryEvent.resourceChanges;
        }
    }
    if (failure !== undefined) {
        errors.push(failure);
    }

    const resources = [...steps.values()].map(describeResource);
    const labels = new Map(resources.map((r) => [r.urn, r.label]));
    return {
        stack,
        resources,
        unchanged: summaryChanges?.same ?? [...sameUrns].filter((u) => !steps.has(u)).length,
        alerts: resources.flatMap(alertsFor),
        policyViolations: violations.map(({ urn, event }) => ({
            policyPack: event.policyPackName,
            policy: event.policyName,
            enforcementLevel: event.enforcementLevel,
            message: plainText(event.message),
            resource: urn === undefined ? undefined : (labels.get(urn) ?? nameFromUrn(urn)),
        })),
        errors: dedupe(errors),
    };
}

function describeResource(stepsOfUrn: readonly StepEventMetadata[]): ResourceChange {
    const first = stepsOfUrn[0];
    const operation = operationOf(stepsOfUrn.map((s) => s.op));
    // The step that carries the diff: the logical replace step, else the only step.
    const main = stepsOfUrn.find((s) => s.op === "replace") ?? first;
    return {
        urn: first.urn,
        type: first.type,
        name: nameFromUrn(first.urn),
        label: labelOf(first.type, first.urn, main.new ?? main.old),
        operation,
        replaceKeys:
            operation === "replace" ? [...new Set(stepsOfUrn.flatMap((s) => s.keys ?? []))] : [],
        changes: operation === "update" || operation === "replace" ? fieldChanges(main) : [],
    };
}

function operationOf(ops: readonly OpType[]): ResourceOperation {
    if (ops.some((op) => replacementOps.includes(op))) {
        return "replace";
    }
    const op = ops[0];
    switch (op) {
        case "read-replacement":
            return "read";
        case "import-replacement":
            return "import";
        case "remove-pending-replace":
            return "delete";
        case "same":
        case "replace":
        case "create-replacement":
        case "delete-replaced":
        case "discard-replaced":
            throw new Error(`step ${op} is handled before`);
        default:
            return op;
    }
}

/** The resource's logical name: the part of the URN after the type. */
export function nameFromUrn(urn: string): string {
    return urn.split("::").slice(3).join("::") || urn;
}

/** `Kind namespace/name` for Kubernetes objects, `type name` for everything else. */
function labelOf(type: string, urn: string, state?: StepEventStateMetadata): string {
    const kubernetes = /^kubernetes:[^:]+:([^:]+)$/.exec(type);
    if (!kubernetes) {
        return `${type} ${nameFromUrn(urn)}`;
    }
    const metadata = (state?.inputs?.metadata ?? state?.outputs?.metadata ?? {}) as {
        name?: unknown;
        namespace?: unknown;
    };
    const objectName =
        typeof metadata.name === "string" && metadata.name !== unknownValue
            ? metadata.name
            : nameFromUrn(urn);
    return typeof metadata.namespace === "string" && metadata.namespace !== unknownValue
        ? `${kubernetes[1]} ${metadata.namespace}/${objectName}`
        : `${kubernetes[1]} ${objectName}`;
}

const adDeploymentLabel = `Deployment ${manifestConstants.namespace}/${manifestConstants.deploymentName}`;

/** Whether this is the manifest-era AD jobs Deployment. */
/** The AD Deployment, told by its type and by the namespace and name its label shows (`labelOf`). */
function isAdDeploymentChange(resource: Pick<ResourceChange, "type" | "label">): boolean {
    const shown = /^\S+ ([^/\s]+)\/(\S+)$/.exec(resource.label);
    return (
        resource.type === deploymentType &&
        shown !== null &&
        isAdDeployment({ namespace: shown[1], name: shown[2] })
    );
}

function alertsFor(resource: ResourceChange): string[] {
    if (!isAdDeploymentChange(resource)) {
        return [];
    }
    if (resource.operation === "replace") {
        const because =
            resource.replaceKeys.length > 0
                ? ` because ${resource.replaceKeys.map((k) => `\`${k}\``).join(", ")} changed`
                : "";
        return [
            `The AD Deployment \`${adDeploymentLabel}\` will be **replaced**${because}. ` +
                "A named Deployment is deleted before its replacement is created, so anomaly " +
                "detection stops until the new pod runs, and models kept on the old node's host " +
                "path are lost if the pod moves.",
        ];
    }
    if (resource.operation === "delete") {
        return [
            `The AD Deployment \`${adDeploymentLabel}\` will be **deleted**: anomaly detection ` +
                "stops on this cluster.",
        ];
    }
    return [];
}

interface DiffEntry {
    readonly path: readonly PathSegment[];
    readonly diff: PropertyDiff;
}

/** The changed fields of an update or replace step, old and new values included. */
function fieldChanges(step: StepEventMetadata): FieldChange[] {
    const entries: DiffEntry[] = step.detailedDiff
        ? Object.entries(step.detailedDiff).map(([path, diff]) => ({
              path: parsePropertyPath(path) ?? [path],
              diff,
          }))
        : (step.diffs ?? []).map((key) => ({
              path: [key],
              diff: { diffKind: DiffKind.update, inputDiff: true },
          }));

    const changes: FieldChange[] = [];
    const envGroups = new Map<string, { container: readonly PathSegment[]; replace: boolean }>();
    for (const entry of entries) {
        const container = containerOfEnvPath(entry.path);
        if (container) {
            const key = formatPropertyPath(container);
            envGroups.set(key, {
                container,
                replace: (envGroups.get(key)?.replace ?? false) || forcesReplacement(entry.diff),
            });
            continue;
        }
        changes.push(plainFieldChange(step, entry));
    }
    for (const { container, replace } of envGroups.values()) {
        changes.push(...envChanges(step, container, replace));
    }
    return changes;
}

function forcesReplacement(diff: PropertyDiff): boolean {
    return [DiffKind.addReplace, DiffKind.deleteReplace, DiffKind.updateReplace].includes(
        diff.diffKind,
    );
}

function kindOf(diff: PropertyDiff): FieldChange["kind"] {
    switch (diff.diffKind) {
        case DiffKind.add:
        case DiffKind.addReplace:
            return "add";
        case DiffKind.delete:
        case DiffKind.deleteReplace:
            return "delete";
        default:
            return "update";
    }
}

/** Old value: from old inputs for input diffs, from old outputs otherwise (each falling back to the other). */
function oldValueAt(step: StepEventMetadata, path: readonly PathSegment[], inputDiff: boolean) {
    const inputs = valueAtPath(step.old?.inputs, path);
    const outputs = valueAtPath(step.old?.outputs, path);
    return inputDiff ? (inputs ?? outputs) : (outputs ?? inputs);
}

function newValueAt(step: StepEventMetadata, path: readonly PathSegment[]) {
    return valueAtPath(step.new?.inputs, path) ?? valueAtPath(step.new?.outputs, path);
}

function plainFieldChange(step: StepEventMetadata, entry: DiffEntry): FieldChange {
    const kind = kindOf(entry.diff);
    return {
        field: formatPropertyPath(entry.path),
        kind,
        oldValue:
            kind === "add"
                ? undefined
                : renderValue(oldValueAt(step, entry.path, entry.diff.inputDiff)),
        newValue: kind === "delete" ? undefined : renderValue(newValueAt(step, entry.path)),
        forcesReplacement: forcesReplacement(entry.diff),
    };
}

/**
 * `spec.template.spec.containers[0]` for a path into that container's env list. Env changes are
 * compared by variable name, because an added or removed variable shifts every later index.
 */
function containerOfEnvPath(path: readonly PathSegment[]): PathSegment[] | undefined {
    const envAt = path.indexOf("env");
    if (envAt < 2) {
        return undefined;
    }
    const container = path.slice(0, envAt);
    const list = container[container.length - 2];
    return (list === "containers" || list === "initContainers") &&
        typeof container[container.length - 1] === "number"
        ? container
        : undefined;
}

interface EnvEntry {
    readonly name?: unknown;
    readonly value?: unknown;
    readonly valueFrom?: Record<string, { name?: unknown; key?: unknown; fieldPath?: unknown }>;
}

function envChanges(
    step: StepEventMetadata,
    container: readonly PathSegment[],
    replace: boolean,
): FieldChange[] {
    const envPath = [...container, "env"];
    const oldEnv = envMap(oldValueAt(step, envPath, true));
    const newEnv = envMap(newValueAt(step, envPath));
    const names = [...new Set([...oldEnv.keys(), ...newEnv.keys()])];
    const changes = names
        .filter((name) => oldEnv.get(name) !== newEnv.get(name))
        .map((name): FieldChange => ({
            field: name,
            kind: !oldEnv.has(name) ? "add" : !newEnv.has(name) ? "delete" : "update",
            oldValue: oldEnv.get(name),
            newValue: newEnv.get(name),
            forcesReplacement: replace,
        }));
    if (changes.length === 0) {
        // Same variables and values: only their order changed.
        return [
            {
                field: formatPropertyPath(envPath),
                kind: "update",
                oldValue: "(same variables, other order)",
                newValue: "(same variables, new order)",
                forcesReplacement: replace,
            },
        ];
    }
    return changes;
}

/** Env var name to its rendered value (literal, or where it is read from). */
function envMap(env: unknown): Map<string, string> {
    const map = new Map<string, string>();
    if (!Array.isArray(env)) {
        return map;
    }
    for (const entry of env as EnvEntry[]) {
        if (typeof entry?.name !== "string") {
            continue;
        }
        map.set(entry.name, renderEnvSource(entry));
    }
    return map;
}

function renderEnvSource(entry: EnvEntry): string {
    if (entry.valueFrom) {
        const [source, ref] = Object.entries(entry.valueFrom)[0] ?? [];
        if (source && ref) {
            const where =
                ref.fieldPath !== undefined
                    ? String(ref.fieldPath)
                    : `${String(ref.name)}/${String(ref.key)}`;
            return `(from ${source} ${where})`;
        }
    }
    return renderValue(entry.value) ?? "";
}

/** A value as short text: strings as they are, the rest as JSON; long values are cut. */
export function renderValue(value: unknown): string | undefined {
    if (value === undefined) {
        return undefined;
    }
    if (value === unknownValue) {
        return "(known after apply)";
    }
    const text = typeof value === "string" ? value : JSON.stringify(value);
    return text.length > maxValueLength ? `${text.slice(0, maxValueLength - 1)}…` : text;
}

/** Strips the engine's colour markup (`<{%reset%}>`) and trailing whitespace. */
function plainText(message: string): string {
    return message.replace(/<\{%[^%]*%\}>/g, "").trimEnd();
}

function dedupe(items: readonly string[]): string[] {
    return [...new Set(items)];
}
