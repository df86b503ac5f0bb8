import { createHash, createHmac } from "node:crypto";
import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import type { RadiusLogger } from "../../../edge-agent/radius/index.js";

/**
 * Test doubles written straight from RFC 5176 / RFC 2865 with node:crypto, independent of the code
 * under test, so a shared mistake cannot make both sides agree.
 */

export function tlv(type: number, value: Buffer | string): Buffer {
  const bytes = typeof value === "string" ? Buffer.from(value) : value;
  return Buffer.concat([Buffer.from([type, bytes.length + 2]), bytes]);
}

export function uint32(n: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(n);
  return out;
}

export function md5(...parts: Buffer[]): Buffer {
  const hash = createHash("md5");
  for (const part of parts) hash.update(part);
  return hash.digest();
}

export function hmacMd5(secret: string, data: Buffer): Buffer {
  return createHmac("md5", secret).update(data).digest();
}

/** Finds the value offset of the first attribute of `type` in a packet, or -1. */
export function attributeOffset(packet: Buffer, type: number): number {
  for (let offset = 20; offset + 1 < packet.length; offset += Math.max(2, packet[offset + 1] ?? 255)) {
    if (packet[offset] === type) return offset + 2;
  }
  return -1;
}

/**
 * A reply to `request` signed with `secret`. `messageAuthenticator`: "rfc" signs it over the
 * Request Authenticator (RFC 5176 3.3), "zeroed" as FreeRADIUS 3.2 servers do.
 */
export function signReply(
  request: Buffer,
  code: number,
  attributes: Buffer,
  secret: string,
  messageAuthenticator?: "rfc" | "zeroed",
): Buffer {
  const area = messageAuthenticator ? Buffer.concat([tlv(80, Buffer.alloc(16)), attributes]) : attributes;
  const reply = Buffer.concat([Buffer.from([code, request[1] ?? 0, 0, 0]), request.subarray(4, 20), area]);
  reply.writeUInt16BE(reply.length, 2);
  if (messageAuthenticator) {
    const signed = Buffer.from(reply);
    if (messageAuthenticator === "zeroed") signed.fill(0, 4, 20);
    hmacMd5(secret, signed).copy(reply, 22);
  }
  md5(reply, Buffer.from(secret)).copy(reply, 4);
  return reply;
}

export interface FakeNas {
  readonly port: number;
  readonly socket: Socket;
  readonly received: Buffer[];
  close(): Promise<void>;
}

export type NasHandler = (request: Buffer, send: (reply: Buffer) => void, remote: RemoteInfo) => void;

/** A UDP "NAS" on 127.0.0.1 that records every datagram and answers through `handler`. */
export async function startFakeNas(handler: NasHandler): Promise<FakeNas> {
  const socket = createSocket("udp4");
  const received: Buffer[] = [];
  socket.on("message", (msg, remote) => {
    received.push(Buffer.from(msg));
    handler(msg, (reply) => socket.send(reply, remote.port, remote.address), remote);
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
  return {
    port: socket.address().port,
    socket,
    received,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

export interface Relay {
  readonly port: number;
  /** Every datagram the client sent to the relay, dropped or not. */
  readonly fromClient: Buffer[];
  close(): Promise<void>;
}

/** A UDP relay in front of `upstreamPort` that drops the first N requests and/or N replies. */
export async function startRelay(
  upstreamPort: number,
  drop: { requests?: number; replies?: number },
): Promise<Relay> {
  const socket = createSocket("udp4");
  const fromClient: Buffer[] = [];
  let requestsToDrop = drop.requests ?? 0;
  let repliesToDrop = drop.replies ?? 0;
  let client: RemoteInfo | undefined;
  socket.on("message", (msg, remote) => {
    if (remote.port === upstreamPort) {
      if (repliesToDrop > 0) repliesToDrop -= 1;
      else if (client) socket.send(msg, client.port, client.address);
      return;
    }
    client = remote;
    fromClient.push(Buffer.from(msg));
    if (requestsToDrop > 0) requestsToDrop -= 1;
    else socket.send(msg, upstreamPort, "127.0.0.1");
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
  return {
    port: socket.address().port,
    fromClient,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

export interface LogEntry {
  readonly level: "debug" | "warn";
  readonly message: string;
  readonly context: Readonly<Record<string, unknown>>;
}

export function recordingLogger(): RadiusLogger & { readonly entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  return {
    entries,
    debug: (message, context) => entries.push({ level: "debug", message, context }),
    warn: (message, context) => entries.push({ level: "warn", message, context }),
  };
}

/** Polls `predicate` every 5 ms for at most `timeoutMs`. */
export async function waitFor(predicate: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
