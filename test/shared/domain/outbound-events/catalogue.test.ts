import { describe, expect, it } from "vitest";
import { newId } from "../../../../shared/domain/ids.js";
import { renew, resume, setExpiry, suspend, unpause } from "../../../../shared/domain/lifecycle/index.js";
import { pause } from "../../../../shared/domain/lifecycle/pause.js";
import type { Transition } from "../../../../shared/domain/lifecycle/transition.js";
import {
  SOURCE_TIMELINE_TYPES,
  toOutboundEvent,
  UnmappableEventError,
} from "../../../../shared/domain/outbound-events/catalogue.js";
import { OutboundEventSchema } from "../../../../shared/domain/schemas/outbound-event.js";
import type { TimelineEvent } from "../../../../shared/domain/schemas/timeline.js";
import { admin, dhaka, prepaid, subscriberOn, t, tenantId } from "../lifecycle/fixtures.js";

const pkg = prepaid({ graceDays: 2 });

/** The timeline event a transition records, as the repository stores it. */
function stored(tr: Transition, subscriberId: string): TimelineEvent {
  const e = tr.events[0];
  if (!e) throw new Error("no event");
  return { ...e, id: newId("event"), subscriberId, version: tr.subscriber.version };
}

function timeline(type: string, data: Record<string, unknown>): TimelineEvent {
  return {
    id: newId("event"),
    subscriberId: newId("subscriber"),
    at: "2026-03-01T10:00:00.000Z",
    type,
    summary: type,
    actor: admin,
    data,
  };
}

