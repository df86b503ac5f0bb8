import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toOutboundEvent } from "../../shared/domain/outbound-events/catalogue.js";
import { InvoiceSchema } from "../../shared/domain/schemas/invoice.js";
import type { NextAction } from "../../shared/domain/schemas/lifecycle-fields.js";
import type { TimelineEvent } from "../../shared/domain/schemas/timeline.js";
import type { LocalCloud } from "../../shared/local/cloud.js";
import type { ServiceDeps } from "../../shared/services/caller.js";
import { type FireOutcome, handleFire, scheduledFire } from "../../shared/services/lifecycle.js";
import { createPackage } from "../../shared/services/packages.js";
import { createSubscriber } from "../../shared/services/subscribers.js";
import {
  type ApiResponse,
  call,
  createWorld,
  packageBody,
  startTestCloud,
  subscriberBody,
  type TenantWorld,
} from "../support/api.js";
import { type SeedInvoice, seedInvoice } from "../support/invoices.js";

/*
 * The billing overrides over HTTP on the local cloud. Subscribers join now; where the invoice
 * chain has to run (suspension, billing pause) their schedule is fired as EventBridge would, with
 * the clock moved to each action and nothing else scheduled (so the local scheduler never runs
 * the chain on its own).
 */

let cloud: LocalCloud;
let world: TenantWorld;
let other: TenantWorld;
let postpaidId: string;

beforeAll(async () => {
  cloud = await startTestCloud();
  world = await createWorld(cloud.deps, "invoice overrides");
  other = await createWorld(cloud.deps, "invoice overrides, other ISP");
  const pkg = await createPackage(cloud.deps, world.owner, {
    ...packageBody(),
    name: "Office 20M",
    billing: { type: "postpaid", billingDay: 1, dueDays: 7 },
    graceDays: 3,
    lateFee: { type: "fixed", amount: 5_000 },
    taxRateBasisPoints: 1500,
  });
  postpaidId = pkg.resource.id;
}, 60_000);
afterAll(async () => {
  await cloud?.stop();
});

const token = () => world.keys.billing;

async function subscriber(packageId = world.packageId): Promise<string> {
  return (
    await createSubscriber(cloud.deps, world.owner, subscriberBody(packageId, world.siteId, world.nasId))
  ).resource.id;
}

async function invoiceFor(options: Omit<SeedInvoice, "tenantId"> = {}) {
  const subscriberId = options.subscriberId ?? (await subscriber());
  return seedInvoice(cloud.deps.repos.invoices, { tenantId: world.tenantId, ...options, subscriberId });
}

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  call(cloud, "POST", path, { token: token(), body, headers });

async function timeline(id: string) {
  const res = await call(cloud, "GET", `/v1/subscribers/${id}/timeline?limit=100`, {
    token: world.keys.readonly,
  });
  return res.json.items as {
    type: string;
    actor: unknown;
    summary: string;
    data?: Record<string, unknown>;
  }[];
}

async function stored(id: string) {
  const sub = await cloud.deps.repos.subscribers.get(world.tenantId, id);
  if (!sub) throw new Error(`no subscriber ${id}`);
  return sub;
}

function expectProblem(res: ApiResponse, status: number, fields: string[] = []) {
  expect(res.status, JSON.stringify(res.json)).toBe(status);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  const paths = (res.json.errors ?? []).map((e: { path: string }) => e.path);
  for (const field of fields) expect(paths).toContain(field);
}

/** The key the billing role's calls are recorded under. */
const billingActor = () => ({ kind: "api-key", id: world.keyIds.billing });

/** The services as the lifecycle function runs them at `instant`, with no scheduler or queue. */
function at(instant: number): ServiceDeps {
  const now = new Date(instant);
  return {
    ...cloud.deps,
    clock: { now: () => now },
    scheduler: { upsert: async () => {}, remove: async () => {} },
    queue: { send: async () => {}, provision: async () => "" },
  };
}

