import { createHash, randomBytes } from "node:crypto";
import { GatewayError } from "../../adapters/gateways/errors.js";
import { NotFoundError, ValidationError } from "../../domain/errors.js";
import { idPattern, newId } from "../../domain/ids.js";
import { nextCheckAt } from "../../domain/payments/allocate.js";
import { amountToPay } from "../../domain/payments/apply.js";
import type { Money } from "../../domain/schemas/common.js";
import type { Invoice } from "../../domain/schemas/invoice.js";
import type { Package } from "../../domain/schemas/package.js";
import type { CreatePayLinkInput, OnlineGateway, PayLink, Payment } from "../../domain/schemas/payment.js";
import type { Subscriber } from "../../domain/schemas/subscriber.js";
import type { Tenant } from "../../domain/schemas/tenant.js";
import type { StoredPayLink } from "../../ports/repositories.js";
import type { Caller, ServiceDeps } from "../caller.js";
import { type LifecycleContext, loadContext } from "../lifecycle.js";
import { timelineEvent } from "../timeline.js";
import { readAccount, unpaidInvoices } from "./account.js";
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
  options: { readonly invoiceId?: string | undefined } = {},
): Promise<PayLink> {
  const ctx = await loadContext(deps, caller.tenantId, subscriberId);
  refuseTerminated(ctx.sub);
  const { link, token } = await storePayLink(deps, caller.tenantId, subscriberId, input, options.invoiceId);
  const due = await amountOwed(deps, ctx, link);
  return {
    url: payLinkUrl(baseUrl, token),
    subscriberId,
    amount: due.amount,
    periods: input.periods,
    invoices: due.invoices.map((i) => ({ invoiceId: i.id, number: i.number })),
    expiresAt: link.expiresAt,
  };
}

function refuseTerminated(sub: Pick<Subscriber, "status">): void {
  if (sub.status === "terminated") {
    throw new ValidationError("Subscriber is terminated", [
      { path: "", message: "a terminated subscriber cannot pay" },
    ]);
  }
}

/**
 * Stores a new link (only its secret's hash) and returns it with its token. What it asks for is
 * worked out when it is opened, from what is owed then.
 */
async function storePayLink(
  deps: ServiceDeps,
  tenantId: string,
  subscriberId: string,
  input: CreatePayLinkInput,
  invoiceId: string | undefined,
): Promise<{ link: StoredPayLink; token: string }> {
  const now = deps.clock.now();
  const secret = randomBytes(24).toString("base64url");
  const link: StoredPayLink = {
    tenantId,
    secretHash: hashSecret(secret),
    subscriberId,
    periods: input.periods,
    ...(invoiceId === undefined ? {} : { invoiceId }),
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + input.expiresInHours * 3_600_000).toISOString(),
  };
  await deps.repos.payments.putPayLink(link);
  return { link, token: `${tenantId}.${secret}` };
}

/**
 * What a link asks for now (the rule is `amountToPay` in domain/payments/apply.ts): what is owed on
 * the subscriber's unpaid invoices (an invoice's own link: on that invoice), else `periods` package
 * periods; less wallet credit either way.
 */
async function amountOwed(
  deps: ServiceDeps,
  ctx: LifecycleContext,
  link: Pick<StoredPayLink, "periods" | "invoiceId">,
): Promise<{ amount: Money; invoices: Invoice[] }> {
  const account = await readAccount(deps, ctx, await unpaidInvoices(deps, ctx.sub.tenantId, ctx.sub.id));
  const currency = ctx.pkg.price.currency;
  const due = amountToPay({
    invoices: account.unpaid,
    invoiceId: link.invoiceId,
    currency,
    price: ctx.pkg.price.amount,
    periods: link.periods,
    walletBalance: ctx.sub.walletBalance ?? 0,
  });
  return { amount: { amount: due.amount, currency }, invoices: due.invoices };
}

/**
 * The link a reminder or an invoice carries: created by the system, valid a week (an invoice's: 31
 * days); for what the subscriber owes when it is opened (one period when no invoice is unpaid), or
 * an invoice's own link for that invoice. The caller holds the subscriber as just read or written,
 * so making it reads nothing: one put.
 * Needs the public API URL (`PUBLIC_BASE_URL`); without it the tenant's own `payLinkBase`, if any.
 */
export async function reminderPayLink(
  deps: ServiceDeps,
  tenant: {
    readonly id: string;
    readonly notifications?: { readonly payLinkBase?: string | undefined } | undefined;
  },
  subscriber: Pick<Subscriber, "id" | "status">,
  invoiceId?: string,
): Promise<string | undefined> {
  const base = process.env.PUBLIC_BASE_URL;
  if (!base) return tenant.notifications?.payLinkBase;
  try {
    refuseTerminated(subscriber);
    // An invoice's link outlives its due date and grace; a reminder's is for the days around expiry.
    const input = { periods: 1, expiresInHours: (invoiceId === undefined ? 7 : 31) * 24 };
    const { token } = await storePayLink(deps, tenant.id, subscriber.id, input, invoiceId);
    return payLinkUrl(base, token);
  } catch (error) {
    deps.logger.warn("no pay link for the reminder", {
      tenantId: tenant.id,
      subscriberId: subscriber.id,
      error,
    });
    return tenant.notifications?.payLinkBase;
  }
}

export interface OpenPayLink {
  readonly tenant: Tenant;
  readonly subscriber: Subscriber;
  readonly pkg: Package;
  readonly link: StoredPayLink;
  readonly amount: Money;
  /** The unpaid invoices the amount is owed on (none: it buys the link's periods). */
  readonly invoices: readonly Invoice[];
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
  const [configs, due] = await Promise.all([deps.repos.gateways.list(tenantId), amountOwed(deps, ctx, link)]);
  return {
    tenant: ctx.tenant,
    subscriber: ctx.sub,
    pkg: ctx.pkg,
    link,
    amount: due.amount,
    invoices: due.invoices,
    gateways: configs.filter((c) => c.enabled).map((c) => c.gateway),
  };
}

/** What the gateway shows the payer: the invoices paid, or the package periods bought. */
export function checkoutDescription(open: Pick<OpenPayLink, "pkg" | "link" | "invoices">): string {
  if (open.invoices.length > 0) {
    const numbers = open.invoices.map((i) => i.number);
    const shown = numbers.length > 3 ? [...numbers.slice(0, 3), `and ${numbers.length - 3} more`] : numbers;
    return `${open.pkg.name}: invoice${numbers.length === 1 ? "" : "s"} ${shown.join(", ")}`;
  }
  const n = open.link.periods;
  return `${open.pkg.name} (${n} period${n === 1 ? "" : "s"})`;
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
      {
        path: "",
        message:
          open.link.invoiceId === undefined
            ? "the wallet already covers this renewal"
            : "the invoice is paid",
      },
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
    ...(open.invoices.length > 0 ? {} : { periods: open.link.periods }),
    ...(open.link.invoiceId === undefined ? {} : { invoiceId: open.link.invoiceId }),
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
      description: checkoutDescription(open),
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
