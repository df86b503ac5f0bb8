import { createSocket } from "node:dgram";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  isAlreadyOff,
  RadiusCode,
  RadiusDaClient,
  RadiusTimeoutError,
} from "../../edge-agent/radius/index.js";
import { NasRadiusServer, RouterSimulator } from "../../edge-agent/simulator/index.js";
import { hmacMd5, md5, tlv, uint32 } from "./radius/helpers.js";
import { liveSessions, rejection, seedFixtures } from "./routeros/helpers.js";

const SECRET = "nas-Shared-S3cret";
const FAST = { initialTimeoutMs: 40, maxAttempts: 2, maxDurationMs: 400, jitter: 0 };

let sim: RouterSimulator;
let nas: NasRadiusServer;
let client: RadiusDaClient;
let target: { address: string; port: number; secret: string };

beforeEach(async () => {
  sim = new RouterSimulator();
  seedFixtures(sim.model);
  nas = new NasRadiusServer(sim.model, sim.faults, { secret: SECRET });
  const port = await nas.listen();
  client = new RadiusDaClient({ bindAddress: "127.0.0.1", retry: FAST });
  target = { address: "127.0.0.1", port, secret: SECRET };
});

afterEach(async () => {
  await client.close();
  await nas.close();
  await sim.close();
});

/** A request built straight from RFC 5176 with node:crypto, independent of the code under test. */
function rawRequest(code: number, id: number, attributes: Buffer, secret = SECRET): Buffer {
  const packet = Buffer.concat([Buffer.from([code, id, 0, 0]), Buffer.alloc(16), attributes]);
  packet.writeUInt16BE(packet.length, 2);
  md5(packet, Buffer.from(secret)).copy(packet, 4);
  return packet;
}

async function exchangeRaw(request: Buffer, timeoutMs = 300): Promise<Buffer | undefined> {
  const socket = createSocket("udp4");
  try {
    await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
    const reply = new Promise<Buffer | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), timeoutMs);
      socket.once("message", (msg) => {
        clearTimeout(timer);
        resolve(msg);
      });
    });
    socket.send(request, target.port, "127.0.0.1");
    return await reply;
  } finally {
    socket.close();
  }
}

