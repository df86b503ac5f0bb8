import type { InvoiceFigures } from "../domain/reports/summary.js";
import type { SubscriberStatus } from "../domain/schemas/subscriber.js";
import type { Tenant, TenantBranding } from "../domain/schemas/tenant.js";

/*
 * Ports of the read and presentation side of billing: invoice view links, report reads, the daily
 * summary's settings, and the tenant's branding.
 */

/** An invoice view link as stored: the token's secret part only as its hash. */
export interface StoredInvoiceLink {
  readonly tenantId: string;
  readonly secretHash: string;
  readonly invoiceId: string;
  readonly createdAt: string;
  readonly expiresAt: string;
}

export interface InvoiceLinkRepository {
  put(link: StoredInvoiceLink): Promise<void>;
  get(tenantId: string, secretHash: string): Promise<StoredInvoiceLink | undefined>;
}

export type { InvoiceFigures };

/** The daily summary's setup; the Telegram bot token only sealed (SecretBox, its own purpose). */
export interface StoredDailySummary {
  readonly tenantId: string;
  readonly enabled: boolean;
  /** Local hour (tenant's zone) from which the day's summary goes out. */
  readonly hour: number;
  readonly emails: readonly string[];
  readonly telegram?: { readonly chatId: string; readonly botId: string; readonly tokenCiphertext: string };
  /** The tenant-local date (YYYY-MM-DD) of the last summary sent. */
  readonly lastSentOn?: string;
  readonly updatedAt: string;
  readonly version: number;
}

export interface ReportRepository {
  /** Invoices whose period starts in [from, to). */
  invoicesOfPeriod(tenantId: string, from: string, to: string): AsyncIterable<InvoiceFigures>;
  /** Open and partly paid invoices due in [from, to); either bound may be absent. */
  unpaidDue(
    tenantId: string,
    from: string | undefined,
    to: string | undefined,
  ): AsyncIterable<InvoiceFigures>;
  countSubscribers(tenantId: string, status: SubscriberStatus): Promise<number>;
  getDailySummary(tenantId: string): Promise<StoredDailySummary | undefined>;
  /** Creates (`expectedVersion` 0) or replaces the setup at that version. */
  putDailySummary(setup: StoredDailySummary, expectedVersion: number): Promise<void>;
  deleteDailySummary(tenantId: string): Promise<void>;
  /** Tenants whose daily summary is on (all tenants: for the schedule). */
  dailySummaryTenants(): AsyncIterable<string>;
  /** Marks the local day's summary as sent; false if it already was (another run got there first). */
  claimDailySummary(tenantId: string, localDate: string): Promise<boolean>;
  /** Undoes a claim whose sends all failed, so the next run tries again. */
  releaseDailySummary(tenantId: string, localDate: string): Promise<void>;
}

export interface TenantSettingsRepository {
  /** Replaces the tenant's branding (undefined removes it); returns the tenant as stored. */
  putBranding(tenantId: string, branding: TenantBranding | undefined, now: string): Promise<Tenant>;
}
