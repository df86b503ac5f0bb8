import { createSocket } from "node:dgram";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  encodeRequest,
  findAttribute,
  isAlreadyOff,
  RadiusDaClient,
  type RadiusTarget,
  RadiusTimeoutError,
} from "../../../edge-agent/radius/index.js";
import { type FreeRadius, startFreeRadius } from "../../support/freeradius.js";
import { attributeOffset, hmacMd5, md5, type Relay, recordingLogger, startRelay } from "./helpers.js";

const session = { userName: "alice", acctSessionId: "81a00001", framedIpAddress: "10.0.0.7" };
const FAST = { initialTimeoutMs: 100, maxAttempts: 3, maxDurationMs: 2000, jitter: 0 };

let radius: FreeRadius;
let client: RadiusDaClient;
let target: RadiusTarget;
const logger = recordingLogger();
const relays: Relay[] = [];

beforeAll(async () => {
  radius = await startFreeRadius();
  client = new RadiusDaClient({
    bindAddress: "127.0.0.1",
    logger,
    retry: { initialTimeoutMs: 500, maxAttempts: 3, maxDurationMs: 5000 },
  });
  await client.start();
  target = { address: "127.0.0.1", port: radius.port, secret: radius.secret };
});

afterEach(async () => {
  for (const relay of relays.splice(0)) await relay.close();
});

afterAll(async () => {
  await client?.close();
  await radius?.stop();
});

/** Sends raw bytes from a fresh socket and reports whether anything came back within `waitMs`. */
async function answered(packet: Buffer, waitMs: number): Promise<boolean> {
  const socket = createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
  try {
    return await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), waitMs);
      socket.once("message", () => {
        clearTimeout(timer);
        resolve(true);
      });
      socket.send(packet, radius.port, "127.0.0.1");
    });
  } finally {
    socket.close();
  }
}

describe("RadiusDaClient against FreeRADIUS", () => {
  it("gets a Disconnect-ACK, with or without a Message-Authenticator", async () => {
    for (const messageAuthenticator of [false, true]) {
      const result = await client.disconnect({ ...target, messageAuthenticator }, session, {
        eventTimestamp: new Date(),
      });

      expect(result).toMatchObject({ kind: "ack", code: 41, attempts: 1 });
    }
  });

  it("gets a CoA-ACK for a Mikrotik-Rate-Limit change that FreeRADIUS parsed as that VSA", async () => {
    const result = await client.changeAuthorization(target, session, {
      mikrotikRateLimit: "10M/10M",
      sessionTimeout: 3600,
    });

    expect(result).toMatchObject({ kind: "ack", code: 44 });
    expect(findAttribute(result.attributes, "Mikrotik-Rate-Limit")?.value).toBe("10M/10M");
  });

  it("decodes Disconnect-NAK Error-Cause 503 as already off", async () => {
    const result = await client.disconnect(target, { userName: "nak-503" });

    expect(result).toMatchObject({
      kind: "nak",
      code: 42,
      errorCause: 503,
      errorCauseName: "Session Context Not Found",
    });
    expect(isAlreadyOff(result)).toBe(true);
  });

  it("decodes CoA-NAK Error-Cause 401", async () => {
    const result = await client.changeAuthorization(target, { userName: "nak-401" }, { sessionTimeout: 60 });

    expect(result).toMatchObject({
      kind: "nak",
      code: 45,
      errorCause: 401,
      errorCauseName: "Unsupported Attribute",
    });
    expect(isAlreadyOff(result)).toBe(false);
  });

  it("times out after the retry budget when the secret is wrong (FreeRADIUS drops the request)", async () => {
    const wrong = { ...target, secret: `${radius.secret}x` };

    const error = await client.disconnect(wrong, session, { retry: FAST }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RadiusTimeoutError);
    expect(error).toMatchObject({ attempts: 3 });
    expect(String(error)).not.toContain(radius.secret);
  });

  it("is accepted with a Message-Authenticator, and verifies the one FreeRADIUS signs into its reply", async () => {
    const result = await client.disconnect({ ...target, messageAuthenticator: true }, session, {
      retry: FAST,
    });

    expect(result.kind).toBe("ack");
    expect(result.attempts).toBe(1);
    expect(findAttribute(result.attributes, "Message-Authenticator")).toBeDefined();
  });

  it("control: FreeRADIUS drops a request whose Message-Authenticator was computed after the authenticator", async () => {
    const secret = Buffer.from(radius.secret);
    const good = encodeRequest({
      code: 40,
      identifier: 77,
      attributes: [{ name: "User-Name", value: "order" }],
      secret,
      messageAuthenticator: true,
    });
    const ma = attributeOffset(good, 80);
    const wrongOrder = Buffer.from(good)
      .fill(0, 4, 20)
      .fill(0, ma, ma + 16);
    md5(wrongOrder, secret).copy(wrongOrder, 4);
    hmacMd5(radius.secret, wrongOrder).copy(wrongOrder, ma);

    expect(await answered(wrongOrder, 700)).toBe(false);
    expect(await answered(good, 2000)).toBe(true);
  });

  it("retransmits the identical datagram when the first requests are lost", async () => {
    const relay = await startRelay(radius.port, { requests: 2 });
    relays.push(relay);

    const result = await client.disconnect({ ...target, port: relay.port }, session, { retry: FAST });

    expect(result).toMatchObject({ kind: "ack", attempts: 3 });
    expect(relay.fromClient).toHaveLength(3);
    expect(new Set(relay.fromClient.map((d) => d.toString("hex"))).size).toBe(1);
    expect(relay.fromClient[0]?.[1]).toBe(result.identifier);
  });

  it("gets FreeRADIUS's cached reply when the first reply is lost", async () => {
    const relay = await startRelay(radius.port, { replies: 1 });
    relays.push(relay);

    const result = await client.changeAuthorization(
      { ...target, port: relay.port },
      session,
      { sessionTimeout: 120 },
      { retry: FAST },
    );

    expect(result).toMatchObject({ kind: "ack", code: 44, attempts: 2 });
    expect(relay.fromClient[0]).toEqual(relay.fromClient[1]);
  });
});
