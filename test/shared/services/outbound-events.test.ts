import { describe, expect, it } from "vitest";
import { LocalSecretBox } from "../../../shared/adapters/secrets/local-secret-box.js";
import { newId } from "../../../shared/domain/ids.js";
import type { WebhookDelivery } from "../../../shared/domain/schemas/event-subscription.js";
import type { OutboundEvent } from "../../../shared/domain/schemas/outbound-event.js";
import type { TimelineEvent } from "../../../shared/domain/schemas/timeline.js";
import { createLogger } from "../../../shared/logger.js";
import type {
  DeliveryAttempt,
  DeliveryJob,
  EventSubscriptionRepository,
  StoredEventSubscription,
  WebhookRequest,
  WebhookResponse,
} from "../../../shared/ports/outbound-events.js";
import {
  type DeliverDeps,
  deliverWebhook,
  publishTimelineEvents,
} from "../../../shared/services/outbound-events.js";
import { WEBHOOK_SECRET_PURPOSE } from "../../../shared/services/webhook-secrets.js";

const NOW = new Date("2026-03-01T10:00:00.000Z");
const box = new LocalSecretBox(LocalSecretBox.generateKey());
const logger = createLogger({}, "silent");

/** Subscriptions and delivery records in memory, with the repository's once-delivered rule. */
class MemorySubscriptions implements EventSubscriptionRepository {
  readonly subs = new Map<string, StoredEventSubscription>();
  readonly deliveries = new Map<string, WebhookDelivery>();
  readonly attempts: DeliveryAttempt[] = [];
  gets = 0;
  async get(tenantId: string) {
    this.gets++;
    return this.subs.get(tenantId);
  }
  async put(s: StoredEventSubscription) {
    this.subs.set(s.tenantId, s);
  }
  async delete(tenantId: string) {
    this.subs.delete(tenantId);
  }
  async getDelivery(tenantId: string, eventId: string) {
    return this.deliveries.get(`${tenantId}/${eventId}`);
  }
  async recordAttempt(a: DeliveryAttempt) {
    const key = `${a.tenantId}/${a.eventId}`;
    if (this.deliveries.get(key)?.deliveredAt) return false;
    this.attempts.push(a);
    this.deliveries.set(key, {
      eventId: a.eventId,
      type: a.type,
      status: a.outcome,
      attempts: a.attempt,
      lastAttemptAt: a.at,
      ...(a.outcome === "delivered" ? { deliveredAt: a.at } : {}),
    });
    return true;
  }
  async listDeliveries() {
    return { items: [...this.deliveries.values()] };
  }
}

async function subscription(tenantId: string, overrides: Partial<StoredEventSubscription> = {}) {
  return {
    tenantId,
    url: "https://hooks.example.com/isp",
    events: ["*"],
    enabled: true,
    secretCiphertext: await box.seal("whsec_test", { tenantId, purpose: WEBHOOK_SECRET_PURPOSE }),
    secretHint: "whsec_...test",
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
    version: 1,
    ...overrides,
  } satisfies StoredEventSubscription;
}

function outbound(tenantId: string): OutboundEvent {
  return {
    id: newId("event"),
    type: "subscriber.suspended",
    schemaVersion: 1,
    tenantId,
    occurredAt: NOW.toISOString(),
    data: { subscriberId: newId("subscriber"), status: "suspended", cause: "subscriber.suspended" },
  };
}

function deliverDeps(repo: MemorySubscriptions, answers: WebhookResponse[]) {
  const sent: WebhookRequest[] = [];
  const deps: DeliverDeps = {
    subscriptions: repo,
    clock: { now: () => NOW },
    logger,
    secrets: box,
    urlPolicy: { allowLoopback: false },
    retryBaseSeconds: 30,
    transport: {
      post: async (request) => {
        sent.push(request);
        return answers.shift() ?? { status: 200 };
      },
    },
  };
  return { deps, sent };
}

