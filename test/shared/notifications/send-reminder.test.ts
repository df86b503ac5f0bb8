import { afterAll, describe, expect, inject, it } from "vitest";
import { createLocalDocumentClient } from "../../../shared/adapters/dynamodb/client.js";
import { createDynamoRepositories } from "../../../shared/adapters/dynamodb/repositories.js";
import { createGatewayDirectory } from "../../../shared/adapters/gateways/directory.js";
import { OutboxNotifier } from "../../../shared/adapters/notify/index.js";
import { LocalSecretBox } from "../../../shared/adapters/secrets/local-secret-box.js";
import { systemClock } from "../../../shared/domain/clock.js";
import { NotFoundError } from "../../../shared/domain/errors.js";
import type { ReminderDue } from "../../../shared/domain/lifecycle/index.js";
import type { Package } from "../../../shared/domain/schemas/package.js";
import type { Tenant } from "../../../shared/domain/schemas/tenant.js";
import type { TimelineEvent } from "../../../shared/domain/schemas/timeline.js";
import { createLogger } from "../../../shared/logger.js";
import {
  NotificationError,
  type Notifier,
  type OutgoingMessage,
  type SendResult,
} from "../../../shared/ports/notifier.js";
import type { StoredSubscriber } from "../../../shared/ports/repositories.js";
import type { ServiceDeps } from "../../../shared/services/caller.js";
import {
  type NotificationDeps,
  reminderIdempotencyKey,
  sendReminder,
} from "../../../shared/services/notifications.js";
import { timelineEvent } from "../../../shared/services/timeline.js";
import { createWorld } from "../../support/api.js";

/** Answers each send with the next scripted outcome; records what it was asked to send. */
class ScriptedNotifier implements Notifier {
  readonly calls: OutgoingMessage[] = [];
  constructor(private readonly script: (NotificationError | SendResult)[]) {}
  async send(message: OutgoingMessage): Promise<SendResult> {
    this.calls.push(message);
    const next = this.script.shift() ?? {};
    if (next instanceof NotificationError) throw next;
    return next;
  }
}

const gatewayError = (status: number, retryable: boolean) =>
  new NotificationError(`ssl-wireless: HTTP ${status}`, {
    retryable,
    provider: "ssl-wireless",
    channel: "sms",
    status,
  });

const doc = createLocalDocumentClient(inject("dynamoEndpoint"));
const repos = createDynamoRepositories(doc, inject("tableName"));
const logger = createLogger({}, "silent");
const serviceDeps: ServiceDeps = {
  repos,
  clock: systemClock,
  logger,
  scheduler: { upsert: async () => {}, remove: async () => {} },
  queue: { send: async () => {}, provision: async () => "" },
  notifier: { send: async () => ({}) },
  payments: { gateways: createGatewayDirectory(), secrets: new LocalSecretBox(LocalSecretBox.generateKey()) },
};

afterAll(() => {
  doc.destroy();
});

interface Fixture {
  readonly tenant: Tenant;
  readonly pkg: Package;
  readonly sub: StoredSubscriber;
}

/** A fresh tenant and subscriber per test (through the services), so each reads its own timeline. */
async function fixture(): Promise<Fixture> {
  const world = await createWorld(serviceDeps, "notify");
  const [tenant, pkg, sub] = await Promise.all([
    repos.tenants.get(world.tenantId),
    repos.packages.get(world.tenantId, world.packageId),
    repos.subscribers.get(world.tenantId, world.subscriberId),
  ]);
  if (!tenant || !pkg || !sub) throw new Error("world not created");
  return { tenant, pkg, sub };
}

function reminderFor(sub: StoredSubscriber, offset = "-1d", channel: "sms" | "email" = "sms"): ReminderDue {
  return { offset, channel, expiresAt: sub.expiresAt ?? "2026-03-05T18:00:00.000Z" };
}