/** Fires the subscriber's schedule a minute before its action is due. */
async function fireNext(id: string): Promise<{ action: NextAction; outcome: FireOutcome }> {
  const sub = await stored(id);
  const action = sub.nextAction;
  if (!action) throw new Error("nothing scheduled");
  const outcome = await handleFire(at(Date.parse(action.at) - 60_000), scheduledFire(sub, action));
  return { action, outcome };
}

async function fireUntil(id: string, done: (action: NextAction) => Promise<boolean>): Promise<NextAction[]> {
  const fired: NextAction[] = [];
  for (let i = 0; i < 30; i++) {
    const { action, outcome } = await fireNext(id);
    expect(outcome, JSON.stringify(action)).toBe("applied");
    fired.push(action);
    if (await done(action)) return fired;
  }
  throw new Error("the chain never got there");
}

describe("POST /v1/invoices/{id}/void", () => {
  it("voids an unpaid invoice, records actor and reason, and takes it out of dues and unpaid totals", async () => {
    const soon = new Date(Date.now() + 3 * 86_400_000);
    const invoice = await invoiceFor({ month: soon.toISOString(), dueAt: soon.toISOString() });
    const month = invoice.period.end.slice(0, 7);
    const dues = async () =>
      (await call(cloud, "GET", "/v1/reports/dues?days=7", { token: token() })).json.items.map(
        (i: { id: string }) => i.id,
      );
    const summary = async () =>
      (await call(cloud, "GET", `/v1/reports/billing-summary?month=${month}`, { token: token() })).json
        .invoices;
    expect(await dues()).toContain(invoice.id);
    const before = await summary();

    const res = await post(`/v1/invoices/${invoice.id}/void`, {
      version: invoice.version,
      reason: "billed twice",
    });

    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(InvoiceSchema.parse(res.json)).toBeTruthy();
    expect(res.json).toMatchObject({
      status: "void",
      version: invoice.version + 1,
      voided: { reason: "billed twice", actor: billingActor() },
    });
    expect(await dues()).not.toContain(invoice.id);
    const after = await summary();
    expect(after.void.count).toBe(before.void.count + 1);
    expect(after.unpaid.count).toBe(before.unpaid.count - 1);
    const unpaid = await call(
      cloud,
      "GET",
      `/v1/invoices?status=unpaid&subscriberId=${invoice.subscriberId}`,
      { token: token() },
    );
    expect(unpaid.json.items).toEqual([]);
    const event = (await timeline(invoice.subscriberId)).find((e) => e.type === "invoice.voided");
    expect(event).toMatchObject({
      actor: billingActor(),
      data: { invoiceId: invoice.id, number: invoice.number, reason: "billed twice" },
    });
  });

  it("refuses an invoice with money paid (409 naming why), a void one, and a stale version", async () => {
    const part = await invoiceFor({ status: "partially_paid" });
    const paid = await post(`/v1/invoices/${part.id}/void`, { version: part.version, reason: "x" });
    expectProblem(paid, 409);
    expect(paid.json.detail).toMatch(/25000 \(minor units\) paid.*credit note/);

    const open = await invoiceFor();
    const stale = await post(`/v1/invoices/${open.id}/void`, { version: open.version + 1, reason: "x" });
    expectProblem(stale, 409);
    expect(stale.json.detail).toMatch(/version/);
    expect((await post(`/v1/invoices/${open.id}/void`, { version: open.version, reason: "x" })).status).toBe(
      200,
    );
    expectProblem(
      await post(`/v1/invoices/${open.id}/void`, { version: open.version + 1, reason: "x" }),
      409,
    );
  });

  it("names the missing reason and a bad version, and answers 404 for another ISP's invoice", async () => {
    const invoice = await invoiceFor();
    expectProblem(await post(`/v1/invoices/${invoice.id}/void`, { version: invoice.version }), 400, [
      "reason",
    ]);
    expectProblem(await post(`/v1/invoices/${invoice.id}/void`, { version: 0, reason: "x" }), 400, [
      "version",
    ]);
    const theirs = await call(cloud, "POST", `/v1/invoices/${invoice.id}/void`, {
      token: other.keys.owner,
      body: { version: invoice.version, reason: "x" },
    });
    expectProblem(theirs, 404);
    expect((await cloud.deps.repos.invoices.get(world.tenantId, invoice.id))?.status).toBe("open");
  });
});

