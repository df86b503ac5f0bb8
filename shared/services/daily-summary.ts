import { NotFoundError, ValidationError } from "../domain/errors.js";
import { toLocal } from "../domain/lifecycle/zoned-time.js";
import { formatAmount } from "../domain/notifications/index.js";
import type { BillingSummary, DailySummarySettings, PutDailySummaryInput } from "../domain/schemas/report.js";
import type { Tenant } from "../domain/schemas/tenant.js";
import type { StoredDailySummary } from "../ports/billing-views.js";
import type { Caller, ServiceDeps } from "./caller.js";
import { formatDate } from "./invoice-document.js";
import { resolvePeriod, summarize, tenantOf } from "./reports.js";

/**
 * The admins' daily summary: this month's billing, dues in the next 7 days, overdue and suspended,
 * by e-mail (the notifier) and Telegram (the tenant's own bot). An hourly schedule sends each
 * tenant's once a local day, from the hour it chose; a conditional claim on the setup item makes a
 * retried or overlapping run send nothing twice, and a run whose every send failed gives the day
 * back for the next one. The bot token is sealed under its own purpose and opened only to send.
 */
export const TELEGRAM_TOKEN_PURPOSE = "telegram-bot-token";
const DUE_DAYS = 7;

const tokenContext = (tenantId: string) => ({ tenantId, purpose: TELEGRAM_TOKEN_PURPOSE });

function view(s: StoredDailySummary): DailySummarySettings {
  return {
    enabled: s.enabled,
    hour: s.hour,
    emails: [...s.emails],
    ...(s.telegram ? { telegram: { chatId: s.telegram.chatId, botId: s.telegram.botId } } : {}),
    ...(s.lastSentOn ? { lastSentOn: s.lastSentOn } : {}),
    updatedAt: s.updatedAt,
    version: s.version,
  };
}

export async function getDailySummarySettings(
  deps: ServiceDeps,
  caller: Caller,
): Promise<DailySummarySettings> {
  const stored = await deps.repos.reports.getDailySummary(caller.tenantId);
  if (!stored) throw new NotFoundError("No daily summary is set up");
  return view(stored);
}

export async function putDailySummarySettings(
  deps: ServiceDeps,
  caller: Caller,
  input: PutDailySummaryInput,
): Promise<DailySummarySettings> {
  const current = await deps.repos.reports.getDailySummary(caller.tenantId);
  let telegram: StoredDailySummary["telegram"];
  if (input.telegram) {
    const { chatId, botToken } = input.telegram;
    if (botToken) {
      const tokenCiphertext = await deps.payments.secrets.seal(botToken, tokenContext(caller.tenantId));
      telegram = { chatId, botId: botToken.split(":")[0] ?? "", tokenCiphertext };
    } else if (current?.telegram) {
      telegram = { ...current.telegram, chatId };
    } else {
      throw new ValidationError("Invalid request body", [
        { in: "body", path: "telegram.botToken", message: "is required the first time" },
      ]);
    }
  }
  if (input.enabled && input.emails.length === 0 && !telegram) {
    throw new ValidationError("Invalid request body", [
      { in: "body", path: "emails", message: "give an e-mail address or a Telegram chat to send to" },
    ]);
  }
  const next: StoredDailySummary = {
    tenantId: caller.tenantId,
    enabled: input.enabled,
    hour: input.hour,
    emails: [...new Set(input.emails.map((e) => e.toLowerCase()))],
    ...(telegram ? { telegram } : {}),
    ...(current?.lastSentOn ? { lastSentOn: current.lastSentOn } : {}),
    updatedAt: deps.clock.now().toISOString(),
    version: input.version + 1,
  };
  await deps.repos.reports.putDailySummary(next, input.version);
  return view(next);
}

export async function deleteDailySummarySettings(deps: ServiceDeps, caller: Caller): Promise<void> {
  await deps.repos.reports.deleteDailySummary(caller.tenantId);
}

export interface DailySummaryMessage {
  readonly subject: string;
  readonly text: string;
  readonly summary: BillingSummary;
}

function amounts(list: readonly { amount: number; currency: string }[]): string {
  if (list.length === 0) return "0";
  return list.map((m) => formatAmount(m as Parameters<typeof formatAmount>[0], "en", "code")).join(" + ");
}

/** The summary as of `now`: this local month's billing, the next 7 days' dues, and the rest. */
export async function composeDailySummary(
  deps: ServiceDeps,
  tenant: Pick<Tenant, "id" | "name" | "timeZone" | "branding">,
  now: Date,
): Promise<DailySummaryMessage> {
  const period = resolvePeriod({ dueDays: DUE_DAYS }, tenant.timeZone, now);
  const s = await summarize(deps, tenant, period, DUE_DAYS, now);
  const name = tenant.branding?.displayName ?? tenant.name;
  const day = formatDate(now.getTime(), tenant.timeZone);
  const i = s.invoices;
  const lines = [
    `${name}: daily summary for ${day}`,
    "",
    `Due in the next ${DUE_DAYS} days: ${s.upcomingDues.count} invoices, ${amounts(s.upcomingDues.amounts)}`,
    `Overdue: ${s.overdue.count} invoices, ${amounts(s.overdue.amounts)}`,
    `Suspended subscribers: ${s.activeSuspensions}`,
    "",
    `This month (${formatDate(period.from, tenant.timeZone)} to ${formatDate(Date.parse(period.to) - 1, tenant.timeZone)}):`,
    `Billed: ${i.billed.count} invoices, ${amounts(i.billed.amounts)}`,
    `Paid: ${i.paid.count} invoices, ${amounts(i.paid.amounts)}`,
    `Unpaid: ${i.unpaid.count} invoices (${i.partiallyPaid.count} partly paid), ${amounts(i.unpaid.amounts)} outstanding`,
    `Collected so far: ${amounts(s.collected)}`,
  ];
  return { subject: `${name}: daily summary for ${day}`, text: lines.join("\n"), summary: s };
}

