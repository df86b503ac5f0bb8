import { describe, expect, it } from "vitest";
import {
  billingStartFor,
  fire,
  firstDueInstant,
  invoiceAction,
  type LifecycleSubscriber,
  nextAction,
  policyForTenant,
} from "../../../../shared/domain/lifecycle/index.js";
import type { Package } from "../../../../shared/domain/schemas/package.js";
import { dhaka, postpaid, prepaid, subscriberOn, t } from "./fixtures.js";

/*
 * The invoice chain, decided on a subscriber as stored. Dhaka is UTC+6; the default quiet hours
 * (21:00-08:00) move a midnight bill to 08:00 local, 02:00 UTC.
 */

const JOINED = t("2026-03-10T06:00:00Z"); // 12:00 in Dhaka
const office = postpaid(1, 7, { graceDays: 3, taxRateBasisPoints: 1500 });

/** A subscriber as created now: billed from the join, expiring at its first bill's due instant. */
function joined(
  pkg: Package,
  at = JOINED,
  overrides: Partial<LifecycleSubscriber> = {},
): LifecycleSubscriber {
  const expiresAt =
    pkg.billing.type === "postpaid"
      ? firstDueInstant(pkg.billing, dhaka.timeZone, at)
      : new Date(at.getTime() + 30 * 86_400_000);
  const billedThrough = billingStartFor(pkg, dhaka, at);
  return subscriberOn(pkg, {
    createdAt: at.toISOString(),
    expiresAt: expiresAt.toISOString(),
    billedThrough,
    version: 1,
    ...overrides,
  });
}

function applied(result: ReturnType<typeof fire>) {
  if (result.outcome !== "applied") throw new Error(`expected applied, got stale: ${result.reason}`);
  return result;
}

function fired(sub: LifecycleSubscriber, pkg: Package, at: Date) {
  const action = invoiceAction(sub, pkg, dhaka);
  if (!action) throw new Error("no invoice due");
  return applied(fire(sub, pkg, dhaka, action, at));
}

