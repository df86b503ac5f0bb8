import { Duration, type RemovalPolicy } from "aws-cdk-lib";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import type { IEventBus } from "aws-cdk-lib/aws-events";
import { Grant, type IGrantable, PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { IKey } from "aws-cdk-lib/aws-kms";
import { FilterCriteria, StartingPosition } from "aws-cdk-lib/aws-lambda";
import { SqsDlq } from "aws-cdk-lib/aws-lambda-event-sources";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import type { IScheduleGroup, Schedule } from "aws-cdk-lib/aws-scheduler";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import {
  OUTBOUND_EVENTS_ENTRY,
  WEBHOOK_DELIVERIES_ENTRY,
  WEBHOOK_DELIVERY_FUNCTION_NAME_ENV,
  WEBHOOK_DELIVERY_QUEUE_URL_ENV,
} from "../../functions/api/catalog.js";
import { OUTBOUND_STREAM_FILTER } from "../../shared/adapters/dynamodb/stream-records.js";
import { WEBHOOK_SECRET_PURPOSE } from "../../shared/services/webhook-secrets.js";
import { GATEWAY_KEY_ENV } from "./gateway-credentials-key.js";
import { NodeLambda } from "./node-lambda.js";
import { drainAsyncInvoke, scheduleQueueDrain, WEBHOOK_DELIVERY_DRAIN_RATE } from "./queue-drain.js";
import { grantTableAccess } from "./table-access.js";

export interface OutboundEventsProps {
  readonly stage: string;
  /** The table, with its stream (NEW_IMAGE). */
  readonly table: ITable;
  readonly bus: IEventBus;
  readonly deliveryQueue: IQueue;
  readonly streamFailureQueue: IQueue;
  /** Seals webhook signing secrets too, under their own encryption-context purpose. */
  readonly key: IKey;
  /** What every handler's functions/deps.ts configuration needs. */
  readonly environment: Readonly<Record<string, string>>;
  readonly logRetention: RetentionDays;
  readonly logRemovalPolicy?: RemovalPolicy;
  /** The stage's ops schedule group, where the delivery queue's drain schedule goes. */
  readonly opsScheduleGroup: IScheduleGroup;
  readonly opsScheduleGroupName: string;
  /** Drain fires EventBridge Scheduler could not deliver. */
  readonly schedulerDeadLetterQueue: IQueue;
}

/** Sealing and opening webhook signing secrets: the API seals, the delivery function only opens. */
export type WebhookSecretUse = "seal" | "open";

const KEY_ACTIONS: Record<WebhookSecretUse, readonly string[]> = {
  seal: ["kms:Encrypt"],
  open: ["kms:Decrypt"],
};

/**
 * The functions of the outbound events, the stateless half (OutboundEventChannels holds the bus
 * and queues). The publisher reads the table's stream, filtered at the event source to inserted
 * timeline items of public source types, and may only put on this bus and send to the delivery
 * queue; the delivery function consumes that queue, opens webhook secrets (and nothing else sealed
 * with the key), and signs and POSTs.
 */
export class OutboundEvents extends Construct {
  readonly publisher: NodeLambda;
  readonly delivery: NodeLambda;
  /** The recurring drain of the delivery queue (retries, and jobs a lost wake-up left). */
  readonly deliveryDrain: Schedule;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: OutboundEventsProps,
  ) {
    super(scope, id);
    const lambdaDefaults = {
      logRetention: props.logRetention,
      ...(props.logRemovalPolicy ? { logRemovalPolicy: props.logRemovalPolicy } : {}),
    };
    const streamArn = props.table.tableStreamArn;
    if (!streamArn) throw new Error("OutboundEvents: the table has no stream (DataTable enables one)");

    this.publisher = new NodeLambda(this, "Publisher", {
      ...lambdaDefaults,
      entry: OUTBOUND_EVENTS_ENTRY,
      description: `outbound events: table stream to bus and webhook queue (${props.stage})`,
      environment: {
        ...props.environment,
        EVENT_BUS_NAME: props.bus.eventBusName,
        [WEBHOOK_DELIVERY_QUEUE_URL_ENV]: props.deliveryQueue.queueUrl,
      },
      timeout: Duration.seconds(30),
    });
    // It reads the tenant's webhook (GetItem) to decide what to queue; it writes nothing.
    grantTableAccess(props.table, this.publisher.function, "authenticate");
    props.bus.grantPutEventsTo(this.publisher.role);
    props.deliveryQueue.grantSendMessages(this.publisher.role);
    // The mapping is made here rather than by DynamoEventSource, whose grant adds
    // dynamodb:ListStreams on "*": every stream action is granted on this table's stream alone.
    Grant.addToPrincipal({
      grantee: this.publisher.role,
      actions: [
        "dynamodb:DescribeStream",
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
        "dynamodb:ListStreams",
      ],
      resourceArns: [streamArn],
    });
    this.publisher.function.addEventSourceMapping("TableStream", {
      eventSourceArn: streamArn,
      startingPosition: StartingPosition.LATEST,
      batchSize: 100,
      maxBatchingWindow: Duration.seconds(1),
      filters: [FilterCriteria.filter(toFilterPattern(OUTBOUND_STREAM_FILTER))],
      // A failing batch is halved until the bad record is alone, retried, then its position goes
      // to the failure queue so the shard moves on (the events stay on the timeline).
      bisectBatchOnError: true,
      retryAttempts: 10,
      maxRecordAge: Duration.days(1),
      onFailure: new SqsDlq(props.streamFailureQueue),
    });

    // No event source mapping: woken by the publisher when it queues jobs, and drained on a schedule
    // for the retries (queue-drain.ts), so an idle queue is not polled around the clock.
    this.delivery = new NodeLambda(this, "Delivery", {
      ...lambdaDefaults,
      entry: WEBHOOK_DELIVERIES_ENTRY,
      description: `webhook deliveries: signed POSTs with retries (${props.stage})`,
      environment: {
        ...props.environment,
        [GATEWAY_KEY_ENV]: props.key.keyArn,
      },
      // Batches of ten deliveries at once (each given 5 s by its receiver, well inside the queue's
      // 60 s visibility) until 15 s are left.
      timeout: Duration.seconds(60),
      asyncInvoke: drainAsyncInvoke(WEBHOOK_DELIVERY_DRAIN_RATE),
    });
    // Reads the webhook, records each attempt (UpdateItem on its delivery record).
    grantTableAccess(props.table, this.delivery.function, "api");
    this.grantWebhookSecrets(this.delivery.role, "open");
    this.deliveryDrain = scheduleQueueDrain(this, "DeliveryDrain", {
      consumer: this.delivery,
      queue: props.deliveryQueue,
      queueUrlVariable: WEBHOOK_DELIVERY_QUEUE_URL_ENV,
      rate: WEBHOOK_DELIVERY_DRAIN_RATE,
      group: props.opsScheduleGroup,
      groupName: props.opsScheduleGroupName,
      deadLetterQueue: props.schedulerDeadLetterQueue,
      name: "webhook delivery drain",
      stage: props.stage,
    });
    // The wake-up: an asynchronous invoke of this one function, by its unqualified ARN (grantInvoke
    // would add every version and alias, `:*`).
    this.publisher.function.addEnvironment(
      WEBHOOK_DELIVERY_FUNCTION_NAME_ENV,
      this.delivery.function.functionName,
    );
    this.publisher.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ["lambda:InvokeFunction"],
        resources: [this.delivery.function.functionArn],
      }),
    );
  }

  /**
   * KMS on the key for webhook signing secrets only: the actions of the use, this key, and the
   * secrets' encryption-context purpose (gateway credentials have another, so neither grant opens
   * the other's values).
   */
  grantWebhookSecrets(grantee: IGrantable, use: WebhookSecretUse): void {
    Grant.addToPrincipal({
      grantee,
      actions: [...KEY_ACTIONS[use]],
      resourceArns: [this.props.key.keyArn],
      conditions: { StringEquals: { "kms:EncryptionContext:purpose": WEBHOOK_SECRET_PURPOSE } },
    });
  }

  /** The API function that stores webhooks: seals new signing secrets, knows the key. */
  grantSubscriptionAdmin(api: NodeLambda): void {
    api.function.addEnvironment(GATEWAY_KEY_ENV, this.props.key.keyArn);
    this.grantWebhookSecrets(api.role, "seal");
  }
}

/** The shared pattern is deeply readonly; FilterCriteria wants a plain, mutable object. */
function toFilterPattern(pattern: object): Record<string, unknown> {
  return JSON.parse(JSON.stringify(pattern)) as Record<string, unknown>;
}
