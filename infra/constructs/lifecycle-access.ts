import { ArnFormat, Stack } from "aws-cdk-lib";
import { Grant, type IRole } from "aws-cdk-lib/aws-iam";
import type { IConstruct } from "constructs";
import { acknowledgeWildcardResource } from "../nag.js";
import type { NodeLambda } from "./node-lambda.js";

/** What shared/adapters/scheduler/eventbridge-scheduler.ts calls (upsert = Update, else Create). */
export const SCHEDULE_ACTIONS = [
  "scheduler:GetSchedule",
  "scheduler:CreateSchedule",
  "scheduler:UpdateSchedule",
  "scheduler:DeleteSchedule",
] as const;

/**
 * What shared/adapters/queue/sqs-site-queue.ts calls: look up, create on demand (with a redrive to the
 * stage's shared site-commands DLQ, which needs no grant on that queue), bring an older queue's
 * attributes up to date, send.
 */
export const SITE_QUEUE_ACTIONS = [
  "sqs:GetQueueUrl",
  "sqs:CreateQueue",
  "sqs:GetQueueAttributes",
  "sqs:SetQueueAttributes",
  "sqs:SendMessage",
] as const;

export interface LifecycleAccessProps {
  /** The group of the one-schedule-per-subscriber schedules. */
  readonly scheduleGroupName: string;
  /** The role those schedules run as; passed to EventBridge Scheduler in CreateSchedule/UpdateSchedule. */
  readonly schedulerRole: IRole;
  /** Per-site queues are `${siteQueuePrefix}-${tenantId}-${siteId}`. */
  readonly siteQueuePrefix: string;
}

/**
 * The grants of a function that changes subscribers: it upserts and deletes their schedules, hands
 * the scheduler role to EventBridge Scheduler, and creates and sends to per-site queues. Both
 * resources are wildcards because their names are made at run time from tenant, subscriber and site
 * ids; each is as narrow as IAM can say, and acknowledged with cdk-nag for exactly that resource.
 */
export class LifecycleAccess {
  readonly schedulesArn: string;
  readonly siteQueuesArn: string;

  constructor(
    scope: IConstruct,
    private readonly props: LifecycleAccessProps,
  ) {
    const stack = Stack.of(scope);
    this.schedulesArn = stack.formatArn({
      service: "scheduler",
      resource: "schedule",
      resourceName: `${props.scheduleGroupName}/*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    this.siteQueuesArn = stack.formatArn({
      service: "sqs",
      resource: `${props.siteQueuePrefix}-*`,
      arnFormat: ArnFormat.NO_RESOURCE_NAME,
    });
  }

  grantTo(lambda: NodeLambda): void {
    const grantee = lambda.role;
    Grant.addToPrincipal({ grantee, actions: [...SCHEDULE_ACTIONS], resourceArns: [this.schedulesArn] });
    Grant.addToPrincipal({
      grantee,
      actions: ["iam:PassRole"],
      resourceArns: [this.props.schedulerRole.roleArn],
      conditions: { StringEquals: { "iam:PassedToService": "scheduler.amazonaws.com" } },
    });
    Grant.addToPrincipal({ grantee, actions: [...SITE_QUEUE_ACTIONS], resourceArns: [this.siteQueuesArn] });

    const { scheduleGroupName, siteQueuePrefix } = this.props;
    acknowledgeWildcardResource(
      lambda.role,
      this.schedulesArn,
      `Each subscriber's one schedule is named "<tenantId>.<subscriberId>" at run time (DESIGN decision 2), so the schedules cannot be listed here; "schedule/${scheduleGroupName}/*" is the narrowest ARN IAM can express for them. It covers only this stage's subscriber group (the sweep's schedule lives in another group), for the four schedule actions the scheduler adapter calls.`,
    );
    acknowledgeWildcardResource(
      lambda.role,
      this.siteQueuesArn,
      `Per-site edge queues "${siteQueuePrefix}-<tenantId>-<siteId>" are created at run time when a site is provisioned or first used, so they cannot be listed here; "${siteQueuePrefix}-*" is the narrowest ARN IAM can express. No queue CloudFormation creates matches it (their names start with "isp-billing-"; the site queues' shared DLQ among them), and the actions are the five the site-queue adapter calls (no receive, no delete, no purge).`,
    );
  }
}
