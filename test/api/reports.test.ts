import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Invoice } from "../../shared/domain/schemas/invoice.js";
import type { LocalCloud } from "../../shared/local/cloud.js";
import { startTelegramStandIn, type TelegramStandIn } from "../../shared/local/telegram-standin.js";
import type { OutgoingMessage } from "../../shared/ports/notifier.js";
import { createSubscriber } from "../../shared/services/subscribers.js";
import {
  type ApiResponse,
  call,
  createWorld,
  startTestCloud,
  subscriberBody,
  type TenantWorld,
} from "../support/api.js";
import { type SeedInvoice, seedInvoice } from "../support/invoices.js";

const DAY = 86_400_000;
const TOKEN = `7012345678:${"AAHk3_secret-part".padEnd(35, "x")}`;

let cloud: LocalCloud;
let telegram: TelegramStandIn;
let w: TenantWorld;
let june: Invoice;
let july: Invoice;
const sent: OutgoingMessage[] = [];

const at = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();

beforeAll(async () => {
  telegram = await startTelegramStandIn();
  // Read when the billing function first builds its adapters.
  process.env.TELEGRAM_API_URL = telegram.url;
  // The hourly run reads every tenant with a summary on: a table of this file's own.
  cloud = await startTestCloud({ ownTable: true });
  const original = cloud.deps.notifier.send.bind(cloud.deps.notifier);
  vi.spyOn(cloud.deps.notifier, "send").mockImplementation(async (message, options) => {
    sent.push(message);
    return original(message, options);
  });
  w = await createWorld(cloud.deps, "reports");
  const repo = cloud.deps.repos.invoices;
  const seed = (o: Omit<SeedInvoice, "tenantId">) => seedInvoice(repo, { tenantId: w.tenantId, ...o });
  const longAgo = at(-40 * DAY);
  // March 2026: one open, one paid, one half paid, one void (500.00 BDT each), all due long ago.
  await seed({ month: "2026-03-05T00:00:00Z", dueAt: longAgo, subscriberId: w.subscriberId });
  await seed({ month: "2026-03-05T00:00:00Z", dueAt: longAgo, status: "paid" });
  await seed({ month: "2026-03-05T00:00:00Z", dueAt: longAgo, status: "partially_paid" });
  await seed({ month: "2026-03-05T00:00:00Z", dueAt: longAgo, status: "void" });
  // Other periods: due in 2 days, in 10 days, and 3 days ago (half paid).
  june = await seed({ month: "2026-06-05T00:00:00Z", dueAt: at(2 * DAY), subscriberId: w.subscriberId });
  july = await seed({ month: "2026-07-05T00:00:00Z", dueAt: at(10 * DAY), subscriberId: w.subscriberId });
  await seed({ month: "2026-08-05T00:00:00Z", dueAt: at(-3 * DAY), status: "partially_paid" });
  const sub = await call(cloud, "GET", `/v1/subscribers/${w.subscriberId}`, { token: w.keys.owner });
  const suspended = await call(cloud, "POST", `/v1/subscribers/${w.subscriberId}/actions`, {
    token: w.keys.owner,
    body: { action: "suspend", version: sub.json.version },
  });
  expect(suspended.status).toBe(200);
});
afterAll(async () => {
  await cloud?.stop();
  await telegram?.stop();
  delete process.env.TELEGRAM_API_URL;
});

const get = (path: string, token = w.keys.readonly) => call(cloud, "GET", path, { token });
const bdt = (amount: number) => [{ amount, currency: "BDT" }];

function expectProblem(res: ApiResponse, status: number, paths: string[] = []) {
  expect(res.status, JSON.stringify(res.json)).toBe(status);
  expect(res.headers.get("content-type")).toContain("application/problem+json");
  for (const path of paths) expect(res.json.errors.map((e: { path: string }) => e.path)).toContain(path);
}

