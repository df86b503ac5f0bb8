import {
  BatchEntryIdsNotDistinct,
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  EmptyBatchRequest,
  GetQueueAttributesCommand,
  MessageNotInflight,
  ReceiptHandleIsInvalid,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  TooManyEntriesInBatchRequest,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SqsHarness, startHarness } from "./harness.js";

let h: SqsHarness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

const receive = (
  QueueUrl: string,
  extra: Partial<ConstructorParameters<typeof ReceiveMessageCommand>[0]> = {},
) =>
  h.client
    .send(
      new ReceiveMessageCommand({
        QueueUrl,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ["All"],
        MessageAttributeNames: ["All"],
        ...extra,
      }),
    )
    .then((out) => out.Messages ?? []);

const count = async (
  QueueUrl: string,
  name: "ApproximateNumberOfMessages" | "ApproximateNumberOfMessagesNotVisible",
) => {
  const out = await h.client.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: [name] }));
  return Number(out.Attributes?.[name]);
};

describe("local SQS messages", () => {
  it("sends, receives and deletes a message", async () => {
    const QueueUrl = await h.queue("basic");
    const sent = await h.client.send(new SendMessageCommand({ QueueUrl, MessageBody: '{"cmd":"suspend"}' }));
    const [message, ...rest] = await receive(QueueUrl);
    expect(rest).toEqual([]);
    expect(message).toMatchObject({ MessageId: sent.MessageId, Body: '{"cmd":"suspend"}' });
    expect(message?.Attributes?.ApproximateReceiveCount).toBe("1");
    expect(await count(QueueUrl, "ApproximateNumberOfMessagesNotVisible")).toBe(1);
    await h.client.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message?.ReceiptHandle }));
    expect(await count(QueueUrl, "ApproximateNumberOfMessagesNotVisible")).toBe(0);
    expect(await receive(QueueUrl)).toEqual([]);
  });

  it("returns digests the SDK accepts, for multi-byte bodies and for attributes", async () => {
    const QueueUrl = await h.queue("md5");
    const MessageBody = "Grace ends at 23:59 — ৳500 due 😀";
    const binary = Buffer.from("Hello binary world!");
    const sent = await h.client.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody,
        MessageAttributes: {
          attribName1: { DataType: "String", StringValue: "attribValue 1" },
          customNumberTypeAttrib: {
            DataType: "Number.float",
            StringValue: "4563442423554324324264524243.32543234",
          },
          binaryAttribute: { DataType: "Binary", BinaryValue: binary },
        },
      }),
    );
    // SQS's own digest for these attributes (published reference value).
    expect(sent.MD5OfMessageAttributes).toBe("c932db14a896c663f83c260297d594ff");
    const [message] = await receive(QueueUrl);
    expect(message?.Body).toBe(MessageBody);
    expect(message?.MD5OfMessageAttributes).toBe("c932db14a896c663f83c260297d594ff");
    expect(Buffer.from(message?.MessageAttributes?.binaryAttribute?.BinaryValue ?? [])).toEqual(binary);
  });

  it("returns only the requested message attributes, with their own digest", async () => {
    const QueueUrl = await h.queue("select");
    await h.client.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: "x",
        MessageAttributes: {
          "trace.id": { DataType: "String", StringValue: "t1" },
          attribName1: { DataType: "String", StringValue: "attribValue 1" },
        },
      }),
    );
    const [message] = await receive(QueueUrl, { MessageAttributeNames: ["attribName1"] });
    expect(Object.keys(message?.MessageAttributes ?? {})).toEqual(["attribName1"]);
    expect(message?.MD5OfMessageAttributes).toBe("19e27d4e946b072f3f58da80d94fd778");
  });

  it("sends a batch with per-entry failures", async () => {
    const QueueUrl = await h.queue("batch");
    const out = await h.client.send(
      new SendMessageBatchCommand({
        QueueUrl,
        Entries: [
          { Id: "ok-1", MessageBody: "one" },
          { Id: "too-late", MessageBody: "two", DelaySeconds: 901 },
          {
            Id: "ok-3",
            MessageBody: "three",
            MessageAttributes: { n: { DataType: "Number", StringValue: "7" } },
          },
          {
            Id: "no-value",
            MessageBody: "four",
            MessageAttributes: { s: { DataType: "String", StringValue: "" } },
          },
        ],
      }),
    );
    expect(out.Successful?.map((e) => e.Id)).toEqual(["ok-1", "ok-3"]);
    expect(out.Failed).toEqual([
      expect.objectContaining({ Id: "too-late", SenderFault: true, Code: "InvalidParameterValue" }),
      expect.objectContaining({ Id: "no-value", SenderFault: true, Code: "InvalidParameterValue" }),
    ]);
    const bodies = (await receive(QueueUrl)).map((m) => m.Body).sort();
    expect(bodies).toEqual(["one", "three"]);
  });

  it("deletes a batch with per-entry failures", async () => {
    const QueueUrl = await h.queue("delete-batch");
    await h.client.send(
      new SendMessageBatchCommand({
        QueueUrl,
        Entries: [
          { Id: "a", MessageBody: "a" },
          { Id: "b", MessageBody: "b" },
        ],
      }),
    );
    const messages = await receive(QueueUrl);
    expect(messages).toHaveLength(2);
    const out = await h.client.send(
      new DeleteMessageBatchCommand({
        QueueUrl,
        Entries: [
          ...messages.map((m, i) => ({ Id: `m${i}`, ReceiptHandle: m.ReceiptHandle })),
          { Id: "bogus", ReceiptHandle: "not-a-receipt-handle" },
        ],
      }),
    );
    expect(out.Successful?.map((e) => e.Id)).toEqual(["m0", "m1"]);
    expect(out.Failed).toEqual([expect.objectContaining({ Id: "bogus", Code: "ReceiptHandleIsInvalid" })]);
    expect(await count(QueueUrl, "ApproximateNumberOfMessagesNotVisible")).toBe(0);
  });

  it("rejects malformed batches with the SDK's batch exceptions", async () => {
    const QueueUrl = await h.queue("bad-batch");
    const entries = (n: number) => Array.from({ length: n }, (_, i) => ({ Id: `e${i}`, MessageBody: "x" }));
    await expect(
      h.client.send(new SendMessageBatchCommand({ QueueUrl, Entries: entries(11) })),
    ).rejects.toBeInstanceOf(TooManyEntriesInBatchRequest);
    await expect(
      h.client.send(new SendMessageBatchCommand({ QueueUrl, Entries: [] })),
    ).rejects.toBeInstanceOf(EmptyBatchRequest);
    const twice = [
      { Id: "same", MessageBody: "1" },
      { Id: "same", MessageBody: "2" },
    ];
    await expect(
      h.client.send(new SendMessageBatchCommand({ QueueUrl, Entries: twice })),
    ).rejects.toBeInstanceOf(BatchEntryIdsNotDistinct);
    await expect(
      h.client.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: "garbage" })),
    ).rejects.toBeInstanceOf(ReceiptHandleIsInvalid);
  });

  it("validates message parameters with SQS's error codes", async () => {
    const QueueUrl = await h.queue("validate");
    const big = "x".repeat(262_145);
    await expect(h.client.send(new SendMessageCommand({ QueueUrl, MessageBody: big }))).rejects.toMatchObject(
      {
        name: "InvalidParameterValue",
      },
    );
    await expect(
      h.client.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 11 })),
    ).rejects.toMatchObject({ name: "InvalidParameterValue" });
    await expect(
      h.client.send(new SendMessageCommand({ QueueUrl, MessageBody: "bad \u0000" })),
    ).rejects.toMatchObject({
      name: "InvalidMessageContents",
    });
  });

  it("makes a message visible at once with ChangeMessageVisibility(0)", async () => {
    const QueueUrl = await h.queue("cmv");
    await h.client.send(new SendMessageCommand({ QueueUrl, MessageBody: "retry me" }));
    const [first] = await receive(QueueUrl, { VisibilityTimeout: 300 });
    expect(await receive(QueueUrl)).toEqual([]);
    await h.client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl,
        ReceiptHandle: first?.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    const [second] = await receive(QueueUrl);
    expect(second?.MessageId).toBe(first?.MessageId);
    expect(second?.Attributes?.ApproximateReceiveCount).toBe("2");
    const batch = await h.client.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl,
        Entries: [
          { Id: "latest", ReceiptHandle: second?.ReceiptHandle, VisibilityTimeout: 0 },
          { Id: "stale", ReceiptHandle: first?.ReceiptHandle, VisibilityTimeout: 0 },
        ],
      }),
    );
    expect(batch.Successful?.map((e) => e.Id)).toEqual(["latest"]);
    expect(batch.Failed?.map((e) => e.Id)).toEqual(["stale"]);
    const [third] = await receive(QueueUrl);
    await h.client.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: third?.ReceiptHandle }));
    await expect(
      h.client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl,
          ReceiptHandle: third?.ReceiptHandle,
          VisibilityTimeout: 0,
        }),
      ),
    ).rejects.toMatchObject({ name: "InvalidParameterValue" });
  });

  it("reports MessageNotInflight for a visible message", async () => {
    const QueueUrl = await h.queue("not-inflight");
    await h.client.send(new SendMessageCommand({ QueueUrl, MessageBody: "x" }));
    const [message] = await receive(QueueUrl, { VisibilityTimeout: 300 });
    const zero = { QueueUrl, ReceiptHandle: message?.ReceiptHandle, VisibilityTimeout: 0 };
    await h.client.send(new ChangeMessageVisibilityCommand(zero));
    await expect(h.client.send(new ChangeMessageVisibilityCommand(zero))).rejects.toBeInstanceOf(
      MessageNotInflight,
    );
  });

  it("ignores a stale receipt handle after the message was delivered again", async () => {
    const QueueUrl = await h.queue("stale");
    await h.client.send(new SendMessageCommand({ QueueUrl, MessageBody: "once" }));
    const [first] = await receive(QueueUrl, { VisibilityTimeout: 300 });
    await h.client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl,
        ReceiptHandle: first?.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    const [second] = await receive(QueueUrl, { VisibilityTimeout: 300 });
    expect(second?.ReceiptHandle).not.toBe(first?.ReceiptHandle);
    // Accepted, as SQS does, but the new delivery survives.
    await h.client.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: first?.ReceiptHandle }));
    expect(await count(QueueUrl, "ApproximateNumberOfMessagesNotVisible")).toBe(1);
    await h.client.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: second?.ReceiptHandle }));
    expect(await count(QueueUrl, "ApproximateNumberOfMessagesNotVisible")).toBe(0);
  });
});
