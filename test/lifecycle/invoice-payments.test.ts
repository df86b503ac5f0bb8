import { afterAll, describe, expect, inject, it } from "vitest";
import { createLocalDocumentClient } from "../../shared/adapters/dynamodb/client.js";
import { createDynamoRepositories } from "../../shared/adapters/dynamodb/repositories.js";
import { newId } from "../../shared/domain/ids.js";
import { toOutboundEvent } from "../../shared/domain/outbound-events/catalogue.js";
import { MAX_INVOICES_PER_PAYMENT } from "../../shared/domain/payments/apply.js";
import type { Payment } from "../../shared/domain/schemas/payment.js";
import type { TimelineEvent } from "../../shared/domain/schemas/timeline.js";
import type { ServiceDeps } from "../../shared/services/caller.js";
import { handleFire, scheduledFire } from "../../shared/services/lifecycle.js";
import { createPackage } from "../../shared/services/packages.js";
import { recordManualPayment } from "../../shared/services/payments/records.js";
import { applyVerdict } from "../../shared/services/payments/settle.js";
import { createSubscriber } from "../../shared/services/subscribers.js";
import { createWorld, packageBody, subscriberBody, type TenantWorld } from "../support/api.js";
import { seedInvoice } from "../support/invoices.js";
import { serviceDepsAt } from "../support/service-deps.js";

/*
 * Payments applied to invoices on DynamoDB Local, through the payment service (cash recorded by
 * billing staff settles through the same transaction as a gateway's payment), with the clock
 * driven as in invoice-chain.test.ts.
 */

const doc = createLocalDocumentClient(inject("dynamoEndpoint"));
const repos = createDynamoRepositories(doc, inject("tableName"));
afterAll(() => doc.destroy());

const at = (instant: Date | string): ServiceDeps => serviceDepsAt(repos, instant);

const JOINED = "2026-03-10T06:00:00.000Z";
const APRIL = "2026-03-31T18:00:00.000Z"; // the April cycle's start in Dhaka

/** A postpaid subscriber (monthly on the 1st, due in 7 days, no tax) invoiced for April. */
async function invoicedPostpaid(label: string): Promise<{ world: TenantWorld; id: string; total: number }> {
  const world = await createWorld(at(JOINED), label);
  const pkg = await createPackage(at(JOINED), world.owner, {
    ...packageBody(),
    name: "Office 20M",
    billing: { type: "postpaid", billingDay: 1, dueDays: 7 },
    graceDays: 3,
  });
  const body = subscriberBody(pkg.resource.id, world.siteId, world.nasId);
  const id = (await createSubscriber(at(JOINED), world.owner, body)).resource.id;
  await fireNext(world, id);
  const invoice = await repos.invoices.getForPeriod(world.tenantId, id, APRIL);
  if (!invoice) throw new Error("the April invoice was not made");
  return { world, id, total: invoice.total };
}

async function stored(world: TenantWorld, id: string) {
  const sub = await repos.subscribers.get(world.tenantId, id);
  if (!sub) throw new Error(`no subscriber ${id}`);
  return sub;
}

async function fireNext(world: TenantWorld, id: string) {
  const sub = await stored(world, id);
  const action = sub.nextAction;
  if (!action) throw new Error("nothing scheduled");
  return handleFire(at(new Date(Date.parse(action.at) - 60_000)), scheduledFire(sub, action));
}

function pay(world: TenantWorld, id: string, amount: number, instant: string) {
  const input = { amount: { amount, currency: "BDT" as const }, method: "cash" as const };
  return recordManualPayment(at(instant), world.owner, id, input, undefined).then((c) => c.resource);
}

async function timeline(world: TenantWorld, id: string): Promise<TimelineEvent[]> {
  return (await repos.subscribers.timeline(world.tenantId, id, { limit: 200 })).items.reverse();
}

const count = (events: TimelineEvent[], type: string) => events.filter((e) => e.type === type).length;

