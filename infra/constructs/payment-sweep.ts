import { Duration, type RemovalPolicy } from "aws-cdk-lib";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import type { IKey } from "aws-cdk-lib/aws-kms";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import type { Schedule } from "aws-cdk-lib/aws-scheduler";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { PAYMENT_SWEEP_ENTRY } from "../../functions/api/catalog.js";
import { GATEWAY_KEY_ENV, grantGatewayCredentials } from "./gateway-credentials-key.js";
import { NodeLambda } from "./node-lambda.js";
import { recurringLambdaSchedule } from "./scheduler-target.js";
import type { SubscriberLifecycle } from "./subscriber-lifecycle.js";
import { grantTableAccess } from "./table-access.js";

export interface PaymentSweepProps {
  readonly stage: string;
  readonly table: ITable;
  readonly gatewayKey: IKey;
  /** Gives the environment, the ops schedule group and the subscriber-change grants. */
  readonly lifecycle: SubscriberLifecycle;
  /** Target DLQ of the sweep schedule. */
  readonly schedulerDeadLetterQueue: IQueue;
  readonly logRetention: RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
}

/** How often pending payments are looked at; each payment's own next check is spaced further out. */
export const PAYMENT_SWEEP_RATE = Duration.minutes(5);

/**
 * Issue 5 item 4 on AWS: a function that re-queries pending payments at their gateways
 * (functions/payment-sweep.ts) and its recurring schedule in the stage's ops group. Settling a
 * payment renews the subscriber, so it needs what a subscriber change needs (schedules, site
 * queues) and opens the tenant's gateway credentials (decrypt only; it never seals).
 */
export class PaymentSweep extends Construct {
  readonly sweep: NodeLambda;
  readonly schedule: Schedule;

  constructor(scope: Construct, id: string, props: PaymentSweepProps) {
    super(scope, id);
    const { lifecycle } = props;

    this.sweep = new NodeLambda(this, "Function", {
      entry: PAYMENT_SWEEP_ENTRY,
      description: `Sweep of pending payments at their gateways (${props.stage})`,
      environment: { ...lifecycle.environment, [GATEWAY_KEY_ENV]: props.gatewayKey.keyArn },
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
      // Up to 200 payments a run, one or two gateway calls of at most 4 s each; a run cut short is
      // harmless (each payment settles at most once) and the next one carries on. Ends before the next.
      timeout: Duration.minutes(4),
      // A failed tick is not retried or kept: it carries no data, and the next tick redoes its work.
      asyncInvoke: { retryAttempts: 0, maxEventAge: PAYMENT_SWEEP_RATE },
    });
    grantTableAccess(props.table, this.sweep.function, "api");
    lifecycle.grantSubscriberChanges(this.sweep);
    grantGatewayCredentials(props.gatewayKey, this.sweep.role, "open");

    this.schedule = recurringLambdaSchedule(this, "Sweep", {
      group: lifecycle.opsScheduleGroup,
      groupName: lifecycle.opsScheduleGroupName,
      target: this.sweep.function,
      rate: PAYMENT_SWEEP_RATE,
      deadLetterQueue: props.schedulerDeadLetterQueue,
      name: "payment sweep",
      stage: props.stage,
    });
  }
}
