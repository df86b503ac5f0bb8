import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "../../shared/domain/ids.js";
import type { Invoice } from "../../shared/domain/schemas/invoice.js";
import type { LocalCloud } from "../../shared/local/cloud.js";
import { type ApiResponse, call, createWorld, ROLES, type TenantWorld } from "../support/api.js";
import { seedInvoice } from "../support/invoices.js";
import { pdfPagesText } from "../support/pdf-text.js";

let cloud: LocalCloud;
let a: TenantWorld;
let b: TenantWorld;
let march: Invoice;
let april: Invoice;
let paid: Invoice;
let foreign: Invoice;

beforeAll(async () => {
  const { startTestCloud } = await import("../support/api.js");
  cloud = await startTestCloud();
  a = await createWorld(cloud.deps, "invoices A");
  b = await createWorld(cloud.deps, "invoices B");
  const repo = cloud.deps.repos.invoices;
  march = await seedInvoice(repo, {
    tenantId: a.tenantId,
    subscriberId: a.subscriberId,
    month: "2026-03-05T00:00:00Z",
  });
  april = await seedInvoice(repo, {
    tenantId: a.tenantId,
    subscriberId: a.subscriberId,
    month: "2026-04-05T00:00:00Z",
  });
  paid = await seedInvoice(repo, { tenantId: a.tenantId, month: "2026-02-05T00:00:00Z", status: "paid" });
  foreign = await seedInvoice(repo, { tenantId: b.tenantId, subscriberId: b.subscriberId });
});
afterAll(async () => {
  await cloud?.stop();
});

const get = (path: string, token = a.keys.readonly) => call(cloud, "GET", path, { token });

function expectProblem(res: ApiResponse, status: number, paths: string[] = []) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toContain("application/problem+json");
  for (const path of paths) expect(res.json.errors.map((e: { path: string }) => e.path)).toContain(path);
}

describe("invoice lists and reads", () => {
  it("lists the tenant's invoices newest first, with filters, for every role", async () => {
    for (const role of ROLES) {
      const res = await get("/v1/invoices", a.keys[role]);
      expect(res.status, role).toBe(200);
      expect(res.json.items.map((i: Invoice) => i.id)).toEqual(
        [paid.id, april.id, march.id].sort().reverse(),
      );
    }
    const open = await get("/v1/invoices?status=open&limit=1");
    expect(open.json.items.map((i: Invoice) => i.number)).toEqual([april.number]);
    const next = await get(`/v1/invoices?status=open&limit=1&cursor=${open.json.nextCursor}`);
    expect(next.json.items.map((i: Invoice) => i.number)).toEqual([march.number]);
    const byPeriod = await get(`/v1/invoices?periodFrom=${march.period.start}&periodTo=${march.period.end}`);
    expect(byPeriod.json.items.map((i: Invoice) => i.id)).toEqual([march.id]);
    const bySubscriber = await get(`/v1/invoices?subscriberId=${a.subscriberId}&status=unpaid`);
    expect(bySubscriber.json.items).toHaveLength(2);
    const due = await get(`/v1/invoices?dueBefore=${april.dueAt}&status=unpaid`);
    expect(due.json.items.map((i: Invoice) => i.id)).toEqual([march.id]);
  });

  it("gets one invoice, and a subscriber's invoices", async () => {
    const one = await get(`/v1/invoices/${march.id}`);
    expect(one.status).toBe(200);
    expect(one.json).toEqual(march);
    const list = await get(`/v1/subscribers/${a.subscriberId}/invoices`);
    expect(list.json.items.map((i: Invoice) => i.id)).toEqual([april.id, march.id]);
  });

  it("answers bad input with problem+json naming the failing fields", async () => {
    expectProblem(await get("/v1/invoices?status=overdue"), 400, ["status"]);
    expectProblem(
      await get("/v1/invoices?periodFrom=2026-03-01T00:00:00Z&periodTo=2026-02-01T00:00:00Z"),
      400,
      ["periodTo"],
    );
    expectProblem(await get("/v1/invoices?dueAfter=yesterday"), 400, ["dueAfter"]);
    expectProblem(await get("/v1/invoices?colour=blue"), 400, ["colour"]);
    expectProblem(await get("/v1/invoices?cursor=bm90LWEtY3Vyc29y"), 400, ["cursor"]);
    expectProblem(await get("/v1/invoices/INV-000001"), 400, ["invoiceId"]);
    expectProblem(await get("/v1/subscribers/nobody/invoices"), 400, ["subscriberId"]);
    const link = await call(cloud, "POST", `/v1/invoices/${march.id}/links?expiresInDays=0&extra=1`, {
      token: a.keys.owner,
    });
    expectProblem(link, 400, ["expiresInDays", "extra"]);
  });

  it("never shows another tenant's invoice or subscriber (404)", async () => {
    expectProblem(await get(`/v1/invoices/${foreign.id}`), 404);
    expectProblem(await get(`/v1/invoices/${foreign.id}/pdf`), 404);
    expectProblem(await get(`/v1/subscribers/${b.subscriberId}/invoices`), 404);
    expectProblem(await get(`/v1/invoices/${newId("invoice")}`), 404);
    const link = await call(cloud, "POST", `/v1/invoices/${foreign.id}/links`, {
      token: a.keys.owner,
    });
    expectProblem(link, 404);
    const theirs = await get("/v1/invoices", b.keys.readonly);
    expect(theirs.json.items.map((i: Invoice) => i.id)).toEqual([foreign.id]);
  });

  it("requires a key, and subscribers:write to make a link", async () => {
    expect((await call(cloud, "GET", "/v1/invoices")).status).toBe(401);
    for (const role of ROLES) {
      const res = await call(cloud, "POST", `/v1/invoices/${march.id}/links`, {
        token: a.keys[role],
        body: {},
      });
      expect(res.status, role).toBe(role === "readonly" ? 403 : 201);
    }
  });
});

