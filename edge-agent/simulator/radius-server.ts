import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import {
  decodeAttributes,
  encodeAttribute,
  encodeAttributes,
  findAttribute,
  MESSAGE_AUTHENTICATOR,
  MIKROTIK_VENDOR_ID,
  type RadiusAttribute,
  type RawAttribute,
  splitAttributes,
  VENDOR_SPECIFIC,
} from "../radius/attributes.js";
import { HEADER_LENGTH, type ParsedPacket, parsePacket, RadiusCode, replyCodes } from "../radius/packet.js";
import type { FaultPlan } from "./faults.js";
import type { RouterModel } from "./model.js";
import { SessionIndex, type SessionQuery } from "./radius-sessions.js";

export interface NasRadiusServerOptions {
  /** The shared secret the agent must use. Never logged or reported. */
  readonly secret: string | Uint8Array;
}

/** Counters for tests and benchmarks. */
export interface NasRadiusStats {
  received: number;
  /** Dropped silently, as a NAS does: malformed, not a request, or failed authentication. */
  dropped: number;
  acks: number;
  naks: number;
}

/** Attribute types that only identify a session (RFC 5176 3): all a Disconnect-Request may carry. */
const IDENTIFICATION = new Set([1, 4, 5, 8, 24, 30, 31, 32, 33, 44, 50, 55, 87, 95, MESSAGE_AUTHENTICATOR]);
const PROXY_STATE = 33;
const SESSION_TIMEOUT = 27;
const MIKROTIK_RATE_LIMIT = 8;
const UNSUPPORTED_ATTRIBUTE = 401;
const MISSING_ATTRIBUTE = 402;
const SESSION_CONTEXT_NOT_FOUND = 503;
const RESOURCES_UNAVAILABLE = 506;

type Outcome = { readonly ack: boolean; readonly errorCause?: number };
interface Request {
  readonly packet: ParsedPacket;
  readonly raw: readonly RawAttribute[];
  readonly attributes: readonly RadiusAttribute[];
}

/**
 * The simulated router's RFC 5176 listener (MikroTik `/radius incoming accept=yes`): it answers
 * Disconnect- and CoA-Requests about the model's PPP and hotspot sessions. Requests whose
 * authenticator does not verify under the shared secret are dropped without a reply, so a wrong
 * secret looks like a dead NAS, exactly as on a real router. There is no duplicate cache: a
 * retransmitted Disconnect after the session is gone earns NAK 503, which callers treat as done.
 */
export class NasRadiusServer {
  /**
   * "ACK but still online" for Disconnect-Requests only. Left undefined it follows the router-wide
   * `faults.ackButIgnoreActiveRemoves`; set it to make RADIUS misbehave while the API works
   * (`true`) or the other way round (`false`).
   */
  ackButIgnoreDisconnects: boolean | undefined;
  readonly stats: NasRadiusStats = { received: 0, dropped: 0, acks: 0, naks: 0 };
  private readonly secret: Buffer;
  private readonly sessions: SessionIndex;
  private socket: Socket | undefined;

  constructor(
    private readonly model: RouterModel,
    private readonly faults: FaultPlan,
    options: NasRadiusServerOptions,
  ) {
    this.secret = Buffer.from(options.secret);
    if (this.secret.length === 0) throw new RangeError("the shared secret is empty");
    this.sessions = new SessionIndex(model);
  }

