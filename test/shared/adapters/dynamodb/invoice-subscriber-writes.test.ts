import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyLateFee } from "../../../../shared/domain/billing/invoice.js";
import { VersionConflictError } from "../../../../shared/domain/errors.js";
import { IdempotencyKeyClaimed } from "../../../../shared/domain/idempotency.js";
import { newId } from "../../../../shared/domain/ids.js";
import type { Invoice } from "../../../../shared/domain/schemas/invoice.js";
import type { LocalCloud } from "../../../../shared/local/cloud.js";
import type { InvoiceSubscriberChange } from "../../../../shared/ports/invoices.js";
import type { StoredSubscriber } from "../../../../shared/ports/repositories.js";
import { timelineEvent } from "../../../../shared/services/timeline.js";
import { createWorld, startTestCloud, type TenantWorld } from "../../../support/api.js";
import { draft } from "../../domain/billing/fixtures.js";

let cloud: LocalCloud;
let world: TenantWorld;

beforeAll(async () => {
  cloud = await startTestCloud();
  world = await createWorld(cloud.deps, "invoice writes");
});
afterAll(async () => {
  await cloud?.stop();
});

const repos = () => cloud.deps.repos;

async function subscriber(walletBalance: number): Promise<StoredSubscriber> {
  const sub = await repos().subscribers.get(world.tenantId, world.subscriberId);
  if (!sub) throw new Error("no subscriber");
  return repos().subscribers.save(sub, { ...sub, walletBalance }, []);
}

/** The wallet pays `paid` of the invoice, in the same write. */
function walletChange(current: StoredSubscriber, paid: number): InvoiceSubscriberChange {
  return {
    current,
    next: { ...current, walletBalance: (current.walletBalance ?? 0) - paid, version: current.version + 1 },
    events: (invoice: Invoice) => [
      timelineEvent(
        world.owner,
        current.id,
        invoice.createdAt,
        "invoice.created",
        `Invoice ${invoice.number}`,
        {
          invoiceId: invoice.id,
        },
      ),
    ],
  };
}

const newDraft = (at: string) =>
  draft({ tenantId: world.tenantId, subscriberId: world.subscriberId, at: new Date(at) });

