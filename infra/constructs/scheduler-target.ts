import { ArnFormat, type Duration, Stack } from "aws-cdk-lib";
import { PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import {
  type IScheduleGroup,
  type IScheduleTarget,
  Schedule,
  ScheduleExpression,
  type ScheduleTargetConfig,
  TimeWindow,
} from "aws-cdk-lib/aws-scheduler";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";

export function scheduleGroupArn(scope: Construct, groupName: string): string {
  return Stack.of(scope).formatArn({
    service: "scheduler",
    resource: "schedule-group",
    resourceName: groupName,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}

export interface SchedulerExecutionRoleProps {
  readonly description: string;
  /** The only schedule group whose schedules may assume the role. */
  readonly scheduleGroupName: string;
}

/**
 * The role EventBridge Scheduler assumes to run a schedule's target. Only the scheduler service may
 * assume it, and only for schedules of this account in the one named group (aws:SourceAccount and
 * aws:SourceArn close the confused-deputy hole). It may do nothing until `allowScheduleTarget`.
 */
export function schedulerExecutionRole(
  scope: Construct,
  id: string,
  props: SchedulerExecutionRoleProps,
): Role {
  const role = new Role(scope, id, {
    description: props.description,
    assumedBy: new ServicePrincipal("scheduler.amazonaws.com", {
      conditions: {
        StringEquals: {
          "aws:SourceAccount": Stack.of(scope).account,
          "aws:SourceArn": scheduleGroupArn(scope, props.scheduleGroupName),
        },
      },
    }),
  });
  return role;
}

/**
 * Lets the role invoke one function, by its unqualified ARN (schedules target no version or alias,
 * so no `:*`), and send to the schedules' dead-letter queue; nothing else.
 */
export function allowScheduleTarget(role: Role, target: IFunction, deadLetterQueue: IQueue): void {
  role.addToPrincipalPolicy(
    new PolicyStatement({ actions: ["lambda:InvokeFunction"], resources: [target.functionArn] }),
  );
  role.addToPrincipalPolicy(
    new PolicyStatement({ actions: ["sqs:SendMessage"], resources: [deadLetterQueue.queueArn] }),
  );
}

export interface LambdaScheduleTargetProps {
  readonly role: Role;
  readonly deadLetterQueue: IQueue;
  /** Delivery retries by EventBridge Scheduler (0..185) before the fire goes to the DLQ. */
  readonly retryAttempts: number;
  /** How long EventBridge Scheduler keeps retrying one fire (60 s..24 h). */
  readonly maxEventAge: Duration;
}

/**
 * A Lambda target that uses the role as given. `aws-scheduler-targets.LambdaInvoke` would grant
 * `lambda:InvokeFunction` on the function and on `function:*` (every version and alias), a wildcard
 * this project has no use for.
 */
export class LambdaScheduleTarget implements IScheduleTarget {
  constructor(
    private readonly fn: IFunction,
    private readonly props: LambdaScheduleTargetProps,
  ) {
    const age = props.maxEventAge.toSeconds();
    if (age < 60 || age > 86_400) throw new Error("LambdaScheduleTarget: maxEventAge must be 60 s..24 h");
    if (!Number.isInteger(props.retryAttempts) || props.retryAttempts < 0 || props.retryAttempts > 185) {
      throw new Error("LambdaScheduleTarget: retryAttempts must be an integer in 0..185");
    }
  }

  bind(): ScheduleTargetConfig {
    return {
      arn: this.fn.functionArn,
      role: this.props.role,
      deadLetterConfig: { arn: this.props.deadLetterQueue.queueArn },
      retryPolicy: {
        maximumRetryAttempts: this.props.retryAttempts,
        maximumEventAgeInSeconds: this.props.maxEventAge.toSeconds(),
      },
    };
  }
}

export interface RecurringLambdaScheduleProps {
  /** The group the schedule lives in; never the subscribers' group, which the functions may change. */
  readonly group: IScheduleGroup;
  /** The same group's name as a plain string, for the role's trust condition. */
  readonly groupName: string;
  readonly target: IFunction;
  readonly rate: Duration;
  /** Fires EventBridge Scheduler could not deliver after its retries. */
  readonly deadLetterQueue: IQueue;
  /** What runs, for the descriptions ("sweep", "payment sweep"). */
  readonly name: string;
  readonly stage: string;
}

/**
 * A fixed-rate schedule invoking one function, with its own execution role that only schedules of
 * the group may assume and that may invoke only that function. The flexible window is off; a fire is
 * retried twice for at most one interval, then kept on the DLQ: the next fire redoes the work anyway.
 * Creates `${id}SchedulerRole` and `${id}Schedule` in `scope`.
 */
export function recurringLambdaSchedule(
  scope: Construct,
  id: string,
  props: RecurringLambdaScheduleProps,
): Schedule {
  const role = schedulerExecutionRole(scope, `${id}SchedulerRole`, {
    description: `EventBridge Scheduler: the recurring ${props.name} schedule invokes the ${props.name} function (${props.stage})`,
    scheduleGroupName: props.groupName,
  });
  allowScheduleTarget(role, props.target, props.deadLetterQueue);
  return new Schedule(scope, `${id}Schedule`, {
    description: `Runs the ${props.name} every ${props.rate.toMinutes()} minutes (${props.stage})`,
    scheduleGroup: props.group,
    schedule: ScheduleExpression.rate(props.rate),
    timeWindow: TimeWindow.off(),
    target: new LambdaScheduleTarget(props.target, {
      role,
      deadLetterQueue: props.deadLetterQueue,
      retryAttempts: 2,
      maxEventAge: props.rate,
    }),
  });
}