describe("postpaid cycle invoices", () => {
  it("issues the first bill at the next billing day, out of quiet hours, prorating the days since the join", () => {
    const sub = joined(office);
    expect(sub.expiresAt).toBe("2026-04-08T18:00:00.000Z");
    const action = invoiceAction(sub, office, dhaka);
    expect(action).toEqual({
      kind: "invoice",
      at: "2026-04-01T02:00:00.000Z",
      periodStart: "2026-03-31T18:00:00.000Z",
    });
    expect(nextAction(sub, office, dhaka, JOINED)).toEqual(action);

    const result = fired(sub, office, t("2026-04-01T01:59:05Z"));

    const invoice = result.invoice?.invoice;
    expect(invoice?.lines).toEqual([
      { kind: "proration", description: "Office: 22 of 31 days (2026-03-10 to 2026-03-31)", amount: 35_484 },
      { kind: "package", description: "Office (2026-04-01 to 2026-04-30)", amount: 50_000 },
      { kind: "tax", description: "Tax 15%", amount: 12_823 },
    ]);
    expect(invoice).toMatchObject({
      subtotal: 85_484,
      total: 98_307,
      amountPaid: 0,
      status: "open",
      dueAt: "2026-04-08T18:00:00.000Z",
      period: { start: "2026-03-31T18:00:00.000Z", end: "2026-04-30T18:00:00.000Z" },
      taxRateBasisPoints: 1500,
    });
    expect(result.transition.subscriber).toMatchObject({
      billedThrough: "2026-04-30T18:00:00.000Z",
      version: 2,
      expiresAt: sub.expiresAt,
    });
    expect(result.transition.commands).toEqual([]);
  });

  it("bills the whole package from the second cycle on, and a repeated fire is stale", () => {
    const first = fired(joined(office), office, t("2026-04-01T02:00:00Z"));
    const next = first.transition.subscriber;
    const action = invoiceAction(next, office, dhaka);
    expect(action).toMatchObject({ periodStart: "2026-04-30T18:00:00.000Z", at: "2026-05-01T02:00:00.000Z" });

    const again = fire(
      next,
      office,
      dhaka,
      { kind: "invoice", at: "2026-04-01T02:00:00.000Z", periodStart: "2026-03-31T18:00:00.000Z" },
      t("2026-04-01T02:00:30Z"),
    );
    expect(again.outcome).toBe("stale");
    const second = fired(next, office, t("2026-05-01T02:00:00Z"));
    expect(second.invoice?.invoice?.lines.map((l) => [l.kind, l.amount])).toEqual([
      ["package", 50_000],
      ["tax", 7_500],
    ]);
  });

  it("bills every N days from the joining day", () => {
    const fortnight = postpaid(1, 3, {
      billing: { type: "postpaid", cycle: "every_n_days", everyDays: 15, dueDays: 3 },
    });
    const sub = joined(fortnight);
    expect(sub.expiresAt).toBe("2026-03-13T18:00:00.000Z"); // due by the end of 13 March
    expect(invoiceAction(sub, fortnight, dhaka)).toEqual({
      kind: "invoice",
      at: "2026-03-10T02:00:00.000Z",
      periodStart: "2026-03-09T18:00:00.000Z",
    });
    const result = fired(sub, fortnight, JOINED);
    expect(result.invoice?.invoice).toMatchObject({
      lines: [{ kind: "package", description: "Office (2026-03-10 to 2026-03-24)", amount: 50_000 }],
      period: { start: "2026-03-09T18:00:00.000Z", end: "2026-03-24T18:00:00.000Z" },
      dueAt: "2026-03-13T18:00:00.000Z",
    });
    expect(invoiceAction(result.transition.subscriber, fortnight, dhaka)?.periodStart).toBe(
      "2026-03-24T18:00:00.000Z",
    );
  });

  it("skips cycles that start while the subscriber is suspended, up to the one in progress", () => {
    const sub = joined(office, JOINED, { status: "suspended", suspendReason: "lapsed" });
    const result = fired(sub, office, t("2026-06-15T00:00:00Z"));
    expect(result.invoice).toMatchObject({ skipped: "the subscriber is suspended" });
    expect(result.invoice?.invoice).toBeUndefined();
    expect(result.transition.subscriber.billedThrough).toBe("2026-06-30T18:00:00.000Z");
    expect(result.transition.events[0]).toMatchObject({ type: "invoice.skipped" });
  });

  it("takes wallet credit, and renews when the wallet pays the bill the entitlement waits on", () => {
    const partial = fired(
      joined(office, JOINED, { walletBalance: 20_000 }),
      office,
      t("2026-04-01T02:00:00Z"),
    );
    expect(partial.invoice?.invoice).toMatchObject({ amountPaid: 20_000, status: "partially_paid" });
    expect(partial.transition.subscriber).toMatchObject({
      walletBalance: 0,
      expiresAt: "2026-04-08T18:00:00.000Z",
    });

    const rich = fired(joined(office, JOINED, { walletBalance: 100_000 }), office, t("2026-04-01T02:00:00Z"));
    expect(rich.invoice).toMatchObject({ renewed: true, walletApplied: 98_307 });
    expect(rich.invoice?.invoice).toMatchObject({ amountPaid: 98_307, status: "paid" });
    expect(rich.transition.subscriber).toMatchObject({
      walletBalance: 1_693,
      // The May bill is the one owed now: due by the end of 8 May.
      expiresAt: "2026-05-08T18:00:00.000Z",
      billedThrough: "2026-04-30T18:00:00.000Z",
    });
    expect(rich.transition.events[0]).toMatchObject({ type: "subscriber.renewed", data: { by: "wallet" } });
  });
});

