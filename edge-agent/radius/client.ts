import { createSocket, type Socket } from "node:dgram";
import type { AddressInfo } from "node:net";
import type { RadiusAttribute } from "./attributes.js";
import {
  RadiusAbortedError,
  RadiusClientClosedError,
  RadiusConfigError,
  type RadiusRequestContext,
  RadiusSocketError,
} from "./errors.js";
import { exchange } from "./exchange.js";
import { IdentifierPool } from "./identifiers.js";
import { ReplyMatcher } from "./matcher.js";
import {
  type RadiusDaClientOptions,
  type RadiusTarget,
  type ResolvedOptions,
  resolveOptions,
  resolveTarget,
} from "./options.js";
import { CODE_NAMES, encodeRequest, RadiusCode, type RequestCode } from "./packet.js";
import {
  type AuthorizationChange,
  coaAttributes,
  disconnectAttributes,
  type RequestExtras,
  type SessionIdentification,
} from "./requests.js";
import type { DaResult } from "./result.js";
import { type RetryPolicy, resolveRetryPolicy } from "./retry.js";

export interface RequestOptions extends RequestExtras {
  readonly signal?: AbortSignal;
  /** Overrides the client's retry policy for this request. */
  readonly retry?: Partial<RetryPolicy>;
}

/**
 * RFC 5176 Dynamic Authorization Client: sends Disconnect- and CoA-Requests from one UDP socket,
 * matches replies by (source address, source port, Identifier), authenticates them, and
 * retransmits the identical datagram per RFC 5080 until a verified reply or the budget runs out.
 * A NAK is a result; only the absence of a valid reply (or an abort/close) is an error.
 */
export class RadiusDaClient {
  readonly #options: ResolvedOptions;
  readonly #pools = new Map<string, IdentifierPool>();
  readonly #matcher: ReplyMatcher;
  #socket: Socket | undefined;
  #starting: Promise<AddressInfo> | undefined;
  #closed = false;

  constructor(options: RadiusDaClientOptions = {}) {
    this.#options = resolveOptions(options);
    this.#matcher = new ReplyMatcher(this.#options.logger);
  }

  /** Binds the socket to the configured source address and port; idempotent. */
  start(): Promise<AddressInfo> {
    if (this.#closed) return Promise.reject(new RadiusConfigError("the RADIUS client is closed"));
    this.#starting ??= this.#bind();
    return this.#starting;
  }

  address(): AddressInfo | undefined {
    return this.#socket?.address();
  }

  async disconnect(
    target: RadiusTarget,
    session: SessionIdentification,
    options: RequestOptions = {},
  ): Promise<DaResult> {
    return this.send(target, RadiusCode.DisconnectRequest, disconnectAttributes(session, options), options);
  }

  async changeAuthorization(
    target: RadiusTarget,
    session: SessionIdentification,
    change: AuthorizationChange,
    options: RequestOptions = {},
  ): Promise<DaResult> {
    return this.send(target, RadiusCode.CoaRequest, coaAttributes(session, change, options), options);
  }

  /** Sends a request with any attributes (the Message-Authenticator is added per the target). */
  async send(
    target: RadiusTarget,
    code: RequestCode,
    attributes: readonly RadiusAttribute[],
    options: RequestOptions = {},
  ): Promise<DaResult> {
    const destination = resolveTarget(target, this.#options);
    const policy = resolveRetryPolicy(this.#options.retry, options.retry);
    const { signal } = options;
    const started = performance.now();
    const context = (): RadiusRequestContext => ({
      destination: destination.label,
      request: CODE_NAMES[code] ?? `code ${code}`,
      attempts: 0,
      elapsedMs: Math.round(performance.now() - started),
    });
    if (signal?.aborted) {
      throw new RadiusAbortedError("aborted before sending", context(), { cause: signal.reason });
    }
    await this.start();
    const pool = this.#poolFor(destination.label);
    const identifier = await pool.acquire(signal).catch((error: unknown) => {
      throw this.#closed
        ? new RadiusClientClosedError("client closed while waiting for an identifier", context())
        : new RadiusAbortedError("aborted while waiting for an identifier", context(), { cause: error });
    });
    try {
      const { secret, messageAuthenticator } = destination;
      const bytes = encodeRequest({ code, identifier, attributes, secret, messageAuthenticator });
      const { random, logger } = this.#options;
      const socket = this.#socket;
      return await exchange({
        socket,
        matcher: this.#matcher,
        destination,
        code,
        identifier,
        bytes,
        policy,
        signal,
        random,
        logger,
      });
    } finally {
      pool.release(identifier);
      if (pool.idle) this.#pools.delete(destination.label);
    }
  }

  /** Releases the socket; outstanding requests reject with RadiusClientClosedError. */
  async close(): Promise<void> {
    if (this.#closed) return;
    const socket = this.#socket;
    this.#shutdown((ctx) => new RadiusClientClosedError("client closed", ctx));
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  #shutdown(make: (context: RadiusRequestContext) => Error): void {
    this.#closed = true;
    this.#socket = undefined;
    this.#matcher.failAll(make);
    for (const pool of this.#pools.values()) pool.rejectWaiters(new Error("closed"));
  }

  #poolFor(key: string): IdentifierPool {
    let pool = this.#pools.get(key);
    if (!pool) {
      pool = new IdentifierPool(Math.floor(this.#options.random() * 256));
      this.#pools.set(key, pool);
    }
    return pool;
  }

  async #bind(): Promise<AddressInfo> {
    const { family, bindAddress, bindPort, logger } = this.#options;
    const socket = createSocket({ type: family === 6 ? "udp6" : "udp4" });
    await new Promise<void>((resolve, reject) => {
      socket.once("error", (error) => {
        socket.close();
        reject(new RadiusSocketError(`could not bind UDP ${bindAddress}:${bindPort}`, { cause: error }));
      });
      socket.bind({ address: bindAddress, port: bindPort, exclusive: true }, () => resolve());
    });
    socket.removeAllListeners("error");
    socket.on("error", (error) => {
      logger.warn("radius socket failed", { error: error.message });
      this.#shutdown((ctx) => new RadiusClientClosedError("socket failed", ctx, { cause: error }));
      socket.close();
    });
    socket.on("message", (datagram, remote) => this.#matcher.handle(datagram, remote));
    const bound = socket.address();
    if (this.#closed) socket.close();
    else this.#socket = socket;
    return bound;
  }
}
