import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createLocalDocumentClient } from "../../shared/adapters/dynamodb/client.js";
import { createDynamoRepositories } from "../../shared/adapters/dynamodb/repositories.js";
import { OutboxNotifier } from "../../shared/adapters/notify/index.js";
import { toOutboundEvent } from "../../shared/domain/outbound-events/catalogue.js";
import { type EdgeCommand, EdgeCommandSchema } from "../../shared/domain/schemas/edge-command.js";
import type { NextAction } from "../../shared/domain/schemas/lifecycle-fields.js";
import type { Payment } from "../../shared/domain/schemas/payment.js";
import type { TimelineEvent } from "../../shared/domain/schemas/timeline.js";
import type { ServiceDeps } from "../../shared/services/caller.js";
import { type FireOutcome, handleFire, scheduledFire } from "../../shared/services/lifecycle.js";
import { createPackage } from "../../shared/services/packages.js";
import { openPayLink } from "../../shared/services/payments/pay-links.js";
import { recordManualPayment } from "../../shared/services/payments/records.js";
import { createSubscriber } from "../../shared/services/subscribers.js";
import { createWorld, packageBody, subscriberBody, type TenantWorld } from "../support/api.js";
import { serviceDepsAt } from "../support/service-deps.js";

/*
 * The invoice chain on DynamoDB Local, time driven: every subscriber's one schedule is fired as
 * EventBridge would (a minute before its action is due) at the lifecycle service, with the clock
 * moved there. Messages land in an outbox.
 */

const doc = createLocalDocumentClient(inject("dynamoEndpoint"));
const repos = createDynamoRepositories(doc, inject("tableName"));
const outbox = new OutboxNotifier({ capacity: 10_000 });
const PAY_BASE = "https://pay.isp.example";
/** Edge commands handed to the site queues. */
const queued: EdgeCommand[] = [];

/** The services as the lifecycle function runs them, at a given instant. */
function at(instant: Date | string): ServiceDeps {
  return serviceDepsAt(repos, instant, {
    queue: {
      send: async (_tenantId, _siteId, message) => {
        queued.push(EdgeCommandSchema.parse(JSON.parse(message.body)));
      },
      provision: async () => "",
    },
    notifier: outbox,
  });
}

const JOINED = "2026-03-10T06:00:00.000Z"; // 12:00 in Dhaka
const previousBase = process.env.PUBLIC_BASE_URL;
beforeAll(() => {
  process.env.PUBLIC_BASE_URL = PAY_BASE;
});
afterAll(() => {
  if (previousBase === undefined) delete process.env.PUBLIC_BASE_URL;
  else process.env.PUBLIC_BASE_URL = previousBase;
  doc.destroy();
});

/** Monthly on the 1st, due in 7 days, 3 days' grace, a 50.00 late fee, 15 % tax. */
async function officePackage(world: TenantWorld): Promise<string> {
  const pkg = await createPackage(at(JOINED), world.owner, {
    ...packageBody(),
    name: "Office 20M",
    billing: { type: "postpaid", billingDay: 1, dueDays: 7 },
    graceDays: 3,
    lateFee: { type: "fixed", amount: 5_000 },
    taxRateBasisPoints: 1500,
  });
  return pkg.resource.id;
}

async function join(world: TenantWorld, packageId: string, email?: string): Promise<string> {
  const body = { ...subscriberBody(packageId, world.siteId, world.nasId), ...(email ? { email } : {}) };
  return (await createSubscriber(at(JOINED), world.owner, body)).resource.id;
}

async function stored(world: TenantWorld, id: string) {
  const sub = await repos.subscribers.get(world.tenantId, id);
  if (!sub) throw new Error(`no subscriber ${id}`);
  return sub;
}

/** Fires the subscriber's schedule a minute before its action is due. */
async function fireNext(
  world: TenantWorld,
  id: string,
): Promise<{ action: NextAction; outcome: FireOutcome }> {
  const sub = await stored(world, id);
  const action = sub.nextAction;
  if (!action) throw new Error("nothing scheduled");
  const outcome = await handleFire(at(new Date(Date.parse(action.at) - 60_000)), scheduledFire(sub, action));
  return { action, outcome };
}

