import type { Socket } from "node:dgram";
import {
  RadiusAbortedError,
  RadiusClientClosedError,
  type RadiusRequestContext,
  RadiusSendError,
  RadiusTimeoutError,
} from "./errors.js";
import { pendingKey, type ReplyMatcher } from "./matcher.js";
import type { Destination, RadiusLogger } from "./options.js";
import { CODE_NAMES, type RequestCode, replyCodes } from "./packet.js";
import { type DaResult, toResult } from "./result.js";
import { attemptTimeout, type RetryPolicy } from "./retry.js";

export interface ExchangeInput {
  readonly socket: Socket | undefined;
  readonly matcher: ReplyMatcher;
  readonly destination: Destination;
  readonly code: RequestCode;
  readonly identifier: number;
  /** The encoded request; every retransmission sends these exact bytes. */
  readonly bytes: Buffer;
  readonly policy: RetryPolicy;
  readonly signal: AbortSignal | undefined;
  readonly random: () => number;
  readonly logger: RadiusLogger;
}

/** Sends one request and retransmits it until a verified reply, the retry budget, or an abort. */
export function exchange(input: ExchangeInput): Promise<DaResult> {
  const { socket, matcher, destination, code, identifier, bytes, policy, signal } = input;
  const key = pendingKey(destination.address, destination.port, identifier);
  const started = performance.now();
  let attempts = 0;
  let timer: NodeJS.Timeout | undefined;
  const context = (): RadiusRequestContext => ({
    destination: destination.label,
    request: CODE_NAMES[code] ?? `code ${code}`,
    identifier,
    attempts,
    elapsedMs: Math.round(performance.now() - started),
  });

  return new Promise<DaResult>((resolve, reject) => {
    let settled = false;
    const settle = (action: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      matcher.unregister(key);
      signal?.removeEventListener("abort", onAbort);
      action();
    };
    const fail = (make: (ctx: RadiusRequestContext) => Error) => settle(() => reject(make(context())));
    const onAbort = () => fail((ctx) => new RadiusAbortedError("aborted", ctx, { cause: signal?.reason }));

    // Set once a wait has been cut short by maxDurationMs: timers may fire a hair early, and a
    // sliver of budget left over must not buy one more datagram.
    let budgetSpent = false;
    const transmit = () => {
      if (!socket) return fail((ctx) => new RadiusClientClosedError("client closed", ctx));
      const remaining = policy.maxDurationMs - (performance.now() - started);
      if (budgetSpent || attempts >= policy.maxAttempts || remaining <= 0) {
        return fail((ctx) => new RadiusTimeoutError(`no valid reply after ${ctx.attempts} attempts`, ctx));
      }
      attempts += 1;
      if (attempts > 1) input.logger.debug("radius retransmit", { ...context() });
      const wait = attemptTimeout(policy, attempts, input.random);
      budgetSpent = wait >= remaining;
      timer = setTimeout(transmit, Math.min(wait, remaining));
      socket.send(bytes, destination.port, destination.address, (error) => {
        if (error) fail((ctx) => new RadiusSendError("send failed", ctx, { cause: error }));
      });
    };

    matcher.register(key, {
      codes: replyCodes(code),
      requestAuthenticator: Buffer.from(bytes.subarray(4, 20)),
      secret: destination.secret,
      onReply: (replyCode, attributes) =>
        settle(() => resolve(toResult(replyCode, identifier, attempts, attributes))),
      fail,
    });
    signal?.addEventListener("abort", onAbort, { once: true });
    transmit();
  });
}
