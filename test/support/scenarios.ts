import type { Role } from "../../shared/domain/schemas/api-key.js";
import type { InvoiceStatus } from "../../shared/domain/schemas/invoice.js";
import { mintApiKey } from "../../shared/services/api-keys.js";
import type { ServiceDeps } from "../../shared/services/caller.js";
import { putEventSubscription } from "../../shared/services/event-subscriptions.js";
import { setBillingPaused } from "../../shared/services/invoices/billing-pause.js";
import { createPackage } from "../../shared/services/packages.js";
import { recordManualPayment } from "../../shared/services/payments/records.js";
import { createEnrollmentCode } from "../../shared/services/site-agents.js";
import { createNas, createSite } from "../../shared/services/sites.js";
import { createSubscriber } from "../../shared/services/subscribers.js";
import { nasBody, packageBody, subscriberBody, type TenantWorld } from "./api.js";
import { seedInvoice } from "./invoices.js";

export interface Request {
  method: string;
  path: string;
  body?: unknown;
}

/** Builds a request for one operation against a world, creating fresh resources where it mutates. */
export type Scenario = (w: TenantWorld, deps: ServiceDeps) => Promise<Request>;

const fresh = {
  package: async (w: TenantWorld, deps: ServiceDeps) =>
    (await createPackage(deps, w.owner, packageBody())).resource.id,
  site: async (w: TenantWorld, deps: ServiceDeps) =>
    (await createSite(deps, w.owner, { name: "Fresh site" })).resource.id,
  nas: async (w: TenantWorld, deps: ServiceDeps) =>
    (await createNas(deps, w.owner, w.siteId, nasBody())).resource.id,
  subscriber: async (w: TenantWorld, deps: ServiceDeps) =>
    (await createSubscriber(deps, w.owner, subscriberBody(w.packageId, w.siteId))).resource.id,
  /** A settled cash payment, for a fresh subscriber (the world's own keeps its version). */
  payment: async (w: TenantWorld, deps: ServiceDeps) =>
    (
      await recordManualPayment(
        deps,
        w.owner,
        await fresh.subscriber(w, deps),
        { amount: { amount: 50_000, currency: "BDT" }, method: "cash" },
        undefined,
      )
    ).resource.id,
  /** The tenant's webhook, created (or replaced) through the service. */
  eventSubscription: async (w: TenantWorld, deps: ServiceDeps) => {
    await putEventSubscription(
      deps,
      w.owner,
      { url: "https://hooks.example.com/isp", events: ["*"], enabled: true },
      { allowLoopback: false },
    );
  },
  /** An open invoice of the world's subscriber (generation is not an API route: the repository). */
  invoice: async (w: TenantWorld, deps: ServiceDeps) =>
    (await seedInvoice(deps.repos.invoices, { tenantId: w.tenantId, subscriberId: w.subscriberId })).id,
  /** An invoice of a fresh subscriber (overrides change the subscriber too), open unless asked. */
  subscriberInvoice: async (w: TenantWorld, deps: ServiceDeps, status: InvoiceStatus = "open") =>
    seedInvoice(deps.repos.invoices, {
      tenantId: w.tenantId,
      subscriberId: await fresh.subscriber(w, deps),
      status,
    }),
  /** A fresh subscriber with its billing paused; returns its id and version. */
  billingPaused: async (w: TenantWorld, deps: ServiceDeps) => {
    const id = await fresh.subscriber(w, deps);
    const sub = await setBillingPaused(deps, w.owner, id, { version: 1, reason: "dispute" }, true);
    return { id, version: sub.version };
  },
  /** The daily summary by e-mail, created or replaced; returns its version. */
  dailySummary: async (w: TenantWorld, deps: ServiceDeps) => {
    const current = await deps.repos.reports.getDailySummary(w.tenantId);
    const next = {
      tenantId: w.tenantId,
      enabled: true,
      hour: 8,
      emails: ["noc@isp.example.net"],
      updatedAt: new Date().toISOString(),
      version: (current?.version ?? 0) + 1,
    };
    await deps.repos.reports.putDailySummary(next, current?.version ?? 0);
    return next.version;
  },
  key: async (w: TenantWorld, deps: ServiceDeps) => {
    const { stored } = mintApiKey(w.tenantId, "fresh", "readonly", "test", new Date().toISOString());
    await deps.repos.apiKeys.create(stored);
    return stored.id;
  },
};

