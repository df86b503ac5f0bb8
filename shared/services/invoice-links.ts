import { createHash, randomBytes } from "node:crypto";
import * as z from "zod";
import { NotFoundError } from "../domain/errors.js";
import { idPattern } from "../domain/ids.js";
import type { Invoice } from "../domain/schemas/invoice.js";
import type { Subscriber } from "../domain/schemas/subscriber.js";
import type { Tenant } from "../domain/schemas/tenant.js";
import type { StoredInvoiceLink } from "../ports/billing-views.js";
import type { Caller, ServiceDeps } from "./caller.js";
import { getInvoice } from "./invoice-reads.js";

/**
 * The link a subscriber opens to see an invoice (HTML) or download it (PDF). Like a pay link, the
 * token is `<tenantId>.<secret>`: the tenant part routes the lookup to the tenant's partition, the
 * 192-bit secret makes it unguessable, and only its SHA-256 is stored. The page shows nothing else
 * of the tenant's data, and the token is never logged.
 */
const SECRET_RE = /^[A-Za-z0-9_-]{32}$/;

/** Query of `POST /v1/invoices/{id}/links` (no body). */
export const CreateInvoiceLinkSchema = z
  .object({
    expiresInDays: z.coerce.number().int().min(1).max(400).default(90).meta({ description: "1-400" }),
  })
  .strict();
export type CreateInvoiceLinkInput = z.infer<typeof CreateInvoiceLinkSchema>;

export const InvoiceLinkSchema = z
  .object({
    url: z.url().meta({ description: "The invoice page (HTML)" }),
    pdfUrl: z.url(),
    invoiceId: z.string(),
    expiresAt: z.string(),
  })
  .meta({ id: "InvoiceLink" });
export type InvoiceLink = z.infer<typeof InvoiceLinkSchema>;

const hash = (secret: string) => createHash("sha256").update(secret).digest("hex");

export function invoiceLinkUrls(baseUrl: string, token: string): { url: string; pdfUrl: string } {
  return { url: `${baseUrl}/v1/bill/${token}`, pdfUrl: `${baseUrl}/v1/bill/${token}/pdf` };
}

/**
 * A new link to one invoice of the tenant. Invoice delivery (SMS, e-mail) calls this with a system
 * caller; `POST /v1/invoices/{id}/links` with an admin's.
 */
export async function createInvoiceLink(
  deps: ServiceDeps,
  caller: Caller,
  invoiceId: string,
  input: CreateInvoiceLinkInput,
  baseUrl: string,
): Promise<InvoiceLink> {
  const invoice = await getInvoice(deps, caller, invoiceId);
  const now = deps.clock.now();
  const secret = randomBytes(24).toString("base64url");
  const link: StoredInvoiceLink = {
    tenantId: caller.tenantId,
    secretHash: hash(secret),
    invoiceId: invoice.id,
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + input.expiresInDays * 86_400_000).toISOString(),
  };
  await deps.repos.invoiceLinks.put(link);
  return {
    ...invoiceLinkUrls(baseUrl, `${caller.tenantId}.${secret}`),
    invoiceId: invoice.id,
    expiresAt: link.expiresAt,
  };
}

export interface OpenInvoice {
  readonly invoice: Invoice;
  readonly tenant: Tenant;
  readonly subscriber: Subscriber | undefined;
}

/** What the link shows; every way of not finding it is the same 404 (nothing to probe). */
export async function openInvoiceLink(deps: ServiceDeps, token: string): Promise<OpenInvoice> {
  const notFound = () => new NotFoundError("This invoice link is not valid");
  const dot = token.indexOf(".");
  const tenantId = token.slice(0, dot);
  const secret = token.slice(dot + 1);
  if (dot < 0 || !idPattern("tenant").test(tenantId) || !SECRET_RE.test(secret)) throw notFound();
  const link = await deps.repos.invoiceLinks.get(tenantId, hash(secret));
  if (!link) throw notFound();
  if (link.expiresAt <= deps.clock.now().toISOString()) {
    throw new NotFoundError("This invoice link has expired: ask your ISP for a new one");
  }
  const [invoice, tenant] = await Promise.all([
    deps.repos.invoices.get(tenantId, link.invoiceId),
    deps.repos.tenants.get(tenantId),
  ]);
  if (!invoice || !tenant || tenant.status !== "active") throw notFound();
  const subscriber = await deps.repos.subscribers.get(tenantId, invoice.subscriberId);
  return { invoice, tenant, subscriber };
}
