import { monthlyRule, periodContaining } from "../domain/billing/cycles.js";
import { NotFoundError, ValidationError } from "../domain/errors.js";
import { moneyList, type Tally, tallyOutstanding, tallyPeriod } from "../domain/reports/summary.js";
import type { BillingSummary, BillingSummaryQuery } from "../domain/schemas/report.js";
import type { Tenant } from "../domain/schemas/tenant.js";
import type { Page, PageRequest } from "../ports/repositories.js";
import type { Caller, ServiceDeps } from "./caller.js";

/*
 * Reports for the dashboard. Query plan (no scan; shared/adapters/dynamodb/billing-views.ts):
 * - billing summary: one GSI3 range over the period's invoices (projected figures), two GSI5 ranges
 *   over the unpaid bucket (due within the window; past due) and one GSI2 COUNT of suspended
 *   subscribers, all four in parallel. Work grows with the period's invoices, not the table.
 * - dues: one page of the GSI5 unpaid bucket in [now, now + days), soonest first, and each
 *   subscriber on the page read once.
 */

const DAY_MS = 86_400_000;
/** The longest period a summary adds up: a year and a day or so. */
const MAX_PERIOD_DAYS = 400;

export interface ReportPeriod {
  readonly from: string;
  readonly to: string;
}

/** `month` (the tenant's calendar month), or `from`/`to`, or this month. */
export function resolvePeriod(q: BillingSummaryQuery, timeZone: string, now: Date): ReportPeriod {
  const issue = (path: string, message: string) =>
    new ValidationError("Invalid query parameters", [{ in: "query", path, message }]);
  if (q.month !== undefined && (q.from !== undefined || q.to !== undefined)) {
    throw issue("month", "give a month or from/to, not both");
  }
  if (q.from !== undefined || q.to !== undefined) {
    if (q.from === undefined) throw issue("from", "is required with to");
    if (q.to === undefined) throw issue("to", "is required with from");
    if (q.to <= q.from) throw issue("to", "must be after from");
    if (Date.parse(q.to) - Date.parse(q.from) > MAX_PERIOD_DAYS * DAY_MS) {
      throw issue("to", `a period spans at most ${MAX_PERIOD_DAYS} days`);
    }
    return { from: q.from, to: q.to };
  }
  // The 15th at noon UTC lies inside that calendar month in every time zone.
  const [year, month] = (q.month ?? "").split("-").map(Number);
  const inside = q.month && year && month ? new Date(Date.UTC(year, month - 1, 15, 12)) : now;
  const period = periodContaining(monthlyRule({ billingDay: 1 }), timeZone, inside);
  return { from: period.start.toISOString(), to: period.end.toISOString() };
}

const counted = (t: Tally) => ({ count: t.count, amounts: moneyList(t.amounts) });

async function tenantOf(deps: ServiceDeps, tenantId: string): Promise<Tenant> {
  const tenant = await deps.repos.tenants.get(tenantId);
  if (!tenant) throw new NotFoundError("Tenant not found");
  return tenant;
}

export async function summarize(
  deps: ServiceDeps,
  tenant: Pick<Tenant, "id" | "timeZone">,
  period: ReportPeriod,
  dueDays: number,
  now: Date,
): Promise<BillingSummary> {
  const { reports } = deps.repos;
  const at = now.toISOString();
  const [invoices, upcoming, overdue, suspended] = await Promise.all([
    tallyPeriod(reports.invoicesOfPeriod(tenant.id, period.from, period.to)),
    tallyOutstanding(
      reports.unpaidDue(tenant.id, at, new Date(now.getTime() + dueDays * DAY_MS).toISOString()),
    ),
    tallyOutstanding(reports.unpaidDue(tenant.id, undefined, at)),
    reports.countSubscribers(tenant.id, "suspended"),
  ]);
  return {
    period: { ...period, timeZone: tenant.timeZone },
    invoices: {
      billed: counted(invoices.billed),
      paid: counted(invoices.paid),
      partiallyPaid: counted(invoices.partiallyPaid),
      unpaid: counted(invoices.unpaid),
      void: counted(invoices.void),
    },
    collected: moneyList(invoices.collected),
    upcomingDues: { days: dueDays, ...counted(upcoming) },
    overdue: counted(overdue),
    activeSuspensions: suspended,
    generatedAt: at,
  } as BillingSummary;
}

/** `GET /v1/reports/billing-summary`. */
export async function billingSummary(
  deps: ServiceDeps,
  caller: Caller,
  q: BillingSummaryQuery,
): Promise<BillingSummary> {
  const tenant = await tenantOf(deps, caller.tenantId);
  const now = deps.clock.now();
  return summarize(deps, tenant, resolvePeriod(q, tenant.timeZone, now), q.dueDays, now);
}

/** `GET /v1/reports/dues`: unpaid invoices due from now within `days`, soonest first. */
export async function listDues(
  deps: ServiceDeps,
  caller: Caller,
  days: number,
  page: PageRequest,
): Promise<Page<unknown>> {
  const now = deps.clock.now();
  const invoices = await deps.repos.invoices.list(
    caller.tenantId,
    {
      status: "unpaid",
      dueAfter: now.toISOString(),
      dueBefore: new Date(now.getTime() + days * DAY_MS).toISOString(),
    },
    page,
    { ascending: true },
  );
  const ids = [...new Set(invoices.items.map((i) => i.subscriberId))];
  const subs = new Map(
    (await Promise.all(ids.map((id) => deps.repos.subscribers.get(caller.tenantId, id))))
      .filter((s) => s !== undefined)
      .map((s) => [s.id, s]),
  );
  return {
    items: invoices.items.map((i) => {
      const s = subs.get(i.subscriberId);
      return {
        ...i,
        balance: Math.max(0, i.total - i.amountPaid),
        ...(s ? { subscriber: { id: s.id, name: s.name, username: s.username, phone: s.phone } } : {}),
      };
    }),
    nextCursor: invoices.nextCursor,
  };
}

export { tenantOf };