describe("invoice writes together with the subscriber (DynamoDB Local)", () => {
  it("stores the invoice, its number in the timeline and the wallet taken, in one write", async () => {
    const current = await subscriber(20_000);
    const invoice = {
      ...newDraft("2026-05-10T00:00:00Z"),
      amountPaid: 20_000,
      status: "partially_paid" as const,
    };

    const result = await repos().invoices.createWithSubscriber(invoice, walletChange(current, 20_000));

    expect(result.created).toBe(true);
    const after = await repos().subscribers.get(world.tenantId, world.subscriberId);
    expect(after).toMatchObject({ walletBalance: 0, version: current.version + 1 });
    const timeline = await repos().subscribers.timeline(world.tenantId, world.subscriberId, { limit: 5 });
    expect(timeline.items[0]).toMatchObject({
      type: "invoice.created",
      summary: `Invoice ${result.invoice.number}`,
      version: current.version + 1,
    });
    expect(await repos().invoices.get(world.tenantId, invoice.id)).toEqual(result.invoice);
  });

  it("writes nothing for a period already billed, and returns that invoice", async () => {
    const current = await subscriber(5_000);
    const first = await repos().invoices.create(newDraft("2026-06-10T00:00:00Z"));

    const again = await repos().invoices.createWithSubscriber(
      newDraft("2026-06-10T00:00:00Z"),
      walletChange(current, 5_000),
    );

    expect(again).toEqual({ created: false, invoice: first.invoice });
    expect((await repos().subscribers.get(world.tenantId, world.subscriberId))?.walletBalance).toBe(5_000);
  });

  it("takes no number when the subscriber changed since it was read", async () => {
    const stale = await subscriber(1_000);
    await subscriber(2_000);
    const before = await repos().invoices.create(newDraft("2026-07-10T00:00:00Z"));

    await expect(
      repos().invoices.createWithSubscriber(newDraft("2026-08-10T00:00:00Z"), walletChange(stale, 1_000)),
    ).rejects.toBeInstanceOf(VersionConflictError);

    const next = await repos().invoices.create(newDraft("2026-09-10T00:00:00Z"));
    expect(next.invoice.sequence).toBe(before.invoice.sequence + 1);
    expect(
      await repos().invoices.getForPeriod(world.tenantId, world.subscriberId, "2026-07-31T18:00:00.000Z"),
    ).toBeUndefined();
  });

  it("refuses a reused Idempotency-Key before anything else", async () => {
    const claim = {
      keyHash: newId("event"),
      fingerprint: "f",
      resourceType: "invoice",
      resourceId: "x",
      createdAt: new Date().toISOString(),
      expiresAtEpoch: Math.floor(Date.now() / 1000) + 60,
    };
    const current = await subscriber(0);
    await repos().invoices.createWithSubscriber(newDraft("2026-10-10T00:00:00Z"), walletChange(current, 0), {
      idempotency: claim,
    });
    const later = await subscriber(0);

    await expect(
      repos().invoices.createWithSubscriber(newDraft("2026-11-10T00:00:00Z"), walletChange(later, 0), {
        idempotency: claim,
      }),
    ).rejects.toBeInstanceOf(IdempotencyKeyClaimed);
  });

  it("adds a late fee with the subscriber's change once, however many writers race", async () => {
    const { invoice } = await repos().invoices.create(newDraft("2026-12-10T00:00:00Z"));
    const current = await subscriber(0);
    const withFee = applyLateFee(invoice, { type: "fixed", amount: 5_000 }, new Date("2027-01-01T00:00:00Z"));

    const results = await Promise.allSettled(
      [1, 2, 3].map(() =>
        repos().invoices.updateWithSubscriber(invoice, withFee.invoice, walletChange(current, 0)),
      ),
    );

    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const stored = await repos().invoices.get(world.tenantId, invoice.id);
    expect(stored?.lines.filter((l) => l.kind === "late_fee")).toHaveLength(1);
    expect(stored).toMatchObject({ total: invoice.total + 5_000, version: 2 });
  });
});

describe("an override with the subscriber's change and an Idempotency-Key (DynamoDB Local)", () => {
  it("claims the key in the same write; the key again is refused before the stale version", async () => {
    const { invoice } = await repos().invoices.create(newDraft("2027-02-10T00:00:00Z"));
    const claim = {
      keyHash: newId("event"),
      fingerprint: "f",
      resourceType: "invoice.void",
      resourceId: invoice.id,
      createdAt: new Date().toISOString(),
      expiresAtEpoch: Math.floor(Date.now() / 1000) + 60,
    };
    const current = await subscriber(0);
    const voided = { ...invoice, status: "void" as const };
    const stored = await repos().invoices.updateWithSubscriber(invoice, voided, walletChange(current, 0), {
      idempotency: claim,
    });
    expect(stored).toMatchObject({ status: "void", version: invoice.version + 1 });
    expect(await repos().idempotency.get(world.tenantId, claim.keyHash)).toMatchObject({
      resourceId: invoice.id,
    });

    // The same request again: both the invoice and the subscriber are stale now, the claim wins.
    await expect(
      repos().invoices.updateWithSubscriber(invoice, voided, walletChange(current, 0), {
        idempotency: claim,
      }),
    ).rejects.toBeInstanceOf(IdempotencyKeyClaimed);
    // A stale invoice with a new key: a version conflict, and the key is not kept.
    const fresh = await subscriber(0);
    const other = { ...claim, keyHash: newId("event") };
    await expect(
      repos().invoices.updateWithSubscriber(invoice, voided, walletChange(fresh, 0), { idempotency: other }),
    ).rejects.toBeInstanceOf(VersionConflictError);
    expect(await repos().idempotency.get(world.tenantId, other.keyHash)).toBeUndefined();
    expect((await repos().invoices.get(world.tenantId, invoice.id))?.version).toBe(invoice.version + 1);
  });
});