describe("prepaid invoices for the next period", () => {
  const monthly = prepaid({ graceDays: 2 });
  const EXPIRES = "2026-03-01T12:00:00.000Z"; // 18:00 in Dhaka
  const unbilled = (pkg: Package, overrides: Partial<LifecycleSubscriber> = {}) =>
    subscriberOn(pkg, { billedThrough: undefined, expiresAt: EXPIRES, ...overrides });

  it("issues at the earliest reminder before expiry, right after that reminder", () => {
    const sub = unbilled(monthly);
    expect(invoiceAction(sub, monthly, dhaka)).toEqual({
      kind: "invoice",
      at: "2026-02-24T12:00:00.000Z",
      periodStart: EXPIRES,
    });
    expect(nextAction(sub, monthly, dhaka, t("2026-02-20T00:00:00Z"))).toMatchObject({
      kind: "reminder",
      offset: "-5d",
    });
    const reminded = { ...sub, remindersSent: { cycle: EXPIRES, offsets: ["-5d"] } };
    expect(nextAction(reminded, monthly, dhaka, t("2026-02-24T12:00:01Z"))?.kind).toBe("invoice");

    const result = fired(reminded, monthly, t("2026-02-24T12:00:01Z"));
    expect(result.invoice?.invoice).toMatchObject({
      period: { start: EXPIRES, end: "2026-03-31T12:00:00.000Z" },
      dueAt: EXPIRES,
      total: 50_000,
    });
    expect(invoiceAction(result.transition.subscriber, monthly, dhaka)).toBeUndefined();
  });

  it("never leads by more than one validity, issues at expiry without an earlier reminder", () => {
    const daily = prepaid({ billing: { type: "prepaid", validity: { unit: "days", count: 1 } } });
    expect(invoiceAction(unbilled(daily), daily, dhaka)?.at).toBe("2026-02-28T12:00:00.000Z");
    const lateOnly = policyForTenant(
      { timeZone: "Asia/Dhaka" },
      { reminders: [{ offset: "+1d", channel: "sms" }] },
    );
    expect(invoiceAction(unbilled(monthly), monthly, lateOnly)?.at).toBe(EXPIRES);
  });

  it("is not made for hour packages, for a subscriber created after the issue instant, or while lapsed", () => {
    const hourly = prepaid({ billing: { type: "prepaid", validity: { unit: "hours", count: 24 } } });
    expect(invoiceAction(unbilled(hourly), hourly, dhaka)).toBeUndefined();
    expect(
      invoiceAction(unbilled(monthly, { createdAt: "2026-02-26T00:00:00.000Z" }), monthly, dhaka),
    ).toBeUndefined();
    expect(invoiceAction(unbilled(monthly, { status: "expired" }), monthly, dhaka)).toBeUndefined();
  });

  it("renews at once when the wallet covers the next period", () => {
    const sub = unbilled(monthly, {
      walletBalance: 60_000,
      remindersSent: { cycle: EXPIRES, offsets: ["-5d"] },
    });
    const result = fired(sub, monthly, t("2026-02-24T12:00:00Z"));
    expect(result.transition.subscriber).toMatchObject({
      expiresAt: "2026-03-31T12:00:00.000Z",
      walletBalance: 10_000,
      billedThrough: "2026-03-31T12:00:00.000Z",
    });
    expect(invoiceAction(result.transition.subscriber, monthly, dhaka)).toMatchObject({
      periodStart: "2026-03-31T12:00:00.000Z",
    });
  });
});

describe("late fees at the end of grace", () => {
  it("are due on the unpaid postpaid bill when grace ends", () => {
    const fee = { type: "percent" as const, basisPoints: 200, cap: 500 };
    const pkg = postpaid(1, 7, { graceDays: 3, lateFee: fee });
    const sub = subscriberOn(pkg, { status: "grace", expiresAt: "2026-04-08T18:00:00.000Z" });
    const result = applied(
      fire(sub, pkg, dhaka, { kind: "grace_end", at: "2026-04-11T18:00:00.000Z" }, t("2026-04-11T17:59:30Z")),
    );
    expect(result.transition.subscriber).toMatchObject({ status: "suspended", suspendReason: "lapsed" });
    expect(result.lateFee).toEqual({
      rule: fee,
      periodStart: "2026-03-31T18:00:00.000Z",
      at: "2026-04-11T18:00:00.000Z",
    });
  });

  it("are due on a prepaid invoice at the end of grace, but not when a package without grace expires", () => {
    const fee = { type: "fixed" as const, amount: 2_000 };
    const withGrace = prepaid({ graceDays: 2, lateFee: fee });
    const inGrace = subscriberOn(withGrace, { status: "grace" });
    const ended = applied(
      fire(
        inGrace,
        withGrace,
        dhaka,
        { kind: "grace_end", at: "2026-03-03T12:00:00.000Z" },
        t("2026-03-03T12:00:00Z"),
      ),
    );
    expect(ended.lateFee).toMatchObject({ periodStart: "2026-03-01T12:00:00.000Z" });

    const noGrace = prepaid({ lateFee: fee });
    const expired = applied(
      fire(
        subscriberOn(noGrace),
        noGrace,
        dhaka,
        { kind: "expire", at: "2026-03-01T12:00:00.000Z" },
        t("2026-03-01T12:00:00Z"),
      ),
    );
    expect(expired.transition.subscriber.status).toBe("expired");
    expect(expired.lateFee).toBeUndefined();
  });
});

describe("a package's own reminders", () => {
  it("replace the tenant's in the policy the lifecycle schedules with", () => {
    const own = prepaid({ reminders: [{ offset: "-2d", channel: "email" }] });
    const policy = policyForTenant({ timeZone: "Asia/Dhaka" }, {}, own);
    expect(policy.reminders).toEqual([{ offset: "-2d", channel: "email" }]);
    const sub = subscriberOn(own);
    expect(nextAction(sub, own, policy, t("2026-02-20T00:00:00Z"))).toMatchObject({
      kind: "reminder",
      offset: "-2d",
      channel: "email",
      at: "2026-02-27T12:00:00.000Z",
    });
  });
});
