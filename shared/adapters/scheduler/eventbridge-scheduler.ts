import { randomUUID } from "node:crypto";
import {
  ConflictException,
  CreateScheduleCommand,
  type CreateScheduleInput,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
} from "@aws-sdk/client-scheduler";
import { z } from "zod";
import { ConfigError } from "../../config.js";
import { type Clock, systemClock } from "../../domain/clock.js";
import { type ScheduledFire, type SubscriberScheduler, scheduleName } from "../../ports/scheduler.js";

/**
 * Decision 2 on EventBridge Scheduler: one one-time `at()` schedule per subscriber, named from
 * tenant and subscriber id, flexible window OFF, deleted after completion, retries and a DLQ on the
 * target. The SDK's own retry strategy handles throttling; what it gives up on becomes a
 * `SchedulerError`.
 */

/** A schedule operation failed; `cause` is the SDK error. The message holds only its name. */
export class SchedulerError extends Error {
  readonly scheduleName: string;
  readonly operation: "upsert" | "remove";

  constructor(operation: "upsert" | "remove", scheduleName: string, message: string, cause?: unknown) {
    super(`${operation} of schedule ${scheduleName} failed: ${message}`, { cause });
    this.name = "SchedulerError";
    this.operation = operation;
    this.scheduleName = scheduleName;
  }
}

const NAME = /^[0-9a-zA-Z\-_.]{1,64}$/;
const arn = (service: string) =>
  z.string().regex(new RegExp(`^arn:aws[a-z-]*:${service}:[a-z0-9-]*:\\d{12}:\\S+$`), `not a ${service} ARN`);

const OptionsSchema = z.strictObject({
  client: z.custom<SchedulerClient>((v) => v instanceof SchedulerClient, "not a SchedulerClient").optional(),
  groupName: z.string().regex(NAME, "must match [0-9a-zA-Z-_.]{1,64}"),
  /** The lifecycle Lambda. */
  targetArn: arn("lambda"),
  /** The execution role EventBridge Scheduler assumes to invoke the target. */
  roleArn: arn("iam"),
  /** Standard SQS queue receiving fires the target never accepted. */
  deadLetterArn: arn("sqs"),
  /** EventBridge allows 0..185; default 3. */
  maximumRetryAttempts: z.number().int().min(0).max(185).default(3),
  /** EventBridge allows 60..86400; default 3600. */
  maximumEventAgeSeconds: z.number().int().min(60).max(86_400).default(3600),
  /** How far ahead an instant in the past (or too close to now) is moved; default 5. */
  minimumLeadSeconds: z.number().int().min(1).max(3600).default(5),
  clock: z
    .custom<Clock>((v) => typeof (v as Clock | undefined)?.now === "function", "not a Clock")
    .optional(),
});
export type EventBridgeSchedulerOptions = z.input<typeof OptionsSchema>;

/** Create/Update rounds before giving up when a concurrent remove and upsert keep colliding. */
const MAX_ROUNDS = 3;

/**
 * Formats an instant as an EventBridge `at()` expression in UTC. The expression has whole seconds,
 * so a sub-second instant is rounded UP: the schedule is never asked to fire before `fireAt`.
 */
export function atExpression(instant: Date): string {
  const ms = instant.getTime();
  if (!Number.isFinite(ms)) throw new RangeError("fire instant is not a valid date");
  const iso = new Date(Math.ceil(ms / 1000) * 1000).toISOString();
  return `at(${iso.slice(0, 19)})`;
}

export class EventBridgeSubscriberScheduler implements SubscriberScheduler {
  private readonly client: SchedulerClient;
  private readonly options: z.output<typeof OptionsSchema>;
  private readonly clock: Clock;

