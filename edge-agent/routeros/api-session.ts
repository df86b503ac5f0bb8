import type { Socket } from "node:net";
import type { TlsOptions } from "node:tls";
import { RouterOSAPI } from "node-routeros";
import { guardLibrarySocket } from "./api-guard.js";
import type { RouterRow } from "./driver.js";
import {
  isNotFoundMessage,
  RouterAuthError,
  RouterCommandError,
  RouterConnectionError,
  type RouterError,
  type RouterErrorContext,
  RouterNotFoundError,
  RouterTimeoutError,
} from "./errors.js";

export interface ApiSessionOptions {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  readonly tls?: TlsOptions;
  readonly connectTimeoutMs: number;
  /** Idle socket timeout handed to node-routeros, in seconds; an idle drop just means a reconnect. */
  readonly idleTimeoutSec: number;
  readonly maxWordBytes?: number;
  readonly onFault?: (err: RouterError) => void;
}

/** node-routeros 1.6.9 fields we must reach to guard its socket and stop its timers. */
interface LibraryInternals {
  socket: Socket | undefined;
  timers: unknown[];
}

function internals(api: RouterOSAPI): LibraryInternals {
  const connector: unknown = Reflect.get(api, "connector");
  const socket: unknown =
    connector && typeof connector === "object" ? Reflect.get(connector, "socket") : undefined;
  return {
    socket: socket && typeof socket === "object" && "destroy" in socket ? (socket as Socket) : undefined,
    timers: [Reflect.get(api, "connectionHoldInterval"), Reflect.get(api, "keptaliveby")],
  };
}

type Fail = (err: RouterError) => void;

/**
 * One logged-in connection. It never throws into the event loop: library faults, socket errors and
 * `!fatal` all end up in `kill()`, which rejects every pending call with a typed error. A killed
 * session stays dead; the client opens a new one on next use.
 */
export class ApiSession {
  private deadReason: RouterError | undefined;
  private socket: Socket | undefined;
  private readonly pending = new Set<Fail>();
  private readonly router: string;

  private constructor(
    private readonly api: RouterOSAPI,
    private readonly options: ApiSessionOptions,
  ) {
    this.router = `${options.host}:${options.port}`;
  }

  static async open(options: ApiSessionOptions): Promise<ApiSession> {
    const api = new RouterOSAPI({
      host: options.host,
      port: options.port,
      user: options.username,
      password: options.password,
      timeout: options.idleTimeoutSec,
      keepalive: false,
      ...(options.tls && { tls: options.tls }),
    });
    const session = new ApiSession(api, options);
    const ctx = { router: session.router };
    api.on("error", (cause: unknown) =>
      session.kill(new RouterConnectionError("connection failed", ctx, { cause })),
    );
    const connecting = api.connect(); // creates the socket synchronously; no byte arrives before we guard it
    const socket = internals(api).socket;
    if (socket === undefined) {
      session.kill(new RouterConnectionError("unsupported node-routeros internals: no socket", ctx));
    } else {
      session.socket = socket;
      // node-routeros writes every word separately; with Nagle each command waits on delayed ACKs.
      socket.setNoDelay(true);
      guardLibrarySocket(
        socket,
        { onFault: (err, kind) => session.onLibraryFault(err, kind) },
        options.maxWordBytes,
      );
      socket.on("close", () => session.kill(new RouterConnectionError("connection closed", ctx)));
    }
    try {
      await session.guard(connecting, options.connectTimeoutMs, ctx, (e) =>
        classifyConnectError(e, ctx, options.idleTimeoutSec * 1000),
      );
    } catch (err) {
      session.kill(err as RouterError);
      throw err;
    }
    return session;
  }

  get alive(): boolean {
    return this.deadReason === undefined;
  }

  /** Runs one command; rows are the `!re` sentences (and `=ret=` of `!done`). */
  async run(command: string, words: readonly string[], timeoutMs: number): Promise<RouterRow[]> {
    const ctx = { router: this.router, command };
    let work: Promise<unknown[]>;
    try {
      work = this.api.write(command, [...words]);
    } catch (cause) {
      throw new RouterConnectionError("library refused the command", ctx, { cause });
    }
    const rows = await this.guard(work, timeoutMs, ctx, (e) => classifyTrap(e, ctx));
    return rows.map(toRow);
  }

  /** Tears the connection down and fails everything still waiting on it. Idempotent. */
  kill(reason: RouterError): void {
    if (this.deadReason !== undefined) return;
    this.deadReason = reason;
    for (const timer of internals(this.api).timers) {
      if (timer) clearTimeout(timer as NodeJS.Timeout);
    }
    this.socket?.destroy();
    for (const fail of [...this.pending]) fail(reason);
  }

  private onLibraryFault(err: Error, kind: "library" | "protocol" | "fatal"): void {
    const message = kind === "fatal" ? err.message : `${kind} fault in RouterOS API reply handling`;
    const error = new RouterConnectionError(message, { router: this.router }, { cause: err });
    this.options.onFault?.(error);
    this.kill(error);
  }

  /** Settles with `work`, a timeout (which also kills the session) or the session's death. */
  private guard<T>(
    work: Promise<T>,
    timeoutMs: number,
    ctx: RouterErrorContext,
    mapRejection: (err: unknown) => RouterError,
  ): Promise<T> {
    if (this.deadReason !== undefined) {
      work.catch(() => {}); // nobody waits for it any more; its rejection must not go unhandled
      return Promise.reject(this.deadReason);
    }
    return new Promise<T>((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer);
        this.pending.delete(fail);
      };
      const fail: Fail = (err) => {
        finish();
        reject(err);
      };
      const timer = setTimeout(() => {
        fail(new RouterTimeoutError(timeoutMs, ctx));
        // A stalled channel leaves the connection in an unknown state; start clean next time.
        this.kill(
          new RouterConnectionError(`connection dropped after ${ctx.command ?? "login"} timed out`, ctx),
        );
      }, timeoutMs);
      this.pending.add(fail);
      work.then(
        (value) => {
          finish();
          resolve(value);
        },
        (err: unknown) => fail(mapRejection(err)),
      );
    });
  }
}

function errno(err: unknown): string | undefined {
  const value: unknown = err && typeof err === "object" ? Reflect.get(err, "errno") : undefined;
  return typeof value === "string" ? value : undefined;
}

function classifyConnectError(err: unknown, ctx: RouterErrorContext, idleMs: number): RouterError {
  const code = errno(err);
  if (code === "CANTLOGIN") return new RouterAuthError("login rejected", ctx);
  if (code === "SOCKTMOUT") return new RouterTimeoutError(idleMs, ctx, { cause: err });
  // A trap on /login that the library did not recognise is still a refused login.
  if (err instanceof Error && err.constructor === Error && /password|log ?in/i.test(err.message)) {
    return new RouterAuthError("login rejected", ctx);
  }
  return new RouterConnectionError("could not connect", ctx, { cause: err });
}

/** node-routeros rejects a command with a plain Error(trap message); anything else is a fault. */
function classifyTrap(err: unknown, ctx: RouterErrorContext): RouterError {
  if (err instanceof Error && err.constructor === Error) {
    const message = err.message || "command failed";
    return isNotFoundMessage(message)
      ? new RouterNotFoundError(message, ctx)
      : new RouterCommandError(message, ctx);
  }
  return new RouterConnectionError("command failed in the protocol library", ctx, { cause: err });
}

function toRow(raw: unknown): RouterRow {
  const row: Record<string, string> = {};
  if (raw && typeof raw === "object") {
    for (const [key, value] of Object.entries(raw)) row[key] = String(value);
  }
  return row;
}