describe("POST /v1/invoices/{id}/adjustments", () => {
  it("adds a discount with the tax recomputed and the reason on the timeline", async () => {
    const invoice = await invoiceFor({ taxRateBasisPoints: 1500 });
    const res = await post(`/v1/invoices/${invoice.id}/adjustments`, {
      version: invoice.version,
      kind: "discount",
      description: "Loyalty",
      amount: -10_000,
      reason: "five years with us",
    });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json.lines.map((l: { kind: string; amount: number }) => [l.kind, l.amount])).toEqual([
      ["package", 50_000],
      ["discount", -10_000],
      ["tax", 6_000],
    ]);
    expect(res.json).toMatchObject({ subtotal: 40_000, tax: 6_000, total: 46_000, status: "open" });
    expect((await timeline(invoice.subscriberId)).find((e) => e.type === "invoice.adjusted")).toMatchObject({
      actor: billingActor(),
      data: {
        invoiceId: invoice.id,
        line: { kind: "discount", description: "Loyalty", amount: -10_000 },
        totalBefore: 57_500,
        total: 46_000,
        reason: "five years with us",
      },
    });
  });

  it("adds a positive adjustment to a partly paid invoice", async () => {
    const invoice = await invoiceFor({ status: "partially_paid" });
    const res = await post(`/v1/invoices/${invoice.id}/adjustments`, {
      version: invoice.version,
      kind: "adjustment",
      description: "Router",
      amount: 150_000,
      reason: "router supplied",
    });
    expect(res.json).toMatchObject({ total: 200_000, amountPaid: 25_000, status: "partially_paid" });
  });

  it("refuses a discount below what is paid or positive (400 naming amount), and a paid invoice (409)", async () => {
    const half = await invoiceFor({ status: "partially_paid" });
    const body = { version: half.version, kind: "discount", description: "d", reason: "r" };
    const below = await post(`/v1/invoices/${half.id}/adjustments`, { ...body, amount: -25_001 });
    expectProblem(below, 400, ["amount"]);
    expect(below.json.errors[0].message).toMatch(/below the 25000 already paid/);
    expectProblem(await post(`/v1/invoices/${half.id}/adjustments`, { ...body, amount: 1 }), 400, ["amount"]);
    expectProblem(
      await post(`/v1/invoices/${half.id}/adjustments`, { ...body, kind: "late_fee", amount: 1 }),
      400,
      ["kind"],
    );
    const paid = await invoiceFor({ status: "paid" });
    expectProblem(
      await post(`/v1/invoices/${paid.id}/adjustments`, { ...body, version: paid.version, amount: -1 }),
      409,
    );
    expect((await cloud.deps.repos.invoices.get(world.tenantId, half.id))?.version).toBe(half.version);
  });
});

