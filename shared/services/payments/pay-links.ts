import { createHash, randomBytes } from "node:crypto";
import { GatewayError } from "../../adapters/gateways/errors.js";
import { NotFoundError, ValidationError } from "../../domain/errors.js";
import { idPattern, newId } from "../../domain/ids.js";
import { amountDue, nextCheckAt } from "../../domain/payments/allocate.js";
import type { Money } from "../../domain/schemas/common.js";
import type { Package } from "../../domain/schemas/package.js";
import type { CreatePayLinkInput, OnlineGateway, PayLink, Payment } from "../../domain/schemas/payment.js";
import type { Subscriber } from "../../domain/schemas/subscriber.js";
import type { Tenant } from "../../domain/schemas/tenant.js";
import type { StoredPayLink } from "../../ports/repositories.js";
import type { Caller, ServiceDeps } from "../caller.js";
import { loadContext } from "../lifecycle.js";
import { timelineEvent } from "../timeline.js";
import { loadGateway } from "./gateway-settings.js";

/**
 * A pay link token is `<tenantId>.<secret>`: the tenant part routes the lookup into the tenant's
 * partition (no cross-tenant index), the 192-bit secret makes it unguessable, and only its
 * SHA-256 is stored.
 */
const SECRET_RE = /^[A-Za-z0-9_-]{32}$/;

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

export function parsePayToken(token: string): { tenantId: string; secret: string } {
  const dot = token.indexOf(".");
  const tenantId = token.slice(0, dot);
  const secret = token.slice(dot + 1);
  if (dot < 0 || !idPattern("tenant").test(tenantId) || !SECRET_RE.test(secret)) {
    throw new NotFoundError("This payment link is not valid");
  }
  return { tenantId, secret };
}

export function payLinkUrl(baseUrl: string, token: string): string {
  return `${baseUrl}/v1/pay/${token}`;
}

/** `POST /v1/subscribers/{id}/pay-links`: a link the ISP sends (reminders, invoices, support chat). */
export async function createPayLink(
  deps: ServiceDeps,
  caller: Caller,
  subscriberId: string,
  input: CreatePayLinkInput,
  baseUrl: string,
): Promise<PayLink> {
  const ctx = await loadContext(deps, caller.tenantId, subscriberId);
  return issuePayLink(deps, caller, ctx, input, baseUrl);
}

/** A subscriber already read (with its package): what they are asked to pay, and where they pay it. */
export interface PayLinkHolder {
  readonly sub: Pick<Subscriber, "id" | "status" | "walletBalance">;
  readonly pkg: Pick<Package, "price">;
}

/** `createPayLink` for a subscriber the caller has just read or written: no second read. */
export async function issuePayLink(
  deps: ServiceDeps,
  caller: Caller,
  ctx: PayLinkHolder,
  input: CreatePayLinkInput,
  baseUrl: string,
): Promise<PayLink> {
  const subscriberId = ctx.sub.id;
  if (ctx.sub.status === "terminated") {
    throw new ValidationError("Subscriber is terminated", [
      { path: "", message: "a terminated subscriber cannot pay" },
    ]);
  }
  const now = deps.clock.now();
  const secret = randomBytes(24).toString("base64url");
  const link: StoredPayLink = {
    tenantId: caller.tenantId,
    secretHash: hashSecret(secret),
    subscriberId,
    periods: input.periods,
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + input.expiresInHours * 3_600_000).toISOString(),
  };
  await deps.repos.payments.putPayLink(link);
  return {
    url: payLinkUrl(baseUrl, `${caller.tenantId}.${secret}`),
    subscriberId,
    amount: amountDue(ctx.pkg.price, input.periods, ctx.sub.walletBalance ?? 0),
    periods: input.periods,
    expiresAt: link.expiresAt,
  };
}

/**
 * The link a reminder carries: created by the system for one period, valid a week. Needs the
 * public API URL (`PUBLIC_BASE_URL`); without it the tenant's own `payLinkBase`, if any. `known`:
 * the subscriber and package as the caller holds them, so they are not read again.
 */
export async function reminderPayLink(
  deps: ServiceDeps,
  tenant: {
    readonly id: string;
    readonly notifications?: { readonly payLinkBase?: string | undefined } | undefined;
  },
  subscriberId: string,
  known?: PayLinkHolder,
): Promise<string | undefined> {
  const base = process.env.PUBLIC_BASE_URL;
  if (!base) return tenant.notifications?.payLinkBase;
  const caller: Caller = { tenantId: tenant.id, role: "owner", actor: { kind: "scheduler", id: "reminder" } };
  const input = { periods: 1, expiresInHours: 7 * 24 };
  try {
    const link = known
      ? await issuePayLink(deps, caller, known, input, base)
      : await createPayLink(deps, caller, subscriberId, input, base);
    return link.url;
  } catch (error) {
    deps.logger.warn("no pay link for the reminder", { tenantId: tenant.id, subscriberId, error });
    return tenant.notifications?.payLinkBase;
  }
}