describe("the public catalogue, from timeline events", () => {
  it("an admin suspension is subscriber.suspended, with the status it left", () => {
    const sub = subscriberOn(pkg, { status: "active", expiresAt: "2026-03-20T00:00:00.000Z" });
    const out = toOutboundEvent(
      tenantId,
      stored(suspend(sub, pkg, dhaka, t("2026-03-02T00:00:00Z"), admin), sub.id),
    );
    expect(out).toMatchObject({
      type: "subscriber.suspended",
      schemaVersion: 1,
      tenantId,
      occurredAt: "2026-03-02T00:00:00.000Z",
      data: {
        subscriberId: sub.id,
        status: "suspended",
        previousStatus: "active",
        cause: "subscriber.suspended",
      },
    });
    expect(OutboundEventSchema.parse(out)).toEqual(out);
  });

  it("a renewal that brings a lapsed subscriber back is subscriber.restored; one of an active subscriber is nothing", () => {
    const lapsed = subscriberOn(pkg, {
      status: "suspended",
      suspendReason: "lapsed",
      expiresAt: "2026-02-01T00:00:00.000Z",
    });
    const restored = toOutboundEvent(
      tenantId,
      stored(renew(lapsed, pkg, dhaka, t("2026-03-02T00:00:00Z"), admin), lapsed.id),
    );
    expect(restored).toMatchObject({
      type: "subscriber.restored",
      data: { status: "active", previousStatus: "suspended", cause: "subscriber.renewed" },
    });
    expect(restored?.type === "subscriber.restored" && restored.data.expiresAt).toBe(
      "2026-04-01T00:00:00.000Z",
    );

    const active = subscriberOn(pkg, { status: "active", expiresAt: "2026-03-20T00:00:00.000Z" });
    expect(
      toOutboundEvent(
        tenantId,
        stored(renew(active, pkg, dhaka, t("2026-03-02T00:00:00Z"), admin), active.id),
      ),
    ).toBeUndefined();
  });

  it("resume and unpause restore; an expiry moved into the past suspends", () => {
    const held = subscriberOn(pkg, {
      status: "suspended",
      suspendReason: "manual",
      expiresAt: "2026-03-20T00:00:00.000Z",
    });
    expect(
      toOutboundEvent(tenantId, stored(resume(held, pkg, dhaka, t("2026-03-02T00:00:00Z"), admin), held.id))
        ?.type,
    ).toBe("subscriber.restored");
    const active = subscriberOn(pkg, { status: "active", expiresAt: "2026-03-20T00:00:00.000Z" });
    const paused = pause(active, pkg, dhaka, t("2026-03-02T00:00:00Z"), admin).subscriber;
    expect(
      toOutboundEvent(
        tenantId,
        stored(pause(active, pkg, dhaka, t("2026-03-02T00:00:00Z"), admin), active.id),
      ),
    ).toBeUndefined();
    expect(
      toOutboundEvent(
        tenantId,
        stored(unpause(paused, pkg, dhaka, t("2026-03-05T00:00:00Z"), admin), active.id),
      )?.type,
    ).toBe("subscriber.restored");
    const cut = setExpiry(
      active,
      pkg,
      dhaka,
      t("2026-03-10T00:00:00Z"),
      admin,
      t("2026-03-01T00:00:00Z"),
      "fraud",
    );
    expect(toOutboundEvent(tenantId, stored(cut, active.id))).toMatchObject({
      type: "subscriber.suspended",
      data: { cause: "subscriber.expiry_changed", previousStatus: "active" },
    });
  });

  it("events recorded before the statuses were: suspended and expired still map by type", () => {
    expect(toOutboundEvent(tenantId, timeline("subscriber.suspended", { by: "manual" }))?.type).toBe(
      "subscriber.suspended",
    );
    expect(toOutboundEvent(tenantId, timeline("subscriber.expired", {}))?.type).toBe("subscriber.expired");
    expect(toOutboundEvent(tenantId, timeline("subscriber.renewed", { periods: 1 }))).toBeUndefined();
  });

  it("payments: settled and held carry the payment, not the wallet", () => {
    const paymentId = newId("payment");
    const settled = toOutboundEvent(
      tenantId,
      timeline("payment.settled", {
        paymentId,
        gateway: "bkash",
        gatewayTxnId: "TX1",
        amount: { amount: 50_000, currency: "BDT" },
        periods: 1,
        walletBefore: 0,
        walletAfter: 0,
      }),
    );
    expect(settled?.data).toEqual({
      paymentId,
      subscriberId: expect.stringMatching(/^sub_/),
      amount: { amount: 50_000, currency: "BDT" },
      gateway: "bkash",
      periods: 1,
    });
    const held = toOutboundEvent(
      tenantId,
      timeline("payment.held", { paymentId, gateway: "razorpay", reason: "amount mismatch" }),
    );
    expect(held).toMatchObject({ type: "payment.held", data: { reason: "amount mismatch" } });
  });

  it("internal types are never public, and a public one with broken data is reported, not guessed", () => {
    for (const type of [
      "reminder.sent",
      "subscriber.created",
      "payment.started",
      "command.verified",
      "drift.detected",
    ]) {
      expect(toOutboundEvent(tenantId, timeline(type, {}))).toBeUndefined();
    }
    expect(() => toOutboundEvent(tenantId, timeline("payment.settled", { paymentId: "nope" }))).toThrow(
      UnmappableEventError,
    );
  });

  it("every source type the stream filter lets through can map to something", () => {
    const mapped = new Set<string>();
    for (const type of SOURCE_TIMELINE_TYPES) {
      if (type.startsWith("subscriber.")) mapped.add(type);
      else if (type.startsWith("payment.") || type.startsWith("invoice.")) mapped.add(type);
    }
    expect(mapped.size).toBe(SOURCE_TIMELINE_TYPES.length);
    const invoice = toOutboundEvent(
      tenantId,
      timeline("invoice.created", {
        invoiceId: "inv_01JD3Q7Z8K",
        amount: { amount: 50_000, currency: "BDT" },
        dueAt: "2026-03-10T00:00:00.000Z",
      }),
    );
    expect(invoice?.type).toBe("invoice.created");
  });
});