describe("POST /v1/invoices/{id}/mark-paid", () => {
  it("records the outstanding amount as received outside the system, once per Idempotency-Key", async () => {
    const invoice = await invoiceFor({ status: "partially_paid" });
    const body = { version: invoice.version, reason: "cash at the office, receipt 118" };
    const headers = { "idempotency-key": `mark-${invoice.id}` };
    const first = await post(`/v1/invoices/${invoice.id}/mark-paid`, body, headers);
    expect(first.status, JSON.stringify(first.json)).toBe(200);
    expect(first.json).toMatchObject({
      status: "paid",
      amountPaid: 50_000,
      markedPaid: { amount: 25_000, reason: body.reason, actor: billingActor() },
    });
    const replay = await post(`/v1/invoices/${invoice.id}/mark-paid`, body, headers);
    expect(replay.status).toBe(200);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.json.version).toBe(first.json.version);

    const events = await timeline(invoice.subscriberId);
    expect(events.filter((e) => e.type === "invoice.marked_paid")).toHaveLength(1);
    expect(events.find((e) => e.type === "invoice.marked_paid")).toMatchObject({
      actor: billingActor(),
      data: { invoiceId: invoice.id, amount: { amount: 25_000, currency: "BDT" }, reason: body.reason },
    });
    const paidEvent = events.find((e) => e.type === "invoice.paid");
    expect(paidEvent?.data).toMatchObject({ by: "override" });
    // It is what the webhook and the bus publish as invoice.paid.
    expect(toOutboundEvent(world.tenantId, paidEvent as TimelineEvent)).toMatchObject({
      type: "invoice.paid",
      data: {
        invoiceId: invoice.id,
        subscriberId: invoice.subscriberId,
        amount: { amount: 50_000, currency: "BDT" },
      },
    });
    // Without the key a second request is simply stale, then already paid.
    expectProblem(await post(`/v1/invoices/${invoice.id}/mark-paid`, body), 409);
    expectProblem(
      await post(`/v1/invoices/${invoice.id}/mark-paid`, { ...body, version: first.json.version }),
      409,
    );
  });

  it("restores a subscriber suspended for not paying that invoice, through the site queue", async () => {
    const id = await subscriber(postpaidId);
    await fireUntil(id, async () => (await stored(id)).status === "suspended");
    const suspended = await stored(id);
    expect(suspended.suspendReason).toBe("lapsed");
    const [invoice] = (await cloud.deps.repos.invoices.listForSubscriber(world.tenantId, id, { limit: 5 }))
      .items;
    if (!invoice) throw new Error("no invoice");
    expect(invoice.lines.some((l) => l.kind === "late_fee")).toBe(true);
    expect(invoice.dueAt).toBe(suspended.expiresAt);

    const res = await post(`/v1/invoices/${invoice.id}/mark-paid`, {
      version: invoice.version,
      reason: "paid by bank transfer",
    });

    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json.markedPaid.amount).toBe(invoice.total);
    const after = await stored(id);
    expect(after.status).toBe("active");
    expect(Date.parse(after.expiresAt ?? "")).toBeGreaterThan(Date.parse(invoice.dueAt));
    expect(after.version).toBe(suspended.version + 1);
    // The restore command left the outbox for the site queue.
    expect(after.pendingCommand).toBeUndefined();
    const renewed = (await timeline(id)).find((e) => e.type === "subscriber.renewed");
    expect(renewed).toMatchObject({
      actor: billingActor(),
      data: { by: "override", invoiceId: invoice.id, statusBefore: "suspended", statusAfter: "active" },
    });
  }, 60_000);

  it("refuses a void invoice", async () => {
    const invoice = await invoiceFor({ status: "void" });
    expectProblem(
      await post(`/v1/invoices/${invoice.id}/mark-paid`, { version: invoice.version, reason: "x" }),
      409,
    );
  });
});