describe("paying a postpaid invoice", () => {
  it("turns an overpayment into wallet credit, which the next cycle's invoice takes", async () => {
    const { world, id, total } = await invoicedPostpaid("overpaid");
    expect((await stored(world, id)).expiresAt).toBe("2026-04-08T18:00:00.000Z");

    const payment = await pay(world, id, total + 10_000, "2026-04-03T06:00:00Z");

    expect(payment.applied).toMatchObject({ periods: 1, walletAfter: 10_000 });
    const invoice = await repos.invoices.getForPeriod(world.tenantId, id, APRIL);
    expect(invoice).toMatchObject({ amountPaid: total, status: "paid" });
    // Paid before it fell due: the next bill is May's.
    expect(await stored(world, id)).toMatchObject({
      status: "active",
      walletBalance: 10_000,
      expiresAt: "2026-05-08T18:00:00.000Z",
    });
    // Fire until May's invoice: it takes the credit in its own write.
    for (
      let i = 0;
      i < 10 && !(await repos.invoices.getForPeriod(world.tenantId, id, "2026-04-30T18:00:00.000Z"));
      i++
    ) {
      await fireNext(world, id);
    }
    const may = await repos.invoices.getForPeriod(world.tenantId, id, "2026-04-30T18:00:00.000Z");
    expect(may).toMatchObject({ amountPaid: 10_000, status: "partially_paid" });
    expect((await stored(world, id)).walletBalance).toBe(0);
  });

  it("waits in the wallet when paid in advance, until the next invoice takes it (invoice.paid)", async () => {
    const world = await createWorld(at(JOINED), "advance");
    const pkg = await createPackage(at(JOINED), world.owner, {
      ...packageBody(),
      billing: { type: "postpaid", billingDay: 1, dueDays: 7 },
    });
    const body = subscriberBody(pkg.resource.id, world.siteId, world.nasId);
    const id = (await createSubscriber(at(JOINED), world.owner, body)).resource.id;
    const before = await stored(world, id);

    const payment = await pay(world, id, 100_000, "2026-03-15T06:00:00Z");

    expect(payment.applied).toEqual({ periods: 0, walletAfter: 100_000 });
    expect(await stored(world, id)).toMatchObject({ expiresAt: before.expiresAt, walletBalance: 100_000 });
    // The first invoice (22 of 31 March days and April) takes it when it is made, paid in full.
    await fireNext(world, id);
    const invoice = await repos.invoices.getForPeriod(world.tenantId, id, APRIL);
    expect(invoice).toMatchObject({ total: 85_484, amountPaid: 85_484, status: "paid" });
    expect(await stored(world, id)).toMatchObject({
      walletBalance: 14_516,
      expiresAt: "2026-05-08T18:00:00.000Z",
    });
    const paid = (await timeline(world, id)).filter((e) => e.type === "invoice.paid");
    expect(paid).toHaveLength(1);
    expect(toOutboundEvent(world.tenantId, paid[0] as TimelineEvent)).toMatchObject({
      type: "invoice.paid",
      data: { invoiceId: invoice?.id, amount: { amount: 85_484, currency: "BDT" } },
    });
  });

  it("never overpays when payments race for the same invoice: the excess lands in the wallet", async () => {
    const { world, id, total } = await invoicedPostpaid("race");

    const payments = await Promise.all([0, 1, 2].map(() => pay(world, id, total, "2026-04-03T06:00:00Z")));

    expect(payments.every((p) => p.status === "settled")).toBe(true);
    const invoice = await repos.invoices.getForPeriod(world.tenantId, id, APRIL);
    expect(invoice).toMatchObject({ amountPaid: total, total, status: "paid" });
    const sub = await stored(world, id);
    expect(sub.walletBalance).toBe(2 * total);
    expect(sub.expiresAt).toBe("2026-05-08T18:00:00.000Z");
    const events = await timeline(world, id);
    expect(count(events, "payment.settled")).toBe(3);
    expect(count(events, "invoice.paid")).toBe(1);
    expect(count(events, "subscriber.renewed")).toBe(1);
    const paidInto = payments.flatMap((p) => p.applied?.invoices ?? []);
    expect(paidInto.reduce((sum, i) => sum + i.amount, 0)).toBe(total);
  });

  it("never overpays when gateway confirmations of different payments race for one invoice", async () => {
    const { world, id, total } = await invoicedPostpaid("gateway race");
    const when = "2026-04-03T06:00:00.000Z";
    const orders = await Promise.all(
      (["bkash", "nagad", "sslcommerz", "razorpay"] as const).map(async (gateway) => {
        const payment: Payment = {
          id: newId("payment"),
          tenantId: world.tenantId,
          subscriberId: id,
          gateway,
          amount: { amount: total, currency: "BDT" },
          status: "pending",
          createdAt: when,
          updatedAt: when,
          version: 1,
        };
        await repos.payments.create(payment, []);
        return payment;
      }),
    );

    const outcomes = await Promise.all(
      orders.map((p) =>
        applyVerdict(
          at(when),
          p,
          { status: "completed", gatewayTxnId: `TX-${p.id}`, amount: p.amount, paymentId: p.id },
          { kind: "gateway", id: p.gateway },
          p,
        ),
      ),
    );

    expect(outcomes.map((o) => o.outcome)).toEqual(["settled", "settled", "settled", "settled"]);
    const invoice = await repos.invoices.getForPeriod(world.tenantId, id, APRIL);
    expect(invoice).toMatchObject({ amountPaid: total, status: "paid" });
    expect((await stored(world, id)).walletBalance).toBe(3 * total);
    expect(count(await timeline(world, id), "invoice.paid")).toBe(1);
    // Every minor unit is accounted for once: what the invoice took plus the wallet is what was paid.
    const taken = outcomes
      .flatMap((o) => o.payment.applied?.invoices ?? [])
      .reduce((sum, i) => sum + i.amount, 0);
    expect(taken).toBe(total);
  });

  it(`settles at most ${MAX_INVOICES_PER_PAYMENT} invoices in one transaction, oldest due first`, async () => {
    const { world, id, total } = await invoicedPostpaid("many");
    const seeded = [];
    for (let m = 0; m < MAX_INVOICES_PER_PAYMENT + 2; m++) {
      const month = new Date(Date.UTC(2020, m, 10)).toISOString();
      seeded.push(
        await seedInvoice(repos.invoices, {
          tenantId: world.tenantId,
          subscriberId: id,
          month,
          price: 1_000,
        }),
      );
    }

    const payment = await pay(world, id, 1_000_000, "2026-04-03T06:00:00Z");

    const paidInto = payment.applied?.invoices ?? [];
    expect(paidInto).toHaveLength(MAX_INVOICES_PER_PAYMENT);
    // The oldest 40 (January 2020 on): the two latest old ones and April 2026's stay unpaid.
    expect(paidInto.map((i) => i.invoiceId)).toEqual(
      seeded.slice(0, MAX_INVOICES_PER_PAYMENT).map((i) => i.id),
    );
    expect(payment.applied?.walletAfter).toBe(1_000_000 - MAX_INVOICES_PER_PAYMENT * 1_000);
    const rest = await repos.invoices.unpaidForSubscriber(world.tenantId, id, 100);
    expect(rest.map((i) => i.total).sort()).toEqual([1_000, 1_000, total].sort());
    expect(count(await timeline(world, id), "invoice.paid")).toBe(MAX_INVOICES_PER_PAYMENT);
  }, 60_000);
});

