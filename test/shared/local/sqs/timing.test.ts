import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SqsHarness, startHarness } from "./harness.js";

/** Delays, visibility and redrive against the wall clock; every wait is bounded by WaitTimeSeconds. */
let h: SqsHarness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

const receive = (QueueUrl: string, WaitTimeSeconds: number, VisibilityTimeout?: number) =>
  h.client
    .send(
      new ReceiveMessageCommand({
        QueueUrl,
        WaitTimeSeconds,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ["All"],
        ...(VisibilityTimeout === undefined ? {} : { VisibilityTimeout }),
      }),
    )
    .then((out) => out.Messages ?? []);

const attributes = async (QueueUrl: string) =>
  (await h.client.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["All"] }))).Attributes ??
  {};

describe("local SQS timing", () => {
  it("holds a delayed message until its delay ends, then hands it to a long poll within 100 ms", async () => {
    const QueueUrl = await h.queue("delay");
    await h.client.send(new SendMessageCommand({ QueueUrl, MessageBody: "due", DelaySeconds: 1 }));
    expect(await receive(QueueUrl, 0)).toEqual([]);
    expect(await attributes(QueueUrl)).toMatchObject({
      ApproximateNumberOfMessages: "0",
      ApproximateNumberOfMessagesDelayed: "1",
    });

    const [message] = await receive(QueueUrl, 5);
    const arrived = Date.now();
    const due = Number(message?.Attributes?.SentTimestamp) + 1000;
    const lateness = arrived - due;
    expect(Number(message?.Attributes?.ApproximateFirstReceiveTimestamp)).toBeGreaterThanOrEqual(due);
    expect(lateness).toBeGreaterThanOrEqual(0);
    expect(lateness).toBeLessThan(100);
  });

  it("answers a long poll as soon as a message is sent", async () => {
    const QueueUrl = await h.queue("long-poll");
    const started = performance.now();
    const polling = receive(QueueUrl, 10);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await h.client.send(new SendMessageCommand({ QueueUrl, MessageBody: "wake up" }));
    const messages = await polling;
    const elapsed = performance.now() - started;
    expect(messages.map((m) => m.Body)).toEqual(["wake up"]);
    expect(elapsed).toBeGreaterThanOrEqual(200);
    expect(elapsed).toBeLessThan(1000);
  });

  it("returns an empty long poll after WaitTimeSeconds", async () => {
    const QueueUrl = await h.queue("empty-poll");
    const started = performance.now();
    expect(await receive(QueueUrl, 1)).toEqual([]);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(990);
    expect(elapsed).toBeLessThan(1500);
  });

  it("redelivers after the visibility timeout, with a new receipt and ApproximateReceiveCount 2", async () => {
    const QueueUrl = await h.queue("visibility", { VisibilityTimeout: "1" });
    await h.client.send(new SendMessageCommand({ QueueUrl, MessageBody: "retry" }));
    const [first] = await receive(QueueUrl, 0);
    const receivedAt = Date.now();
    expect(first?.Attributes?.ApproximateReceiveCount).toBe("1");
    expect(await attributes(QueueUrl)).toMatchObject({ ApproximateNumberOfMessagesNotVisible: "1" });

    const [second] = await receive(QueueUrl, 5);
    expect(Date.now() - receivedAt).toBeGreaterThanOrEqual(990);
    expect(Date.now() - receivedAt).toBeLessThan(1200);
    expect(second?.MessageId).toBe(first?.MessageId);
    expect(second?.Attributes?.ApproximateReceiveCount).toBe("2");
    expect(second?.Attributes?.ApproximateFirstReceiveTimestamp).toBe(
      first?.Attributes?.ApproximateFirstReceiveTimestamp,
    );
    expect(second?.ReceiptHandle).not.toBe(first?.ReceiptHandle);

    await h.client.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: first?.ReceiptHandle }));
    expect(await attributes(QueueUrl)).toMatchObject({ ApproximateNumberOfMessagesNotVisible: "1" });
  });

  it("moves a message to the dead-letter queue after maxReceiveCount receives", async () => {
    const dlq = await h.queue("dead");
    const dlqArn = (await attributes(dlq)).QueueArn ?? "";
    const RedrivePolicy = JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 2 });
    const QueueUrl = await h.queue("redrive", { RedrivePolicy, VisibilityTimeout: "1" });
    const sent = await h.client.send(new SendMessageCommand({ QueueUrl, MessageBody: "poison" }));

    expect((await receive(QueueUrl, 0)).map((m) => m.Attributes?.ApproximateReceiveCount)).toEqual(["1"]);
    expect((await receive(QueueUrl, 5)).map((m) => m.Attributes?.ApproximateReceiveCount)).toEqual(["2"]);
    const [dead] = await receive(dlq, 5);
    expect(dead?.MessageId).toBe(sent.MessageId);
    expect(dead?.Body).toBe("poison");
    expect(dead?.Attributes?.DeadLetterQueueSourceArn).toBe((await attributes(QueueUrl)).QueueArn);
    expect(await attributes(QueueUrl)).toMatchObject({
      ApproximateNumberOfMessages: "0",
      ApproximateNumberOfMessagesNotVisible: "0",
    });
  });

  it("does not hand a message to a long poll whose client has gone", async () => {
    const QueueUrl = await h.queue("abandoned");
    const abort = new AbortController();
    const polling = h.client.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 10 }), {
      abortSignal: abort.signal,
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    abort.abort();
    await expect(polling).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await h.client.send(new SendMessageCommand({ QueueUrl, MessageBody: "for the living" }));
    expect((await receive(QueueUrl, 0)).map((m) => m.Body)).toEqual(["for the living"]);
  });
});
