import { formatAmount } from "../domain/notifications/index.js";
import type { Money } from "../domain/schemas/common.js";

/**
 * The few pages a payer sees: the pay link's choice of gateway and the result after the gateway
 * sends them back. Plain HTML without scripts; every value is escaped.
 */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE =
  "body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#222}" +
  "button{display:block;width:100%;padding:.8rem;margin:.5rem 0;font-size:1rem;cursor:pointer}" +
  ".amount{font-size:1.6rem;font-weight:600}.muted{color:#666}";

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

const GATEWAY_LABELS: Record<string, string> = {
  bkash: "bKash",
  nagad: "Nagad",
  sslcommerz: "Card, bank or wallet (SSLCommerz)",
  razorpay: "UPI, card or netbanking (Razorpay)",
};

function forWhat(periods: number, invoices: readonly string[]): string {
  if (invoices.length === 0) return `${periods} period${periods === 1 ? "" : "s"}`;
  return `invoice${invoices.length === 1 ? "" : "s"} ${escapeHtml(invoices.join(", "))}`;
}

export function payPage(input: {
  isp: string;
  subscriber: string;
  packageName: string;
  amount: Money;
  periods: number;
  /** The invoices the amount is owed on; none: it buys `periods` periods. */
  invoiceNumbers?: readonly string[];
  expiresAt: string;
  actionBase: string;
  gateways: readonly string[];
}): string {
  const buttons = input.gateways
    .map(
      (g) =>
        `<form method="post" action="${escapeHtml(`${input.actionBase}/${g}`)}"><button type="submit">Pay with ${escapeHtml(GATEWAY_LABELS[g] ?? g)}</button></form>`,
    )
    .join("");
  const choose =
    input.amount.amount === 0
      ? `<p>${input.invoiceNumbers?.length ? "This is paid." : "Your credit already covers this renewal."} Nothing to pay.</p>`
      : buttons || "<p>Online payment is not available right now. Please contact your ISP.</p>";
  return page(
    `${input.isp}: pay`,
    `<h1>${escapeHtml(input.isp)}</h1><p>${escapeHtml(input.subscriber)}, ${escapeHtml(input.packageName)} ` +
      `(${forWhat(input.periods, input.invoiceNumbers ?? [])})</p>` +
      `<p class="amount">${escapeHtml(formatAmount(input.amount, "en", "code"))}</p>${choose}` +
      `<p class="muted">This link expires at ${escapeHtml(input.expiresAt)}.</p>`,
  );
}

const RESULT_TEXT: Record<string, { title: string; text: string }> = {
  settled: { title: "Payment received", text: "Thank you. Your internet connection is being restored now." },
  already_settled: { title: "Payment received", text: "Thank you. This payment has already been applied." },
  pending: {
    title: "Payment being confirmed",
    text: "We are waiting for the gateway to confirm your payment. You will get an SMS when it is done.",
  },
  unconfirmed: {
    title: "Payment being confirmed",
    text: "We could not reach the gateway just now. We keep checking and will send an SMS when it is done.",
  },
  held: {
    title: "Payment under review",
    text: "The amount paid differs from the amount due. Your ISP will review it and contact you.",
  },
  rejected: {
    title: "Payment refused",
    text: "The payment was made in the wrong currency. Contact your ISP.",
  },
  failed: { title: "Payment failed", text: "The payment did not go through. You have not been charged." },
  cancelled: { title: "Payment cancelled", text: "The payment was cancelled. You have not been charged." },
};

export function resultPage(outcome: string): string {
  const r = RESULT_TEXT[outcome] ?? {
    title: "Payment status unknown",
    text: "We could not find this payment. If you were charged, contact your ISP with the receipt.",
  };
  return page(r.title, `<h1>${escapeHtml(r.title)}</h1><p>${escapeHtml(r.text)}</p>`);
}

export function errorPage(status: number, message: string): string {
  return page("Payment", `<h1>Sorry</h1><p>${escapeHtml(message)}</p><p class="muted">Error ${status}</p>`);
}