describe("billing summary", () => {
  it("adds up a month's invoices, the dues ahead and behind, and the suspensions", async () => {
    const res = await get("/v1/reports/billing-summary?month=2026-03");
    expect(res.status).toBe(200);
    const s = res.json;
    // Dhaka is UTC+6: March 2026 there is [28 Feb 18:00Z, 31 Mar 18:00Z).
    expect(s.period).toEqual({
      from: "2026-02-28T18:00:00.000Z",
      to: "2026-03-31T18:00:00.000Z",
      timeZone: "Asia/Dhaka",
    });
    expect(s.invoices.billed).toEqual({ count: 3, amounts: bdt(150_000) });
    expect(s.invoices.paid).toEqual({ count: 1, amounts: bdt(50_000) });
    expect(s.invoices.partiallyPaid).toEqual({ count: 1, amounts: bdt(50_000) });
    expect(s.invoices.unpaid).toEqual({ count: 2, amounts: bdt(75_000) });
    expect(s.invoices.void).toEqual({ count: 1, amounts: bdt(50_000) });
    expect(s.collected).toEqual(bdt(75_000));
    expect(s.upcomingDues).toEqual({ days: 7, count: 1, amounts: bdt(50_000) });
    expect(s.overdue).toEqual({ count: 3, amounts: bdt(100_000) });
    expect(s.activeSuspensions).toBe(1);
    const wider = await get("/v1/reports/billing-summary?month=2026-03&dueDays=14");
    expect(wider.json.upcomingDues).toEqual({ days: 14, count: 2, amounts: bdt(100_000) });
    const range = await get("/v1/reports/billing-summary?from=2026-05-31T18:00:00Z&to=2026-08-31T18:00:00Z");
    expect(range.json.invoices.billed.count).toBe(3);
  });

  it("refuses a bad period, naming the field", async () => {
    expectProblem(await get("/v1/reports/billing-summary?month=2026-13"), 400, ["month"]);
    expectProblem(await get("/v1/reports/billing-summary?month=2026-03&from=2026-03-01T00:00:00Z"), 400, [
      "month",
    ]);
    expectProblem(await get("/v1/reports/billing-summary?from=2026-03-01T00:00:00Z"), 400, ["to"]);
    expectProblem(
      await get("/v1/reports/billing-summary?from=2026-03-01T00:00:00Z&to=2028-03-01T00:00:00Z"),
      400,
      ["to"],
    );
    expectProblem(await get("/v1/reports/billing-summary?dueDays=0"), 400, ["dueDays"]);
    expectProblem(await get("/v1/reports/dues?days=60"), 400, ["days"]);
  });
});

describe("dues", () => {
  it("lists unpaid invoices due within the window, soonest first, with their subscriber", async () => {
    const week = await get("/v1/reports/dues");
    expect(week.status).toBe(200);
    expect(week.json.items.map((i: Invoice) => i.id)).toEqual([june.id]);
    expect(week.json.items[0]).toMatchObject({
      balance: 50_000,
      subscriber: { id: w.subscriberId, name: "Rahim Uddin" },
    });
    const month = await get("/v1/reports/dues?days=31");
    expect(month.json.items.map((i: Invoice) => i.id)).toEqual([june.id, july.id]);
  });
});

