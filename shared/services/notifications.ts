import type { Clock } from "../domain/clock.js";
import type { ReminderDue } from "../domain/lifecycle/index.js";
import {
  type NotificationLanguage,
  type RenderedMessage,
  type RetryHooks,
  reminderKind,
  renderMessage,
  sendWithRetry,
} from "../domain/notifications/index.js";
import type { Package } from "../domain/schemas/package.js";
import type { Subscriber } from "../domain/schemas/subscriber.js";
import type { Tenant } from "../domain/schemas/tenant.js";
import type { Actor } from "../domain/schemas/timeline.js";
import type { Logger } from "../logger.js";
import type { NotificationChannel, Notifier } from "../ports/notifier.js";
import type { SubscriberRepository } from "../ports/repositories.js";
import { timelineEvent } from "./timeline.js";

export { DEFAULT_RETRY, type RetryPolicy, sendWithRetry } from "../domain/notifications/index.js";

export const NOTIFIER_ACTOR: Actor = { kind: "system", id: "notifications" };

export interface NotificationDeps {
  readonly repos: { readonly subscribers: Pick<SubscriberRepository, "appendEvents"> };
  readonly clock: Clock;
  readonly logger: Logger;
  readonly notifier: Notifier;
  readonly retry?: RetryHooks["policy"];
  readonly sleep?: RetryHooks["sleep"];
  readonly random?: RetryHooks["random"];
}

export interface ReminderRequest {
  readonly tenant: Pick<Tenant, "id" | "name" | "timeZone">;
  readonly subscriber: Pick<Subscriber, "id" | "tenantId" | "name" | "phone" | "email">;
  readonly package: Pick<Package, "name" | "price">;
  readonly reminder: ReminderDue;
  readonly payLink?: string | undefined;
  /** The tenant's message language; default English. */
  readonly language?: NotificationLanguage | undefined;
}

interface ReminderResultBase {
  readonly channel: NotificationChannel;
  readonly offset: string;
  /** Whether every outcome made it onto the timeline (a storage failure is logged, not thrown). */
  readonly recorded: boolean;
}

export type ReminderResult =
  | (ReminderResultBase & {
      readonly status: "sent";
      readonly idempotencyKey: string;
      readonly attempts: number;
      readonly providerId?: string;
      /** SMS parts billed, for SMS. */
      readonly segments?: number;
    })
  | (ReminderResultBase & {
      readonly status: "failed";
      readonly idempotencyKey: string;
      readonly attempts: number;
      readonly reason: string;
      readonly retryable: boolean;
    })
  | (ReminderResultBase & { readonly status: "skipped"; readonly reason: string });

/** One key per subscriber, cycle and offset: a duplicate fire sends through a deduplicating provider once. */
export function reminderIdempotencyKey(subscriberId: string, reminder: ReminderDue): string {
  return `${subscriberId}:${reminder.expiresAt}:${reminder.offset}`;
}

/**
 * Sends the reminder a lifecycle fire asked for: renders it in the tenant's language and zone,
 * picks the subscriber's address for the channel (none = `reminder.skipped`), sends with retries
 * and records every failed attempt and the final outcome on the subscriber's timeline. Never
 * throws for a delivery problem; the result says what happened.
 */
