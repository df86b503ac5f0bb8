import type { SQSClient } from "@aws-sdk/client-sqs";
import { afterEach, describe, expect, it } from "vitest";
import {
  type ConsumerOptions,
  classifySqsError,
  type Disposition,
  type HandlerContext,
  QueueConsumer,
  type ReceivedMessage,
} from "../../../edge-agent/consumer.js";
import { freePort, type Queues, queueCounts, sendBodies, sqsClient, startQueues, until } from "./helpers.js";

let queues: Queues;
let consumers: QueueConsumer[] = [];

afterEach(async () => {
  await Promise.all(consumers.map((c) => c.stop({ abort: true })));
  consumers = [];
  await queues?.close();
});

class CredentialsProviderError extends Error {
  override name = "CredentialsProviderError";
}

type Handler = (m: ReceivedMessage, c: HandlerContext) => Promise<Disposition>;

function consumer(handleMessage: Handler, over: Partial<ConsumerOptions> = {}): QueueConsumer {
  const c = new QueueConsumer({
    client: queues.client,
    queueUrl: queues.commandsUrl,
    handleMessage,
    waitTimeSeconds: 1,
    visibilityTimeoutSeconds: 10,
    heartbeatSeconds: 2,
    random: () => 1,
    ...over,
  });
  consumers.push(c);
  return c;
}

const DELETE: Disposition = { action: "delete" };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A client whose send goes through `intercept` first (counting, failing, checking options). */
function interceptClient(base: SQSClient, intercept: (name: string, options: unknown) => void): SQSClient {
  const send = base.send.bind(base);
  const client = Object.create(base) as SQSClient;
  client.send = ((command: { constructor: { name: string } }, options?: unknown) => {
    intercept(command.constructor.name, options);
    return send(command as Parameters<typeof send>[0], options as Parameters<typeof send>[1]);
  }) as typeof base.send;
  return client;
}

