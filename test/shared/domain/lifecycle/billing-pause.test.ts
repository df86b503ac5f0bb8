import { describe, expect, it } from "vitest";
import { ConflictError } from "../../../../shared/domain/errors.js";
import {
  billingStartFor,
  fire,
  firstDueInstant,
  invoiceAction,
  type LifecycleSubscriber,
  nextAction,
  pauseBilling,
  resumeBilling,
} from "../../../../shared/domain/lifecycle/index.js";
import type { Package } from "../../../../shared/domain/schemas/package.js";
import { admin, catchError, dhaka, only, postpaid, prepaid, subscriberOn, t, valid } from "./fixtures.js";

const JOINED = t("2026-03-10T06:00:00Z");
const office = postpaid(1, 7, { graceDays: 3, lateFee: { type: "fixed", amount: 5_000 } });

function joined(pkg: Package, overrides: Partial<LifecycleSubscriber> = {}): LifecycleSubscriber {
  const expiresAt =
    pkg.billing.type === "postpaid"
      ? firstDueInstant(pkg.billing, dhaka.timeZone, JOINED)
      : new Date(JOINED.getTime() + 30 * 86_400_000);
  return subscriberOn(pkg, {
    createdAt: JOINED.toISOString(),
    expiresAt: expiresAt.toISOString(),
    billedThrough: billingStartFor(pkg, dhaka, JOINED),
    version: 1,
    ...overrides,
  });
}

const paused = (sub: LifecycleSubscriber) =>
  pauseBilling(sub, JOINED, admin, "complimentary month").subscriber;

function fireInvoice(sub: LifecycleSubscriber, pkg: Package, at: Date) {
  const action = invoiceAction(sub, pkg, dhaka);
  if (!action) throw new Error("no invoice due");
  const result = fire(sub, pkg, dhaka, action, at);
  if (result.outcome !== "applied") throw new Error(result.reason);
  return result;
}

describe("pausing and resuming billing", () => {
  it("records who paused and why, on the subscriber and the timeline, without a router command", () => {
    const tr = valid(pauseBilling(joined(office), JOINED, admin, "complimentary month"));
    expect(tr.subscriber.billingPause).toEqual({
      since: JOINED.toISOString(),
      actor: admin,
      reason: "complimentary month",
    });
    expect(tr.subscriber.version).toBe(2);
    expect(tr.commands).toEqual([]);
    expect(only(tr.events)).toMatchObject({
      type: "billing.paused",
      actor: admin,
      data: { reason: "complimentary month" },
    });
  });

  it("resumes with the reason, and refuses a second pause, a resume when not paused, a terminated subscriber", () => {
    const tr = valid(resumeBilling(paused(joined(office)), JOINED, admin, "dispute settled"));
    expect(tr.subscriber.billingPause).toBeUndefined();
    expect(only(tr.events)).toMatchObject({ type: "billing.resumed", data: { reason: "dispute settled" } });
    expect(catchError(() => pauseBilling(paused(joined(office)), JOINED, admin, "again"))).toBeInstanceOf(
      ConflictError,
    );
    expect(catchError(() => resumeBilling(joined(office), JOINED, admin, "x"))).toBeInstanceOf(ConflictError);
    expect(
      catchError(() => pauseBilling(joined(office, { status: "terminated" }), JOINED, admin, "x")),
    ).toBeInstanceOf(ConflictError);
  });
});

describe("the invoice chain while billing is paused", () => {
  it("skips a postpaid cycle: no invoice, the chain moves on and the entitlement to the next due instant", () => {
    const sub = paused(joined(office));
    const result = fireInvoice(sub, office, t("2026-04-01T01:59:05Z"));
    expect(result.invoice?.invoice).toBeUndefined();
    expect(result.invoice?.skipped).toBe("billing is paused");
    const next = valid(result.transition).subscriber;
    expect(next.billedThrough).toBe("2026-04-30T18:00:00.000Z");
    // The April bill would have been due on 8 April: nothing is owed, so May's bill is awaited.
    expect(next.expiresAt).toBe("2026-05-08T18:00:00.000Z");
    expect(next.status).toBe("active");
    expect(result.transition.events.map((e) => e.type)).toEqual(["invoice.skipped", "subscriber.renewed"]);
    expect(result.transition.events[0]?.summary).toContain("billing is paused (complimentary month)");
    // The chain's next stop is May's cycle, not a lapse on 8 April.
    expect(nextAction(next, office, dhaka, t("2026-04-01T02:00:00Z"))).toMatchObject({
      kind: "invoice",
      periodStart: "2026-04-30T18:00:00.000Z",
    });
  });

  it("skips a prepaid cycle without extending what was bought", () => {
    const pkg = prepaid();
    const sub = paused(joined(pkg));
    const action = invoiceAction(sub, pkg, dhaka);
    if (!action) throw new Error("no invoice due");
    const result = fire(sub, pkg, dhaka, action, new Date(Date.parse(action.at) - 30_000));
    if (result.outcome !== "applied") throw new Error(result.reason);
    expect(result.invoice?.invoice).toBeUndefined();
    expect(result.transition.subscriber.expiresAt).toBe(sub.expiresAt);
    expect(invoiceAction(result.transition.subscriber, pkg, dhaka)).toBeUndefined();
  });

  it("adds no late fee when grace ends unpaid while paused", () => {
    const sub = joined(office, { status: "grace" });
    const graceEnd = t("2026-04-11T18:00:00Z");
    const action = { kind: "grace_end" as const, at: graceEnd.toISOString() };
    const unpaused = fire(sub, office, dhaka, action, graceEnd);
    const whilePaused = fire(paused(sub), office, dhaka, action, graceEnd);
    if (unpaused.outcome !== "applied" || whilePaused.outcome !== "applied") throw new Error("stale");
    expect(unpaused.lateFee).toBeDefined();
    expect(whilePaused.lateFee).toBeUndefined();
    expect(whilePaused.transition.subscriber.status).toBe("suspended");
  });
});