describe("the invoice as a subscriber sees it", () => {
  it("opens the branded HTML page and the PDF through the link, and nothing with a wrong token", async () => {
    const branding = await call(cloud, "PUT", "/v1/tenant/branding", {
      token: a.keys.billing,
      body: {
        displayName: "Invoices A Net",
        logoUrl: "https://isp.example.net/logo.png",
        phone: "+8801711000000",
      },
    });
    expect(branding.status).toBe(200);
    const link = await call(cloud, "POST", `/v1/invoices/${march.id}/links?expiresInDays=30`, {
      token: a.keys.support,
    });
    expect(link.status).toBe(201);
    const { url, pdfUrl } = link.json as { url: string; pdfUrl: string };
    expect(url).toMatch(new RegExp(`/v1/bill/${a.tenantId}\\.[A-Za-z0-9_-]{32}$`));

    const page = await call(cloud, "GET", new URL(url).pathname);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");
    const html = String(page.body);
    for (const text of [
      march.number,
      "Invoices A Net",
      "Rahim Uddin",
      "Home 10M",
      "500.00 BDT",
      "Balance due",
    ]) {
      expect(html).toContain(text);
    }
    expect(html).toContain('src="https://isp.example.net/logo.png"');
    expect(html).toContain(`href="${pdfUrl}"`);
    expect(html).not.toMatch(/undefined|NaN/);

    const pdf = await fetch(`${cloud.url}${new URL(pdfUrl).pathname}`);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get("content-type")).toBe("application/pdf");
    const [text] = await pdfPagesText(new Uint8Array(await pdf.arrayBuffer()));
    expect(text).toContain(`Invoice ${march.number}`);
    expect(text).toMatch(/Total\s+500\.00 BDT/);

    const wrong = `${new URL(url).pathname.slice(0, -4)}AAAA`;
    const refused = await call(cloud, "GET", wrong);
    expect(refused.status).toBe(404);
    expect(String(refused.body)).toContain("not valid");
    expect((await call(cloud, "GET", `/v1/bill/${b.tenantId}.${"A".repeat(32)}`)).status).toBe(404);
    expect((await call(cloud, "GET", "/v1/bill/garbage/pdf")).status).toBe(404);
  });

  it("downloads the PDF with a key", async () => {
    const res = await fetch(`${cloud.url}/v1/invoices/${paid.id}/pdf`, {
      headers: { authorization: `Bearer ${a.keys.readonly}` },
    });
    expect(res.status).toBe(200);
    const [text] = await pdfPagesText(new Uint8Array(await res.arrayBuffer()));
    expect(text).toContain(paid.number);
    expect(text).toContain("Paid in full");
  });

  it("refuses branding that is not https or not valid, naming the fields", async () => {
    const res = await call(cloud, "PUT", "/v1/tenant/branding", {
      token: a.keys.owner,
      body: {
        logoUrl: "http://isp.example.net/logo.png",
        website: "javascript:alert(1)",
        accentColor: "red",
      },
    });
    expectProblem(res, 400, ["logoUrl", "website", "accentColor"]);
    expect(
      (await call(cloud, "PUT", "/v1/tenant/branding", { token: a.keys.support, body: {} })).status,
    ).toBe(403);
    const profile = await get("/v1/tenant");
    expect(profile.json.branding.displayName).toBe("Invoices A Net");
    expect(profile.json.id).toBe(a.tenantId);
  });
});

describe("instants in query strings", () => {
  it("refuses a malformed instant as bad input on every list that takes one (not a 500)", async () => {
    expectProblem(await get("/v1/payments?from=yesterday"), 400, ["from"]);
    expectProblem(await get("/v1/subscribers?expiresBefore=soon"), 400, ["expiresBefore"]);
  });
});
