import type { InvoiceDocument } from "../services/invoice-document.js";
import { escapeHtml } from "./pay-pages.js";

/**
 * The invoice page a subscriber opens from the link in their SMS or e-mail: plain HTML, no script,
 * every value escaped, the ISP's logo loaded with no referrer (the page's URL is the secret).
 */

const e = escapeHtml;

function style(accent: string): string {
  return (
    "body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222}" +
    `header{display:flex;gap:1rem;align-items:center;border-bottom:3px solid ${accent};padding-bottom:1rem}` +
    "header img{max-height:4rem;max-width:10rem}h1{margin:0;font-size:1.5rem}.contact{color:#555;margin:.2rem 0 0}" +
    `h2{font-size:1.2rem;color:${accent}}.status{display:inline-block;padding:.1rem .6rem;border-radius:1rem;` +
    "font-size:.9rem;background:#eee}.status-paid{background:#d7f5dd}.status-open,.status-partially_paid" +
    "{background:#fde7c8}.status-void{background:#e4e4e4}dl{display:grid;grid-template-columns:auto 1fr;gap:" +
    ".3rem 1rem}dt{color:#555}dd{margin:0}table{width:100%;border-collapse:collapse;margin-top:1rem}" +
    "th,td{padding:.45rem;text-align:left;border-bottom:1px solid #ddd}td.amount,th.amount{text-align:right;" +
    "white-space:nowrap}tr.strong td{font-weight:700}.note{margin-top:1.5rem;font-weight:600}footer{margin-top:" +
    "2rem;color:#666;font-size:.9rem;border-top:1px solid #ddd;padding-top:1rem}"
  );
}

export function invoicePage(doc: InvoiceDocument, links: { readonly pdfUrl: string }): string {
  const b = doc.brand;
  const logo = b.logoUrl
    ? `<img src="${e(b.logoUrl)}" alt="${e(b.name)} logo" referrerpolicy="no-referrer">`
    : "";
  const contact = b.contact.length ? `<p class="contact">${b.contact.map(e).join(" &middot; ")}</p>` : "";
  const facts = doc.facts.map((f) => `<dt>${e(f.label)}</dt><dd>${e(f.value)}</dd>`).join("");
  const lines = doc.lines
    .map((l) => `<tr><td>${e(l.description)}</td><td class="amount">${e(l.amount)}</td></tr>`)
    .join("");
  const totals = doc.totals
    .map(
      (t) =>
        `<tr${t.strong ? ' class="strong"' : ""}><td>${e(t.label)}</td><td class="amount">${e(t.value)}</td></tr>`,
    )
    .join("");
  const details = doc.billTo.details.map((d) => `<br>${e(d)}`).join("");
  const footer = b.footer ? `<p>${e(b.footer)}</p>` : "";
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1"><meta name="referrer" content="no-referrer">` +
    `<meta name="robots" content="noindex"><title>${e(`${b.name}: invoice ${doc.number}`)}</title>` +
    `<style>${style(b.accentColor)}</style></head><body>` +
    `<header>${logo}<div><h1>${e(b.name)}</h1>${contact}</div></header>` +
    `<h2>Invoice ${e(doc.number)} <span class="status status-${e(doc.status.code)}">${e(doc.status.label)}</span></h2>` +
    `<p><strong>Bill to</strong><br>${e(doc.billTo.name)}${details}</p>` +
    `<dl>${facts}</dl>` +
    `<table><thead><tr><th>Description</th><th class="amount">Amount</th></tr></thead><tbody>${lines}</tbody>` +
    `<tbody>${totals}</tbody></table>` +
    `<p class="note">${e(doc.note)}</p>` +
    `<p><a href="${e(links.pdfUrl)}" download>Download PDF</a></p>` +
    `<footer>${footer}<p>${e(b.name)}</p></footer></body></html>`
  );
}

/** Response headers of the page: no caching, no referrer, images from https only, nothing else. */
export const INVOICE_PAGE_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  "referrer-policy": "no-referrer",
  "x-robots-tag": "noindex",
  "x-content-type-options": "nosniff",
  "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; img-src https:",
};