describe("POST /v1/invoices/{id}/credit-notes", () => {
  it("credits part of what was paid to the wallet, lists the notes, and never more than paid", async () => {
    const invoice = await invoiceFor({ status: "paid" });
    const collected = async () =>
      (await call(cloud, "GET", "/v1/reports/billing-summary?month=2026-03", { token: token() })).json
        .collected;
    const collectedBefore = await collected();
    const first = await post(`/v1/invoices/${invoice.id}/credit-notes`, {
      version: invoice.version,
      amount: 20_000,
      reason: "outage 10-21 March",
    });
    expect(first.status, JSON.stringify(first.json)).toBe(200);
    expect(first.json.creditNotes).toEqual([
      expect.objectContaining({ amount: 20_000, reason: "outage 10-21 March", actor: billingActor() }),
    ]);
    expect(first.json).toMatchObject({ total: 50_000, amountPaid: 50_000, status: "paid" });
    expect((await stored(invoice.subscriberId)).walletBalance).toBe(20_000);
    // The credit is not counted as collected twice (here, and when a later invoice takes it).
    expect(await collected()).toEqual([
      { currency: "BDT", amount: (collectedBefore[0]?.amount ?? 0) - 20_000 },
    ]);

    const tooMuch = await post(`/v1/invoices/${invoice.id}/credit-notes`, {
      version: first.json.version,
      amount: 30_001,
      reason: "x",
    });
    expectProblem(tooMuch, 400, ["amount"]);
    expect(tooMuch.json.errors[0].message).toMatch(/from 1 to 30000/);
    expectProblem(
      await post(`/v1/invoices/${invoice.id}/credit-notes`, {
        version: first.json.version,
        amount: 1.5,
        reason: "x",
      }),
      400,
      ["amount"],
    );
    const rest = await post(`/v1/invoices/${invoice.id}/credit-notes`, {
      version: first.json.version,
      amount: 30_000,
      reason: "refund the rest",
    });
    expect(rest.json.creditNotes.map((n: { amount: number }) => n.amount)).toEqual([20_000, 30_000]);
    expect((await stored(invoice.subscriberId)).walletBalance).toBe(50_000);
    expectProblem(
      await post(`/v1/invoices/${invoice.id}/credit-notes`, {
        version: rest.json.version,
        amount: 1,
        reason: "x",
      }),
      409,
    );
    const events = (await timeline(invoice.subscriberId)).filter(
      (e) => e.type === "invoice.credit_note_issued",
    );
    expect(events.map((e) => e.data?.reason)).toEqual(
      expect.arrayContaining(["outage 10-21 March", "refund the rest"]),
    );
    expect(events.find((e) => e.data?.reason === "refund the rest")?.data).toMatchObject({
      walletBefore: 20_000,
      walletAfter: 50_000,
      creditableAfter: 0,
    });
  });

  it("pays the subscriber's unpaid bill from the credit at once, restoring a subscriber suspended for it", async () => {
    const id = await subscriber(postpaidId);
    await fireUntil(id, async () => (await stored(id)).status === "suspended");
    const suspended = await stored(id);
    const [unpaid] = (await cloud.deps.repos.invoices.listForSubscriber(world.tenantId, id, { limit: 5 }))
      .items;
    if (!unpaid) throw new Error("no invoice");
    expect(unpaid.dueAt).toBe(suspended.expiresAt);
    const owed = unpaid.total - unpaid.amountPaid;
    // An earlier bill of the subscriber's, paid, of which the credit note gives back what is owed.
    const paid = await invoiceFor({
      subscriberId: id,
      month: "2025-01-10T00:00:00Z",
      status: "paid",
      price: 1_000_000,
    });

    const res = await post(`/v1/invoices/${paid.id}/credit-notes`, {
      version: paid.version,
      amount: owed,
      reason: "billed at the wrong rate",
    });

    expect(res.status, JSON.stringify(res.json)).toBe(200);
    // In the same write: the wallet paid the unpaid bill, which renewed the subscriber.
    const after = await stored(id);
    expect(after.walletBalance).toBe(0);
    expect(after.status).toBe("active");
    expect(after.version).toBe(suspended.version + 1);
    expect(after.pendingCommand).toBeUndefined();
    expect(await cloud.deps.repos.invoices.get(world.tenantId, unpaid.id)).toMatchObject({
      status: "paid",
      amountPaid: unpaid.total,
      version: unpaid.version + 1,
    });
    const events = await timeline(id);
    expect(events.find((e) => e.type === "invoice.credit_note_issued")?.data).toMatchObject({
      walletAfter: owed,
      paidIntoInvoices: owed,
      walletLeft: 0,
    });
    expect(
      events.find((e) => e.type === "invoice.paid" && e.data?.invoiceId === unpaid.id)?.data,
    ).toMatchObject({
      by: "wallet",
      amount: { amount: unpaid.total, currency: "BDT" },
    });
    expect(events.find((e) => e.type === "subscriber.renewed")?.data).toMatchObject({
      by: "wallet",
      invoiceId: unpaid.id,
      statusBefore: "suspended",
      statusAfter: "active",
    });
  }, 60_000);

  it("refuses an invoice with nothing paid, and a stale version", async () => {
    const open = await invoiceFor();
    expectProblem(
      await post(`/v1/invoices/${open.id}/credit-notes`, { version: open.version, amount: 1, reason: "x" }),
      409,
    );
    const paid = await invoiceFor({ status: "paid" });
    expectProblem(
      await post(`/v1/invoices/${paid.id}/credit-notes`, {
        version: paid.version - 1,
        amount: 1,
        reason: "x",
      }),
      409,
    );
    expect((await stored(paid.subscriberId)).walletBalance ?? 0).toBe(0);
  });
});

