import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from "node:http";
import type { Credentials } from "./api-server.js";
import { type CommandRequest, isMenu, runCommand } from "./commands.js";
import type { FaultPlan } from "./faults.js";
import type { RouterModel } from "./model.js";
import { project } from "./query.js";
import { TrapError } from "./table.js";

type Route =
  | { kind: "list" | "add"; menu: string; command: string }
  | { kind: "item" | "set" | "remove"; menu: string; ref: string; command: string }
  | { kind: "command"; menu: string; command: string };

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly detail?: string,
  ) {
    super(detail ?? STATUS_CODES[status] ?? "error");
  }
}

/** The RouterOS v7 REST API (`/rest/...`, HTTP Basic auth, string values) over the model. */
export class RouterRestServer {
  private readonly server: Server;

  constructor(
    private readonly model: RouterModel,
    private readonly faults: FaultPlan,
    private readonly credentials: Credentials,
    private readonly maxBodyBytes = 64 * 1024,
  ) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => this.fail(res, err));
    });
  }

  listen(port = 0, host = "127.0.0.1"): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        const address = this.server.address();
        resolve(typeof address === "object" && address ? address.port : port);
      });
    });
  }

  /** Stops listening and drops every connection, stalled requests included. */
  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://router");
    if (!this.authorised(req.headers.authorization)) {
      res.setHeader("www-authenticate", 'Basic realm="REST API"');
      throw new HttpError(401);
    }
    const route = this.route(req.method ?? "GET", url.pathname);
    const body = await readBody(req, this.maxBodyBytes);
    const fault = this.faults.take(route.command);
    if (fault?.action === "stall") return; // never answered; close() or the client ends it
    if (fault?.action === "drop" || fault?.action === "fatal") return void req.socket.resetAndDestroy();
    if (fault?.action === "http-500") throw new HttpError(500, fault.message ?? "injected fault");
    if (fault) throw new TrapError(fault.message ?? "failure: injected fault");

    const table = this.model.table(route.menu);
    const find = (ref: string) => {
      const row = table?.find(ref);
      if (!row?.[".id"]) throw new HttpError(404);
      return row[".id"];
    };
    const run = (request: Omit<CommandRequest, "command">) =>
      runCommand(this.model, this.faults, { ...request, command: route.command });
    switch (route.kind) {
      case "list": {
        const params = [...url.searchParams].filter(([k]) => k !== ".proplist");
        const proplist = url.searchParams.get(".proplist")?.split(",");
        const queries = params.map(([k, v]) => `${k}=${v}`);
        return send(res, 200, run({ attributes: {}, queries, ...(proplist && { proplist }) }).rows);
      }
      case "item": {
        const id = find(route.ref);
        const proplist = url.searchParams.get(".proplist")?.split(",");
        return send(res, 200, project(table?.list().find((r) => r[".id"] === id) ?? {}, proplist));
      }
      case "set": {
        const id = find(route.ref);
        run({ attributes: { ...attributes(body), ".id": id } });
        return send(res, 200, table?.list().find((r) => r[".id"] === id) ?? {});
      }
      case "add": {
        const { ret } = run({ attributes: attributes(body) });
        return send(res, 200, table?.list().find((r) => r[".id"] === ret) ?? {});
      }
      case "remove":
        run({ attributes: { ".id": find(route.ref) } });
        res.writeHead(204).end();
        return;
      case "command": {
        const { ".query": query, ".proplist": props, ...rest } = body;
        const proplist = typeof props === "string" ? props.split(",") : strings(props);
        const result = run({
          attributes: attributes(rest),
          queries: strings(query) ?? [],
          ...(proplist && { proplist }),
        });
        return send(res, 200, result.verb === "print" ? result.rows : result.ret ? { ret: result.ret } : []);
      }
    }
  }

  private authorised(header: string | undefined): boolean {
    if (this.faults.rejectLogin || !header?.startsWith("Basic ")) return false;
    const decoded = Buffer.from(header.slice(6), "base64").toString("utf8");
    const at = decoded.indexOf(":");
    return (
      decoded.slice(0, at) === this.credentials.username &&
      decoded.slice(at + 1) === this.credentials.password
    );
  }

  private route(method: string, pathname: string): Route {
    if (!pathname.startsWith("/rest/")) throw new HttpError(404);
    const segments = pathname
      .slice(6)
      .split("/")
      .filter((s) => s !== "")
      .map(decodeURIComponent);
    const full = `/${segments.join("/")}`;
    if (isMenu(this.model, full)) {
      if (method === "GET") return { kind: "list", menu: full, command: `${full}/print` };
      if (method === "PUT") return { kind: "add", menu: full, command: `${full}/add` };
      throw new HttpError(400, "no such command");
    }
    const menu = `/${segments.slice(0, -1).join("/")}`;
    const last = segments.at(-1) ?? "";
    if (!isMenu(this.model, menu)) throw new HttpError(404);
    if (method === "GET") return { kind: "item", menu, ref: last, command: `${menu}/print` };
    if (method === "PATCH") return { kind: "set", menu, ref: last, command: `${menu}/set` };
    if (method === "DELETE") return { kind: "remove", menu, ref: last, command: `${menu}/remove` };
    if (method === "POST") return { kind: "command", menu, command: `${menu}/${last}` };
    throw new HttpError(400, "no such command");
  }

  private fail(res: ServerResponse, err: unknown): void {
    if (res.headersSent || res.destroyed) return;
    if (err instanceof HttpError) {
      send(res, err.status, errorBody(err.status, err.detail));
      return;
    }
    const status = err instanceof TrapError ? err.status : 500;
    send(res, status, errorBody(status, err instanceof Error ? err.message : String(err)));
  }
}

const errorBody = (status: number, detail?: string) => ({
  error: status,
  message: STATUS_CODES[status] ?? "Error",
  ...(detail !== undefined && { detail }),
});

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage, limit: number): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413);
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  let json: unknown;
  try {
    json = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new HttpError(400, "invalid JSON");
  }
  if (!json || typeof json !== "object" || Array.isArray(json))
    throw new HttpError(400, "body must be a JSON object");
  return json as Record<string, unknown>;
}

/** RouterOS takes every value as a string; numbers and booleans are accepted and stringified. */
function attributes(body: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) {
    if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") {
      throw new HttpError(400, `value of ${k} must be a string`);
    }
    out[k] = String(v);
  }
  return out;
}

function strings(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    throw new HttpError(400, "expected an array of strings");
  }
  return value;
}