export interface OpenPayLink {
  readonly tenant: Tenant;
  readonly subscriber: Subscriber;
  readonly pkg: Package;
  readonly link: StoredPayLink;
  readonly amount: Money;
  readonly gateways: OnlineGateway[];
}

/** What the pay page shows: who pays what, and with which of the ISP's gateways. */
export async function openPayLink(deps: ServiceDeps, token: string): Promise<OpenPayLink> {
  const { tenantId, secret } = parsePayToken(token);
  const link = await deps.repos.payments.getPayLink(tenantId, hashSecret(secret));
  if (!link) throw new NotFoundError("This payment link is not valid");
  if (link.expiresAt <= deps.clock.now().toISOString()) {
    throw new NotFoundError("This payment link has expired: ask your ISP for a new one");
  }
  const ctx = await loadContext(deps, tenantId, link.subscriberId);
  if (ctx.sub.status === "terminated") throw new NotFoundError("This payment link is no longer valid");
  const configs = await deps.repos.gateways.list(tenantId);
  return {
    tenant: ctx.tenant,
    subscriber: ctx.sub,
    pkg: ctx.pkg,
    link,
    amount: amountDue(ctx.pkg.price, link.periods, ctx.sub.walletBalance ?? 0),
    gateways: configs.filter((c) => c.enabled).map((c) => c.gateway),
  };
}

export function returnUrl(
  baseUrl: string,
  gateway: OnlineGateway,
  tenantId: string,
  paymentId: string,
): string {
  return `${baseUrl}/v1/pay/return/${gateway}/${tenantId}/${paymentId}`;
}

/**
 * The payer chose a gateway: record a pending payment first (so no confirmation can arrive for a
 * payment we do not know), create the gateway's checkout, and send the payer there.
 */
export async function startCheckout(
  deps: ServiceDeps,
  token: string,
  gateway: OnlineGateway,
  baseUrl: string,
): Promise<{ redirectUrl: string; payment: Payment }> {
  const open = await openPayLink(deps, token);
  if (!open.gateways.includes(gateway)) throw new NotFoundError(`${gateway} is not enabled for this ISP`);
  if (open.amount.amount === 0) {
    throw new ValidationError("Nothing to pay", [
      { path: "", message: "the wallet already covers this renewal" },
    ]);
  }
  const { module, ctx } = await loadGateway(deps, open.tenant.id, gateway, { forCheckout: true });
  const now = deps.clock.now();
  const at = now.toISOString();
  const id = newId("payment", now.getTime());
  const payment: Payment = {
    id,
    tenantId: open.tenant.id,
    subscriberId: open.subscriber.id,
    gateway,
    amount: open.amount,
    periods: open.link.periods,
    status: "pending",
    checks: 0,
    nextCheckAt: nextCheckAt(at, 0, now),
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
  const actor = { kind: "gateway" as const, id: gateway };
  await deps.repos.payments.create(payment, [
    timelineEvent(
      { actor },
      payment.subscriberId,
      at,
      "payment.started",
      `Checkout started with ${gateway}`,
      {
        paymentId: id,
        gateway,
        amount: open.amount,
      },
    ),
  ]);
  try {
    const checkout = await module.createCheckout(ctx, {
      paymentId: id,
      amount: open.amount,
      description: `${open.pkg.name} (${open.link.periods} period${open.link.periods === 1 ? "" : "s"})`,
      customer: { name: open.subscriber.name, phone: open.subscriber.phone, email: open.subscriber.email },
      returnUrl: returnUrl(baseUrl, gateway, open.tenant.id, id),
      notifyUrl: `${baseUrl}/v1/webhooks/${gateway}/${open.tenant.id}`,
    });
    const saved = await deps.repos.payments.update(
      payment,
      { ...payment, gatewayRef: checkout.gatewayRef, updatedAt: deps.clock.now().toISOString() },
      [],
    );
    return { redirectUrl: checkout.redirectUrl, payment: saved };
  } catch (error) {
    const reason = error instanceof GatewayError ? error.message : "the checkout could not be created";
    const failedAt = deps.clock.now().toISOString();
    await deps.repos.payments.update(
      payment,
      { ...payment, status: "failed", statusReason: reason, nextCheckAt: undefined, updatedAt: failedAt },
      [
        timelineEvent(
          { actor },
          payment.subscriberId,
          failedAt,
          "payment.failed",
          `Checkout failed: ${reason}`,
          {
            paymentId: id,
            gateway,
          },
        ),
      ],
    );
    throw error;
  }
}
