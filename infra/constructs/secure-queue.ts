import { Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import { type DeadLetterQueue, Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";

/** The longest SQS keeps a message: what failed stays available for two weeks of investigation. */
const MAX_RETENTION = Duration.days(14);

export type SecureQueueRole =
  /** A queue something consumes: it gets its own dead-letter queue after `maxReceiveCount` receives. */
  | { readonly kind: "work"; readonly maxReceiveCount?: number; readonly visibilityTimeout?: Duration }
  /**
   * The end of the line for what `deadLetterFor` could not deliver. It has no DLQ of its own, and
   * cdk-nag cannot see that it is one when the sender is a service (EventBridge Scheduler, Lambda
   * destinations) rather than a queue's RedrivePolicy, so AwsSolutions-SQS3 is acknowledged on it
   * with this text as the reason.
   */
  | { readonly kind: "dead-letter"; readonly deadLetterFor: string };

export interface SecureQueueProps {
  readonly role: SecureQueueRole;
  /**
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A standard SQS queue with secure defaults: SQS-managed encryption at rest (SSE-SQS: no key policy
 * for EventBridge Scheduler or Lambda to be granted), a queue policy refusing anything but TLS,
 * 14-day retention, and a DLQ of its own when it is a work queue.
 */
export class SecureQueue extends Construct {
  readonly queue: Queue;
  /** The work queue's dead-letter queue; undefined for a dead-letter queue. */
  readonly deadLetterQueue: Queue | undefined;
  /** For a dead-letter queue, whose dead letters it receives (the alarm says so); else undefined. */
  readonly deadLetterFor: string | undefined;

  constructor(scope: Construct, id: string, props: SecureQueueProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const { role } = props;

    let deadLetterQueue: DeadLetterQueue | undefined;
    if (role.kind === "work") {
      const maxReceiveCount = role.maxReceiveCount ?? 5;
      if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1 || maxReceiveCount > 1000) {
        throw new Error(`SecureQueue ${id}: maxReceiveCount must be an integer in 1..1000`);
      }
      this.deadLetterQueue = secureQueue(this, "DeadLetters", removalPolicy);
      deadLetterQueue = { queue: this.deadLetterQueue, maxReceiveCount };
      this.deadLetterFor = undefined;
    } else {
      if (role.deadLetterFor.trim().length < 20) {
        throw new Error(`SecureQueue ${id}: say precisely whose dead letters the queue receives`);
      }
      this.deadLetterQueue = undefined;
      this.deadLetterFor = role.deadLetterFor;
    }

    this.queue = secureQueue(this, "Queue", removalPolicy, {
      ...(deadLetterQueue ? { deadLetterQueue } : {}),
      ...(role.kind === "work" && role.visibilityTimeout
        ? { visibilityTimeout: role.visibilityTimeout }
        : {}),
    });
    if (role.kind === "dead-letter") {
      Validations.of(this.queue).acknowledge({
        id: "AwsSolutions-SQS3",
        reason: `This queue is itself a dead-letter queue: ${role.deadLetterFor}. A DLQ has no DLQ of its own; its messages stay 14 days for inspection and redrive.`,
      });
    }
  }
}

function secureQueue(
  scope: Construct,
  id: string,
  removalPolicy: RemovalPolicy,
  extra: { deadLetterQueue?: DeadLetterQueue; visibilityTimeout?: Duration } = {},
): Queue {
  return new Queue(scope, id, {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: MAX_RETENTION,
    removalPolicy,
    ...extra,
  });
}
