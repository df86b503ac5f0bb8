import {
  GetQueueAttributesCommand,
  ListQueuesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SITE_QUEUE_MAX_RECEIVES } from "../../shared/adapters/queue/sqs-site-queue.js";
import type { LocalCloud } from "../../shared/local/cloud.js";
import { siteQueueName } from "../../shared/ports/queue.js";
import { createWorld, startTestCloud, type TenantWorld } from "../support/api.js";

let cloud: LocalCloud;
let world: TenantWorld;
let sqs: SQSClient;

beforeAll(async () => {
  cloud = await startTestCloud();
  world = await createWorld(cloud.deps, "site dlq");
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

const urlOf = (name: string) => `${cloud.sqsEndpoint}/000000000000/${name}`;

describe("a site's dead letters", () => {
  it("go to the one site-commands DLQ: a new site gets its queue and no DLQ of its own", async () => {
    const name = siteQueueName("isp-local", world.tenantId, world.siteId);
    const attributes = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: urlOf(name), AttributeNames: ["RedrivePolicy"] }),
    );
    const queues = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: `isp-local-${world.tenantId}` }));

    expect(JSON.parse(attributes.Attributes?.RedrivePolicy ?? "{}")).toEqual({
      deadLetterTargetArn: process.env.SITE_DLQ_ARN,
      maxReceiveCount: SITE_QUEUE_MAX_RECEIVES,
    });
    expect(queues.QueueUrls).toEqual([urlOf(name)]);
  });

  it("keep a command an agent never finishes, naming the site's queue it came from", async () => {
    const name = siteQueueName("isp-local", world.tenantId, world.siteId);
    // The subscriber's provisioning command, received and never deleted, as by a crashing agent.
    let receives = 0;
    for (let i = 0; i <= SITE_QUEUE_MAX_RECEIVES + 1; i++) {
      const out = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: urlOf(name), VisibilityTimeout: 0, WaitTimeSeconds: 1 }),
      );
      receives += out.Messages?.length ?? 0;
    }
    const dlqName = (process.env.SITE_DLQ_ARN ?? "").split(":").at(-1) ?? "";
    const dead: Message[] =
      (
        await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: urlOf(dlqName),
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
            MessageSystemAttributeNames: ["DeadLetterQueueSourceArn"],
          }),
        )
      ).Messages ?? [];

    expect(receives).toBe(SITE_QUEUE_MAX_RECEIVES);
    expect(dead).toHaveLength(1);
    expect(JSON.parse(dead[0]?.Body ?? "{}")).toMatchObject({ subscriberId: world.subscriberId });
    expect(dead[0]?.Attributes?.DeadLetterQueueSourceArn).toBe(`arn:aws:sqs:local:000000000000:${name}`);
  });
});