async function timeline(world: TenantWorld, id: string): Promise<TimelineEvent[]> {
  return (await repos.subscribers.timeline(world.tenantId, id, { limit: 200 })).items.reverse();
}

const count = (events: TimelineEvent[], type: string) => events.filter((e) => e.type === type).length;

/** A month after grace ended, the subscriber pays at the counter: part, then the rest. */
const PAID_PART = "2026-05-10T06:00:00.000Z";
const PAID_REST = "2026-05-10T07:00:00.000Z";

/** Cash recorded by the ISP's billing staff through the payment service, at `instant`. */
async function pay(world: TenantWorld, id: string, amount: number, instant: string): Promise<Payment> {
  const input = { amount: { amount, currency: "BDT" as const }, method: "cash" as const };
  const created = await recordManualPayment(at(instant), world.owner, id, input, undefined);
  expect(created.resource.status).toBe("settled");
  return created.resource;
}

describe("a postpaid subscriber who does not pay", () => {
  let world: TenantWorld;
  let id: string;
  const fired: NextAction[] = [];

  beforeAll(async () => {
    world = await createWorld(at(JOINED), "unpaid postpaid");
    id = await join(world, await officePackage(world), "rahim@example.net");
    // The scheduler, until a month after the bill's grace ended.
    for (let i = 0; i < 40; i++) {
      const next = (await stored(world, id)).nextAction;
      if (!next || next.at > "2026-05-02T00:00:00.000Z") break;
      const { action, outcome } = await fireNext(world, id);
      expect(outcome, JSON.stringify(action)).toBe("applied");
      fired.push(action);
    }
  }, 60_000);

  it("is invoiced at the cycle start, 08:00 on the 1st in Dhaka, with the days since joining prorated", async () => {
    expect(fired[0]).toEqual({
      kind: "invoice",
      at: "2026-04-01T02:00:00.000Z",
      periodStart: "2026-03-31T18:00:00.000Z",
    });
    const invoice = await repos.invoices.getForPeriod(world.tenantId, id, "2026-03-31T18:00:00.000Z");
    expect(invoice?.createdAt).toBe("2026-04-01T01:59:00.000Z");
    expect(invoice?.number).toBe("INV-000001");
    expect(invoice?.lines.map((l) => [l.kind, l.amount])).toEqual([
      ["proration", 35_484],
      ["package", 50_000],
      ["late_fee", 5_000],
      ["tax", 12_823],
    ]);
    expect(invoice).toMatchObject({
      dueAt: "2026-04-08T18:00:00.000Z",
      total: 103_307,
      amountPaid: 0,
      status: "open",
      version: 2,
    });
  });

  it("gets the invoice by SMS and e-mail with a pay link, then the reminders", async () => {
    const mine = outbox.messages.filter((m) => m.to === "+8801711000001" || m.to === "rahim@example.net");
    const invoiceSms = mine.find((m) => m.channel === "sms" && m.body.includes("INV-000001"));
    expect(invoiceSms?.body).toContain(`${PAY_BASE}/v1/pay/`);
    expect(invoiceSms?.body).toContain("983.07 BDT");
    const invoiceMail = mine.find((m) => m.channel === "email" && m.subject?.includes("INV-000001"));
    expect(invoiceMail?.body).toContain("2026-04-01 to 2026-04-30");
    const events = await timeline(world, id);
    expect(count(events, "invoice.created")).toBe(1);
    expect(count(events, "invoice.sent")).toBe(2);
    expect(count(events, "reminder.sent")).toBeGreaterThanOrEqual(3);
    const created = events.findIndex((e) => e.type === "invoice.created");
    expect(events.findIndex((e) => e.type === "reminder.sent")).toBeGreaterThan(created);
    expect(
      fired.filter((a) => a.kind === "reminder").map((a) => (a.kind === "reminder" ? a.offset : "")),
    ).toEqual(["-5d", "-3d", "-1d", "0", "+1d"]);
  });

  it("goes into grace at the due instant and is suspended with one late fee when grace ends", async () => {
    const events = await timeline(world, id);
    expect(events.find((e) => e.type === "subscriber.grace_started")?.at).toBe("2026-04-08T18:00:00.000Z");
    const suspended = events.filter((e) => e.type === "subscriber.suspended");
    expect(suspended).toHaveLength(1);
    expect(suspended[0]?.at).toBe("2026-04-11T18:00:00.000Z");
    const fees = events.filter((e) => e.type === "invoice.late_fee_added");
    expect(fees).toHaveLength(1);
    // The fee and the suspension are one write: one subscriber version.
    expect(fees[0]?.version).toBe(suspended[0]?.version);
    expect(await stored(world, id)).toMatchObject({ status: "suspended", suspendReason: "lapsed" });
  });

  it("adds no second late fee when the end of grace fires again", async () => {
    const graceEnd = fired.find((a) => a.kind === "grace_end");
    if (!graceEnd) throw new Error("grace never ended");
    const sub = await stored(world, id);
    const again = await handleFire(at("2026-04-11T18:00:30Z"), scheduledFire(sub, graceEnd));
    expect(again).toBe("stale");
    const invoice = await repos.invoices.getForPeriod(world.tenantId, id, "2026-03-31T18:00:00.000Z");
    expect(invoice?.lines.filter((l) => l.kind === "late_fee")).toHaveLength(1);
  });

  it("is not billed for the next cycle while suspended", async () => {
    const skip = fired.find((a) => a.kind === "invoice" && a.periodStart === "2026-04-30T18:00:00.000Z");
    expect(skip).toBeDefined();
    const invoices = await repos.invoices.listForSubscriber(world.tenantId, id, { limit: 10 });
    expect(invoices.items).toHaveLength(1);
    expect(count(await timeline(world, id), "invoice.skipped")).toBe(1);
    expect((await stored(world, id)).billedThrough).toBe("2026-05-31T18:00:00.000Z");
  });

  it("is sent a pay link that asks for what is owed on that invoice, the late fee included", async () => {
    const sms = outbox.messages.find((m) => m.channel === "sms" && m.body.includes("INV-000001"));
    const token = sms?.body.match(/\/v1\/pay\/([A-Za-z0-9_.-]+)/)?.[1];
    if (!token) throw new Error("no pay link in the invoice SMS");
    // After the suspension and its late fee: the link lasts 31 days.
    const open = await openPayLink(at("2026-04-20T06:00:00Z"), token);
    expect(open.link.invoiceId).toBeDefined();
    expect(open.amount).toEqual({ amount: 103_307, currency: "BDT" });
    expect(open.invoices.map((i) => i.number)).toEqual(["INV-000001"]);
  });

  it("stays suspended after paying part of the invoice, which is then partially paid", async () => {
    const before = await stored(world, id);
    const payment = await pay(world, id, 50_000, PAID_PART);
    expect(payment.applied).toEqual({
      periods: 0,
      walletAfter: 0,
      invoices: [
        { invoiceId: expect.any(String), number: "INV-000001", amount: 50_000, status: "partially_paid" },
      ],
    });
    const invoice = await repos.invoices.getForPeriod(world.tenantId, id, "2026-03-31T18:00:00.000Z");
    expect(invoice).toMatchObject({ amountPaid: 50_000, status: "partially_paid", total: 103_307 });
    expect(await stored(world, id)).toMatchObject({
      status: "suspended",
      expiresAt: before.expiresAt,
      version: before.version + 1,
    });
    const events = await timeline(world, id);
    expect(count(events, "invoice.partially_paid")).toBe(1);
    expect(count(events, "subscriber.renewed")).toBe(0);
    expect(queued.filter((c) => c.subscriberId === id && c.version > before.version)).toEqual([]);
  });

  it("is restored by paying the rest through the payment flow: the invoice paid, invoice.paid published", async () => {
    const payment = await pay(world, id, 53_307, PAID_REST);
    expect(payment.applied).toMatchObject({ periods: 1, walletAfter: 0 });
    const invoice = await repos.invoices.getForPeriod(world.tenantId, id, "2026-03-31T18:00:00.000Z");
    expect(invoice).toMatchObject({ amountPaid: 103_307, total: 103_307, status: "paid" });
    expect(invoice?.lines.some((l) => l.kind === "late_fee" && l.amount === 5_000)).toBe(true);
    const sub = await stored(world, id);
    // Active again, until the due instant of the next bill issued after the payment (1 June).
    expect(sub).toMatchObject({ status: "active", expiresAt: "2026-06-08T18:00:00.000Z" });
    expect(sub.suspendReason).toBeUndefined();
    expect(sub.nextAction).toMatchObject({ kind: "invoice", periodStart: "2026-05-31T18:00:00.000Z" });
    const restore = queued.filter((c) => c.subscriberId === id && c.version === sub.version);
    expect(restore).toHaveLength(1);
    expect(restore[0]).toMatchObject({ reason: "renewed", desired: { state: "active" } });
    const events = await timeline(world, id);
    const paid = events.filter((e) => e.type === "invoice.paid");
    expect(paid).toHaveLength(1);
    expect(paid[0]).toMatchObject({ version: sub.version, data: { paymentId: payment.id } });
    expect(toOutboundEvent(world.tenantId, paid[0] as TimelineEvent)).toMatchObject({
      type: "invoice.paid",
      data: {
        invoiceId: invoice?.id,
        subscriberId: id,
        amount: { amount: 103_307, currency: "BDT" },
        paymentId: payment.id,
      },
    });
    const renewed = events.filter((e) => e.type === "subscriber.renewed");
    expect(renewed).toHaveLength(1);
    expect(renewed[0]?.data).toMatchObject({
      statusBefore: "suspended",
      statusAfter: "active",
      paymentId: payment.id,
      invoiceId: invoice?.id,
    });
  });
});

