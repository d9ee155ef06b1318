/**
 * Alerts nobody would see: an active AlertException whose selector matches a simulation's alert
 * hides it from the web UI and the Manager's events search (the events index keeps it, so the
 * verification still finds it). Pure: the caller reads the AlertExceptions; this says which ones
 * hide which simulation's alert. Source: ../shared/reference/detection-tests.md section 3.
 *
 * Selectors are Calico's events query language; only a subset is evaluated: clauses
 * `field = value` and `field != value` (value quoted or bare, without `*`), joined by AND and OR
 * (AND binds tighter), without parentheses, NOT or IN. Anything else is reported as a selector
 * preflight cannot evaluate, never as a failure.
 */
import { adEvents } from "../catalog/eventSearch";
import { globalAlertName } from "../catalog/lookup";
import { quote } from "../common/quote";
import { sourceNames } from "../verify/events";

/** Field of an event to the values it may have; a field that is absent is unknown. */
export type EventFacts = Readonly<Record<string, readonly string[]>>;

/** Whether a selector selects an event: `true`, `false`, or `undefined` when it may. */
export type Verdict = boolean | undefined;

interface Clause {
    readonly field: string;
    readonly equal: boolean;
    readonly value: string;
}

/** A selector as OR of ANDs of clauses, or why it is outside the evaluated subset. */
export function parseSelector(selector: string): Clause[][] | string {
    const token = /\s*(?:"([^"\\]*)"|'([^'\\]*)'|(!=|=)|([A-Za-z0-9_.:/@-]+)|(\S))/y;
    const tokens: { text: string; quoted: boolean; operator: boolean }[] = [];
    const text = selector.trim();
    while (token.lastIndex < text.length) {
        // Every character starts some token, the last alternative being any other character.
        const match = token.exec(text) as RegExpExecArray;
        if (match[5] !== undefined) {
            return `${quote(match[5])} is outside the evaluated subset`;
        }
        const quoted = match[1] ?? match[2];
        tokens.push({
            text: quoted ?? match[3] ?? match[4],
            quoted: quoted !== undefined,
            operator: match[3] !== undefined,
        });
    }
    const groups: Clause[][] = [[]];
    for (let i = 0; i < tokens.length; i += 4) {
        const [field, operator, value, joiner] = tokens.slice(i, i + 4);
        if (!field || field.quoted || field.operator || !operator?.operator) {
            return `expected FIELD = VALUE or FIELD != VALUE at ${quote(field?.text ?? "the end")}`;
        }
        if (!value || value.operator || value.text.includes("*")) {
            return `expected a value without "*" after ${quote(`${field.text} ${operator.text}`)}`;
        }
        groups[groups.length - 1].push({
            field: field.text,
            equal: operator.text === "=",
            value: value.text,
        });
        const word = joiner?.quoted ? undefined : joiner?.text.toUpperCase();
        if (joiner && word !== "AND" && word !== "OR") {
            return `expected AND or OR at ${quote(joiner.text)}`;
        }
        if (word === "OR") {
            groups.push([]);
        }
        if (joiner && i + 4 >= tokens.length) {
            return `it ends with ${quote(joiner.text)}`;
        }
    }
    return groups[0].length === 0 ? "it is empty" : groups;
}

function clauseVerdict(clause: Clause, facts: EventFacts): Verdict {
    const values = facts[clause.field];
    if (values === undefined) {
        return undefined;
    }
    const equal = !values.includes(clause.value) ? false : values.length === 1 ? true : undefined;
    return equal === undefined ? undefined : equal === clause.equal;
}

/**
 * Whether `selector` selects an event with these facts: three-valued, so a clause on a field the
 * facts lack, or one of several possible values, makes the answer "may" (undefined) unless the
 * rest decides it. A string says why the selector cannot be evaluated.
 */
export function selectorSelects(selector: string, facts: EventFacts): Verdict | string {
    const parsed = parseSelector(selector);
    if (typeof parsed === "string") {
        return parsed;
    }
    const all = (verdicts: Verdict[]) =>
        verdicts.includes(false) ? false : verdicts.includes(undefined) ? undefined : true;
    const any = (verdicts: Verdict[]) =>
        verdicts.includes(true) ? true : verdicts.includes(undefined) ? undefined : false;
    return any(parsed.map((group) => all(group.map((clause) => clauseVerdict(clause, facts)))));
}

/** A simulation as far as its alert is known before it runs. */
export interface SimulatedAlert {
    /** The simulation in words, e.g. `port scan`. */
    readonly title: string;
    readonly detector: string;
    readonly namespace: string;
    readonly pod: string;
}

/** What the alert of `simulation` will say: type, origin candidates and source. */
export function alertFacts(simulation: SimulatedAlert): EventFacts {
    return {
        type: [adEvents.type],
        origin: [simulation.detector, globalAlertName(simulation.detector)],
        source_namespace: [simulation.namespace],
        source_name: [simulation.pod],
        source_name_aggr: sourceNames(simulation.pod),
    };
}

/** Whether an AlertException is in force at `now` (epoch ms): started, and not ended. */
export function isActive(spec: Record<string, unknown>, now: number): boolean {
    const time = (value: unknown) => (typeof value === "string" ? Date.parse(value) : NaN);
    const start = time(spec.startTime);
    const end = time(spec.endTime);
    return !(start > now) && !(end <= now);
}

/**
 * The warnings for the AlertExceptions in `list` (the `kubectl get -o json` answer; undefined
 * when the cluster has none) that are active at `now` and hide, may hide, or cannot be checked
 * against, the alert of a simulation.
 */
export function alertExceptionWarnings(
    list: unknown,
    simulations: readonly SimulatedAlert[],
    now: number,
): string[] {
    const items = (list as { items?: unknown } | undefined)?.items;
    if (!Array.isArray(items) || simulations.length === 0) {
        return [];
    }
    return items.flatMap((item: unknown) => {
        const object = (item ?? {}) as { metadata?: { name?: string }; spec?: unknown };
        const spec = (object.spec ?? {}) as Record<string, unknown>;
        if (!isActive(spec, now)) {
            return [];
        }
        const name = `AlertException ${quote(object.metadata?.name ?? "")}`;
        const selector = typeof spec.selector === "string" ? spec.selector : "";
        const hides =
            "so it hides that alert from the web UI and the Manager's events search (the events index keeps it); end it (spec.endTime) or narrow its selector before relying on the simulation";
        return simulations.flatMap((simulation) => {
            const verdict = selectorSelects(selector, alertFacts(simulation));
            const alert = `the ${simulation.detector} alert of the ${simulation.title} from ${simulation.namespace}/${simulation.pod}`;
            if (typeof verdict === "string") {
                return [
                    `${name} may hide ${alert}: preflight cannot evaluate its selector ${quote(selector)} (${verdict}); check it by hand`,
                ];
            }
            if (verdict === false) {
                return [];
            }
            return [
                `${name} ${verdict ? "matches" : "may match"} ${alert} (selector ${quote(selector)}), ${hides}`,
            ];
        });
    });
}
