import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  InvalidAttributeName,
  InvalidAttributeValue,
  ListDeadLetterSourceQueuesCommand,
  ListQueuesCommand,
  PurgeQueueCommand,
  type QueueAttributeName,
  QueueDoesNotExist,
  QueueNameExists,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSServiceException,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SqsHarness, startHarness, uniqueName } from "./harness.js";

let h: SqsHarness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

const attributesOf = async (QueueUrl: string, names: QueueAttributeName[] = ["All"]) =>
  (await h.client.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: names }))).Attributes ?? {};

describe("local SQS queues", () => {
  it("creates a queue with SQS-shaped URL and ARN, and finds it by name", async () => {
    const name = uniqueName("orders");
    const created = await h.client.send(new CreateQueueCommand({ QueueName: name }));
    expect(created.QueueUrl).toBe(`${h.sqs.endpoint}/000000000000/${name}`);
    expect(h.sqs.queueUrl(name)).toBe(created.QueueUrl);
    const found = await h.client.send(new GetQueueUrlCommand({ QueueName: name }));
    expect(found.QueueUrl).toBe(created.QueueUrl);
    const attributes = await attributesOf(h.sqs.queueUrl(name));
    expect(attributes).toMatchObject({
      QueueArn: `arn:aws:sqs:local:000000000000:${name}`,
      DelaySeconds: "0",
      VisibilityTimeout: "30",
      MessageRetentionPeriod: "345600",
      ReceiveMessageWaitTimeSeconds: "0",
      ApproximateNumberOfMessages: "0",
      ApproximateNumberOfMessagesNotVisible: "0",
      ApproximateNumberOfMessagesDelayed: "0",
    });
  });

  it("applies attributes at creation and is idempotent for the same attributes", async () => {
    const name = uniqueName("configured");
    const Attributes = { VisibilityTimeout: "45", DelaySeconds: "2", ReceiveMessageWaitTimeSeconds: "5" };
    const first = await h.client.send(new CreateQueueCommand({ QueueName: name, Attributes }));
    const again = await h.client.send(new CreateQueueCommand({ QueueName: name, Attributes }));
    expect(again.QueueUrl).toBe(first.QueueUrl);
    const other = new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: "46" } });
    await expect(h.client.send(other)).rejects.toBeInstanceOf(QueueNameExists);
    expect(await attributesOf(h.sqs.queueUrl(name), ["VisibilityTimeout", "DelaySeconds"])).toEqual({
      VisibilityTimeout: "45",
      DelaySeconds: "2",
    });
  });

  it("sets and reads a redrive policy pointing at an existing queue", async () => {
    const dlq = await h.queue("dlq");
    const dlqArn = (await attributesOf(dlq, ["QueueArn"])).QueueArn ?? "";
    const source = await h.queue("source");
    const RedrivePolicy = JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 3 });
    await h.client.send(new SetQueueAttributesCommand({ QueueUrl: source, Attributes: { RedrivePolicy } }));
    expect(JSON.parse((await attributesOf(source, ["RedrivePolicy"])).RedrivePolicy ?? "{}")).toEqual({
      deadLetterTargetArn: dlqArn,
      maxReceiveCount: 3,
    });
    const sources = await h.client.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlq }));
    expect(sources.queueUrls).toEqual([source]);

    const missing = JSON.stringify({ deadLetterTargetArn: `${dlqArn}-missing`, maxReceiveCount: 3 });
    const bad = new SetQueueAttributesCommand({ QueueUrl: source, Attributes: { RedrivePolicy: missing } });
    await expect(h.client.send(bad)).rejects.toMatchObject({ name: "InvalidParameterValue" });
  });

  it("lists queues by prefix and forgets deleted ones", async () => {
    const prefix = uniqueName("list");
    await h.client.send(new CreateQueueCommand({ QueueName: `${prefix}-a` }));
    await h.client.send(new CreateQueueCommand({ QueueName: `${prefix}-b` }));
    const listed = await h.client.send(new ListQueuesCommand({ QueueNamePrefix: prefix }));
    expect(listed.QueueUrls).toEqual([h.sqs.queueUrl(`${prefix}-a`), h.sqs.queueUrl(`${prefix}-b`)]);
    const page = await h.client.send(new ListQueuesCommand({ QueueNamePrefix: prefix, MaxResults: 1 }));
    expect(page.QueueUrls).toHaveLength(1);
    const next = await h.client.send(
      new ListQueuesCommand({ QueueNamePrefix: prefix, MaxResults: 1, NextToken: page.NextToken }),
    );
    expect(next.QueueUrls).toEqual([h.sqs.queueUrl(`${prefix}-b`)]);
    expect(next.NextToken).toBeUndefined();

    await h.client.send(new DeleteQueueCommand({ QueueUrl: h.sqs.queueUrl(`${prefix}-a`) }));
    const after = await h.client.send(new ListQueuesCommand({ QueueNamePrefix: prefix }));
    expect(after.QueueUrls).toEqual([h.sqs.queueUrl(`${prefix}-b`)]);
  });

  it("purges every message", async () => {
    const QueueUrl = await h.queue("purge");
    await h.client.send(new SendMessageCommand({ QueueUrl, MessageBody: "now" }));
    await h.client.send(new SendMessageCommand({ QueueUrl, MessageBody: "later", DelaySeconds: 60 }));
    await h.client.send(new PurgeQueueCommand({ QueueUrl }));
    const attributes = await attributesOf(QueueUrl, [
      "ApproximateNumberOfMessages",
      "ApproximateNumberOfMessagesDelayed",
    ]);
    expect(attributes).toEqual({ ApproximateNumberOfMessages: "0", ApproximateNumberOfMessagesDelayed: "0" });
  });

  it("raises the SDK's typed exceptions", async () => {
    const gone = h.client.send(new GetQueueUrlCommand({ QueueName: uniqueName("missing") }));
    await expect(gone).rejects.toBeInstanceOf(QueueDoesNotExist);
    await expect(gone).rejects.toBeInstanceOf(SQSServiceException);
    const send = h.client.send(
      new SendMessageCommand({ QueueUrl: h.sqs.queueUrl("nope"), MessageBody: "x" }),
    );
    await expect(send).rejects.toBeInstanceOf(QueueDoesNotExist);

    const tooLong = new CreateQueueCommand({
      QueueName: uniqueName("bad"),
      Attributes: { VisibilityTimeout: "43201" },
    });
    await expect(h.client.send(tooLong)).rejects.toBeInstanceOf(InvalidAttributeValue);
    // Not in the SDK's attribute-name union, as a misspelt name from untyped config would be.
    const unknownAttribute: Record<string, string> = { Colour: "blue" };
    const unknown = new CreateQueueCommand({ QueueName: uniqueName("bad"), Attributes: unknownAttribute });
    await expect(h.client.send(unknown)).rejects.toBeInstanceOf(InvalidAttributeName);
    const badName = h.client.send(new CreateQueueCommand({ QueueName: "no spaces allowed" }));
    await expect(badName).rejects.toMatchObject({ name: "InvalidParameterValue", $fault: "client" });
  });
});