describe("CSV exports", () => {
  it("exports invoices with escaped, formula-safe text and amounts in minor units and decimals", async () => {
    const tricky = await createSubscriber(cloud.deps, w.owner, {
      ...subscriberBody(w.packageId, w.siteId),
      name: '=SUM(1,2) "Rahim", Jr.',
    });
    const invoice = await seedInvoice(cloud.deps.repos.invoices, {
      tenantId: w.tenantId,
      subscriberId: tricky.resource.id,
      month: "2026-09-05T00:00:00Z",
      taxRateBasisPoints: 1500,
    });
    const res = await get(`/v1/reports/invoices.csv?subscriberId=${tricky.resource.id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="invoices.csv"');
    const [header, row, end] = String(res.body).split("\r\n");
    expect(header?.split(",")).toContain("total_minor");
    expect(end).toBe("");
    expect(row).toContain(
      `${invoice.number},${invoice.id},open,${tricky.resource.id},"'=SUM(1,2) ""Rahim"", Jr."`,
    );
    // 500.00 + 15 % tax = 575.00: minor units and decimals.
    // No override: the appended override columns are empty (counts and sums zero).
    expect(row).toMatch(/,50000,7500,57500,0,57500,575\.00,0\.00,575\.00,,,,,,,,,0,0,0\.00,,$/);
  });

  it("pages a large export with the Next-Cursor header", async () => {
    const first = await get("/v1/reports/invoices.csv?limit=3");
    const cursor = first.headers.get("next-cursor");
    expect(cursor).toBeTruthy();
    const rows = (text: unknown) => String(text).trim().split("\r\n").slice(1);
    expect(rows(first.body)).toHaveLength(3);
    const rest = await get(`/v1/reports/invoices.csv?limit=5000&cursor=${cursor}`);
    expect(rest.headers.get("next-cursor")).toBeNull();
    const all = [...rows(first.body), ...rows(rest.body)].map((r) => r.split(",")[1]);
    expect(new Set(all).size).toBe(all.length);
    expect(all).toHaveLength(8);
    expectProblem(await get("/v1/reports/invoices.csv?limit=5001"), 400, ["limit"]);
  });

  it("shows what overrides did: voids, money marked paid, credit notes, with formula-safe reasons", async () => {
    const owner = await createSubscriber(cloud.deps, w.owner, subscriberBody(w.packageId, w.siteId));
    const seed = (month: string, status?: "paid") =>
      seedInvoice(cloud.deps.repos.invoices, {
        tenantId: w.tenantId,
        subscriberId: owner.resource.id,
        month,
        dueAt: at(-40 * DAY),
        ...(status ? { status } : {}),
      });
    const [voided, marked, credited] = [
      await seed("2026-10-05T00:00:00Z"),
      await seed("2026-11-05T00:00:00Z"),
      await seed("2026-12-05T00:00:00Z", "paid"),
    ];
    const override = async (path: string, body: object) => {
      const res = await call(cloud, "POST", path, { token: w.keys.billing, body });
      expect(res.status, JSON.stringify(res.json)).toBe(200);
    };
    await override(`/v1/invoices/${voided.id}/void`, { version: voided.version, reason: "billed twice" });
    await override(`/v1/invoices/${marked.id}/mark-paid`, {
      version: marked.version,
      reason: '=HYPERLINK("http://x","cash, at the office")',
    });
    await override(`/v1/invoices/${credited.id}/credit-notes`, {
      version: credited.version,
      amount: 10_000,
      reason: "-5 days",
    });
    const after = await cloud.deps.repos.invoices.get(w.tenantId, credited.id);
    await override(`/v1/invoices/${credited.id}/credit-notes`, {
      version: after?.version,
      amount: 2_550,
      reason: "outage",
    });

    const res = await get(`/v1/reports/invoices.csv?subscriberId=${owner.resource.id}`);
    const [header, ...rows] = String(res.body).trim().split("\r\n");
    const columns = header?.split(",") ?? [];
    // The original columns keep their places; the new ones follow.
    expect(columns.slice(0, 19)).toEqual(
      "number,invoice_id,status,subscriber_id,subscriber_name,username,period_start,period_end,issued_at,due_at,currency,subtotal_minor,tax_minor,total_minor,paid_minor,balance_minor,total,paid,balance".split(
        ",",
      ),
    );
    expect(columns.slice(19)).toEqual([
      "voided_at",
      "voided_by",
      "void_reason",
      "marked_paid_at",
      "marked_paid_by",
      "marked_paid_minor",
      "marked_paid",
      "marked_paid_reason",
      "credit_notes",
      "credited_minor",
      "credited",
      "last_credited_at",
      "credit_note_reasons",
    ]);
    const row = (id: string) => {
      const found = rows.find((r) => r.includes(`,${id},`));
      if (!found) throw new Error(`no row for ${id}`);
      return found;
    };
    const by = `api-key:${w.keyIds.billing}`;
    const iso = "\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z";
    expect(row(voided.id)).toMatch(new RegExp(`,void,.*,${iso},${by},billed twice,,,,,,0,0,0\\.00,,$`));
    expect(row(marked.id)).toMatch(
      new RegExp(
        `,paid,.*,,,,${iso},${by},50000,500\\.00,"'=HYPERLINK\\(""http://x"",""cash, at the office""\\)",0,0,0\\.00,,$`,
      ),
    );
    expect(row(credited.id)).toMatch(
      new RegExp(`,paid,.*,,,,,,,,,2,12550,125\\.50,${iso},'-5 days; outage$`),
    );
  });

  it("exports payments", async () => {
    // A subscriber without invoices: the seeded ones stay unpaid for the dues and the daily summary.
    const payer = await createSubscriber(cloud.deps, w.owner, subscriberBody(w.packageId, w.siteId));
    const paid = await call(cloud, "POST", `/v1/subscribers/${payer.resource.id}/payments`, {
      token: w.keys.billing,
      body: { amount: { amount: 50_050, currency: "BDT" }, method: "cash", reference: "R,1" },
    });
    expect(paid.status).toBe(201);
    const res = await get("/v1/reports/payments.csv?gateway=manual");
    const lines = String(res.body).trim().split("\r\n");
    expect(lines[0]).toMatch(/^payment_id,created_at,settled_at,status,gateway,method,/);
    const row = lines.find((l) => l.startsWith(paid.json.id));
    expect(row).toContain(",settled,manual,cash,");
    expect(row).toContain(",BDT,50050,50050,0,500.50,500.50,0.00,");
    expect(row?.endsWith(',"R,1"')).toBe(true);
  });
});

