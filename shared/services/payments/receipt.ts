import { renderMessage, sendWithRetry } from "../../domain/notifications/index.js";
import type { Package } from "../../domain/schemas/package.js";
import type { Payment } from "../../domain/schemas/payment.js";
import type { Subscriber } from "../../domain/schemas/subscriber.js";
import type { Tenant } from "../../domain/schemas/tenant.js";
import type { NotificationChannel } from "../../ports/notifier.js";
import type { ServiceDeps } from "../caller.js";
import { NOTIFIER_ACTOR } from "../notifications.js";
import { timelineEvent } from "../timeline.js";

/** A receipt is worth one quick retry, not a webhook answered late. */
const RECEIPT_RETRY = { attempts: 2, baseDelayMs: 200, maxDelayMs: 500, attemptTimeoutMs: 3000 };

/**
 * The payment receipt, by SMS (and e-mail when there is an address), after the settlement has
 * committed. Sent by the one call that settled, keyed by the payment id so a deduplicating provider
 * delivers a retried send once. The outcome goes on the timeline; a failure is never thrown.
 */
export async function sendReceipt(
  deps: ServiceDeps,
  input: { tenant: Tenant; subscriber: Subscriber; pkg: Package; payment: Payment },
): Promise<void> {
  const { tenant, subscriber, payment } = input;
  const channels: [NotificationChannel, string | undefined][] = [
    ["sms", subscriber.phone],
    ["email", subscriber.email],
  ];
  for (const [channel, to] of channels) {
    if (!to) continue;
    const rendered = renderMessage(channel, {
      kind: "receipt",
      language: tenant.notifications?.language ?? "en",
      timeZone: tenant.timeZone,
      name: subscriber.name,
      packageName: input.pkg.name,
      amount: payment.paidAmount ?? payment.amount,
      dueAt: subscriber.expiresAt ?? deps.clock.now().toISOString(),
      isp: tenant.name,
    });
    const idempotencyKey = `receipt:${payment.id}:${channel}`;
    const result = await sendWithRetry(
      deps.notifier,
      {
        channel,
        to,
        body: rendered.body,
        ...(rendered.channel === "email" ? { subject: rendered.subject } : {}),
        idempotencyKey,
      },
      { policy: RECEIPT_RETRY },
    );
    const at = deps.clock.now().toISOString();
    const event = result.ok
      ? timelineEvent(
          { actor: NOTIFIER_ACTOR },
          subscriber.id,
          at,
          "receipt.sent",
          `Receipt sent by ${channel}`,
          {
            paymentId: payment.id,
            channel,
            idempotencyKey,
          },
        )
      : timelineEvent(
          { actor: NOTIFIER_ACTOR },
          subscriber.id,
          at,
          "receipt.failed",
          `Receipt by ${channel} failed: ${result.error.message}`.slice(0, 500),
          { paymentId: payment.id, channel, reason: result.error.message },
        );
    try {
      await deps.repos.subscribers.appendEvents(tenant.id, subscriber.id, [event], { knownToExist: true });
    } catch (error) {
      deps.logger.error("receipt outcome not recorded", {
        tenantId: tenant.id,
        paymentId: payment.id,
        error,
      });
    }
  }
}
