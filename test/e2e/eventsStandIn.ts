/**
 * STAND-IN for the Elasticsearch events search that the AD pods use (no Elasticsearch runs
 * here). An HTTPS server on 127.0.0.1, on an ephemeral port, with a certificate for the AD pods'
 * Elasticsearch host signed by a throw-away CA. It accepts what the real endpoint accepts for
 * this search and nothing else: `POST /<index pattern>/_search` with a JSON body of a `bool`
 * query whose filters are `term`, `terms`, `range` (epoch_second) and `bool`/`should`, Basic
 * authentication of the AD user, and answers in the `_search` answer shape, evaluating the
 * query against the events it holds (index patterns with `*`).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as https from "node:https";
import { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";

/** An event as stored in an events index. */
export interface StoredEvent {
    readonly index: string;
    readonly source: Record<string, unknown>;
    /** Searches before this one do not see it (the alert is raised later). */
    readonly visibleFromSearch?: number;
    /**
     * No `time` in `source`: the time of the first search that sees it, as for an alert raised
     * then (a time fixed before the scan can fall before the scan's bucket).
     */
    readonly timedAtVisibility?: boolean;
}

export type StandInMode = "events" | "malformed";

export interface SearchRequest {
    readonly path: string;
    readonly authorized: boolean;
    readonly body: unknown;
}

