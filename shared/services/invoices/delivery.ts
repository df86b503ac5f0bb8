import { periodLabel } from "../../domain/billing/invoice.js";
import { renderMessage, sendWithRetry } from "../../domain/notifications/index.js";
import type { Invoice } from "../../domain/schemas/invoice.js";
import type { Package } from "../../domain/schemas/package.js";
import type { Subscriber } from "../../domain/schemas/subscriber.js";
import type { Tenant } from "../../domain/schemas/tenant.js";
import type { NotificationChannel } from "../../ports/notifier.js";
import type { ServiceDeps } from "../caller.js";
import { NOTIFIER_ACTOR } from "../notifications.js";
import { reminderPayLink } from "../payments/pay-links.js";
import { timelineEvent } from "../timeline.js";

/** A new invoice's notice is worth one quick retry inside the fire that made it, not more. */
const INVOICE_RETRY = { attempts: 2, baseDelayMs: 200, maxDelayMs: 500, attemptTimeoutMs: 3000 };

export interface InvoiceDelivery {
  readonly tenant: Pick<Tenant, "id" | "name" | "timeZone" | "notifications">;
  /** As just stored (its pay link is made from it, without reading it again). */
  readonly subscriber: Pick<
    Subscriber,
    "id" | "tenantId" | "name" | "phone" | "email" | "status" | "walletBalance"
  >;
  readonly pkg: Pick<Package, "name" | "price">;
  readonly invoice: Invoice;
}

/**
 * A new invoice goes out by SMS and e-mail (where the subscriber has an address) with a pay link,
 * for what is still open on it. Called once, by whatever created the invoice, after it committed;
 * each message is keyed by invoice and channel, so a deduplicating provider delivers a retried send
 * once. Nothing to pay (the wallet covered it): nothing is sent. Every outcome goes on the
 * timeline; a delivery problem is never thrown.
 */
export async function sendInvoice(deps: ServiceDeps, input: InvoiceDelivery): Promise<void> {
  const { tenant, subscriber, invoice } = input;
  const open = invoice.total - invoice.amountPaid;
  if (invoice.status === "paid" || invoice.status === "void" || open <= 0) {
    await record(
      deps,
      input,
      "invoice.delivery_skipped",
      `Invoice ${invoice.number} not sent: nothing to pay`,
      {
        reason: "nothing to pay",
      },
    );
    return;
  }
  const channels: [NotificationChannel, string | undefined][] = [
    ["sms", subscriber.phone],
    ["email", subscriber.email],
  ];
  if (!channels.some(([, to]) => to)) {
    await record(deps, input, "invoice.delivery_skipped", `Invoice ${invoice.number} not sent: no address`, {
      reason: "no phone number or e-mail address",
    });
    return;
  }
  // The invoice's own link: it asks for what is owed on this invoice and pays it first.
  const payLink = await reminderPayLink(deps, tenant, subscriber, invoice.id);
  const language = tenant.notifications?.language ?? "en";
  const period = periodLabel(
    { start: new Date(invoice.period.start), end: new Date(invoice.period.end) },
    tenant.timeZone,
  );
  for (const [channel, to] of channels) {
    if (!to) continue;
    const rendered = renderMessage(channel, {
      kind: "invoice",
      language,
      timeZone: tenant.timeZone,
      name: subscriber.name,
      packageName: input.pkg.name,
      amount: { amount: open, currency: invoice.currency },
      dueAt: invoice.dueAt,
      isp: tenant.name,
      payLink,
      invoiceNumber: invoice.number,
      period,
    });
    const idempotencyKey = `invoice:${invoice.id}:${channel}`;
    const result = await sendWithRetry(
      deps.notifier,
      {
        channel,
        to,
        body: rendered.body,
        ...(rendered.channel === "email" ? { subject: rendered.subject } : {}),
        idempotencyKey,
      },
      { policy: INVOICE_RETRY },
    );
    if (result.ok) {
      await record(deps, input, "invoice.sent", `Invoice ${invoice.number} sent by ${channel}`, {
        channel,
        idempotencyKey,
        attempts: result.attempts,
        ...(rendered.channel === "sms" ? { segments: rendered.segments } : {}),
      });
    } else {
      deps.logger.error("invoice not sent", {
        tenantId: tenant.id,
        subscriberId: subscriber.id,
        invoiceId: invoice.id,
        channel,
        error: result.error,
      });
      await record(
        deps,
        input,
        "invoice.delivery_failed",
        `Invoice ${invoice.number} by ${channel} failed: ${result.error.message}`,
        { channel, reason: result.error.message, retryable: result.error.retryable },
      );
    }
  }
}

async function record(
  deps: ServiceDeps,
  input: InvoiceDelivery,
  type: string,
  summary: string,
  data: Record<string, unknown>,
): Promise<void> {
  const { tenant, subscriber, invoice } = input;
  const event = timelineEvent(
    { actor: NOTIFIER_ACTOR },
    subscriber.id,
    deps.clock.now().toISOString(),
    type,
    summary.slice(0, 500),
    { invoiceId: invoice.id, ...data },
  );
  try {
    // The invoice's write has just stored this subscriber: no existence check needed.
    await deps.repos.subscribers.appendEvents(tenant.id, subscriber.id, [event], { knownToExist: true });
  } catch (error) {
    deps.logger.error("invoice delivery outcome not recorded", {
      tenantId: tenant.id,
      invoiceId: invoice.id,
      error,
    });
  }
}
