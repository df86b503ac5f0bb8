import type { RemoteInfo } from "node:dgram";
import { decodeAttributes, type RadiusAttribute } from "./attributes.js";
import type { RadiusRequestContext } from "./errors.js";
import type { RadiusLogger } from "./options.js";
import { type AckCode, type NakCode, parsePacket, verifyReply } from "./packet.js";

/** An outstanding request waiting for its reply. */
export interface Pending {
  readonly codes: { readonly ack: AckCode; readonly nak: NakCode };
  readonly requestAuthenticator: Buffer;
  readonly secret: Buffer;
  readonly onReply: (code: AckCode | NakCode, attributes: readonly RadiusAttribute[]) => void;
  readonly fail: (make: (context: RadiusRequestContext) => Error) => void;
}

export const pendingKey = (address: string, port: number, identifier: number): string =>
  `${address}|${port}|${identifier}`;

/**
 * Routes datagrams to outstanding requests by (source address, source port, Identifier). A reply
 * is delivered only when its code answers the request and its authenticators verify; everything
 * else is logged and dropped, so the request keeps waiting for a genuine reply.
 */
export class ReplyMatcher {
  readonly #pending = new Map<string, Pending>();
  readonly #logger: RadiusLogger;

  constructor(logger: RadiusLogger) {
    this.#logger = logger;
  }

  register(key: string, pending: Pending): void {
    this.#pending.set(key, pending);
  }

  unregister(key: string): void {
    this.#pending.delete(key);
  }

  failAll(make: (context: RadiusRequestContext) => Error): void {
    for (const pending of [...this.#pending.values()]) pending.fail(make);
  }

  handle(datagram: Buffer, remote: RemoteInfo): void {
    const from = { address: remote.address, port: remote.port, length: datagram.length };
    try {
      const packet = parsePacket(datagram);
      const log = { ...from, code: packet.code, identifier: packet.identifier };
      const pending = this.#pending.get(pendingKey(remote.address, remote.port, packet.identifier));
      if (!pending) {
        this.#logger.debug("radius reply ignored: unmatched", log);
      } else if (packet.code !== pending.codes.ack && packet.code !== pending.codes.nak) {
        this.#logger.warn("radius reply ignored: code does not fit the request", log);
      } else {
        const verdict = verifyReply(packet, pending.requestAuthenticator, pending.secret);
        if (verdict === "ok") pending.onReply(packet.code, decodeAttributes(packet.attributeArea));
        else this.#logger.warn(`radius reply ignored: ${verdict}`, log);
      }
    } catch (error) {
      // A forged or broken datagram must never take the agent down: drop it and keep waiting.
      this.#logger.warn("radius datagram ignored: malformed", { ...from, error: String(error) });
    }
  }
}