describe("daily summary", () => {
  const path = "/v1/reports/daily-summary/settings";

  it("keeps its settings, refuses bad ones, and never returns the bot token", async () => {
    expectProblem(await call(cloud, "GET", path, { token: w.keys.owner }), 404);
    const put = (body: unknown, token = w.keys.owner) => call(cloud, "PUT", path, { token, body });
    expect((await put({ emails: ["noc@isp.example.net"] }, w.keys.admin)).status).toBe(403);
    expectProblem(await put({ emails: [] }), 400, ["emails"]);
    expectProblem(await put({ telegram: { chatId: "-100123" } }), 400, ["telegram.botToken"]);
    expectProblem(await put({ telegram: { chatId: "-100123", botToken: "not a token" } }), 400, [
      "telegram.botToken",
    ]);
    expectProblem(await put({ hour: 24, emails: ["not-an-address"] }), 400, ["hour", "emails.0"]);

    const created = await put({
      hour: 0,
      emails: ["NOC@isp.example.net"],
      telegram: { chatId: "-1001234567890", botToken: TOKEN },
    });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({
      enabled: true,
      hour: 0,
      emails: ["noc@isp.example.net"],
      telegram: { chatId: "-1001234567890", botId: "7012345678" },
      version: 1,
    });
    const read = await call(cloud, "GET", path, { token: w.keys.readonly });
    expect(read.json).toEqual(created.json);
    for (const text of [JSON.stringify(created.json), JSON.stringify(read.json)]) {
      expect(text).not.toContain("AAHk3");
    }
    expectProblem(await put({ emails: ["x@isp.example.net"], version: 0 }), 409);
  });

  it("previews and sends now, by e-mail and through the tenant's Telegram bot", async () => {
    const preview = await get("/v1/reports/daily-summary");
    expect(preview.status).toBe(200);
    expect(preview.json.text).toContain("Due in the next 7 days: 1 invoices, 500.00 BDT");
    expect(preview.json.text).toContain("Suspended subscribers: 1");
    expect(
      (await call(cloud, "POST", "/v1/reports/daily-summary/send", { token: w.keys.support })).status,
    ).toBe(403);
    sent.length = 0;
    const res = await call(cloud, "POST", "/v1/reports/daily-summary/send", { token: w.keys.billing });
    expect(res.status).toBe(200);
    expect(res.json.sent).toEqual({ email: 1, telegram: true, failures: [] });
    expect(sent).toEqual([
      expect.objectContaining({ channel: "email", to: "noc@isp.example.net", subject: res.json.subject }),
    ]);
    expect(telegram.messages.at(-1)).toEqual({
      botId: "7012345678",
      chatId: "-1001234567890",
      text: res.json.text,
    });
  });

  it("goes out once a local day from the hourly run, and a day whose sends all failed is tried again", async () => {
    const { handler } = await import("../../functions/daily-summary.js");
    const before = telegram.messages.length;
    const first = await handler();
    expect(first).toMatchObject({ tenants: 1, sent: 1, failed: 0 });
    expect(telegram.messages).toHaveLength(before + 1);
    expect(await handler()).toMatchObject({ tenants: 1, sent: 0, alreadySent: 1 });
    expect(telegram.messages).toHaveLength(before + 1);

    // A second ISP whose bot token Telegram refuses: nothing delivered, so the day is given back.
    const other = await createWorld(cloud.deps, "reports revoked");
    const revoked = `7099999999:${"B".repeat(35)}`;
    telegram.revokedTokens.add(revoked);
    const setup = await call(cloud, "PUT", path, {
      token: other.keys.owner,
      body: { hour: 0, telegram: { chatId: "-1009", botToken: revoked } },
    });
    expect(setup.status).toBe(200);
    expect(await handler()).toMatchObject({ tenants: 2, sent: 0, alreadySent: 1, failed: 1 });
    expect((await cloud.deps.repos.reports.getDailySummary(other.tenantId))?.lastSentOn).toBeUndefined();
    const now = await call(cloud, "POST", "/v1/reports/daily-summary/send", { token: other.keys.owner });
    expect(now.json.sent).toEqual({
      email: 0,
      telegram: false,
      failures: ["telegram: the bot token was refused"],
    });
    expect(JSON.stringify(now.json)).not.toContain("BBBBBBBB");

    telegram.revokedTokens.delete(revoked);
    expect(await handler()).toMatchObject({ tenants: 2, sent: 1, alreadySent: 1 });
  });

  it("is switched off and forgotten by DELETE", async () => {
    expect((await call(cloud, "DELETE", path, { token: w.keys.owner })).status).toBe(204);
    expectProblem(await call(cloud, "GET", path, { token: w.keys.owner }), 404);
  });
});