describe("generating a cycle", () => {
  it("makes one invoice when the same cycle fires twice, at once and again later", async () => {
    const world = await createWorld(at(JOINED), "same cycle twice");
    const id = await join(world, await officePackage(world));
    const sub = await stored(world, id);
    const action = sub.nextAction;
    if (action?.kind !== "invoice") throw new Error("expected the invoice first");
    const fire = scheduledFire(sub, action);
    const when = at("2026-04-01T01:59:00Z");

    const outcomes = await Promise.all([
      handleFire(when, fire),
      handleFire(when, fire),
      handleFire(when, fire),
    ]);
    const later = await handleFire(at("2026-04-01T02:05:00Z"), fire);

    expect(outcomes.filter((o) => o === "applied")).toHaveLength(1);
    expect(later).toBe("stale");
    const invoices = await repos.invoices.listForSubscriber(world.tenantId, id, { limit: 10 });
    expect(invoices.items.map((i) => i.number)).toEqual(["INV-000001"]);
    expect(count(await timeline(world, id), "invoice.created")).toBe(1);
    // No number was used up by the losers: the next invoice of the tenant is the second.
    const other = await join(world, await officePackage(world));
    await fireNext(world, other);
    const next = await repos.invoices.listForSubscriber(world.tenantId, other, { limit: 10 });
    expect(next.items.map((i) => i.number)).toEqual(["INV-000002"]);
  });

  it("numbers 100 subscribers' invoices fired at the same instant 1..100, distinct and consecutive", async () => {
    const world = await createWorld(at(JOINED), "hundred at once");
    const packageId = await officePackage(world);
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) ids.push(await join(world, packageId));

    const outcomes = await Promise.all(ids.map((id) => fireNext(world, id)));

    expect(outcomes.every((o) => o.outcome === "applied" && o.action.kind === "invoice")).toBe(true);
    const numbers: number[] = [];
    for (const id of ids) {
      const invoice = await repos.invoices.getForPeriod(world.tenantId, id, "2026-03-31T18:00:00.000Z");
      numbers.push(invoice?.sequence ?? 0);
    }
    expect(numbers.sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  }, 120_000);

  it("takes wallet credit in the invoice's own write", async () => {
    const world = await createWorld(at(JOINED), "wallet");
    const id = await join(world, await officePackage(world));
    const sub = await stored(world, id);
    await repos.subscribers.save(sub, { ...sub, walletBalance: 40_000 }, []);

    await fireNext(world, id);

    const invoice = await repos.invoices.getForPeriod(world.tenantId, id, "2026-03-31T18:00:00.000Z");
    expect(invoice).toMatchObject({ amountPaid: 40_000, status: "partially_paid", total: 98_307 });
    const after = await stored(world, id);
    expect(after).toMatchObject({ walletBalance: 0, version: sub.version + 2 });
    const created = (await timeline(world, id)).find((e) => e.type === "invoice.created");
    expect(created).toMatchObject({ version: sub.version + 2, data: { amountPaid: 40_000 } });
  });
});
