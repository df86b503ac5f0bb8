import { describe, expect, it } from "vitest";
import { newId } from "../../../shared/domain/ids.js";
import { invoicePage } from "../../../shared/http/invoice-pages.js";
import { invoiceDocument } from "../../../shared/services/invoice-document.js";
import { fullBranding, sampleInvoice, sampleTenant } from "./invoice-samples.js";

const PDF_URL = "https://api.example.net/v1/bill/ten_x.secret/pdf";

/** Nothing rendered from a missing value: no undefined, NaN, null, and no empty element. */
function expectNoPlaceholders(html: string) {
  expect(html).not.toMatch(/undefined|NaN|null|\[object Object\]|Invalid Date/);
  expect(html).not.toMatch(/<(dd|dt|td|th|p|h1|h2|strong|span|li)[^>]*>\s*<\/\1>/);
  expect(html).not.toMatch(/(src|href|alt)=""/);
  expect(html).not.toMatch(/: <\/|:\s*$/m);
}

/** The text of the page, tags removed and entities decoded, for phrase checks. */
function visibleText(html: string): string {
  return html
    .replace(/<style>[\s\S]*?<\/style>/, "")
    .replace(/<[^>]+>/g, " ")
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
    .replace(/&middot;/g, "·")
    .replace(/\s+/g, " ");
}

describe("invoice page", () => {
  const subscriber = {
    name: "রহিম উদ্দিন",
    username: "rahim",
    phone: "+8801711000001",
    email: "rahim@example.com",
    address: "Flat 3B, Road 7",
  };

  it("renders every field of the invoice, the brand and the subscriber", () => {
    const invoice = sampleInvoice();
    const doc = invoiceDocument({ invoice, tenant: sampleTenant(), subscriber });
    const html = invoicePage(doc, { pdfUrl: PDF_URL });
    const text = visibleText(html);

    expectNoPlaceholders(html);
    const brand = fullBranding();
    for (const value of [
      brand.displayName,
      brand.address,
      brand.phone,
      brand.email,
      brand.website,
      brand.invoiceFooter,
      subscriber.name,
      "Customer ID: rahim",
      subscriber.phone,
      subscriber.email,
      subscriber.address,
      "Invoice INV-000123",
      "Partly paid",
      "Issued 1 March 2026",
      "Billing period 1 March 2026 to 31 March 2026",
      "Due by 8 March 2026",
      "Home 10M (fast) \\ back-slash 500.00 BDT",
      "Loyalty discount -50.00 BDT",
      "Subtotal 450.00 BDT",
      "Tax 15% 67.50 BDT",
      "Total 517.50 BDT",
      "Paid 200.00 BDT",
      "Balance due 317.50 BDT",
      "Please pay 317.50 BDT by 8 March 2026.",
    ]) {
      expect(text, String(value)).toContain(value);
    }
    expect(html).toContain(`<img src="${brand.logoUrl}"`);
    expect(html).toContain('referrerpolicy="no-referrer"');
    expect(html).toContain(`href="${PDF_URL}"`);
    expect(html).toContain(brand.accentColor);
    // A header row, each line of the invoice (its tax line among the totals), five totals.
    expect(html.match(/<tr[ >]/g)?.length).toBe(1 + invoice.lines.length - 1 + 5);
  });

  it("leaves out what the tenant or invoice does not have, without blanks", () => {
    const invoice = sampleInvoice({
      lines: [{ kind: "package", description: "Home 10M", amount: 50_000 }],
      subtotal: 50_000,
      tax: 0,
      taxRateBasisPoints: 0,
      total: 50_000,
      amountPaid: 50_000,
      status: "paid",
    });
    const doc = invoiceDocument({
      invoice,
      tenant: { name: "Plain ISP", timeZone: "Asia/Kolkata", branding: undefined },
      subscriber: undefined,
    });
    const html = invoicePage(doc, { pdfUrl: PDF_URL });
    const text = visibleText(html);

    expectNoPlaceholders(html);
    expect(html).not.toContain("<img");
    expect(html).not.toContain('class="contact"');
    expect(text).not.toContain("Tax");
    expect(text).toContain("Plain ISP");
    expect(text).toContain(`Subscriber ID: ${invoice.subscriberId}`);
    expect(text).toContain("Paid in full. Thank you.");
    expect(text).toContain("Balance due 0.00 BDT");
  });

  it("says a void invoice is owed nothing", () => {
    const doc = invoiceDocument({
      invoice: sampleInvoice({ status: "void" }),
      tenant: sampleTenant(),
      subscriber,
    });
    const text = visibleText(invoicePage(doc, { pdfUrl: PDF_URL }));
    expect(text).toContain("Void");
    expect(text).toContain("Balance due 0.00 BDT");
    expect(text).toContain("nothing is owed");
  });

  it("shows a cancellation, a payment received outside the system and credit notes, never their reasons", () => {
    const actor = { kind: "api-key" as const, id: "key_admin" };
    const base = sampleInvoice({ status: "paid" });
    const doc = invoiceDocument({
      invoice: {
        ...base,
        amountPaid: base.total,
        markedPaid: {
          at: "2026-03-05T06:00:00Z",
          actor,
          reason: "cash at the office, receipt 118",
          amount: 50_000,
        },
        creditNotes: [
          {
            id: newId("creditNote"),
            amount: 10_000,
            at: "2026-03-06T06:00:00Z",
            actor,
            reason: "outage refund",
          },
          { id: newId("creditNote"), amount: 2_550, at: "2026-03-07T06:00:00Z", actor, reason: "goodwill" },
        ],
      },
      tenant: sampleTenant(),
      subscriber,
    });
    const html = invoicePage(doc, { pdfUrl: PDF_URL });
    const text = visibleText(html);
    expectNoPlaceholders(html);
    expect(text).toContain("Payment received 500.00 BDT on 5 March 2026");
    expect(text).toContain("Credited to your account 125.50 BDT");
    for (const reason of ["receipt 118", "outage refund", "goodwill"]) expect(text).not.toContain(reason);

    const voided = visibleText(
      invoicePage(
        invoiceDocument({
          invoice: sampleInvoice({
            status: "void",
            voided: { at: "2026-03-04T06:00:00Z", actor, reason: "billed twice" },
          }),
          tenant: sampleTenant(),
          subscriber,
        }),
        { pdfUrl: PDF_URL },
      ),
    );
    expect(voided).toContain("Cancelled 4 March 2026");
    expect(voided).not.toContain("billed twice");
  });

  it("escapes every value it shows", () => {
    const evil = '<script>alert("x")</script>';
    const doc = invoiceDocument({
      invoice: sampleInvoice({
        lines: [{ kind: "package", description: evil, amount: 50_000 }],
        subtotal: 50_000,
        tax: 0,
        taxRateBasisPoints: 0,
        total: 50_000,
      }),
      tenant: sampleTenant({ displayName: `${evil} & Co`, invoiceFooter: "'quoted'" }),
      subscriber: { ...subscriber, name: `"><img src=x onerror=alert(1)>` },
    });
    const html = invoicePage(doc, { pdfUrl: PDF_URL });
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("<img src=x");
    expect(html).toContain("&#60;script&#62;");
    expect(html).toContain("&#38; Co");
  });
});