  /** Binds UDP on `host` (loopback by default); 0 picks a free port. Returns the port. */
  async listen(port = 0, host = "127.0.0.1"): Promise<number> {
    if (this.socket) throw new Error("already listening");
    const socket = createSocket("udp4");
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(port, host, () => {
        socket.off("error", reject);
        resolve();
      });
    });
    // A NAS keeps serving whatever one datagram did; send errors surface as stats, not crashes.
    socket.on("error", () => {
      this.stats.dropped += 1;
    });
    socket.on("message", (datagram, remote) => this.handle(datagram, remote));
    this.socket = socket;
    return socket.address().port;
  }

  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    this.sessions.dispose();
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  private handle(datagram: Buffer, remote: RemoteInfo): void {
    this.stats.received += 1;
    let request: Request;
    try {
      const packet = parsePacket(datagram);
      if (packet.code !== RadiusCode.DisconnectRequest && packet.code !== RadiusCode.CoaRequest) {
        throw new Error("not a request");
      }
      const raw = splitAttributes(packet.attributeArea, HEADER_LENGTH);
      if (!this.authentic(packet, raw)) throw new Error("bad authenticator");
      request = { packet, raw, attributes: decodeAttributes(packet.attributeArea) };
    } catch {
      this.stats.dropped += 1;
      return;
    }
    const disconnect = request.packet.code === RadiusCode.DisconnectRequest;
    let outcome: Outcome;
    try {
      outcome = disconnect ? this.disconnect(request) : this.changeAuthorization(request);
    } catch {
      // The model refused (a row vanished mid-request): say so rather than crash the listener.
      outcome = { ack: false, errorCause: RESOURCES_UNAVAILABLE };
    }
    if (outcome.ack) this.stats.acks += 1;
    else this.stats.naks += 1;
    const codes = replyCodes(disconnect ? RadiusCode.DisconnectRequest : RadiusCode.CoaRequest);
    const code = outcome.ack ? codes.ack : codes.nak;
    const reply = this.encodeReply(request, code, replyAttributes(request.raw, outcome));
    this.socket?.send(reply, remote.port, remote.address);
  }

  private disconnect({ raw, attributes }: Request): Outcome {
    if (raw.some((a) => !IDENTIFICATION.has(a.type)))
      return { ack: false, errorCause: UNSUPPORTED_ATTRIBUTE };
    const query = sessionQuery(attributes);
    if (query === undefined) return { ack: false, errorCause: MISSING_ATTRIBUTE };
    const found = this.sessions.find(query);
    if (found.length === 0) return { ack: false, errorCause: SESSION_CONTEXT_NOT_FOUND };
    const ignore = this.ackButIgnoreDisconnects ?? this.faults.ackButIgnoreActiveRemoves;
    if (!ignore) for (const s of found) this.model.remove(s.menu, s.id, { redial: true });
    return { ack: true };
  }

  private changeAuthorization({ raw, attributes }: Request): Outcome {
    const supported = raw.every(
      (a) => IDENTIFICATION.has(a.type) || a.type === SESSION_TIMEOUT || isMikrotikRateLimit(a.value, a.type),
    );
    if (!supported) return { ack: false, errorCause: UNSUPPORTED_ATTRIBUTE };
    const query = sessionQuery(attributes);
    if (query === undefined) return { ack: false, errorCause: MISSING_ATTRIBUTE };
    const found = this.sessions.find(query);
    if (found.length === 0) return { ack: false, errorCause: SESSION_CONTEXT_NOT_FOUND };
    const rate = findAttribute(attributes, "Mikrotik-Rate-Limit")?.value;
    const timeout = findAttribute(attributes, "Session-Timeout")?.value;
    const values: Record<string, string> = {
      ...(rate !== undefined && { "rate-limit": rate }),
      ...(timeout !== undefined && { "session-timeout": String(timeout) }),
    };
    if (Object.keys(values).length > 0) {
      for (const s of found) this.model.set(s.menu, s.id, values, true);
    }
    return { ack: true };
  }

  /**
   * Request Authenticator = MD5(Code|Id|Length|16 zero octets|Attributes|Secret); a
   * Message-Authenticator, when present, is HMAC-MD5 over the packet with the authenticator field
   * and its own value zeroed. Both compared in constant time.
   */
  private authentic(packet: ParsedPacket, raw: readonly RawAttribute[]): boolean {
    const zeroed = Buffer.from(packet.bytes).fill(0, 4, HEADER_LENGTH);
    if (!timingSafeEqual(md5(zeroed, this.secret), packet.authenticator)) return false;
    const [ma, ...more] = raw.filter((a) => a.type === MESSAGE_AUTHENTICATOR);
    if (ma === undefined) return true;
    if (more.length > 0 || ma.value.length !== 16) return false;
    const expected = Buffer.from(ma.value);
    zeroed.fill(0, ma.offset, ma.offset + 16);
    return timingSafeEqual(createHmac("md5", this.secret).update(zeroed).digest(), expected);
  }

  /**
   * Response Authenticator = MD5(Code|Id|Length|Request Authenticator|Attributes|Secret). A request
   * that carried a Message-Authenticator gets one back, signed over the reply with the Request
   * Authenticator in place (RFC 5176 3.3).
   */
  private encodeReply(
    { packet, raw }: Request,
    code: number,
    attributes: readonly RadiusAttribute[],
  ): Buffer {
    const signed = raw.some((a) => a.type === MESSAGE_AUTHENTICATOR);
    const ma = signed
      ? encodeAttribute({ name: "Message-Authenticator", value: Buffer.alloc(16) })
      : Buffer.alloc(0);
    const area = Buffer.concat([ma, encodeAttributes(attributes)]);
    const reply = Buffer.alloc(HEADER_LENGTH + area.length);
    reply.writeUInt8(code, 0);
    reply.writeUInt8(packet.identifier, 1);
    reply.writeUInt16BE(reply.length, 2);
    packet.authenticator.copy(reply, 4);
    area.copy(reply, HEADER_LENGTH);
    if (signed)
      createHmac("md5", this.secret)
        .update(reply)
        .digest()
        .copy(reply, HEADER_LENGTH + 2);
    md5(reply, this.secret).copy(reply, 4);
    return reply;
  }
}

function md5(packet: Buffer, secret: Buffer): Buffer {
  return createHash("md5").update(packet).update(secret).digest();
}

function isMikrotikRateLimit(value: Buffer, type: number): boolean {
  return (
    type === VENDOR_SPECIFIC &&
    value.length >= 6 &&
    value.readUInt32BE(0) === MIKROTIK_VENDOR_ID &&
    value[4] === MIKROTIK_RATE_LIMIT
  );
}

function sessionQuery(attributes: readonly RadiusAttribute[]): SessionQuery | undefined {
  const userName = findAttribute(attributes, "User-Name")?.value;
  const acctSessionId = findAttribute(attributes, "Acct-Session-Id")?.value;
  const framedIpAddress = findAttribute(attributes, "Framed-IP-Address")?.value;
  if (userName === undefined && acctSessionId === undefined && framedIpAddress === undefined)
    return undefined;
  return {
    ...(userName !== undefined && { userName }),
    ...(acctSessionId !== undefined && { acctSessionId }),
    ...(framedIpAddress !== undefined && { framedIpAddress }),
  };
}

/** Error-Cause on a NAK, and every Proxy-State echoed in order (RFC 5176 3.1 / RFC 2865). */
function replyAttributes(raw: readonly RawAttribute[], outcome: Outcome): RadiusAttribute[] {
  const proxyStates = raw
    .filter((a) => a.type === PROXY_STATE)
    .map((a): RadiusAttribute => ({ name: "Unknown", type: PROXY_STATE, value: Buffer.from(a.value) }));
  const cause: RadiusAttribute[] =
    outcome.errorCause === undefined ? [] : [{ name: "Error-Cause", value: outcome.errorCause }];
  return [...cause, ...proxyStates];
}