  constructor(options: EventBridgeSchedulerOptions) {
    const parsed = OptionsSchema.safeParse(options);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "options"}: ${i.message}`);
      throw new ConfigError(`Invalid EventBridgeSubscriberScheduler options: ${problems.join("; ")}`);
    }
    this.options = parsed.data;
    this.client = parsed.data.client ?? new SchedulerClient({});
    this.clock = parsed.data.clock ?? systemClock;
  }

  /**
   * UpdateSchedule first (a subscriber usually has a pending schedule), CreateSchedule when there is
   * none, and UpdateSchedule again when a concurrent upsert created it in between (Conflict). Names
   * are unique in a group, so concurrent upserts always end with one schedule, holding the last
   * write to reach the service. Ordering between writers is the caller's (subscriber version);
   * the version travels in the input so the lifecycle can drop a stale fire.
   */
  async upsert(fireAt: Date, fire: ScheduledFire): Promise<void> {
    const name = scheduleName(fire.tenantId, fire.subscriberId);
    if (!NAME.test(name)) throw new SchedulerError("upsert", name, "invalid schedule name");
    let input: Omit<CreateScheduleInput, "ClientToken">;
    try {
      input = this.scheduleInput(name, fireAt, fire);
    } catch (error) {
      throw new SchedulerError("upsert", name, (error as Error).message, error);
    }
    const token = randomUUID();
    try {
      for (let round = 1; round <= MAX_ROUNDS; round++) {
        const updated = await this.send("update", input, `${token}-u${round}`);
        if (updated === "done") return;
        if (updated === "missing") {
          const created = await this.send("create", input, `${token}-c${round}`);
          if (created === "done") return;
        }
        // Someone else changed the schedule meanwhile: write again, so this (later) write lands last.
        await jitter();
      }
    } catch (error) {
      throw new SchedulerError("upsert", name, errorName(error), error);
    }
    throw new SchedulerError("upsert", name, `still colliding after ${MAX_ROUNDS} rounds`);
  }

  async remove(tenantId: string, subscriberId: string): Promise<void> {
    const name = scheduleName(tenantId, subscriberId);
    for (let round = 1; ; round++) {
      try {
        await this.client.send(new DeleteScheduleCommand({ Name: name, GroupName: this.options.groupName }));
        return;
      } catch (error) {
        if (error instanceof ResourceNotFoundException) return;
        // Conflict: a concurrent change to the same schedule; delete again once it settled.
        if (!(error instanceof ConflictException) || round >= MAX_ROUNDS) {
          throw new SchedulerError("remove", name, errorName(error), error);
        }
      }
      await jitter();
    }
  }

  /** The full schedule (UpdateSchedule replaces every field, so both calls send all of it). */
  private scheduleInput(
    name: string,
    fireAt: Date,
    fire: ScheduledFire,
  ): Omit<CreateScheduleInput, "ClientToken"> {
    const o = this.options;
    return {
      Name: name,
      GroupName: o.groupName,
      ScheduleExpression: atExpression(this.notBeforeLead(fireAt)),
      ScheduleExpressionTimezone: "UTC",
      FlexibleTimeWindow: { Mode: "OFF" },
      ActionAfterCompletion: "DELETE",
      State: "ENABLED",
      Target: {
        Arn: o.targetArn,
        RoleArn: o.roleArn,
        Input: JSON.stringify(fire),
        RetryPolicy: {
          MaximumRetryAttempts: o.maximumRetryAttempts,
          MaximumEventAgeInSeconds: o.maximumEventAgeSeconds,
        },
        DeadLetterConfig: { Arn: o.deadLetterArn },
      },
    };
  }

  /**
   * A one-time schedule in the past is reported to be rejected at create and would never fire, so
   * an instant before now + minimumLeadSeconds fires at that lead instead (late, never lost).
   */
  private notBeforeLead(fireAt: Date): Date {
    const earliest = this.clock.now().getTime() + this.options.minimumLeadSeconds * 1000;
    return fireAt.getTime() < earliest ? new Date(earliest) : fireAt;
  }

  /**
   * `missing`: UpdateSchedule found no schedule. `conflict`: CreateSchedule found one (a concurrent
   * create), or UpdateSchedule collided with a concurrent change.
   */
  private async send(
    op: "create" | "update",
    input: Omit<CreateScheduleInput, "ClientToken">,
    token: string,
  ): Promise<"done" | "missing" | "conflict"> {
    const withToken = { ...input, ClientToken: token };
    try {
      await this.client.send(
        op === "create" ? new CreateScheduleCommand(withToken) : new UpdateScheduleCommand(withToken),
      );
      return "done";
    } catch (error) {
      if (op === "update" && error instanceof ResourceNotFoundException) return "missing";
      if (error instanceof ConflictException) return "conflict";
      throw error;
    }
  }
}

/** A short random pause so two colliding writers do not collide again in lockstep. */
function jitter(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 40));
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : "unknown error";
}
