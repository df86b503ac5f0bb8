import { expect } from "vitest";
import { newId } from "../../../../shared/domain/ids.js";
import {
  LifecycleEventSchema,
  type LifecycleSubscriber,
  policyForTenant,
  type Transition,
} from "../../../../shared/domain/lifecycle/index.js";
import { EdgeCommandSchema } from "../../../../shared/domain/schemas/edge-command.js";
import type { Package } from "../../../../shared/domain/schemas/package.js";
import type { Actor } from "../../../../shared/domain/schemas/timeline.js";

export const tenantId = newId("tenant");
export const siteId = newId("site");
export const nasId = newId("nas");
export const admin: Actor = { kind: "api-key", id: "key_test" };

export const dhaka = policyForTenant({ timeZone: "Asia/Dhaka" });
export const kolkata = policyForTenant({ timeZone: "Asia/Kolkata" });

export function t(iso: string): Date {
  return new Date(iso);
}

const CREATED = "2026-01-01T00:00:00.000Z";
export const BILLED_AHEAD = "2100-01-01T00:00:00.000Z";

export function prepaid(overrides: Partial<Package> = {}): Package {
  return {
    id: newId("package"),
    tenantId,
    name: "Home 10M",
    price: { amount: 50_000, currency: "BDT" },
    speed: { downloadKbps: 10_000, uploadKbps: 5_000 },
    billing: { type: "prepaid", validity: { unit: "days", count: 30 } },
    graceDays: 0,
    archived: false,
    createdAt: CREATED,
    updatedAt: CREATED,
    version: 1,
    ...overrides,
  };
}

export function postpaid(billingDay: number, dueDays: number, overrides: Partial<Package> = {}): Package {
  return prepaid({ name: "Office", billing: { type: "postpaid", billingDay, dueDays }, ...overrides });
}

/**
 * A subscriber whose cycle invoices are issued far ahead (`billedThrough`), so tests of reminders
 * and enforcement see only those; invoice tests set `billedThrough` themselves.
 */
export function subscriberOn(
  pkg: Package,
  overrides: Partial<LifecycleSubscriber> = {},
): LifecycleSubscriber {
  return {
    id: newId("subscriber"),
    tenantId,
    name: "Rahim Uddin",
    phone: "+8801711000000",
    username: "rahim",
    service: "pppoe",
    packageId: pkg.id,
    siteId,
    nasId,
    status: "active",
    expiresAt: "2026-03-01T12:00:00.000Z",
    createdAt: CREATED,
    updatedAt: CREATED,
    version: 3,
    billedThrough: BILLED_AHEAD,
    ...overrides,
  };
}

/** Checks every command and event of a transition against the published schemas. */
export function valid(tr: Transition): Transition {
  for (const c of tr.commands) EdgeCommandSchema.parse(c);
  for (const e of tr.events) LifecycleEventSchema.parse(e);
  return tr;
}

export function only<T>(items: readonly T[]): T {
  expect(items).toHaveLength(1);
  const [item] = items;
  if (item === undefined) throw new Error("no item");
  return item;
}

export function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected an error");
}
