import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import type { SQSEvent } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { drainQueue, QueueDrainError } from "../../../../shared/adapters/queue/sqs-drain.js";

const sqs = mockClient(SQSClient);
const QUEUE_URL = "https://sqs.ap-south-1.amazonaws.com/123456789012/isp-billing-prod-AgentEvents";

const message = (n: number): Message => ({
  MessageId: `m${n}`,
  ReceiptHandle: `r${n}`,
  Body: JSON.stringify({ n }),
  Attributes: { ApproximateReceiveCount: "2", SentTimestamp: "1700000000000" },
});

const plenty = () => 60_000;

describe("drainQueue", () => {
  beforeEach(() => {
    sqs.reset();
    sqs.on(DeleteMessageBatchCommand).resolves({ Successful: [], Failed: [] });
  });

  it("costs one short-polling receive when the queue is empty", async () => {
    sqs.on(ReceiveMessageCommand).resolves({});
    let calls = 0;

    const report = await drainQueue({
      client: new SQSClient({}),
      queueUrl: QUEUE_URL,
      handler: async () => {
        calls++;
        return { batchItemFailures: [] };
      },
      remainingMs: plenty,
      reserveMs: 10_000,
    });

    expect(report).toEqual({ received: 0, failed: 0, receives: 1 });
    expect(calls).toBe(0);
    expect(sqs.commandCalls(ReceiveMessageCommand)[0]?.args[0].input).toMatchObject({
      QueueUrl: QUEUE_URL,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 0,
    });
  });

  it("hands batches over as an event source would, deleting all but the reported failures", async () => {
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [message(1), message(2), message(3)] })
      .resolves({});
    const events: SQSEvent[] = [];

    const report = await drainQueue({
      client: new SQSClient({}),
      queueUrl: QUEUE_URL,
      region: "ap-south-1",
      handler: async (event) => {
        events.push(event);
        return { batchItemFailures: [{ itemIdentifier: "m2" }] };
      },
      remainingMs: plenty,
      reserveMs: 10_000,
    });

    // A short batch ends the run: no trailing empty receive.
    expect(report).toEqual({ received: 3, failed: 1, receives: 1 });
    expect(events).toHaveLength(1);
    expect(events[0]?.Records[0]).toMatchObject({
      messageId: "m1",
      receiptHandle: "r1",
      body: '{"n":1}',
      attributes: { ApproximateReceiveCount: "2", SentTimestamp: "1700000000000" },
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:ap-south-1:123456789012:isp-billing-prod-AgentEvents",
      awsRegion: "ap-south-1",
    });
    const deletes = sqs.commandCalls(DeleteMessageBatchCommand).map((c) => c.args[0].input);
    expect(deletes).toEqual([
      {
        QueueUrl: QUEUE_URL,
        Entries: [
          { Id: "0", ReceiptHandle: "r1" },
          { Id: "1", ReceiptHandle: "r3" },
        ],
      },
    ]);
  });

  it("adds receive loops only once a receive comes back full", async () => {
    const full = Array.from({ length: 10 }, (_, i) => message(i));
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: full }).resolves({});

    const report = await drainQueue({
      client: new SQSClient({}),
      queueUrl: QUEUE_URL,
      handler: async () => ({ batchItemFailures: [] }),
      remainingMs: plenty,
      reserveMs: 10_000,
      concurrency: 3,
    });

    // The first loop's full batch and its empty receive, and one empty receive each of two more loops.
    expect(report).toEqual({ received: 10, failed: 0, receives: 4 });
  });

  it("receives nothing more once the time left is down to the reserve", async () => {
    sqs.on(ReceiveMessageCommand).resolves({ Messages: Array.from({ length: 10 }, (_, i) => message(i)) });
    let left = 30_000;

    const report = await drainQueue({
      client: new SQSClient({}),
      queueUrl: QUEUE_URL,
      handler: async () => {
        left -= 12_000;
        return { batchItemFailures: [] };
      },
      remainingMs: () => left,
      reserveMs: 10_000,
      concurrency: 1,
    });

    expect(report.receives).toBe(2);
    expect(report.received).toBe(20);
  });

  it("stops when the handler throws, deleting nothing of that batch, and says which queue", async () => {
    sqs.on(ReceiveMessageCommand).resolves({ Messages: [message(1)] });

    const drained = drainQueue({
      client: new SQSClient({}),
      queueUrl: QUEUE_URL,
      handler: async () => {
        throw new Error("table unavailable");
      },
      remainingMs: plenty,
      reserveMs: 10_000,
    });

    await expect(drained).rejects.toBeInstanceOf(QueueDrainError);
    await expect(drained).rejects.toMatchObject({
      queueUrl: QUEUE_URL,
      cause: { message: "table unavailable" },
    });
    expect(sqs.commandCalls(DeleteMessageBatchCommand)).toHaveLength(0);
  });
});

describe("drainQueue woken for queued work", () => {
  beforeEach(() => sqs.reset());

  it("long-polls its first receive only", async () => {
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: Array.from({ length: 10 }, (_, i) => message(i)) })
      .resolves({});
    sqs.on(DeleteMessageBatchCommand).resolves({});

    await drainQueue({
      client: new SQSClient({}),
      queueUrl: QUEUE_URL,
      handler: async () => ({ batchItemFailures: [] }),
      remainingMs: plenty,
      reserveMs: 10_000,
      firstWaitSeconds: 2,
      concurrency: 1,
    });

    const waits = sqs.commandCalls(ReceiveMessageCommand).map((c) => c.args[0].input.WaitTimeSeconds);
    expect(waits).toEqual([2, 0]);
  });
});