function deps(notifier: Notifier, waits: number[] = []): NotificationDeps {
  return {
    repos,
    clock: systemClock,
    logger,
    notifier,
    sleep: async (ms) => {
      waits.push(ms);
    },
    random: () => 0.5,
  };
}

/** The subscriber's reminder events, oldest first. */
async function reminderEvents(sub: StoredSubscriber): Promise<TimelineEvent[]> {
  const page = await repos.subscribers.timeline(sub.tenantId, sub.id, { limit: 50 });
  return page.items.filter((e) => e.type.startsWith("reminder.")).reverse();
}

describe("sendReminder", () => {
  it("retries a failed SMS and records every attempt and the send on the timeline", async () => {
    const { tenant, pkg, sub } = await fixture();
    const reminder = reminderFor(sub);
    const notifier = new ScriptedNotifier([
      gatewayError(503, true),
      gatewayError(502, true),
      { providerId: "gw-77" },
    ]);
    const waits: number[] = [];

    const result = await sendReminder(deps(notifier, waits), {
      tenant,
      subscriber: sub,
      package: pkg,
      reminder,
    });

    const key = `${sub.id}:${reminder.expiresAt}:-1d`;
    expect(result).toEqual({
      status: "sent",
      channel: "sms",
      offset: "-1d",
      idempotencyKey: key,
      attempts: 3,
      providerId: "gw-77",
      segments: 1,
      recorded: true,
    });
    expect(reminderIdempotencyKey(sub.id, reminder)).toBe(key);
    expect(notifier.calls.map((c) => c.idempotencyKey)).toEqual([key, key, key]);
    expect(notifier.calls[0]).toMatchObject({ channel: "sms", to: sub.phone });
    expect(notifier.calls[0]?.body).toContain("expires in 1 day");
    expect(waits).toEqual([375, 750]);

    const events = await reminderEvents(sub);
    expect(events.map((e) => e.type)).toEqual([
      "reminder.attempt_failed",
      "reminder.attempt_failed",
      "reminder.sent",
    ]);
    expect(events[0]?.data).toMatchObject({ attempt: 1, reason: "ssl-wireless: HTTP 503", retryInMs: 375 });
    expect(events[1]?.data).toMatchObject({ attempt: 2, reason: "ssl-wireless: HTTP 502", retryInMs: 750 });
    expect(events[2]).toMatchObject({
      subscriberId: sub.id,
      actor: { kind: "system", id: "notifications" },
      summary: "Reminder -1d sent by sms (1 SMS part)",
      data: {
        channel: "sms",
        offset: "-1d",
        cycle: reminder.expiresAt,
        segments: 1,
        encoding: "gsm7",
        providerId: "gw-77",
        attempts: 3,
        idempotencyKey: key,
      },
    });
    // Recording a reminder is not a state change.
    expect((await repos.subscribers.get(sub.tenantId, sub.id))?.version).toBe(sub.version);
  });

  it("records reminder.failed with the reason once the attempts run out", async () => {
    const { tenant, pkg, sub } = await fixture();
    const notifier = new ScriptedNotifier([
      gatewayError(503, true),
      gatewayError(503, true),
      gatewayError(504, true),
    ]);

    const result = await sendReminder(deps(notifier), {
      tenant,
      subscriber: sub,
      package: pkg,
      reminder: reminderFor(sub, "+1d"),
    });

    expect(result).toMatchObject({
      status: "failed",
      attempts: 3,
      reason: "ssl-wireless: HTTP 504",
      retryable: true,
      recorded: true,
    });
    const events = await reminderEvents(sub);
    expect(events.map((e) => e.type)).toEqual([
      "reminder.attempt_failed",
      "reminder.attempt_failed",
      "reminder.failed",
    ]);
    expect(events[2]?.summary).toBe("Reminder +1d by sms failed after 3 attempt(s): ssl-wireless: HTTP 504");
    expect(events[2]?.data).toMatchObject({ reason: "ssl-wireless: HTTP 504", status: 504, attempts: 3 });
  });

  it("does not retry a failure that cannot succeed", async () => {
    const { tenant, pkg, sub } = await fixture();
    const notifier = new ScriptedNotifier([gatewayError(400, false)]);

    const result = await sendReminder(deps(notifier), {
      tenant,
      subscriber: sub,
      package: pkg,
      reminder: reminderFor(sub),
    });

    expect(result).toMatchObject({ status: "failed", attempts: 1, retryable: false });
    expect(notifier.calls).toHaveLength(1);
    expect((await reminderEvents(sub)).map((e) => e.type)).toEqual(["reminder.failed"]);
  });

  it("records an e-mail reminder to a subscriber without an address as skipped", async () => {
    const { tenant, pkg, sub } = await fixture();
    expect(sub.email).toBeUndefined();
    const notifier = new ScriptedNotifier([]);

    const result = await sendReminder(deps(notifier), {
      tenant,
      subscriber: sub,
      package: pkg,
      reminder: reminderFor(sub, "-3d", "email"),
    });

    expect(result).toEqual({
      status: "skipped",
      channel: "email",
      offset: "-3d",
      reason: "no e-mail address",
      recorded: true,
    });
    expect(notifier.calls).toHaveLength(0);
    const events = await reminderEvents(sub);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: "reminder.skipped",
      data: { channel: "email", offset: "-3d", reason: "no e-mail address" },
    });
  });

  it("sends a Bangla e-mail when the tenant's language is Bangla", async () => {
    const f = await fixture();
    const { tenant, pkg } = f;
    const sub = { ...f.sub, email: "rahim@example.com" };
    const outbox = new OutboxNotifier();

    const result = await sendReminder(deps(outbox), {
      tenant,
      subscriber: sub,
      package: pkg,
      reminder: reminderFor(sub, "0", "email"),
      payLink: "https://pay.example.com/p/xyz",
      language: "bn",
    });

    expect(result).toMatchObject({ status: "sent", channel: "email", providerId: "local-1" });
    expect(outbox.messages[0]).toMatchObject({ channel: "email", to: "rahim@example.com" });
    expect(outbox.messages[0]?.subject).toContain("আজ শেষ হচ্ছে");
    expect(outbox.messages[0]?.body).toContain("৳৫০০.০০");
    expect(outbox.messages[0]?.body).toContain("https://pay.example.com/p/xyz");
  });

  it("sends a duplicate fire once through a provider that deduplicates", async () => {
    const { tenant, pkg, sub } = await fixture();
    const outbox = new OutboxNotifier();
    const request = { tenant, subscriber: sub, package: pkg, reminder: reminderFor(sub, "-5d") };

    const first = await sendReminder(deps(outbox), request);
    const second = await sendReminder(deps(outbox), request);

    expect(outbox.messages).toHaveLength(1);
    expect(second).toMatchObject({
      status: "sent",
      providerId: first.status === "sent" ? first.providerId : "",
    });
  });

  it("reports a timeline it could not write instead of throwing", async () => {
    const { tenant, pkg, sub } = await fixture();
    const failing: NotificationDeps = {
      ...deps(new ScriptedNotifier([{ providerId: "p" }])),
      repos: { subscribers: { appendEvents: () => Promise.reject(new Error("DynamoDB unavailable")) } },
    };

    const result = await sendReminder(failing, {
      tenant,
      subscriber: sub,
      package: pkg,
      reminder: reminderFor(sub),
    });

    expect(result).toMatchObject({ status: "sent", providerId: "p", recorded: false });
  });
});

describe("SubscriberRepository.appendEvents", () => {
  it("refuses events for a subscriber that does not exist", async () => {
    const missing = "sub_01JD3Q7Z8K5V6W9XR2T4N0PB1C";
    const event = timelineEvent(
      { actor: { kind: "system", id: "test" } },
      missing,
      new Date().toISOString(),
      "reminder.sent",
      "x",
    );

    const { tenant } = await fixture();

    await expect(repos.subscribers.appendEvents(tenant.id, missing, [event])).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });
});
