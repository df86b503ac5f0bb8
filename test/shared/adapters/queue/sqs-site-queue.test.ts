import {
  CreateQueueCommand,
  GetQueueUrlCommand,
  QueueDoesNotExist,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { SqsSiteQueue } from "../../../../shared/adapters/queue/sqs-site-queue.js";

const sqs = mockClient(SQSClient);
const URL_BASE = "https://sqs.ap-south-1.amazonaws.com/123456789012";

describe("SqsSiteQueue", () => {
  beforeEach(() => {
    sqs.reset();
    sqs
      .on(CreateQueueCommand)
      .callsFake((input: { QueueName: string }) => ({ QueueUrl: `${URL_BASE}/${input.QueueName}` }));
  });

  it("provisions an encrypted, TLS-only queue with a redrive to its own encrypted, TLS-only DLQ", async () => {
    const queue = new SqsSiteQueue({
      prefix: "isp-prod",
      client: new SQSClient({}),
      region: "ap-south-1",
      account: "123456789012",
    });
    const url = await queue.provision("ten_01JD3Q7Z8K5V6W9XR2T4N0PB1C", "site_01JD3Q7Z8K5V6W9XR2T4N0PB1D");
    const name = "isp-prod-ten_01JD3Q7Z8K5V6W9XR2T4N0PB1C-site_01JD3Q7Z8K5V6W9XR2T4N0PB1D";
    expect(url).toBe(`${URL_BASE}/${name}`);
    const [dlq, main] = sqs.commandCalls(CreateQueueCommand).map((c) => c.args[0].input);
    for (const [input, queueName] of [
      [dlq, `${name}-dlq`],
      [main, name],
    ] as const) {
      expect(input?.QueueName).toBe(queueName);
      expect(input?.Attributes?.SqsManagedSseEnabled).toBe("true");
      expect(JSON.parse(input?.Attributes?.Policy ?? "{}").Statement).toEqual([
        expect.objectContaining({
          Effect: "Deny",
          Resource: `arn:aws:sqs:ap-south-1:123456789012:${queueName}`,
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        }),
      ]);
    }
    expect(JSON.parse(main?.Attributes?.RedrivePolicy ?? "{}")).toEqual({
      deadLetterTargetArn: `arn:aws:sqs:ap-south-1:123456789012:${name}-dlq`,
      maxReceiveCount: 10,
    });
  });

  it("sends with the delay, creating the queue once if it was never provisioned", async () => {
    sqs.on(GetQueueUrlCommand).rejects(new QueueDoesNotExist({ message: "no queue", $metadata: {} }));
    sqs.on(SendMessageCommand).resolves({ MessageId: "m1" });
    const queue = new SqsSiteQueue({ prefix: "isp-prod", client: new SQSClient({}) });
    await queue.send("ten_01JD3Q7Z8K5V6W9XR2T4N0PB1C", "site_01JD3Q7Z8K5V6W9XR2T4N0PB1D", {
      body: "{}",
      delaySeconds: 58.7,
    });
    const sent = sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input);
    expect(sent).toEqual([expect.objectContaining({ DelaySeconds: 59, MessageBody: "{}" })]);
    expect(sqs.commandCalls(CreateQueueCommand)).toHaveLength(2);
  });

  it("refuses a prefix that could not name an SQS queue", () => {
    expect(() => new SqsSiteQueue({ prefix: "bad prefix!" })).toThrow(/prefix/);
  });
});