describe("paying a prepaid invoice", () => {
  it("renews once for the invoiced period; a later payment with nothing open buys periods as before", async () => {
    const world = await createWorld(at(JOINED), "prepaid invoice");
    const body = subscriberBody(world.packageId, world.siteId, world.nasId);
    const id = (await createSubscriber(at(JOINED), world.owner, body)).resource.id;
    const expiresAt = (await stored(world, id)).expiresAt ?? "";
    // The next period's invoice is issued five days before expiry (after that reminder).
    for (
      let i = 0;
      i < 5 && (await repos.invoices.getForPeriod(world.tenantId, id, expiresAt)) === undefined;
      i++
    ) {
      await fireNext(world, id);
    }
    const invoice = await repos.invoices.getForPeriod(world.tenantId, id, expiresAt);
    expect(invoice).toMatchObject({ total: 50_000, status: "open", dueAt: expiresAt });

    const first = await pay(world, id, 50_000, "2026-04-06T06:00:00Z");

    expect(first.applied).toMatchObject({ periods: 1, walletAfter: 0 });
    expect(await repos.invoices.getForPeriod(world.tenantId, id, expiresAt)).toMatchObject({
      status: "paid",
    });
    const renewed = await stored(world, id);
    expect(Date.parse(renewed.expiresAt ?? "") - Date.parse(expiresAt)).toBe(30 * 86_400_000);

    const second = await pay(world, id, 60_000, "2026-04-06T07:00:00Z");

    expect(second.applied).toEqual({ periods: 1, walletAfter: 10_000 });
    expect(Date.parse((await stored(world, id)).expiresAt ?? "") - Date.parse(expiresAt)).toBe(
      60 * 86_400_000,
    );
  });
});