/** A throw-away CA and a serving certificate for `hostName`, made with openssl. */
export function makeCertificates(hostName: string): { ca: string; cert: string; key: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "calico-ad-es-stand-in-"));
    try {
        const run = (args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
        run([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
            "-days",
            "1",
            "-subj",
            "/CN=calico-ad test stand-in CA",
        ]);
        run([
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "tls.key",
            "-out",
            "tls.csr",
            "-subj",
            `/CN=${hostName}`,
        ]);
        fs.writeFileSync(
            path.join(dir, "ext"),
            `subjectAltName=DNS:${hostName}\nextendedKeyUsage=serverAuth\n`,
        );
        run([
            "x509",
            "-req",
            "-in",
            "tls.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "1",
            "-extfile",
            "ext",
            "-out",
            "tls.crt",
        ]);
        const read = (name: string) => fs.readFileSync(path.join(dir, name), "utf8");
        return { ca: read("ca.crt"), cert: read("tls.crt"), key: read("tls.key") };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

type Doc = Record<string, unknown>;

/** Whether a document passes one filter clause; throws on a clause the stand-in does not know. */
function passes(clause: unknown, doc: Doc): boolean {
    const [kind, body] = Object.entries(clause as Record<string, unknown>)[0] ?? [];
    const [field, value] = Object.entries((body ?? {}) as Record<string, unknown>)[0] ?? [];
    switch (kind) {
        case "term":
            return doc[field] === value;
        case "terms":
            if (!Array.isArray(value)) {
                throw new Error("[terms] query requires an array of values");
            }
            return value.includes(doc[field]);
        case "range": {
            const range = value as { gte?: number; format?: string };
            if (range.format !== "epoch_second" || typeof range.gte !== "number") {
                throw new Error("[range] expects gte with format epoch_second");
            }
            return typeof doc[field] === "number" && (doc[field] as number) >= range.gte;
        }
        case "bool": {
            const bool = body as {
                should?: unknown[];
                filter?: unknown[];
                minimum_should_match?: number;
            };
            const filters = (bool.filter ?? []).every((c) => passes(c, doc));
            const should = bool.should ?? [];
            const min = bool.minimum_should_match ?? (should.length > 0 ? 1 : 0);
            return filters && should.filter((c) => passes(c, doc)).length >= min;
        }
        default:
            throw new Error(`unknown query [${String(kind)}]`);
    }
}

const globToRegex = (pattern: string) =>
    new RegExp(
        `^${pattern
            .split("*")
            .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
            .join(".*")}$`,
    );

export class EventsSearchStandIn {
    readonly requests: SearchRequest[] = [];
    mode: StandInMode = "events";
    events: StoredEvent[] = [];
    private searches = 0;
    private readonly raisedAt = new Map<StoredEvent, number>();

    private constructor(
        private readonly server: https.Server,
        readonly port: number,
    ) {}

    /** Starts the stand-in; `credential` is the AD user it accepts. */
    static async start(
        tls: { cert: string; key: string },
        credential: { username: string; password: string },
    ): Promise<EventsSearchStandIn> {
        const expected = `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString("base64")}`;
        const holder: { standIn?: EventsSearchStandIn } = {};
        const server = https.createServer(tls, (req, res) => {
            const chunks: Buffer[] = [];
            req.on("data", (c: Buffer) => chunks.push(c));
            req.on("end", () =>
                holder.standIn?.answer(req, Buffer.concat(chunks).toString("utf8"), expected, res),
            );
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        const standIn = new EventsSearchStandIn(server, (server.address() as AddressInfo).port);
        holder.standIn = standIn;
        return standIn;
    }

    reset(mode: StandInMode, events: StoredEvent[] = []): void {
        this.mode = mode;
        this.events = events;
        this.raisedAt.clear();
        this.searches = 0;
        this.requests.length = 0;
    }

    private raised(event: StoredEvent): StoredEvent {
        if (!this.raisedAt.has(event)) {
            this.raisedAt.set(event, Math.floor(Date.now() / 1000));
        }
        return { ...event, source: { ...event.source, time: this.raisedAt.get(event) } };
    }

    private answer(
        req: import("node:http").IncomingMessage,
        text: string,
        expectedAuth: string,
        res: import("node:http").ServerResponse,
    ): void {
        const send = (status: number, body: unknown) => {
            res.writeHead(status, { "content-type": "application/json" });
            res.end(typeof body === "string" ? body : JSON.stringify(body));
        };
        const authorized = req.headers.authorization === expectedAuth;
        const url = new URL(req.url ?? "/", "https://stand-in");
        let body: unknown;
        try {
            body = JSON.parse(text);
        } catch {
            body = undefined;
        }
        this.requests.push({ path: url.pathname, authorized, body });
        if (!authorized) {
            return send(401, {
                error: { type: "security_exception", reason: "unable to authenticate user" },
                status: 401,
            });
        }
        const match = /^\/([^/]+)\/_search$/.exec(url.pathname);
        if (
            req.method !== "POST" ||
            !match ||
            !/^application\/json/.test(req.headers["content-type"] ?? "")
        ) {
            return send(400, {
                error: { type: "illegal_argument_exception", reason: "not a search" },
                status: 400,
            });
        }
        if (this.mode === "malformed") {
            return send(
                200,
                "<html><body>Elastic gateway: upstream temporarily unavailable</body></html>",
            );
        }
        const search = body as
            { query?: { bool?: { filter?: unknown[] } }; size?: number } | undefined;
        const filters = search?.query?.bool?.filter;
        if (!Array.isArray(filters)) {
            return send(400, {
                error: { type: "parsing_exception", reason: "expected a bool query with filters" },
                status: 400,
            });
        }
        this.searches++;
        const index = globToRegex(decodeURIComponent(match[1]));
        try {
            const hits = this.events
                .filter((e) => index.test(e.index) && (e.visibleFromSearch ?? 1) <= this.searches)
                .map((e) => (e.timedAtVisibility ? this.raised(e) : e))
                .filter((e) => filters.every((f) => passes(f, e.source)))
                .slice(0, search?.size ?? 10)
                .map((e, i) => ({
                    _index: e.index,
                    _id: `stand-in-${i}`,
                    _score: null,
                    _source: e.source,
                }));
            send(200, {
                took: 1,
                timed_out: false,
                hits: { total: { value: hits.length, relation: "eq" }, max_score: null, hits },
            });
        } catch (error) {
            send(400, {
                error: { type: "parsing_exception", reason: (error as Error).message },
                status: 400,
            });
        }
    }

    async stop(): Promise<void> {
        await new Promise<void>((resolve) => this.server.close(() => resolve()));
    }
}