export async function sendReminder(
  deps: NotificationDeps,
  request: ReminderRequest,
): Promise<ReminderResult> {
  const { tenant, subscriber, reminder } = request;
  if (subscriber.tenantId !== tenant.id) throw new Error("the subscriber belongs to another tenant");
  const { channel, offset } = reminder;
  const log = deps.logger.child({ tenantId: tenant.id, subscriberId: subscriber.id, channel, offset });
  const timeline = new TimelineWriter(deps, tenant.id, subscriber.id, log);
  const base = { channel, offset, cycle: reminder.expiresAt };

  const to = channel === "sms" ? subscriber.phone : subscriber.email;
  if (!to) {
    const reason = channel === "sms" ? "no phone number" : "no e-mail address";
    log.info("reminder skipped", { reason });
    await timeline.add("reminder.skipped", `Reminder ${offset} by ${channel} skipped: ${reason}`, {
      ...base,
      reason,
    });
    return { status: "skipped", channel, offset, reason, recorded: timeline.ok };
  }

  const language = request.language ?? "en";
  const rendered = renderMessage(channel, {
    kind: reminderKind(offset),
    language,
    timeZone: tenant.timeZone,
    name: subscriber.name,
    packageName: request.package.name,
    amount: request.package.price,
    dueAt: reminder.expiresAt,
    isp: tenant.name,
    payLink: request.payLink,
    offset,
  });
  if (rendered.channel === "sms" && !rendered.withinLimit) {
    log.warn("reminder SMS is longer than its part budget", { segments: rendered.segments });
  }
  const idempotencyKey = reminderIdempotencyKey(subscriber.id, reminder);
  const result = await sendWithRetry(
    deps.notifier,
    {
      channel,
      to,
      body: rendered.body,
      ...(rendered.channel === "email" ? { subject: rendered.subject } : {}),
      idempotencyKey,
    },
    {
      policy: deps.retry,
      sleep: deps.sleep,
      random: deps.random,
      onFailure: async ({ attempt, error, retryInMs }) => {
        if (retryInMs === undefined) return;
        log.warn("reminder attempt failed; retrying", { attempt, retryInMs, error });
        await timeline.add(
          "reminder.attempt_failed",
          `Reminder ${offset} by ${channel}: attempt ${attempt} failed (${error.message}); retrying`,
          { ...base, attempt, reason: error.message, provider: error.provider, retryInMs },
        );
      },
    },
  );
  const facts = { ...base, to, language, ...smsFacts(rendered), attempts: result.attempts, idempotencyKey };

  if (result.ok) {
    const { providerId } = result;
    const segments = rendered.channel === "sms" ? rendered.segments : undefined;
    log.info("reminder sent", { attempts: result.attempts, providerId, segments });
    const parts = segments === undefined ? "" : ` (${segments} SMS part${segments === 1 ? "" : "s"})`;
    await timeline.add("reminder.sent", `Reminder ${offset} sent by ${channel}${parts}`, {
      ...facts,
      providerId,
    });
    return {
      status: "sent",
      channel,
      offset,
      idempotencyKey,
      attempts: result.attempts,
      ...(providerId === undefined ? {} : { providerId }),
      ...(segments === undefined ? {} : { segments }),
      recorded: timeline.ok,
    };
  }

  const { error } = result;
  log.error("reminder not sent", { attempts: result.attempts, retryable: error.retryable, error });
  await timeline.add(
    "reminder.failed",
    `Reminder ${offset} by ${channel} failed after ${result.attempts} attempt(s): ${error.message}`,
    {
      ...facts,
      reason: error.message,
      provider: error.provider,
      retryable: error.retryable,
      ...(error.status === undefined ? {} : { status: error.status }),
    },
  );
  return {
    status: "failed",
    channel,
    offset,
    idempotencyKey,
    attempts: result.attempts,
    reason: error.message,
    retryable: error.retryable,
    recorded: timeline.ok,
  };
}

function smsFacts(rendered: RenderedMessage): { segments?: number; encoding?: string } {
  return rendered.channel === "sms" ? { segments: rendered.segments, encoding: rendered.encoding } : {};
}

/** Appends timeline events one by one as they happen; a storage failure is logged, never thrown. */
class TimelineWriter {
  ok = true;

  constructor(
    private readonly deps: NotificationDeps,
    private readonly tenantId: string,
    private readonly subscriberId: string,
    private readonly log: Logger,
  ) {}

  async add(type: string, summary: string, data: Record<string, unknown>): Promise<void> {
    const at = this.deps.clock.now().toISOString();
    const event = timelineEvent(
      { actor: NOTIFIER_ACTOR },
      this.subscriberId,
      at,
      type,
      summary.slice(0, 500),
      data,
    );
    try {
      await this.deps.repos.subscribers.appendEvents(this.tenantId, this.subscriberId, [event]);
    } catch (error) {
      this.ok = false;
      this.log.error("reminder outcome not recorded on the timeline", { type, error });
    }
  }
}