describe("deliverWebhook", () => {
  it("schedules a retry on a failed attempt and gives up after the last one, recording each", async () => {
    const repo = new MemorySubscriptions();
    const tenantId = newId("tenant");
    await repo.put(await subscription(tenantId));
    const job: DeliveryJob = { tenantId, event: outbound(tenantId) };
    const { deps } = deliverDeps(repo, [{ status: 500 }, { error: "no answer within 5000 ms" }]);
    const first = await deliverWebhook(deps, job, 1);
    expect(first).toMatchObject({ outcome: "retry", reason: "HTTP 500" });
    expect(first.outcome === "retry" && first.afterSeconds).toBeGreaterThanOrEqual(24);
    expect(await deliverWebhook(deps, job, 8)).toEqual({
      outcome: "failed",
      reason: "no answer within 5000 ms",
    });
    expect(repo.attempts.map((a) => [a.attempt, a.outcome, a.statusCode])).toEqual([
      [1, "retrying", 500],
      [8, "failed", undefined],
    ]);
    expect(repo.attempts[0]?.nextAttemptAt).toBeTypeOf("string");
  });

  it("skips what was delivered, switched off, unsubscribed or deleted, without calling the receiver", async () => {
    const repo = new MemorySubscriptions();
    const tenantId = newId("tenant");
    const job: DeliveryJob = { tenantId, event: outbound(tenantId) };
    const { deps, sent } = deliverDeps(repo, []);
    expect(await deliverWebhook(deps, job, 1)).toEqual({ outcome: "skipped", reason: "no webhook" });
    await repo.put(await subscription(tenantId, { enabled: false }));
    expect(await deliverWebhook(deps, job, 1)).toEqual({ outcome: "skipped", reason: "webhook disabled" });
    await repo.put(await subscription(tenantId, { events: ["payment.settled"] }));
    expect(await deliverWebhook(deps, job, 1)).toEqual({ outcome: "skipped", reason: "not subscribed" });
    await repo.put(await subscription(tenantId));
    expect(await deliverWebhook(deps, job, 1)).toEqual({ outcome: "delivered", status: 200 });
    expect(await deliverWebhook(deps, job, 2)).toEqual({ outcome: "skipped", reason: "already delivered" });
    expect(sent).toHaveLength(1);
    expect(sent[0]?.headers["Webhook-Id"]).toBe(job.event.id);
    expect(sent[0]?.timeoutMs).toBe(5_000);
  });

  it("never calls a URL the policy refuses (a loopback URL stored in local mode, seen by the cloud)", async () => {
    const repo = new MemorySubscriptions();
    const tenantId = newId("tenant");
    await repo.put(await subscription(tenantId, { url: "http://127.0.0.1:9/x" }));
    const { deps, sent } = deliverDeps(repo, []);
    const result = await deliverWebhook(deps, { tenantId, event: outbound(tenantId) }, 1);
    expect(result).toMatchObject({ outcome: "retry", reason: "URL refused: must not point at this machine" });
    expect(sent).toHaveLength(0);
  });
});

describe("publishTimelineEvents", () => {
  it("publishes every public event, queues only what each tenant's webhook wants, reads each webhook once", async () => {
    const repo = new MemorySubscriptions();
    const [a, b, c] = [newId("tenant"), newId("tenant"), newId("tenant")];
    await repo.put(await subscription(a, { events: ["subscriber.suspended"] }));
    await repo.put(await subscription(b, { events: ["payment.settled"] }));
    const published: OutboundEvent[] = [];
    const queued: DeliveryJob[] = [];
    const timeline = (type: string, data: Record<string, unknown>): TimelineEvent => ({
      id: newId("event"),
      subscriberId: newId("subscriber"),
      at: NOW.toISOString(),
      type,
      summary: type,
      actor: { kind: "system", id: "test" },
      data,
    });
    const suspended = { statusBefore: "active", statusAfter: "suspended" };
    const result = await publishTimelineEvents(
      {
        subscriptions: repo,
        clock: { now: () => NOW },
        logger,
        publisher: { publish: async (events) => void published.push(...events) },
        queue: { enqueue: async (jobs) => void queued.push(...jobs) },
      },
      [
        { tenantId: a, event: timeline("subscriber.suspended", suspended) },
        { tenantId: a, event: timeline("subscriber.suspended", suspended) },
        { tenantId: b, event: timeline("subscriber.suspended", suspended) },
        { tenantId: c, event: timeline("subscriber.suspended", suspended) },
        { tenantId: a, event: timeline("reminder.sent", {}) },
        { tenantId: a, event: timeline("payment.settled", { paymentId: "broken" }) },
      ],
    );
    expect(result).toEqual({ published: 4, queued: 2 });
    expect(published.map((e) => e.tenantId)).toEqual([a, a, b, c]);
    expect(queued.map((j) => j.tenantId)).toEqual([a, a]);
    expect(repo.gets).toBe(3);
  });
});

describe("publishTimelineEvents waking the deliverer", () => {
  const deps = async (wakes: string[], wake: () => Promise<void>) => {
    const repo = new MemorySubscriptions();
    const tenant = newId("tenant");
    await repo.put(await subscription(tenant));
    return {
      tenant,
      deps: {
        subscriptions: repo,
        clock: { now: () => NOW },
        logger,
        publisher: { publish: async () => undefined },
        queue: { enqueue: async () => void wakes.push("enqueue") },
        waker: { wake },
      },
    };
  };
  const suspended = (): TimelineEvent => ({
    id: newId("event"),
    subscriberId: newId("subscriber"),
    at: NOW.toISOString(),
    type: "subscriber.suspended",
    summary: "suspended",
    actor: { kind: "system", id: "test" },
    data: { statusBefore: "active", statusAfter: "suspended" },
  });

  it("wakes it once, after the jobs are queued, and not when nothing was queued", async () => {
    const calls: string[] = [];
    const { tenant, deps: d } = await deps(calls, async () => void calls.push("wake"));

    await publishTimelineEvents(d, [
      { tenantId: tenant, event: suspended() },
      { tenantId: tenant, event: suspended() },
    ]);
    await publishTimelineEvents(d, [{ tenantId: newId("tenant"), event: suspended() }]);

    expect(calls).toEqual(["enqueue", "wake"]);
  });

  it("publishes and queues all the same when the wake-up fails: the scheduled drain takes the jobs", async () => {
    const calls: string[] = [];
    const { tenant, deps: d } = await deps(calls, async () => {
      throw new Error("throttled");
    });

    const result = await publishTimelineEvents(d, [{ tenantId: tenant, event: suspended() }]);

    expect(result).toEqual({ published: 1, queued: 1 });
    expect(calls).toEqual(["enqueue"]);
  });
});
