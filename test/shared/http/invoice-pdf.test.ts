import { describe, expect, it } from "vitest";
import { pdfString, wrapText } from "../../../shared/http/pdf/document.js";
import { invoicePdf } from "../../../shared/http/pdf/invoice-pdf.js";
import { toWinAnsi } from "../../../shared/http/pdf/winansi.js";
import { invoiceDocument } from "../../../shared/services/invoice-document.js";
import { pdfPagesText } from "../../support/pdf-text.js";
import { sampleInvoice, sampleTenant } from "./invoice-samples.js";

/** Every xref entry must point at the start of its object ("n 0 obj"), and startxref at "xref". */
function checkXref(pdf: string): number {
  const startxref = Number(/startxref\n(\d+)\n%%EOF\n$/.exec(pdf)?.[1]);
  expect(pdf.slice(startxref, startxref + 5)).toBe("xref\n");
  const [, first, count] = /^xref\n(\d+) (\d+)\n/.exec(pdf.slice(startxref)) ?? [];
  expect(first).toBe("0");
  const entries = pdf
    .slice(startxref)
    .split("\n")
    .slice(2, 2 + Number(count));
  expect(entries[0]).toBe("0000000000 65535 f ");
  entries.slice(1).forEach((entry, i) => {
    expect(entry).toMatch(/^\d{10} 00000 n $/);
    const offset = Number(entry.slice(0, 10));
    expect(pdf.slice(offset, offset + `${i + 1} 0 obj`.length)).toBe(`${i + 1} 0 obj`);
  });
  return Number(count);
}

describe("invoice PDF", () => {
  const subscriber = { name: "রহিম উদ্দিন", username: "rahim", phone: "+8801711000001" };

  it("is a PDF 1.4 whose xref offsets point at every object, all in 7-bit ASCII", () => {
    const pdf = invoicePdf(invoiceDocument({ invoice: sampleInvoice(), tenant: sampleTenant(), subscriber }));
    expect(pdf.startsWith("%PDF-1.4\n")).toBe(true);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: checking for anything outside ASCII
    expect(pdf).not.toMatch(/[^\x0a\x20-\x7e]/);
    expect(checkXref(pdf)).toBeGreaterThan(6);
    for (const [, length, body] of pdf.matchAll(/<< \/Length (\d+) >>\nstream\n([\s\S]*?)\nendstream/g)) {
      expect(body?.length).toBe(Number(length));
    }
  });

  it("reads back, with PDF.js, the number, every line, the totals and the transliterated name", async () => {
    const invoice = sampleInvoice();
    const pdf = invoicePdf(invoiceDocument({ invoice, tenant: sampleTenant(), subscriber }));

    const [text, ...rest] = await pdfPagesText(pdf);

    expect(rest).toEqual([]);
    expect(text).toContain("Invoice INV-000123");
    expect(text).toContain("Dhaka Net (Dhanmondi)");
    expect(text).toContain("Rahim Uddin");
    expect(text).toContain("Home 10M (fast) \\ back-slash");
    expect(text).toContain("500.00 BDT");
    expect(text).toContain("Loyalty discount");
    expect(text).toContain("-50.00 BDT");
    expect(text).toMatch(/Subtotal\s+450\.00 BDT/);
    expect(text).toMatch(/Tax 15%\s+67\.50 BDT/);
    expect(text).toMatch(/Total\s+517\.50 BDT/);
    expect(text).toMatch(/Paid\s+200\.00 BDT/);
    expect(text).toMatch(/Balance due\s+317\.50 BDT/);
    expect(text).toMatch(/Billing period\s+1 March 2026 to 31 March 2026/);
    expect(text).toMatch(/Due by\s+8 March 2026/);
    expect(text).toContain("Partly paid");
    expect(text).not.toMatch(/undefined|NaN|\?\?/);
  });

  it("continues the lines on further pages when they do not fit on one", async () => {
    const base = sampleInvoice();
    const lines = Array.from({ length: 60 }, (_, i) => ({
      kind: "adjustment" as const,
      description: `Adjustment number ${i + 1}`,
      amount: 100,
    }));
    const invoice = { ...base, lines, subtotal: 6000, tax: 0, total: 6000, taxRateBasisPoints: 0 };
    const pdf = invoicePdf(invoiceDocument({ invoice, tenant: sampleTenant(), subscriber }));

    const pages = await pdfPagesText(pdf);

    expect(pages.length).toBeGreaterThan(1);
    const all = pages.join(" ");
    for (const n of [1, 30, 60]) expect(all).toContain(`Adjustment number ${n} `);
    expect(all).toMatch(/Total\s+60\.00 BDT/);
    checkXref(pdf);
  });

  it("escapes parentheses and backslashes, and writes Latin-1 as octal", () => {
    expect(pdfString("a(b)c\\d")).toBe("(a\\(b\\)c\\\\d)");
    expect(pdfString(toWinAnsi("Zoë"))).toBe("(Zo\\353)");
  });

  it("draws Bengali and Hindi as Latin letters and replaces what it cannot draw", () => {
    expect(toWinAnsi("রহিম উদ্দিন")).toBe("Rahim Uddin");
    expect(toWinAnsi("শ্যামল")).toBe("Shyamal");
    expect(toWinAnsi("राम कुमार")).toBe("Ram Kumar");
    expect(toWinAnsi("৳৫০০ ₹1,200 – “ok”")).toBe('Tk500 Rs1,200 - "ok"');
    expect(toWinAnsi("Łódź ā 漢")).toBe("Lódz a ?");
    expect(toWinAnsi("tab\there")).toBe("tab here");
  });

  it("wraps long text to the width it is given", () => {
    const lines = wrapText("word ".repeat(40), 100);
    expect(lines.length).toBeGreaterThan(3);
    expect(lines.join(" ")).toBe("word ".repeat(40).trim());
  });
});