export interface SendResult {
  readonly email: number;
  readonly telegram: boolean;
  /** Channels that failed, with the reason (no addresses' secrets, never the token). */
  readonly failures: string[];
}

/** Sends one summary to every channel of the setup; one channel failing does not stop another. */
export async function deliverDailySummary(
  deps: ServiceDeps,
  setup: StoredDailySummary,
  message: DailySummaryMessage,
  localDate: string,
): Promise<SendResult> {
  const failures: string[] = [];
  let email = 0;
  for (const to of setup.emails) {
    try {
      await deps.notifier.send({
        channel: "email",
        to,
        subject: message.subject,
        body: message.text,
        idempotencyKey: `daily-summary:${setup.tenantId}:${localDate}:${to}`,
      });
      email++;
    } catch (error) {
      failures.push(`email: ${error instanceof Error ? error.message : "not sent"}`);
    }
  }
  let telegram = false;
  if (setup.telegram) {
    try {
      if (!deps.telegram) throw new Error("Telegram is not configured here");
      const token = await deps.payments.secrets.open(
        setup.telegram.tokenCiphertext,
        tokenContext(setup.tenantId),
      );
      await deps.telegram.sendMessage(token, setup.telegram.chatId, message.text);
      telegram = true;
    } catch (error) {
      // TelegramError and SecretBoxError messages never carry the token.
      failures.push(`telegram: ${error instanceof Error ? error.message : "not sent"}`);
    }
  }
  return { email, telegram, failures };
}

/** `POST /v1/reports/daily-summary/send`: now, whatever the hour, without touching the day's claim. */
export async function sendDailySummaryNow(
  deps: ServiceDeps,
  caller: Caller,
): Promise<DailySummaryMessage & { sent: SendResult }> {
  const setup = await deps.repos.reports.getDailySummary(caller.tenantId);
  if (!setup) throw new NotFoundError("No daily summary is set up");
  const tenant = await tenantOf(deps, caller.tenantId);
  const now = deps.clock.now();
  const message = await composeDailySummary(deps, tenant, now);
  const sent = await deliverDailySummary(deps, setup, message, `now-${now.toISOString()}`);
  return { ...message, sent };
}

/** `GET /v1/reports/daily-summary`: what would go out now. */
export async function previewDailySummary(deps: ServiceDeps, caller: Caller): Promise<DailySummaryMessage> {
  const tenant = await tenantOf(deps, caller.tenantId);
  return composeDailySummary(deps, tenant, deps.clock.now());
}

export interface DailySummaryRun {
  readonly tenants: number;
  readonly sent: number;
  readonly notYet: number;
  readonly alreadySent: number;
  readonly failed: number;
}

/** The schedule's run: every tenant with the summary on whose local hour has come and who has none today. */
export async function runDailySummaries(deps: ServiceDeps): Promise<DailySummaryRun> {
  const now = deps.clock.now();
  const run = { tenants: 0, sent: 0, notYet: 0, alreadySent: 0, failed: 0 };
  for await (const tenantId of deps.repos.reports.dailySummaryTenants()) {
    run.tenants++;
    try {
      const [setup, tenant] = await Promise.all([
        deps.repos.reports.getDailySummary(tenantId),
        deps.repos.tenants.get(tenantId),
      ]);
      if (!setup?.enabled || !tenant || tenant.status !== "active") continue;
      const local = toLocal(now, tenant.timeZone);
      const localDate = `${local.year}-${String(local.month).padStart(2, "0")}-${String(local.day).padStart(2, "0")}`;
      if (local.hour < setup.hour) {
        run.notYet++;
        continue;
      }
      if (!(await deps.repos.reports.claimDailySummary(tenantId, localDate))) {
        run.alreadySent++;
        continue;
      }
      const message = await composeDailySummary(deps, tenant, now);
      const result = await deliverDailySummary(deps, setup, message, localDate);
      if (result.email === 0 && !result.telegram) {
        await deps.repos.reports.releaseDailySummary(tenantId, localDate);
        run.failed++;
      } else run.sent++;
      if (result.failures.length > 0) {
        deps.logger.warn("daily summary not delivered everywhere", { tenantId, failures: result.failures });
      }
    } catch (error) {
      run.failed++;
      deps.logger.error("daily summary failed", {
        tenantId,
        errorName: error instanceof Error ? error.name : typeof error,
      });
    }
  }
  return run;
}
