import { createServer, type Server, type Socket } from "node:net";
import { encodeSentence, SentenceDecoder, WordProtocolError } from "../routeros/api-words.js";
import { runCommand } from "./commands.js";
import type { FaultPlan } from "./faults.js";
import type { RouterModel } from "./model.js";
import { TrapError } from "./table.js";

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

interface Parsed {
  command: string;
  tag: string | undefined;
  attributes: Record<string, string>;
  queries: string[];
  proplist: string[] | undefined;
}

type Answer =
  | { kind: "reply"; sentences: string[][] }
  | { kind: "reset" }
  | { kind: "fatal"; reason: string };

const trap = (message: string): Answer => ({
  kind: "reply",
  sentences: [["!trap", `=message=${message}`], ["!done"]],
});

/** Splits a sentence into command, `.tag`, `=attributes=`, `?queries` and `.proplist`. */
export function parseSentence(words: readonly string[]): Parsed {
  const parsed: Parsed = {
    command: words[0] ?? "",
    tag: undefined,
    attributes: {},
    queries: [],
    proplist: undefined,
  };
  for (const word of words.slice(1)) {
    if (word.startsWith(".tag=")) parsed.tag = word.slice(5);
    else if (word.startsWith("?")) parsed.queries.push(word.slice(1));
    else if (word.startsWith("=")) {
      const at = word.indexOf("=", 1);
      const name = at < 0 ? word.slice(1) : word.slice(1, at);
      const value = at < 0 ? "" : word.slice(at + 1);
      if (name === ".proplist") parsed.proplist = value.split(",").filter((p) => p !== "");
      else parsed.attributes[name] = value;
    }
  }
  return parsed;
}

/** The RouterOS API (plain TCP, port 8728 on a real router) over the in-memory model. */
export class RouterApiServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly model: RouterModel,
    private readonly faults: FaultPlan,
    private readonly credentials: Credentials,
  ) {
    this.server = createServer((socket) => this.accept(socket));
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

  /** Stops listening and destroys every open connection (stalled ones included). */
  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  get connections(): number {
    return this.sockets.size;
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    socket.on("close", () => this.sockets.delete(socket));
    socket.on("error", () => {}); // a client reset is routine here
    const decoder = new SentenceDecoder({ maxWordBytes: 1024 * 1024 });
    const state = { loggedIn: false };
    socket.on("data", (chunk: Buffer) => {
      let sentences: Buffer[][];
      try {
        sentences = decoder.push(chunk);
      } catch (err) {
        if (err instanceof WordProtocolError) this.fatal(socket, "malformed sentence");
        return;
      }
      for (const words of sentences) {
        if (socket.destroyed || !socket.writable) return;
        if (words.length > 0) this.handle(socket, state, parseSentence(words.map((w) => w.toString("utf8"))));
      }
    });
  }

  private handle(socket: Socket, state: { loggedIn: boolean }, s: Parsed): void {
    const answer = this.answer(state, s);
    if (answer.kind === "reset") socket.resetAndDestroy();
    else if (answer.kind === "fatal") this.fatal(socket, answer.reason);
    else {
      const tag = s.tag === undefined ? [] : [`.tag=${s.tag}`];
      const bytes = answer.sentences.map((sentence) => encodeSentence([...sentence, ...tag]));
      if (bytes.length > 0) socket.write(Buffer.concat(bytes));
    }
  }

  /** What to send back for one sentence; `sentences` is empty for a stalled command. */
  private answer(state: { loggedIn: boolean }, s: Parsed): Answer {
    const fault = this.faults.take(s.command);
    if (fault?.action === "stall") return { kind: "reply", sentences: [] };
    if (fault?.action === "drop") return { kind: "reset" };
    if (fault?.action === "fatal") return { kind: "fatal", reason: fault.message ?? "session terminated" };
    if (fault) return trap(fault.message ?? "failure: injected fault");

    if (s.command === "/login") {
      const { name, password } = s.attributes;
      const ok =
        !this.faults.rejectLogin &&
        name === this.credentials.username &&
        password === this.credentials.password;
      if (!ok) return trap("invalid user name or password (6)");
      state.loggedIn = true;
      return { kind: "reply", sentences: [["!done"]] };
    }
    if (!state.loggedIn) return { kind: "fatal", reason: "not logged in" };
    if (s.command === "/quit") return { kind: "fatal", reason: "session terminated on request" };
    if (!s.command.startsWith("/")) return trap("no such command");
    try {
      const result = runCommand(this.model, this.faults, {
        command: s.command,
        attributes: s.attributes,
        queries: s.queries,
        ...(s.proplist && { proplist: s.proplist }),
      });
      const sentences = result.rows.map((row) => [
        "!re",
        ...Object.entries(row).map(([k, v]) => `=${k}=${v}`),
      ]);
      if (result.verb === "print" && result.rows.length === 0 && this.faults.emptyReplies)
        sentences.push(["!empty"]);
      sentences.push(["!done", ...(result.ret === undefined ? [] : [`=ret=${result.ret}`])]);
      return { kind: "reply", sentences };
    } catch (err) {
      // A model bug must not take the simulated router down; it surfaces as a trap instead.
      return trap(err instanceof TrapError ? err.message : `failure: ${String(err)}`);
    }
  }

  private fatal(socket: Socket, reason: string): void {
    socket.end(encodeSentence(["!fatal", reason]));
  }
}
