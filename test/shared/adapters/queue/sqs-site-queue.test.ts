import {
  CreateQueueCommand,
  GetQueueUrlCommand,
  QueueDoesNotExist,
  QueueNameExists,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { SqsSiteQueue } from "../../../../shared/adapters/queue/sqs-site-queue.js";

const sqs = mockClient(SQSClient);
const URL_BASE = "https://sqs.ap-south-1.amazonaws.com/123456789012";
const SITE_DLQ = "arn:aws:sqs:ap-south-1:123456789012:isp-billing-prod-stateful-SiteCommandDeadLetters1A2B";
const TENANT = "ten_01JD3Q7Z8K5V6W9XR2T4N0PB1C";
const SITE = "site_01JD3Q7Z8K5V6W9XR2T4N0PB1D";
const NAME = `isp-prod-${TENANT}-${SITE}`;

const siteQueue = () =>
  new SqsSiteQueue({
    prefix: "isp-prod",
    deadLetterTargetArn: SITE_DLQ,
    client: new SQSClient({}),
    region: "ap-south-1",
    account: "123456789012",
  });

describe("SqsSiteQueue", () => {
  beforeEach(() => {
    sqs.reset();
    sqs
      .on(CreateQueueCommand)
      .callsFake((input: { QueueName: string }) => ({ QueueUrl: `${URL_BASE}/${input.QueueName}` }));
  });

  it("provisions one encrypted, TLS-only queue whose dead letters go to the stage's site-commands DLQ", async () => {
    const url = await siteQueue().provision(TENANT, SITE);

    expect(url).toBe(`${URL_BASE}/${NAME}`);
    const created = sqs.commandCalls(CreateQueueCommand).map((c) => c.args[0].input);
    expect(created.map((input) => input.QueueName)).toEqual([NAME]);
    const attributes = created[0]?.Attributes ?? {};
    expect(attributes.SqsManagedSseEnabled).toBe("true");
    expect(JSON.parse(attributes.Policy ?? "{}").Statement).toEqual([
      expect.objectContaining({
        Effect: "Deny",
        Resource: `arn:aws:sqs:ap-south-1:123456789012:${NAME}`,
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      }),
    ]);
    expect(JSON.parse(attributes.RedrivePolicy ?? "{}")).toEqual({
      deadLetterTargetArn: SITE_DLQ,
      maxReceiveCount: 10,
    });
  });

  it("brings a queue made with other attributes (its own DLQ, from an older version) to the shared DLQ", async () => {
    sqs
      .on(CreateQueueCommand)
      .rejects(new QueueNameExists({ message: "different attributes", $metadata: {} }));
    sqs.on(GetQueueUrlCommand).resolves({ QueueUrl: `${URL_BASE}/${NAME}` });
    sqs.on(SetQueueAttributesCommand).resolves({});

    const url = await siteQueue().provision(TENANT, SITE);

    expect(url).toBe(`${URL_BASE}/${NAME}`);
    const [set] = sqs.commandCalls(SetQueueAttributesCommand).map((c) => c.args[0].input);
    expect(set?.QueueUrl).toBe(`${URL_BASE}/${NAME}`);
    expect(JSON.parse(set?.Attributes?.RedrivePolicy ?? "{}").deadLetterTargetArn).toBe(SITE_DLQ);
  });

  it("sends with the delay, creating the queue once if it was never provisioned", async () => {
    sqs.on(GetQueueUrlCommand).rejects(new QueueDoesNotExist({ message: "no queue", $metadata: {} }));
    sqs.on(SendMessageCommand).resolves({ MessageId: "m1" });
    await siteQueue().send(TENANT, SITE, { body: "{}", delaySeconds: 58.7 });

    const sent = sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input);
    expect(sent).toEqual([expect.objectContaining({ DelaySeconds: 59, MessageBody: "{}" })]);
    expect(sqs.commandCalls(CreateQueueCommand)).toHaveLength(1);
  });

  it("refuses a prefix that could not name an SQS queue", () => {
    expect(() => new SqsSiteQueue({ prefix: "bad prefix!", deadLetterTargetArn: SITE_DLQ })).toThrow(
      /prefix/,
    );
  });

  it("refuses a dead-letter queue that is not an SQS ARN, or that the site queues' grant would reach", () => {
    for (const arn of ["isp-dlq", "arn:aws:sns:ap-south-1:123456789012:topic", `${URL_BASE}/dlq`]) {
      expect(() => new SqsSiteQueue({ prefix: "isp-prod", deadLetterTargetArn: arn }), arn).toThrow(
        /dead-letter/,
      );
    }
    expect(
      () =>
        new SqsSiteQueue({
          prefix: "isp-prod",
          deadLetterTargetArn: "arn:aws:sqs:ap-south-1:123456789012:isp-prod-dlq",
        }),
    ).toThrow(/outside "isp-prod-\*"/);
  });
});
