import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentEvent } from "../../edge-agent/events.js";
import { handler } from "../../functions/agent-events.js";
import type { LocalCloud } from "../../shared/local/cloud.js";
import { createWorld, startTestCloud, type TenantWorld } from "../support/api.js";

let cloud: LocalCloud;
let world: TenantWorld;
let sqs: SQSClient;

beforeAll(async () => {
  // No interval drains here: the test is the schedule.
  cloud = await startTestCloud({ drainIntervalMs: 3_600_000 });
  world = await createWorld(cloud.deps, "drain");
  sqs = new SQSClient({
    endpoint: cloud.sqsEndpoint,
    region: "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
});
afterAll(async () => {
  sqs?.destroy();
  await cloud?.stop();
});

const heartbeat = (n: number): AgentEvent => ({
  type: "heartbeat",
  tenantId: world.tenantId,
  siteId: world.siteId,
  at: new Date(Date.now() - (30 - n) * 1000).toISOString(),
  agentVersion: `1.0.${n}`,
  state: "running",
  startedAt: new Date(Date.now() - 3_600_000).toISOString(),
  inFlight: 0,
  queueLagSeconds: 0,
  commands: {},
  nas: [],
});

describe("the agent-events drain", () => {
  it("takes everything waiting on the queue in one scheduled run, then the queue is empty", async () => {
    for (const start of [0, 10]) {
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: cloud.agentEventsUrl,
          Entries: Array.from({ length: 10 }, (_, i) => ({
            Id: String(i),
            MessageBody: JSON.stringify(heartbeat(start + i)),
          })),
        }),
      );
    }
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: cloud.agentEventsUrl,
        Entries: [{ Id: "bad", MessageBody: "not json" }],
      }),
    );

    const first = await handler({}, { getRemainingTimeInMillis: () => 55_000 });
    const second = await handler({}, { getRemainingTimeInMillis: () => 55_000 });
    const health = await cloud.deps.repos.sites.getHealth(world.tenantId, world.siteId);

    expect(first).toMatchObject({ received: 21, failed: 0 });
    expect(second).toEqual({ received: 0, failed: 0, receives: 1 });
    expect(health?.agent?.status).toBe("online");
    expect(health?.agent?.agentVersion).toMatch(/^1\.0\.\d+$/);
  });

  it("receives nothing when the invocation is already down to its reserve", async () => {
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: cloud.agentEventsUrl,
        Entries: [{ Id: "1", MessageBody: JSON.stringify(heartbeat(29)) }],
      }),
    );

    const late = await handler({}, { getRemainingTimeInMillis: () => 10_000 });
    const onTime = await handler({}, { getRemainingTimeInMillis: () => 55_000 });

    expect(late).toEqual({ received: 0, failed: 0, receives: 0 });
    expect(onTime.received).toBe(1);
  });
});
