import { SQSClient } from "@aws-sdk/client-sqs";
import * as z from "zod";
import { observed } from "../shared/adapters/aws-client-hook.js";
import { EventBridgePublisher } from "../shared/adapters/events/eventbridge-publisher.js";
import { FileEventPublisher } from "../shared/adapters/events/file-publisher.js";
import { HttpWebhookTransport } from "../shared/adapters/events/http-webhook-transport.js";
import { LambdaDeliveryWaker } from "../shared/adapters/events/lambda-delivery-waker.js";
import { SqsDeliveryQueue } from "../shared/adapters/events/sqs-delivery-queue.js";
import { loadApiConfig } from "../shared/config.js";
import { DEFAULT_RETRY_BASE_SECONDS } from "../shared/domain/outbound-events/retry.js";
import type { DeliveryQueue } from "../shared/ports/outbound-events.js";
import type { DeliverDeps, PublishDeps } from "../shared/services/outbound-events.js";
import { functionDeps } from "./deps.js";
import { parseEnv, UrlPolicySchema } from "./webhook-url-policy.js";

const PublishConfigSchema = z
  .object({
    /** The custom bus public events go on (stateful stack). */
    EVENT_BUS_NAME: z.string().min(1).optional(),
    /** Local mode instead of a bus: a JSON-lines file the events are appended to. */
    EVENTS_OUTBOX_FILE: z.string().min(1).optional(),
    WEBHOOK_DELIVERY_QUEUE_URL: z.url(),
    /** The delivery function, woken when jobs are queued (cloud); locally its drain runs every second. */
    WEBHOOK_DELIVERY_FUNCTION_NAME: z.string().min(1).optional(),
  })
  .refine((c) => c.EVENT_BUS_NAME || c.EVENTS_OUTBOX_FILE, {
    message: "EVENT_BUS_NAME is required (or EVENTS_OUTBOX_FILE in local mode)",
    path: ["EVENT_BUS_NAME"],
  });

const DeliverConfigSchema = UrlPolicySchema.extend({
  WEBHOOK_DELIVERY_QUEUE_URL: z.url(),
  /** The first retry's delay; later ones are 4x each (tests shorten it). */
  WEBHOOK_RETRY_BASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(DEFAULT_RETRY_BASE_SECONDS),
});

function deliveryQueue(queueUrl: string): SqsDeliveryQueue {
  const { AWS_REGION: region, SQS_ENDPOINT: endpoint } = loadApiConfig();
  // Shown to a bench's observer like functions/deps.ts's clients, so delivery calls are counted too.
  const client = observed({
    kind: "sqs",
    client: new SQSClient({
      region,
      ...(endpoint ? { endpoint, credentials: { accessKeyId: "local", secretAccessKey: "local" } } : {}),
    }),
  });
  return new SqsDeliveryQueue({ queueUrl, client });
}

let publishing: PublishDeps | undefined;

/** The stream consumer's adapters: the bus (or the local file) and the delivery queue. */
export function publishDeps(env: NodeJS.ProcessEnv = process.env): PublishDeps {
  if (publishing) return publishing;
  const config = parseEnv(PublishConfigSchema, env, "outbound events");
  const base = functionDeps();
  publishing = {
    subscriptions: base.repos.eventSubscriptions,
    clock: base.clock,
    logger: base.logger.child({ component: "outbound-events" }),
    publisher: config.EVENTS_OUTBOX_FILE
      ? new FileEventPublisher(config.EVENTS_OUTBOX_FILE)
      : new EventBridgePublisher({
          busName: config.EVENT_BUS_NAME ?? "",
          clientConfig: { region: loadApiConfig().AWS_REGION },
        }),
    queue: deliveryQueue(config.WEBHOOK_DELIVERY_QUEUE_URL),
    ...(config.WEBHOOK_DELIVERY_FUNCTION_NAME
      ? {
          waker: new LambdaDeliveryWaker({
            functionName: config.WEBHOOK_DELIVERY_FUNCTION_NAME,
            clientConfig: { region: loadApiConfig().AWS_REGION },
          }),
        }
      : {}),
  };
  return publishing;
}

let delivering: (DeliverDeps & { readonly queue: DeliveryQueue }) | undefined;

/** The delivery consumer's adapters: sealed secrets, HTTP, and the queue to push retries back on. */
export function deliverDeps(
  env: NodeJS.ProcessEnv = process.env,
): DeliverDeps & { readonly queue: DeliveryQueue } {
  if (delivering) return delivering;
  const config = parseEnv(DeliverConfigSchema, env, "webhook delivery");
  const base = functionDeps();
  delivering = {
    subscriptions: base.repos.eventSubscriptions,
    clock: base.clock,
    logger: base.logger.child({ component: "webhook-deliveries" }),
    secrets: base.payments.secrets,
    transport: new HttpWebhookTransport(),
    urlPolicy: { allowLoopback: config.WEBHOOK_ALLOW_LOOPBACK },
    retryBaseSeconds: config.WEBHOOK_RETRY_BASE_SECONDS,
    queue: deliveryQueue(config.WEBHOOK_DELIVERY_QUEUE_URL),
  };
  return delivering;
}
