import type { SQSClient } from "@aws-sdk/client-sqs";
import { afterEach, describe, expect, it } from "vitest";
import type { AgentEvent } from "../../../edge-agent/events.js";
import { Reporter } from "../../../edge-agent/reporter.js";
import { SITE, TENANT } from "../enforcer-helpers.js";
import { EventReader, type Queues, startQueues, until } from "./helpers.js";

let queues: Queues;
let reporters: Reporter[] = [];

afterEach(async () => {
  await Promise.all(reporters.map((r) => r.stop(100)));
  reporters = [];
  await queues?.close();
});

const at = () => new Date().toISOString();
const heartbeat = (n: number): AgentEvent => ({
  type: "heartbeat",
  tenantId: TENANT,
  siteId: SITE,
  at: at(),
  agentVersion: `t${n}`,
  state: "running",
  startedAt: at(),
  inFlight: 0,
  queueLagSeconds: 0,
  commands: {},
  nas: [],
});
const rejected = (n: number): AgentEvent => ({
  type: "rejected",
  tenantId: TENANT,
  siteId: SITE,
  at: at(),
  messageId: `m${n}`,
  reason: "the body is not JSON",
  attempt: 1,
  final: false,
});

/** Fails the first `failures` SendMessageBatch calls, as an unreachable endpoint would. */
function flaky(base: SQSClient, failures: number): { client: SQSClient; calls: () => number } {
  let calls = 0;
  const send = base.send.bind(base);
  const client = Object.create(base) as SQSClient;
  client.send = ((command: Parameters<typeof send>[0], options?: Parameters<typeof send>[1]) => {
    calls += 1;
    if (calls <= failures)
      return Promise.reject(Object.assign(new Error("refused"), { code: "ECONNREFUSED" }));
    return send(command, options);
  }) as typeof base.send;
  return { client, calls: () => calls };
}

function reporter(client: SQSClient, over: Partial<ConstructorParameters<typeof Reporter>[0]> = {}) {
  const r = new Reporter({ client, queueUrl: queues.eventsUrl, retryMs: 100, ...over });
  reporters.push(r);
  return r;
}

describe("Reporter", () => {
  it("batches events into the events queue and confirms delivery", async () => {
    queues = await startQueues();
    const r = reporter(queues.client);
    let sent = 0;
    r.on("sent", (n) => {
      sent += n;
    });

    for (let i = 0; i < 24; i++) r.report(heartbeat(i));
    const delivered = await r.deliver(rejected(99), 5_000);

    expect(delivered).toBe(true);
    const events = new EventReader(queues.client, queues.eventsUrl);
    await events.until((e) => e.length === 25);
    expect(events.of("heartbeat").map((h) => h.agentVersion)).toEqual(expect.arrayContaining(["t0", "t23"]));
    expect(sent).toBe(25);
  });

  it("never blocks the caller while SQS is down, retries with a pause, and delivers later", async () => {
    queues = await startQueues();
    const { client, calls } = flaky(queues.client, 3);
    const r = reporter(client);
    const errors: string[] = [];
    r.on("send_error", (e) => errors.push(e.message));

    const t0 = performance.now();
    for (let i = 0; i < 5; i++) r.report(rejected(i));
    expect(performance.now() - t0).toBeLessThan(50);

    const events = new EventReader(queues.client, queues.eventsUrl);
    await events.until((e) => e.length === 5, 5_000);
    expect(errors).toHaveLength(3);
    // 100 + 200 + 400 ms of pauses: a handful of calls, not a busy loop.
    expect(calls()).toBe(4);
  });

  it("when the buffer is full, drops heartbeats before results", async () => {
    queues = await startQueues();
    const { client } = flaky(queues.client, 1_000);
    const r = reporter(client, { maxBuffered: 10, retryMs: 60_000 });
    const dropped: string[] = [];
    r.on("dropped", (type) => dropped.push(type));

    let failures = 0;
    r.on("send_error", () => {
      failures += 1;
    });

    for (let i = 0; i < 5; i++) r.report(heartbeat(i));
    for (let i = 0; i < 10; i++) r.report(rejected(i));
    await until(() => failures === 1, 2_000);

    expect(r.buffered).toBe(10);
    expect(dropped).toEqual(["heartbeat", "heartbeat", "heartbeat", "heartbeat", "heartbeat"]);
  });

  it("deliver gives up after its bound while SQS is down, and stop reports what it dropped", async () => {
    queues = await startQueues();
    const { client } = flaky(queues.client, 1_000);
    const r = reporter(client);
    const dropped: string[] = [];
    r.on("dropped", (type) => dropped.push(type));

    expect(await r.deliver(rejected(1), 300)).toBe(false);
    await r.stop(200);
    await until(() => dropped.length === 1, 1_000);
    expect(r.report(rejected(2))).toBe(false);
  });
});
