import type { InvoiceDocument } from "../../services/invoice-document.js";
import { A4, PdfDocument, type PdfPage, type Rgb, wrapText } from "./document.js";

/**
 * The invoice as a one-page A4 PDF (more pages when the lines do not fit), drawn from the same
 * InvoiceDocument as the HTML page. The logo is not drawn: it lives on the ISP's own server, and
 * fetching it here would make the API fetch arbitrary URLs; the brand name stands in for it.
 */

const MARGIN = 50;
const RIGHT = A4.width - MARGIN;
const GREY: Rgb = [90, 90, 90];
const RULE: Rgb = [200, 200, 200];

function hexColour(hex: string): Rgb {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

export function invoicePdf(doc: InvoiceDocument, createdAt?: Date): string {
  const pdf = new PdfDocument({
    title: `Invoice ${doc.number}`,
    author: doc.brand.name,
    ...(createdAt ? { createdAt } : {}),
  });
  const accent = hexColour(doc.brand.accentColor);
  let page = pdf.addPage();
  let y = A4.height - MARGIN;

  page.text(MARGIN, y - 16, doc.brand.name, { font: "bold", size: 18, color: accent });
  y -= 32;
  for (const line of doc.brand.contact) {
    page.text(MARGIN, y, line, { size: 9, color: GREY });
    y -= 12;
  }
  page.fill(MARGIN, y, RIGHT - MARGIN, 2, accent);
  y -= 28;
  page.text(MARGIN, y, `Invoice ${doc.number}`, { font: "bold", size: 15 });
  page.text(RIGHT, y, doc.status.label, { font: "bold", size: 12, color: accent, align: "right" });
  y -= 26;

  const top = y;
  page.text(MARGIN, y, "Bill to", { font: "bold", size: 10 });
  y -= 14;
  for (const line of [doc.billTo.name, ...doc.billTo.details].flatMap((l) => wrapText(l, 250))) {
    page.text(MARGIN, y, line, { size: 10 });
    y -= 13;
  }
  let factsY = top;
  for (const fact of doc.facts) {
    page.text(320, factsY, fact.label, { size: 10, color: GREY });
    page.text(RIGHT, factsY, fact.value, { size: 10, align: "right" });
    factsY -= 14;
  }
  y = Math.min(y, factsY) - 16;

  const header = (p: PdfPage, at: number) => {
    p.fill(MARGIN, at - 5, RIGHT - MARGIN, 18, [240, 240, 240]);
    p.text(MARGIN + 6, at, "Description", { font: "bold", size: 10 });
    p.text(RIGHT - 6, at, "Amount", { font: "bold", size: 10, align: "right" });
    return at - 20;
  };
  y = header(page, y);
  for (const line of doc.lines) {
    const wrapped = wrapText(line.description, 360, "regular", 10);
    if (y - wrapped.length * 13 < MARGIN + 140) {
      page = pdf.addPage();
      y = header(page, A4.height - MARGIN);
    }
    page.text(RIGHT - 6, y, line.amount, { size: 10, align: "right" });
    for (const part of wrapped) {
      page.text(MARGIN + 6, y, part, { size: 10 });
      y -= 13;
    }
    page.line(MARGIN, y + 8, RIGHT, y + 8, 0.5, RULE);
    y -= 6;
  }
  y -= 6;
  for (const total of doc.totals) {
    const font = total.strong ? "bold" : "regular";
    page.text(RIGHT - 160, y, total.label, { font, size: 10, align: "right" });
    page.text(RIGHT - 6, y, total.value, { font, size: 10, align: "right" });
    y -= 15;
  }
  y -= 12;
  page.text(MARGIN, y, doc.note, { font: "bold", size: 11, color: accent });
  let footerY = MARGIN + 12;
  for (const line of doc.brand.footer
    ? wrapText(doc.brand.footer, RIGHT - MARGIN, "regular", 8).reverse()
    : []) {
    footerY += 10;
    page.text(MARGIN, footerY, line, { size: 8, color: GREY });
  }
  page.text(MARGIN, MARGIN, doc.brand.name, { size: 8, color: GREY });
  return pdf.render();
}
