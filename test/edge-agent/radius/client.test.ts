import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import {
  RadiusAbortedError,
  RadiusClientClosedError,
  RadiusConfigError,
  RadiusDaClient,
  type RadiusDaClientOptions,
  RadiusTimeoutError,
} from "../../../edge-agent/radius/index.js";
import { type FakeNas, recordingLogger, signReply, startFakeNas, tlv, uint32, waitFor } from "./helpers.js";

const SECRET = "Sup3r-S3cret-Value";
const FAST = { initialTimeoutMs: 50, maxAttempts: 3, maxDurationMs: 1000, jitter: 0 };

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(handler: Parameters<typeof startFakeNas>[0], options: RadiusDaClientOptions = {}) {
  const nas: FakeNas = await startFakeNas(handler);
  const logger = recordingLogger();
  const client = new RadiusDaClient({ bindAddress: "127.0.0.1", logger, ...options });
  await client.start();
  cleanups.push(nas.close, () => client.close());
  const target = { address: "127.0.0.1", port: nas.port, secret: SECRET };
  return { nas, client, logger, target };
}

const ack = (request: Buffer) => signReply(request, (request[0] ?? 0) + 1, Buffer.alloc(0), SECRET);

describe("RadiusDaClient against a fake NAS", () => {
  it("rejects every single-bit flip of the reply authenticator and takes the genuine reply after it", async () => {
    // The forged reply is a NAK, the genuine one an ACK: accepting a forgery would change the result.
    let flip = -1;
    const { client, logger, target } = await setup((request, send) => {
      flip += 1; // requests are sequential and answered at once, so no retransmission shifts the count
      const forged = signReply(request, 42, tlv(101, uint32(503)), SECRET);
      forged[4 + (flip >> 3)] = (forged[4 + (flip >> 3)] ?? 0) ^ (1 << (flip & 7));
      send(forged);
      send(ack(request));
    });

    for (let bit = 0; bit < 128; bit += 1) {
      const result = await client.disconnect(target, { userName: "bit", acctSessionId: `case-${bit}` });
      expect(result.kind, `bit ${bit}`).toBe("ack");
      expect(result.attempts).toBe(1);
    }
    expect(
      logger.entries.filter((e) => e.message === "radius reply ignored: bad-authenticator"),
    ).toHaveLength(128);
  });

  it("times out when only forged replies arrive", async () => {
    const { client, target } = await setup((request, send) => {
      const forged = ack(request);
      forged[19] = (forged[19] ?? 0) ^ 0x80;
      send(forged);
    });

    await expect(client.disconnect(target, { userName: "x" }, { retry: FAST })).rejects.toBeInstanceOf(
      RadiusTimeoutError,
    );
  });

  it("ignores malformed, unmatched, wrong-code and wrong-source datagrams without crashing", async () => {
    const stranger = await startFakeNas(() => {});
    cleanups.push(stranger.close);
    const { client, logger, target } = await setup((request, send, remote) => {
      send(Buffer.from([41]));
      send(Buffer.alloc(30, 0xff));
      send(signReply(request, 41, Buffer.from([1, 200]), SECRET));
      const otherId = ack(request);
      otherId[1] = ((request[1] ?? 0) + 1) & 0xff;
      send(otherId);
      send(signReply(request, 44, Buffer.alloc(0), SECRET));
      stranger.socket.send(ack(request), remote.port, remote.address);
      setTimeout(() => send(ack(request)), 30);
    });

    const result = await client.disconnect(target, { userName: "noise" });

    expect(result.kind).toBe("ack");
    const reasons = logger.entries.map((e) => e.message);
    expect(reasons.filter((m) => m.includes("malformed"))).toHaveLength(3);
    expect(reasons.filter((m) => m.includes("unmatched"))).toHaveLength(2);
    expect(reasons).toContain("radius reply ignored: code does not fit the request");
  });

  it("retransmits identical bytes with the same Identifier, doubling the wait", async () => {
    const at: number[] = [];
    const { client, nas, target } = await setup((request, send) => {
      at.push(performance.now());
      if (at.length === 3) send(ack(request));
    });

    const result = await client.changeAuthorization(
      target,
      { userName: "retry" },
      { mikrotikRateLimit: "1M/1M" },
      { retry: { ...FAST, initialTimeoutMs: 100, maxAttempts: 5 } },
    );

    expect(result).toMatchObject({ kind: "ack", code: 44, attempts: 3 });
    expect(nas.received).toHaveLength(3);
    expect(new Set(nas.received.map((d) => d.toString("hex"))).size).toBe(1);
    const [first = 0, second = 0, third = 0] = at;
    // Sent at about 0, 100 and 300 ms; delivery jitter on a busy machine blurs single gaps a little.
    expect(second - first).toBeGreaterThanOrEqual(70);
    expect(third - second).toBeGreaterThanOrEqual(150);
    expect(third - second - (second - first)).toBeGreaterThanOrEqual(40);
    expect(third - first).toBeLessThan(1500);
  });

  it("stops at the overall time budget even with attempts left", async () => {
    const { client, nas, target } = await setup(() => {});
    const retry = { initialTimeoutMs: 100, maxAttempts: 10, maxDurationMs: 250, jitter: 0 };

    const error = await client.disconnect(target, { userName: "budget" }, { retry }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RadiusTimeoutError);
    expect(error).toMatchObject({ attempts: 2 });
    expect((error as RadiusTimeoutError).elapsedMs).toBeGreaterThanOrEqual(240);
    expect(nas.received).toHaveLength(2);
  });

  it("keeps at most 256 requests outstanding per destination and queues the rest", async () => {
    const held: Array<() => void> = [];
    const { client, nas, target } = await setup((request, send) => held.push(() => send(ack(request))), {
      retry: { initialTimeoutMs: 10_000, maxDurationMs: 20_000 },
    });

    const results = Array.from({ length: 300 }, (_, i) => client.disconnect(target, { userName: `u${i}` }));
    await waitFor(() => nas.received.length >= 256);
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(nas.received).toHaveLength(256);
    expect(new Set(nas.received.map((d) => d[1])).size).toBe(256);
    for (const release of held.splice(0)) release();
    await waitFor(() => nas.received.length === 300);
    for (const release of held.splice(0)) release();
    expect((await Promise.all(results)).every((r) => r.kind === "ack")).toBe(true);
  });

  it("honours an AbortSignal given before or during a request", async () => {
    const { client, nas, target } = await setup(() => {});
    const controller = new AbortController();

    const pending = client.disconnect(target, { userName: "abort" }, { signal: controller.signal });
    await waitFor(() => nas.received.length === 1);
    controller.abort(new Error("shutdown"));

    await expect(pending).rejects.toBeInstanceOf(RadiusAbortedError);
    await expect(
      client.disconnect(target, { userName: "x" }, { signal: controller.signal }),
    ).rejects.toBeInstanceOf(RadiusAbortedError);
  });

  it("rejects outstanding requests cleanly on close and refuses new ones", async () => {
    const { client, nas, target } = await setup(() => {});
    const pending = client.disconnect(target, { userName: "closing" });
    await waitFor(() => nas.received.length === 1);

    await client.close();

    await expect(pending).rejects.toBeInstanceOf(RadiusClientClosedError);
    await expect(client.disconnect(target, { userName: "after" })).rejects.toBeInstanceOf(RadiusConfigError);
  });

  it("never puts the shared secret in errors or logs", async () => {
    const { client, logger, target } = await setup((request, send) => {
      const forged = ack(request);
      forged[4] = (forged[4] ?? 0) ^ 1;
      send(forged);
    });
    const errors: unknown[] = [];
    const capture = (p: Promise<unknown>) =>
      p.then(
        () => errors.push(new Error("resolved")),
        (e) => errors.push(e),
      );

    await capture(client.disconnect(target, { userName: "t" }, { retry: FAST }));
    await capture(client.disconnect({ ...target, address: "nas.example" }, { userName: "t" }));
    await capture(client.disconnect(target, {}));
    await capture(client.disconnect(target, { userName: "t" }, { signal: AbortSignal.abort() }));
    const closing = client.disconnect(target, { userName: "t" });
    await client.close();
    await capture(closing);
    expect(() => new RadiusDaClient({ bindAddress: SECRET })).toThrow(RadiusConfigError);
    try {
      new RadiusDaClient({ bindAddress: SECRET });
    } catch (error) {
      errors.push(error);
    }

    expect(errors).toHaveLength(6);
    for (const error of errors) {
      expect(error).toBeInstanceOf(Error);
      const text = `${String(error)} ${inspect(error, { depth: 6 })} ${JSON.stringify(error)}`;
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(Buffer.from(SECRET).toString("hex"));
    }
    expect(JSON.stringify(logger.entries)).not.toContain(SECRET);
    expect(logger.entries.length).toBeGreaterThan(0);
  });
});