/** Keyed by operation id; `updateSubscriber:money` is the money-field variant of the PATCH. */
export const scenarios: Record<string, Scenario> = {
  listPackages: async () => ({ method: "GET", path: "/v1/packages" }),
  createPackage: async () => ({ method: "POST", path: "/v1/packages", body: packageBody() }),
  getPackage: async (w) => ({ method: "GET", path: `/v1/packages/${w.packageId}` }),
  updatePackage: async (w, d) => ({
    method: "PATCH",
    path: `/v1/packages/${await fresh.package(w, d)}`,
    body: { version: 1, name: "Renamed", price: { amount: 60_000, currency: "BDT" }, graceDays: 3 },
  }),
  archivePackage: async (w, d) => ({ method: "DELETE", path: `/v1/packages/${await fresh.package(w, d)}` }),

  listSubscribers: async () => ({ method: "GET", path: "/v1/subscribers" }),
  createSubscriber: async (w) => ({
    method: "POST",
    path: "/v1/subscribers",
    body: subscriberBody(w.packageId, w.siteId),
  }),
  getSubscriber: async (w) => ({ method: "GET", path: `/v1/subscribers/${w.subscriberId}` }),
  updateSubscriber: async (w, d) => ({
    method: "PATCH",
    path: `/v1/subscribers/${await fresh.subscriber(w, d)}`,
    body: { version: 1, name: "New Name", phone: "+8801711999999" },
  }),
  "updateSubscriber:money": async (w, d) => ({
    method: "PATCH",
    path: `/v1/subscribers/${await fresh.subscriber(w, d)}`,
    body: { version: 1, expiresAt: "2030-01-01T00:00:00Z" },
  }),
  terminateSubscriber: async (w, d) => ({
    method: "DELETE",
    path: `/v1/subscribers/${await fresh.subscriber(w, d)}`,
  }),
  subscriberAction: async (w, d) => ({
    method: "POST",
    path: `/v1/subscribers/${await fresh.subscriber(w, d)}/actions`,
    body: { action: "suspend", version: 1, note: "Cable cut reported" },
  }),
  "subscriberAction:money": async (w, d) => ({
    method: "POST",
    path: `/v1/subscribers/${await fresh.subscriber(w, d)}/actions`,
    body: { action: "renew", version: 1, periods: 2 },
  }),
  subscriberTimeline: async (w) => ({ method: "GET", path: `/v1/subscribers/${w.subscriberId}/timeline` }),

  listSites: async () => ({ method: "GET", path: "/v1/sites" }),
  createSite: async () => ({
    method: "POST",
    path: "/v1/sites",
    body: { name: "New site", location: "Uttara", description: "POP 2", timeZone: "Asia/Dhaka" },
  }),
  getSite: async (w) => ({ method: "GET", path: `/v1/sites/${w.siteId}` }),
  updateSite: async (w, d) => ({
    method: "PATCH",
    path: `/v1/sites/${await fresh.site(w, d)}`,
    body: { version: 1, location: "Uttara", timeZone: "Asia/Kolkata" },
  }),
  archiveSite: async (w, d) => ({ method: "DELETE", path: `/v1/sites/${await fresh.site(w, d)}` }),
  listNas: async (w) => ({ method: "GET", path: `/v1/sites/${w.siteId}/nas` }),
  createNas: async (w) => ({ method: "POST", path: `/v1/sites/${w.siteId}/nas`, body: nasBody() }),
  getNas: async (w) => ({ method: "GET", path: `/v1/sites/${w.siteId}/nas/${w.nasId}` }),
  updateNas: async (w, d) => ({
    method: "PATCH",
    path: `/v1/sites/${w.siteId}/nas/${await fresh.nas(w, d)}`,
    body: { version: 1, name: "ccr2", address: "10.0.0.2", method: "api" },
  }),
  deleteNas: async (w, d) => ({
    method: "DELETE",
    path: `/v1/sites/${w.siteId}/nas/${await fresh.nas(w, d)}`,
  }),
  createEnrollmentCode: async (w) => ({ method: "POST", path: `/v1/sites/${w.siteId}/enrollments` }),
  revokeSiteAgent: async (w, d) => ({ method: "DELETE", path: `/v1/sites/${await fresh.site(w, d)}/agent` }),
  /** Public (the code is the credential); listed for the bad-input sweep over every body. */
  enrollAgent: async (w, d) => ({
    method: "POST",
    path: "/v1/agent/enroll",
    body: {
      code: (await createEnrollmentCode(d, w.owner, await fresh.site(w, d))).code,
      device: { hostname: "pop2-agent", agentVersion: "1.4.0" },
    },
  }),

  listPayments: async (w, d) => {
    await fresh.payment(w, d);
    return { method: "GET", path: "/v1/payments" };
  },
  getPayment: async (w, d) => ({ method: "GET", path: `/v1/payments/${await fresh.payment(w, d)}` }),
  recordRefund: async (w, d) => ({
    method: "POST",
    path: `/v1/payments/${await fresh.payment(w, d)}/refunds`,
    body: { amount: { amount: 1000, currency: "BDT" }, reason: "Double charged at the counter" },
  }),
  listSubscriberPayments: async (w) => ({
    method: "GET",
    path: `/v1/subscribers/${w.subscriberId}/payments`,
  }),
  createSubscriberInvoice: async (w, d) => ({
    method: "POST",
    path: `/v1/subscribers/${await fresh.subscriber(w, d)}/invoices`,
    body: { lines: [{ kind: "adjustment", description: "Installation", amount: 100_000 }], notify: false },
  }),
  voidInvoice: async (w, d) => {
    const invoice = await fresh.subscriberInvoice(w, d);
    return {
      method: "POST",
      path: `/v1/invoices/${invoice.id}/void`,
      body: { version: invoice.version, reason: "billed twice" },
    };
  },
  addInvoiceAdjustment: async (w, d) => {
    const invoice = await fresh.subscriberInvoice(w, d);
    return {
      method: "POST",
      path: `/v1/invoices/${invoice.id}/adjustments`,
      body: {
        version: invoice.version,
        kind: "discount",
        description: "Outage",
        amount: -5_000,
        reason: "outage",
      },
    };
  },
  markInvoicePaid: async (w, d) => {
    const invoice = await fresh.subscriberInvoice(w, d);
    return {
      method: "POST",
      path: `/v1/invoices/${invoice.id}/mark-paid`,
      body: { version: invoice.version, reason: "cash at the office" },
    };
  },
  createCreditNote: async (w, d) => {
    const invoice = await fresh.subscriberInvoice(w, d, "paid");
    return {
      method: "POST",
      path: `/v1/invoices/${invoice.id}/credit-notes`,
      body: { version: invoice.version, amount: 1_000, reason: "two days' outage" },
    };
  },
  pauseBilling: async (w, d) => ({
    method: "POST",
    path: `/v1/subscribers/${await fresh.subscriber(w, d)}/billing/pause`,
    body: { version: 1, reason: "complimentary month" },
  }),
  resumeBilling: async (w, d) => {
    const { id, version } = await fresh.billingPaused(w, d);
    return {
      method: "POST",
      path: `/v1/subscribers/${id}/billing/resume`,
      body: { version, reason: "resolved" },
    };
  },
  recordManualPayment: async (w) => ({
    method: "POST",
    path: `/v1/subscribers/${w.subscriberId}/payments`,
    body: { amount: { amount: 50_000, currency: "BDT" }, method: "cash", reference: "R-1" },
  }),
  createPayLink: async (w) => ({
    method: "POST",
    path: `/v1/subscribers/${w.subscriberId}/pay-links`,
    body: { periods: 1, expiresInHours: 24 },
  }),
  listGateways: async () => ({ method: "GET", path: "/v1/gateways" }),
  putGateway: async () => ({
    method: "PUT",
    path: "/v1/gateways/sslcommerz",
    body: { enabled: true, mode: "sandbox", credentials: { storeId: "store1", storePassword: "store1@ssl" } },
  }),
  deleteGateway: async (w, d) => {
    await d.repos.gateways
      .put(
        {
          tenantId: w.tenantId,
          gateway: "nagad",
          enabled: false,
          mode: "sandbox",
          credentialsCiphertext: "x",
          credentialsInfo: {},
          updatedAt: new Date().toISOString(),
          version: 1,
        },
        0,
      )
      .catch(() => undefined);
    return { method: "DELETE", path: "/v1/gateways/nagad" };
  },

  getEventSubscription: async (w, d) => {
    await fresh.eventSubscription(w, d);
    return { method: "GET", path: "/v1/event-subscription" };
  },
  putEventSubscription: async () => ({
    method: "PUT",
    path: "/v1/event-subscription",
    body: {
      url: "https://hooks.example.com/isp",
      events: ["subscriber.suspended", "payment.settled"],
      enabled: true,
    },
  }),
  deleteEventSubscription: async (w, d) => {
    await fresh.eventSubscription(w, d);
    return { method: "DELETE", path: "/v1/event-subscription" };
  },
  rotateEventSubscriptionSecret: async (w, d) => {
    await fresh.eventSubscription(w, d);
    return {
      method: "POST",
      path: "/v1/event-subscription/rotate-secret",
      body: { keepPreviousForHours: 0 },
    };
  },
  listWebhookDeliveries: async () => ({ method: "GET", path: "/v1/event-subscription/deliveries" }),

  listInvoices: async (w, d) => {
    await fresh.invoice(w, d);
    return { method: "GET", path: "/v1/invoices" };
  },
  getInvoice: async (w, d) => ({ method: "GET", path: `/v1/invoices/${await fresh.invoice(w, d)}` }),
  getInvoicePdf: async (w, d) => ({ method: "GET", path: `/v1/invoices/${await fresh.invoice(w, d)}/pdf` }),
  createInvoiceLink: async (w, d) => ({
    method: "POST",
    path: `/v1/invoices/${await fresh.invoice(w, d)}/links?expiresInDays=30`,
  }),
  listSubscriberInvoices: async (w) => ({
    method: "GET",
    path: `/v1/subscribers/${w.subscriberId}/invoices`,
  }),
  billingSummary: async () => ({ method: "GET", path: "/v1/reports/billing-summary?month=2026-03" }),
  listDues: async () => ({ method: "GET", path: "/v1/reports/dues?days=7" }),
  exportInvoicesCsv: async () => ({ method: "GET", path: "/v1/reports/invoices.csv" }),
  exportPaymentsCsv: async () => ({ method: "GET", path: "/v1/reports/payments.csv" }),
  previewDailySummary: async () => ({ method: "GET", path: "/v1/reports/daily-summary" }),
  getDailySummarySettings: async (w, d) => {
    await fresh.dailySummary(w, d);
    return { method: "GET", path: "/v1/reports/daily-summary/settings" };
  },
  putDailySummarySettings: async (w, d) => ({
    method: "PUT",
    path: "/v1/reports/daily-summary/settings",
    body: {
      enabled: true,
      hour: 7,
      emails: ["owner@isp.example.net"],
      telegram: { chatId: "-1001234567890", botToken: `123456789:${"A".repeat(35)}` },
      version: (await d.repos.reports.getDailySummary(w.tenantId))?.version ?? 0,
    },
  }),
  deleteDailySummarySettings: async (w, d) => {
    await fresh.dailySummary(w, d);
    return { method: "DELETE", path: "/v1/reports/daily-summary/settings" };
  },
  sendDailySummary: async (w, d) => {
    await fresh.dailySummary(w, d);
    return { method: "POST", path: "/v1/reports/daily-summary/send" };
  },
  getTenant: async () => ({ method: "GET", path: "/v1/tenant" }),
  putTenantBranding: async () => ({
    method: "PUT",
    path: "/v1/tenant/branding",
    body: {
      displayName: "Fiber Net",
      logoUrl: "https://isp.example.net/logo.png",
      accentColor: "#0A7D32",
      address: "House 1, Road 2",
      phone: "+8801711000000",
      email: "billing@isp.example.net",
      website: "https://isp.example.net",
      invoiceFooter: "BIN 000123456",
    },
  }),

  listApiKeys: async () => ({ method: "GET", path: "/v1/api-keys" }),
  createApiKey: async () => ({
    method: "POST",
    path: "/v1/api-keys",
    body: { name: "ci", role: "readonly" },
  }),
  revokeApiKey: async (w, d) => ({ method: "DELETE", path: `/v1/api-keys/${await fresh.key(w, d)}` }),
};