describe("simulated NAS RADIUS listener", () => {
  it.each([
    ["pppoe", "alice"],
    ["hotspot", "carol"],
  ] as const)("Disconnect-Request removes the %s session of %s and ACKs", async (service, user) => {
    const result = await client.disconnect(target, { userName: user });
    expect(result).toMatchObject({ kind: "ack", code: RadiusCode.DisconnectAck });
    expect(liveSessions(sim.model, service, user)).toEqual([]);
  });

  it("answers NAK with Error-Cause 503 when no session matches (already off)", async () => {
    const result = await client.disconnect(target, { userName: "dave" });
    expect(result).toMatchObject({ kind: "nak", code: RadiusCode.DisconnectNak, errorCause: 503 });
    expect(isAlreadyOff(result)).toBe(true);
  });

  it("narrows by Framed-IP-Address and Acct-Session-Id, and removes every session that matches", async () => {
    sim.model.connectPpp("alice", { address: "10.20.0.99" });
    const wrongIp = await client.disconnect(target, { userName: "alice", framedIpAddress: "10.9.9.9" });
    expect(isAlreadyOff(wrongIp)).toBe(true);
    const [first] = liveSessions(sim.model, "pppoe", "alice");
    const bySession = await client.disconnect(target, {
      userName: "alice",
      acctSessionId: first?.["session-id"] ?? "missing",
    });
    expect(bySession.kind).toBe("ack");
    expect(liveSessions(sim.model, "pppoe", "alice")).toHaveLength(1);
    sim.model.connectPpp("alice", { address: "10.20.0.98" });
    expect((await client.disconnect(target, { userName: "alice" })).kind).toBe("ack");
    expect(liveSessions(sim.model, "pppoe", "alice")).toEqual([]);
  });

  it("CoA records Mikrotik-Rate-Limit and Session-Timeout on the live session", async () => {
    const result = await client.changeAuthorization(
      target,
      { userName: "bob" },
      { mikrotikRateLimit: "20M/20M", sessionTimeout: 3600 },
    );
    expect(result).toMatchObject({ kind: "ack", code: RadiusCode.CoaAck });
    expect(liveSessions(sim.model, "pppoe", "bob")[0]).toMatchObject({
      "rate-limit": "20M/20M",
      "session-timeout": "3600",
    });
  });

  it("CoA for an unknown session earns CoA-NAK 503", async () => {
    const result = await client.changeAuthorization(
      target,
      { userName: "nobody" },
      { mikrotikRateLimit: "1M/1M" },
    );
    expect(result).toMatchObject({ kind: "nak", code: RadiusCode.CoaNak, errorCause: 503 });
  });

  it("refuses what a MikroTik cannot do with Error-Cause 401 (address list by CoA, authorization in a Disconnect)", async () => {
    const addressList = {
      name: "Vendor-Specific",
      vendorId: 14988,
      vendorType: 19,
      value: Buffer.from("x"),
    } as const;
    const coa = await client.send(target, RadiusCode.CoaRequest, [
      { name: "User-Name", value: "bob" },
      addressList,
    ]);
    expect(coa).toMatchObject({ kind: "nak", errorCause: 401 });
    const disconnect = await client.send(target, RadiusCode.DisconnectRequest, [
      { name: "User-Name", value: "bob" },
      { name: "Session-Timeout", value: 10 },
    ]);
    expect(disconnect).toMatchObject({ kind: "nak", errorCause: 401 });
    expect(liveSessions(sim.model, "pppoe", "bob")).toHaveLength(1);
  });

  it("answers 402 when the request identifies no session", async () => {
    const result = await client.send(target, RadiusCode.DisconnectRequest, [
      { name: "NAS-IP-Address", value: "127.0.0.1" },
    ]);
    expect(result).toMatchObject({ kind: "nak", errorCause: 402 });
  });

  it("drops requests signed with another secret, like a NAS, so the client times out", async () => {
    const wrong = { ...target, secret: "not-the-secret" };
    const error = await rejection(client.disconnect(wrong, { userName: "alice" }));
    expect(error).toBeInstanceOf(RadiusTimeoutError);
    expect(liveSessions(sim.model, "pppoe", "alice")).toHaveLength(1);
    expect(nas.stats.dropped).toBeGreaterThanOrEqual(FAST.maxAttempts);
    expect(nas.stats.acks + nas.stats.naks).toBe(0);
  });

  it("signs replies with MD5(Code|Id|Length|Request Authenticator|Attributes|Secret) and echoes Proxy-State", async () => {
    const request = rawRequest(40, 7, Buffer.concat([tlv(1, "dave"), tlv(33, "proxy-1")]));
    const reply = await exchangeRaw(request);
    if (reply === undefined) throw new Error("no reply");
    expect(reply[0]).toBe(42);
    expect(reply[1]).toBe(7);
    const expected = Buffer.from(reply);
    request.copy(expected, 4, 4, 20);
    expect(md5(expected, Buffer.from(SECRET)).equals(reply.subarray(4, 20))).toBe(true);
    expect(reply.subarray(20).equals(Buffer.concat([tlv(101, uint32(503)), tlv(33, "proxy-1")]))).toBe(true);
  });

  it("checks a Message-Authenticator and drops a request whose HMAC is wrong", async () => {
    const build = (tamper: boolean) => {
      const packet = Buffer.concat([
        Buffer.from([40, 9, 0, 0]),
        Buffer.alloc(16),
        tlv(80, Buffer.alloc(16)),
        tlv(1, "bob"),
      ]);
      packet.writeUInt16BE(packet.length, 2);
      hmacMd5(tamper ? "other" : SECRET, packet).copy(packet, 22);
      md5(packet, Buffer.from(SECRET)).copy(packet, 4);
      return packet;
    };
    expect(await exchangeRaw(build(true))).toBeUndefined();
    expect(liveSessions(sim.model, "pppoe", "bob")).toHaveLength(1);
    const reply = await exchangeRaw(build(false));
    expect(reply?.[0]).toBe(41);
    expect(reply?.[20]).toBe(80);
    expect(liveSessions(sim.model, "pppoe", "bob")).toEqual([]);
  });

  it("drops datagrams that are not requests or are malformed", async () => {
    expect(await exchangeRaw(rawRequest(41, 1, tlv(1, "bob")), 100)).toBeUndefined();
    expect(await exchangeRaw(Buffer.from([40, 1, 0, 5]), 100)).toBeUndefined();
    expect(nas.stats.dropped).toBe(2);
  });

  it("honours ackButIgnoreActiveRemoves: ACK while the session stays; its own flag overrides", async () => {
    sim.faults.ackButIgnoreActiveRemoves = true;
    expect((await client.disconnect(target, { userName: "alice" })).kind).toBe("ack");
    expect(liveSessions(sim.model, "pppoe", "alice")).toHaveLength(1);
    nas.ackButIgnoreDisconnects = false;
    expect((await client.disconnect(target, { userName: "alice" })).kind).toBe("ack");
    expect(liveSessions(sim.model, "pppoe", "alice")).toEqual([]);
  });

  it("follows sessions that come and go after it started", async () => {
    sim.model.addSecret({ name: "erin", password: "pw" });
    sim.model.connectPpp("erin");
    expect((await client.disconnect(target, { userName: "erin" })).kind).toBe("ack");
    sim.model.connectPpp("erin");
    sim.model.hangUpPpp("erin");
    expect(isAlreadyOff(await client.disconnect(target, { userName: "erin" }))).toBe(true);
  });

  it("serves 2,000 concurrent Disconnect-Requests, each removing its session", async () => {
    for (let i = 0; i < 2000; i++) {
      sim.model.addHotspotUser({ name: `load-${i}` });
      sim.model.loginHotspot(`load-${i}`, { address: `10.60.${i >> 8}.${i & 0xff}` });
    }
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: 2000 }, (_, i) =>
        client.disconnect(
          target,
          { userName: `load-${i}` },
          { retry: { initialTimeoutMs: 1000, maxDurationMs: 10_000 } },
        ),
      ),
    );
    const elapsed = performance.now() - started;
    expect(results.every((r) => r.kind === "ack")).toBe(true);
    expect(sim.model.print("/ip/hotspot/active").filter((r) => r.user?.startsWith("load-"))).toEqual([]);
    // Not a benchmark (those live in bench/); a generous bound that catches an O(n) scan per request.
    expect(elapsed).toBeLessThan(10_000);
  });
});