describe("POST /v1/subscribers/{id}/billing/pause and /resume", () => {
  it("pauses with the reason on the timeline, refuses a stale version and a second pause, and resumes", async () => {
    const id = await subscriber();
    const paused = await post(`/v1/subscribers/${id}/billing/pause`, {
      version: 1,
      reason: "complimentary month",
    });
    expect(paused.status, JSON.stringify(paused.json)).toBe(200);
    expect(paused.json).toMatchObject({
      version: 2,
      billingPause: { reason: "complimentary month", actor: billingActor() },
    });
    expectProblem(await post(`/v1/subscribers/${id}/billing/pause`, { version: 1, reason: "x" }), 409);
    expectProblem(await post(`/v1/subscribers/${id}/billing/pause`, { version: 2, reason: "x" }), 409);
    expectProblem(await post(`/v1/subscribers/${id}/billing/resume`, { version: 2 }), 400, ["reason"]);
    const resumed = await post(`/v1/subscribers/${id}/billing/resume`, { version: 2, reason: "month over" });
    expect(resumed.status).toBe(200);
    expect(resumed.json.billingPause).toBeUndefined();
    expectProblem(await post(`/v1/subscribers/${id}/billing/resume`, { version: 3, reason: "x" }), 409);
    const events = await timeline(id);
    expect(events.find((e) => e.type === "billing.paused")).toMatchObject({
      actor: billingActor(),
      data: { reason: "complimentary month" },
    });
    expect(events.find((e) => e.type === "billing.resumed")?.data).toMatchObject({ reason: "month over" });
  });

  it("makes the chain bill no cycle fired while paused, then bills the next cycle after resuming", async () => {
    const id = await subscriber(postpaidId);
    const pause = await post(`/v1/subscribers/${id}/billing/pause`, {
      version: (await stored(id)).version,
      reason: "dispute",
    });
    expect(pause.status).toBe(200);

    const [skipped] = await fireUntil(id, async (a) => a.kind === "invoice");
    if (skipped?.kind !== "invoice") throw new Error("the first fire is not the cycle's invoice");
    expect(
      await cloud.deps.repos.invoices.getForPeriod(world.tenantId, id, skipped.periodStart),
    ).toBeUndefined();
    const afterSkip = await stored(id);
    expect(afterSkip.status).toBe("active");
    expect(afterSkip.nextAction).toMatchObject({ kind: "invoice" });
    expect((await timeline(id)).find((e) => e.type === "invoice.skipped")?.summary).toContain(
      "billing is paused (dispute)",
    );

    const resume = await post(`/v1/subscribers/${id}/billing/resume`, {
      version: afterSkip.version,
      reason: "dispute settled",
    });
    expect(resume.status).toBe(200);
    const fired = await fireUntil(id, async (a) => a.kind === "invoice");
    const billed = fired.at(-1);
    if (billed?.kind !== "invoice") throw new Error("no invoice fire");
    const invoice = await cloud.deps.repos.invoices.getForPeriod(world.tenantId, id, billed.periodStart);
    expect(invoice).toMatchObject({ subscriberId: id, status: "open" });
    expect(invoice?.lines.map((l) => l.kind)).toEqual(["package", "tax"]);
  }, 60_000);

  it("adds no late fee when grace ends while billing is paused", async () => {
    const id = await subscriber(postpaidId);
    await fireUntil(id, async (a) => a.kind === "invoice");
    const pause = await post(`/v1/subscribers/${id}/billing/pause`, {
      version: (await stored(id)).version,
      reason: "dispute",
    });
    expect(pause.status).toBe(200);
    await fireUntil(id, async () => (await stored(id)).status === "suspended");
    const [invoice] = (await cloud.deps.repos.invoices.listForSubscriber(world.tenantId, id, { limit: 5 }))
      .items;
    expect(invoice?.lines.some((l) => l.kind === "late_fee")).toBe(false);
    expect((await timeline(id)).some((e) => e.type === "invoice.late_fee_added")).toBe(false);
  }, 60_000);
});