const READ = ["owner", "admin", "billing", "support", "readonly"] as const;
const MONEY = ["owner", "admin", "billing"] as const;
const NETWORK = ["owner", "admin"] as const;
const OWNER = ["owner"] as const;

/**
 * The role rules, written out by hand from the product rules (not derived from the code under
 * test): readonly cannot write, support cannot change money or keys, only owner manages keys.
 */
export const allowedRoles: Record<string, readonly Role[]> = {
  listPackages: READ,
  getPackage: READ,
  createPackage: MONEY,
  updatePackage: MONEY,
  archivePackage: MONEY,
  listSubscribers: READ,
  getSubscriber: READ,
  subscriberTimeline: READ,
  createSubscriber: MONEY,
  updateSubscriber: ["owner", "admin", "billing", "support"],
  "updateSubscriber:money": MONEY,
  terminateSubscriber: MONEY,
  subscriberAction: ["owner", "admin", "billing", "support"],
  "subscriberAction:money": MONEY,
  listSites: READ,
  getSite: READ,
  listNas: READ,
  getNas: READ,
  createSite: NETWORK,
  updateSite: NETWORK,
  archiveSite: NETWORK,
  createNas: NETWORK,
  updateNas: NETWORK,
  deleteNas: NETWORK,
  createEnrollmentCode: NETWORK,
  revokeSiteAgent: NETWORK,
  listPayments: READ,
  getPayment: READ,
  listSubscriberPayments: READ,
  listGateways: READ,
  recordRefund: MONEY,
  recordManualPayment: MONEY,
  createSubscriberInvoice: MONEY,
  voidInvoice: MONEY,
  addInvoiceAdjustment: MONEY,
  markInvoicePaid: MONEY,
  createCreditNote: MONEY,
  pauseBilling: MONEY,
  resumeBilling: MONEY,
  createPayLink: ["owner", "admin", "billing", "support"],
  putGateway: OWNER,
  deleteGateway: OWNER,
  getEventSubscription: READ,
  listWebhookDeliveries: READ,
  putEventSubscription: OWNER,
  deleteEventSubscription: OWNER,
  rotateEventSubscriptionSecret: OWNER,
  listInvoices: READ,
  getInvoice: READ,
  getInvoicePdf: READ,
  listSubscriberInvoices: READ,
  createInvoiceLink: ["owner", "admin", "billing", "support"],
  billingSummary: READ,
  listDues: READ,
  exportInvoicesCsv: READ,
  exportPaymentsCsv: READ,
  previewDailySummary: READ,
  getDailySummarySettings: READ,
  putDailySummarySettings: OWNER,
  deleteDailySummarySettings: OWNER,
  sendDailySummary: MONEY,
  getTenant: READ,
  putTenantBranding: MONEY,
  listApiKeys: OWNER,
  createApiKey: OWNER,
  revokeApiKey: OWNER,
};
