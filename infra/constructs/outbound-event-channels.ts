import { Duration, type RemovalPolicy } from "aws-cdk-lib";
import { EventBus } from "aws-cdk-lib/aws-events";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { WEBHOOK_MAX_ATTEMPTS } from "../../shared/domain/outbound-events/retry.js";
import { SecureQueue } from "./secure-queue.js";

export interface OutboundEventChannelsProps {
  readonly stage: string;
  /**
   * Applied to the queues (an event waiting for a retry, or given up on the DLQ, is data).
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Where outbound events travel, the stateful half: the custom EventBridge bus they are put on,
 * the webhook delivery queue (its DLQ after the last of WEBHOOK_MAX_ATTEMPTS attempts) and the
 * stream consumer's failure queue. The functions that use them are OutboundEvents.
 */
export class OutboundEventChannels extends Construct {
  /** `isp-billing-<stage>`: rules for other consumers match `source` "isp-billing" and `detail-type`. */
  readonly bus: EventBus;
  readonly deliveryQueue: IQueue;
  /** Where failed deliveries end after the last attempt. */
  readonly deliveryDeadLetterQueue: IQueue;
  /** Stream batches the outbound-events function could not process after its retries. */
  readonly streamFailureQueue: IQueue;

  constructor(scope: Construct, id: string, props: OutboundEventChannelsProps) {
    super(scope, id);
    this.bus = new EventBus(this, "Bus", {
      eventBusName: `isp-billing-${props.stage}`,
      description: `Public events of the ISP billing platform (${props.stage}): subscriber, payment and invoice changes`,
    });
    const removal = props.removalPolicy ? { removalPolicy: props.removalPolicy } : {};
    const delivery = new SecureQueue(this, "WebhookDeliveries", {
      // A retry waits in the queue as the message's visibility timeout (up to 12 h), so the receive
      // count is the attempt number and the redrive policy ends it after the last attempt.
      role: { kind: "work", maxReceiveCount: WEBHOOK_MAX_ATTEMPTS, visibilityTimeout: Duration.seconds(60) },
      ...removal,
    });
    this.deliveryQueue = delivery.queue;
    this.deliveryDeadLetterQueue = requireQueue(delivery.deadLetterQueue);
    this.streamFailureQueue = new SecureQueue(this, "StreamFailures", {
      role: {
        kind: "dead-letter",
        deadLetterFor:
          "the on-failure destination of the outbound-events function's table stream: the stream positions of batches that still failed after bisecting and retries (the events themselves stay in the table's timeline)",
      },
      ...removal,
    }).queue;
  }
}

function requireQueue(queue: IQueue | undefined): IQueue {
  if (!queue) throw new Error("OutboundEventChannels: a work queue always has a dead-letter queue");
  return queue;
}