describe("QueueConsumer", () => {
  it("handles and deletes messages, passing an AbortSignal to every SDK call", async () => {
    queues = await startQueues();
    const seen: string[] = [];
    const calls: { name: string; signal: boolean }[] = [];
    const client = interceptClient(queues.client, (name, options) => {
      calls.push({ name, signal: Reflect.get(Object(options), "abortSignal") instanceof AbortSignal });
    });
    const c = consumer(
      async (m) => {
        seen.push(m.body);
        return m.body === "b" ? { action: "release", afterSeconds: 0 } : DELETE;
      },
      { client, heartbeatSeconds: 1 },
    );
    await sendBodies(queues.client, queues.commandsUrl, ["a", "b", "c"]);

    c.start();
    await until(() => seen.filter((b) => b === "b").length >= 2, 5_000, "b to come back");
    await c.stop();

    expect(seen).toEqual(expect.arrayContaining(["a", "b", "c"]));
    const names = new Set(calls.map((x) => x.name));
    expect(names).toEqual(
      new Set(["ReceiveMessageCommand", "DeleteMessageBatchCommand", "ChangeMessageVisibilityBatchCommand"]),
    );
    expect(calls.every((x) => x.signal)).toBe(true);
    const counts = await queueCounts(queues.client, queues.commandsUrl);
    expect(counts.visible + counts.inFlight).toBe(1);
  });

  it("pauses after credential errors, longer each time, without a busy loop, then resumes", async () => {
    queues = await startQueues();
    let receives = 0;
    const client = interceptClient(queues.client, (name) => {
      if (name !== "ReceiveMessageCommand") return;
      receives += 1;
      if (receives <= 3) throw new CredentialsProviderError("Could not load credentials from any providers");
    });
    const pauses: { reason: string; ms: number }[] = [];
    const handled: string[] = [];
    const c = consumer(
      async (m) => {
        handled.push(m.body);
        return DELETE;
      },
      { client, credentialsPauseMs: 150 },
    );
    c.on("paused", (p) => pauses.push(p));
    await sendBodies(queues.client, queues.commandsUrl, ["x"]);

    const started = Date.now();
    c.start();
    await sleep(250);
    const early = receives;
    await until(() => handled.length === 1, 5_000, "the message after the pauses");

    expect(early).toBeLessThanOrEqual(2);
    expect(pauses).toEqual([
      { reason: "credentials", ms: 150 },
      { reason: "credentials", ms: 300 },
      { reason: "credentials", ms: 600 },
    ]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_050);
    expect(receives).toBeLessThanOrEqual(5);
  });

  it("pauses on a refused connection instead of hammering the endpoint", async () => {
    queues = await startQueues();
    const dead = sqsClient(`http://127.0.0.1:${await freePort()}`);
    let receives = 0;
    const client = interceptClient(dead, (name) => {
      if (name === "ReceiveMessageCommand") receives += 1;
    });
    const reasons: string[] = [];
    const c = consumer(async () => DELETE, { client, networkPauseMs: 200, maxPauseMs: 400 });
    c.on("paused", (p) => reasons.push(p.reason));

    c.start();
    await sleep(1_500);
    await c.stop();
    dead.destroy();

    expect(reasons.length).toBeGreaterThan(0);
    expect(reasons.every((r) => r === "network")).toBe(true);
    expect(receives).toBeLessThanOrEqual(6);
  });

  it("aborts a handler past its timeout and releases the message for another try", async () => {
    queues = await startQueues();
    let attempts = 0;
    const signals: AbortSignal[] = [];
    const timeouts: string[] = [];
    const c = consumer(
      async (m, ctx) => {
        attempts += 1;
        signals.push(ctx.signal);
        if (m.receiveCount === 1) await new Promise(() => {}); // never settles; the timeout must win
        return DELETE;
      },
      { handlerTimeoutMs: 200, errorBackoffSeconds: 0 },
    );
    c.on("timeout_error", (_e, m) => timeouts.push(m.id));
    await sendBodies(queues.client, queues.commandsUrl, ["slow"]);

    c.start();
    await until(() => attempts === 2 && c.inFlight === 0, 5_000, "the second delivery");

    expect(timeouts).toHaveLength(1);
    expect(signals[0]?.aborted).toBe(true);
    expect(signals[1]?.aborted).toBe(false);
  });

  it("deferUntil makes the timeout count from a later instant", async () => {
    queues = await startQueues();
    const outcomes: string[] = [];
    const c = consumer(
      async (_m, ctx) => {
        ctx.deferUntil(Date.now() + 400);
        await sleep(450); // past the 200 ms timeout counted from receipt, within it from +400 ms
        outcomes.push(ctx.signal.aborted ? "aborted" : "done");
        return DELETE;
      },
      { handlerTimeoutMs: 200 },
    );
    await sendBodies(queues.client, queues.commandsUrl, ["later"]);

    c.start();
    await until(() => outcomes.length === 1, 5_000);
    expect(outcomes).toEqual(["done"]);
  });

  it("never runs more handlers than its concurrency", async () => {
    queues = await startQueues();
    let running = 0;
    let peak = 0;
    let done = 0;
    const c = consumer(
      async () => {
        running += 1;
        peak = Math.max(peak, running);
        await sleep(30);
        running -= 1;
        done += 1;
        return DELETE;
      },
      { concurrency: 3 },
    );
    await sendBodies(
      queues.client,
      queues.commandsUrl,
      Array.from({ length: 20 }, (_, i) => `m${i}`),
    );

    c.start();
    await until(() => done === 20, 10_000);
    expect(peak).toBe(3);
  });

  it("runs several receives at once during a burst, never past its concurrency, and one when quiet", async () => {
    queues = await startQueues();
    let receiving = 0;
    let peakReceiving = 0;
    let running = 0;
    let peakRunning = 0;
    let done = 0;
    const send = queues.client.send.bind(queues.client);
    const client = Object.create(queues.client) as SQSClient;
    client.send = (async (command: Parameters<typeof send>[0], options?: Parameters<typeof send>[1]) => {
      const isReceive = command.constructor.name === "ReceiveMessageCommand";
      if (isReceive) peakReceiving = Math.max(peakReceiving, ++receiving);
      try {
        return await send(command, options);
      } finally {
        if (isReceive) receiving -= 1;
      }
    }) as typeof send;
    const c = consumer(
      async () => {
        peakRunning = Math.max(peakRunning, ++running);
        await sleep(20);
        running -= 1;
        done += 1;
        return DELETE;
      },
      { client, concurrency: 40, maxPollers: 4 },
    );
    await sendBodies(
      queues.client,
      queues.commandsUrl,
      Array.from({ length: 400 }, (_, i) => `m${i}`),
    );

    c.start();
    await until(() => done === 400, 20_000, "the burst to drain");
    expect(peakReceiving).toBeGreaterThan(1);
    expect(peakReceiving).toBeLessThanOrEqual(4);
    expect(peakRunning).toBeLessThanOrEqual(40);
    // Quiet again: the extra loops end at their first short receive, one long poll stays.
    await until(() => receiving === 1, 5_000, "one receive in flight");
    await sleep(1_500);
    expect(receiving).toBe(1);
  });

  it("a message parked until a later instant holds no concurrency slot", async () => {
    queues = await startQueues();
    const order: string[] = [];
    const c = consumer(
      async (m, ctx) => {
        if (m.body === "later") {
          ctx.deferUntil(Date.now() + 1_000);
          await sleep(1_000);
        }
        order.push(m.body);
        return DELETE;
      },
      { concurrency: 1, batchSize: 1 },
    );
    await sendBodies(queues.client, queues.commandsUrl, ["later"]);
    c.start();
    await until(() => c.waiting === 1, 5_000, "the first message to park");
    await sendBodies(queues.client, queues.commandsUrl, ["now"]);

    await until(() => order.length === 2, 5_000);
    expect(order).toEqual(["now", "later"]);
  });

  it("gives up on the last allowed delivery of a failing handler and deletes it", async () => {
    queues = await startQueues();
    const gaveUp: number[] = [];
    let calls = 0;
    const c = consumer(
      async () => {
        calls += 1;
        throw new Error("bug");
      },
      { maxReceiveCount: 2, errorBackoffSeconds: 0 },
    );
    c.on("gave_up", (m) => gaveUp.push(m.receiveCount));
    c.on("processing_error", () => {});
    await sendBodies(queues.client, queues.commandsUrl, ["poison"]);

    c.start();
    await until(() => gaveUp.length === 1, 5_000);
    await c.stop();

    expect(calls).toBe(2);
    expect(gaveUp).toEqual([2]);
    const counts = await queueCounts(queues.client, queues.commandsUrl);
    expect(counts.visible + counts.inFlight).toBe(0);
  });

  it("stop({ abort: true }) returns at once even while a handler ignores its signal", async () => {
    queues = await startQueues();
    const c = consumer(() => new Promise<Disposition>(() => {}), { waitTimeSeconds: 20 });
    await sendBodies(queues.client, queues.commandsUrl, ["stuck"]);
    c.start();
    await until(() => c.inFlight === 1, 5_000);

    const t0 = Date.now();
    await c.stop({ abort: true });
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(c.inFlight).toBe(0);
  });

  it("a graceful stop ends after the current long poll and gives its messages back", async () => {
    queues = await startQueues();
    const handled: string[] = [];
    const c = consumer(
      async (m) => {
        handled.push(m.body);
        return DELETE;
      },
      { waitTimeSeconds: 2 },
    );
    c.start();
    await sleep(100);
    const stopping = c.stop();
    await sendBodies(queues.client, queues.commandsUrl, ["late"]);
    await stopping;

    expect(handled).toEqual([]);
    const counts = await queueCounts(queues.client, queues.commandsUrl);
    expect(counts).toMatchObject({ visible: 1, inFlight: 0 });
  });

  it("classifies credential, network and other errors", () => {
    const withCode = (code: string) => Object.assign(new Error("x"), { code });
    const expired = Object.assign(new Error("token expired"), { name: "ExpiredToken" });
    const forbidden = Object.assign(new Error("no"), {
      name: "Whatever",
      $metadata: { httpStatusCode: 403 },
    });
    expect(classifySqsError(new CredentialsProviderError("none"))).toBe("credentials");
    expect(classifySqsError(expired)).toBe("credentials");
    expect(classifySqsError(forbidden)).toBe("credentials");
    expect(classifySqsError(withCode("ECONNREFUSED"))).toBe("network");
    expect(classifySqsError(new Error("wrapped", { cause: withCode("ETIMEDOUT") }))).toBe("network");
    expect(classifySqsError(new Error("QueueDoesNotExist"))).toBe("other");
  });
});
