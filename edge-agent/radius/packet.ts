import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import {
  encodeAttribute,
  encodeAttributes,
  MESSAGE_AUTHENTICATOR,
  type RadiusAttribute,
  splitAttributes,
} from "./attributes.js";
import { RadiusDecodeError, RadiusEncodeError } from "./errors.js";

export const RadiusCode = {
  DisconnectRequest: 40,
  DisconnectAck: 41,
  DisconnectNak: 42,
  CoaRequest: 43,
  CoaAck: 44,
  CoaNak: 45,
} as const;
export type RequestCode = typeof RadiusCode.DisconnectRequest | typeof RadiusCode.CoaRequest;
export type AckCode = typeof RadiusCode.DisconnectAck | typeof RadiusCode.CoaAck;
export type NakCode = typeof RadiusCode.DisconnectNak | typeof RadiusCode.CoaNak;

export const CODE_NAMES: Readonly<Record<number, string>> = {
  40: "Disconnect-Request",
  41: "Disconnect-ACK",
  42: "Disconnect-NAK",
  43: "CoA-Request",
  44: "CoA-ACK",
  45: "CoA-NAK",
};

/** The only replies RFC 5176 allows to each request code. */
export function replyCodes(code: RequestCode): { ack: AckCode; nak: NakCode } {
  return code === RadiusCode.DisconnectRequest
    ? { ack: RadiusCode.DisconnectAck, nak: RadiusCode.DisconnectNak }
    : { ack: RadiusCode.CoaAck, nak: RadiusCode.CoaNak };
}

export const HEADER_LENGTH = 20;
export const MAX_PACKET_LENGTH = 4096;
const AUTH_START = 4;
const AUTH_END = 20;

export interface RequestInput {
  readonly code: RequestCode;
  readonly identifier: number;
  readonly attributes: readonly RadiusAttribute[];
  readonly secret: Buffer;
  /** Add a Message-Authenticator (placed first, as FreeRADIUS and BlastRADIUS guidance do). */
  readonly messageAuthenticator: boolean;
}

/**
 * Encodes a CoA/Disconnect request. Order matters: the Message-Authenticator is the HMAC-MD5 of the
 * packet with the authenticator field and its own value zeroed, and it is filled in BEFORE the
 * Request Authenticator = MD5(Code|Id|Length|16 zero octets|Attributes|Secret) is computed.
 */
export function encodeRequest(input: RequestInput): Buffer {
  if (!Number.isInteger(input.identifier) || input.identifier < 0 || input.identifier > 255) {
    throw new RadiusEncodeError(`identifier ${input.identifier} is outside 0..255`);
  }
  if (input.attributes.some((a) => a.name === "Message-Authenticator")) {
    throw new RadiusEncodeError("Message-Authenticator is added by the encoder; do not pass it");
  }
  const ma = input.messageAuthenticator
    ? encodeAttribute({ name: "Message-Authenticator", value: Buffer.alloc(16) })
    : Buffer.alloc(0);
  const area = Buffer.concat([ma, encodeAttributes(input.attributes)]);
  const length = HEADER_LENGTH + area.length;
  if (length > MAX_PACKET_LENGTH)
    throw new RadiusEncodeError(`packet length ${length} exceeds ${MAX_PACKET_LENGTH}`);
  const packet = Buffer.alloc(length);
  packet.writeUInt8(input.code, 0);
  packet.writeUInt8(input.identifier, 1);
  packet.writeUInt16BE(length, 2);
  area.copy(packet, HEADER_LENGTH);
  if (input.messageAuthenticator) {
    hmac(input.secret, packet).copy(packet, HEADER_LENGTH + 2);
  }
  md5(packet, input.secret).copy(packet, AUTH_START);
  return packet;
}

/** A datagram whose header and attribute framing are sound; nothing is authenticated yet. */
export interface ParsedPacket {
  readonly code: number;
  readonly identifier: number;
  readonly authenticator: Buffer;
  /** The packet bytes up to the Length field (trailing padding is ignored, RFC 2865 section 3). */
  readonly bytes: Buffer;
  readonly attributeArea: Buffer;
}

export function parsePacket(datagram: Buffer): ParsedPacket {
  if (datagram.length < HEADER_LENGTH) throw new RadiusDecodeError(`datagram of ${datagram.length} bytes`);
  const length = datagram.readUInt16BE(2);
  if (length < HEADER_LENGTH || length > MAX_PACKET_LENGTH || length > datagram.length) {
    throw new RadiusDecodeError(`bad Length field ${length} for a ${datagram.length}-byte datagram`);
  }
  const bytes = Buffer.from(datagram.subarray(0, length));
  const attributeArea = bytes.subarray(HEADER_LENGTH);
  splitAttributes(attributeArea, HEADER_LENGTH);
  return {
    code: bytes.readUInt8(0),
    identifier: bytes.readUInt8(1),
    authenticator: bytes.subarray(AUTH_START, AUTH_END),
    bytes,
    attributeArea,
  };
}

export type ReplyVerdict = "ok" | "bad-authenticator" | "bad-message-authenticator";

/**
 * Checks a reply against the request it answers: Response Authenticator =
 * MD5(Code|Id|Length|Request Authenticator|Attributes|Secret), and any Message-Authenticator.
 * Comparisons are on raw bytes in constant time.
 */
export function verifyReply(reply: ParsedPacket, requestAuthenticator: Buffer, secret: Buffer): ReplyVerdict {
  const withRequestAuth = Buffer.from(reply.bytes);
  requestAuthenticator.copy(withRequestAuth, AUTH_START);
  if (!timingSafeEqual(md5(withRequestAuth, secret), reply.authenticator)) return "bad-authenticator";
  const mas = splitAttributes(reply.attributeArea, HEADER_LENGTH).filter(
    (a) => a.type === MESSAGE_AUTHENTICATOR,
  );
  if (mas.length === 0) return "ok";
  const ma = mas[0];
  if (mas.length > 1 || ma === undefined || ma.value.length !== 16) return "bad-message-authenticator";
  withRequestAuth.fill(0, ma.offset, ma.offset + 16);
  // RFC 5176 3.3: HMAC over the reply with the Request Authenticator in place. FreeRADIUS 3.2.x
  // servers sign CoA/Disconnect replies with that field zeroed instead; both are keyed with the
  // secret and the Response Authenticator above already binds the reply to this request.
  const zeroed = Buffer.from(withRequestAuth).fill(0, AUTH_START, AUTH_END);
  const ok = [withRequestAuth, zeroed].some((candidate) =>
    timingSafeEqual(hmac(secret, candidate), ma.value),
  );
  return ok ? "ok" : "bad-message-authenticator";
}

function md5(packet: Buffer, secret: Buffer): Buffer {
  return createHash("md5").update(packet).update(secret).digest();
}

function hmac(secret: Buffer, packet: Buffer): Buffer {
  return createHmac("md5", secret).update(packet).digest();
}
