import { GetCommand, PutCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalDocumentClient } from "../../../../shared/adapters/dynamodb/client.js";
import { keys } from "../../../../shared/adapters/dynamodb/keys.js";
import { createDynamoRepositories } from "../../../../shared/adapters/dynamodb/repositories.js";
import { applyLateFee } from "../../../../shared/domain/billing/invoice.js";
import { VersionConflictError } from "../../../../shared/domain/errors.js";
import { IdempotencyKeyClaimed } from "../../../../shared/domain/idempotency.js";
import { newId } from "../../../../shared/domain/ids.js";
import type { Invoice } from "../../../../shared/domain/schemas/invoice.js";
import type { LocalCloud } from "../../../../shared/local/cloud.js";
import type {
  InvoiceSubscriberChange,
  NewInvoiceSubscriberChange,
} from "../../../../shared/ports/invoices.js";
import type { StoredSubscriber } from "../../../../shared/ports/repositories.js";
import { createSubscriber } from "../../../../shared/services/subscribers.js";
import { timelineEvent } from "../../../../shared/services/timeline.js";
import { createWorld, startTestCloud, subscriberBody, type TenantWorld } from "../../../support/api.js";
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

/** The same for a new invoice: its `invoice.created` event is written where it is numbered. */
function walletCreation(current: StoredSubscriber, paid: number): NewInvoiceSubscriberChange {
  const { next } = walletChange(current, paid);
  return { current, next, events: [], createdBy: { actor: world.owner.actor, timeZone: "Asia/Dhaka" } };
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

    const result = await repos().invoices.createWithSubscriber(invoice, walletCreation(current, 20_000));

    expect(result.created).toBe(true);
    const after = await repos().subscribers.get(world.tenantId, world.subscriberId);
    expect(after).toMatchObject({ walletBalance: 0, version: current.version + 1 });
    const timeline = await repos().subscribers.timeline(world.tenantId, world.subscriberId, { limit: 5 });
    expect(timeline.items[0]).toMatchObject({
      type: "invoice.created",
      summary: expect.stringContaining(`Invoice ${result.invoice.number} for `),
      data: { invoiceId: invoice.id, number: result.invoice.number, amountPaid: 20_000 },
      version: current.version + 1,
    });
    expect(await repos().invoices.get(world.tenantId, invoice.id)).toEqual(result.invoice);
  });

  it("writes nothing for a period already billed, and returns that invoice", async () => {
    const current = await subscriber(5_000);
    const first = await repos().invoices.create(newDraft("2026-06-10T00:00:00Z"));

    const again = await repos().invoices.createWithSubscriber(
      newDraft("2026-06-10T00:00:00Z"),
      walletCreation(current, 5_000),
    );

    expect(again).toEqual({ created: false, invoice: first.invoice });
    expect((await repos().subscribers.get(world.tenantId, world.subscriberId))?.walletBalance).toBe(5_000);
  });

  it("takes no number when the subscriber changed since it was read", async () => {
    const stale = await subscriber(1_000);
    await subscriber(2_000);
    const before = await repos().invoices.create(newDraft("2026-07-10T00:00:00Z"));

    await expect(
      repos().invoices.createWithSubscriber(newDraft("2026-08-10T00:00:00Z"), walletCreation(stale, 1_000)),
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
    await repos().invoices.createWithSubscriber(
      newDraft("2026-10-10T00:00:00Z"),
      walletCreation(current, 0),
      {
        idempotency: claim,
      },
    );
    const later = await subscriber(0);

    await expect(
      repos().invoices.createWithSubscriber(newDraft("2026-11-10T00:00:00Z"), walletCreation(later, 0), {
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

describe("new invoices with their subscribers, numbered in shared writes (DynamoDB Local)", () => {
  /** A tenant of its own (numbers from 1) with `n` subscribers on its package. */
  async function tenantWith(n: number): Promise<{ world: TenantWorld; subscribers: StoredSubscriber[] }> {
    const w = await createWorld(cloud.deps, "numbering");
    const ids = [w.subscriberId];
    for (let i = 1; i < n; i++) {
      const created = await createSubscriber(
        cloud.deps,
        w.owner,
        subscriberBody(w.packageId, w.siteId, w.nasId, `numbering-${i}-${Date.now()}`),
      );
      ids.push(created.resource.id);
    }
    const subscribers = await Promise.all(ids.map((id) => repos().subscribers.get(w.tenantId, id)));
    return { world: w, subscribers: subscribers.filter((s): s is StoredSubscriber => s !== undefined) };
  }

  const creation = (w: TenantWorld, current: StoredSubscriber): NewInvoiceSubscriberChange => ({
    current,
    next: { ...current, version: current.version + 1 },
    events: [],
    createdBy: { actor: w.owner.actor, timeZone: "Asia/Dhaka" },
  });

  let shared: ReturnType<typeof createLocalDocumentClient>;
  const doc = () => {
    shared ??= createLocalDocumentClient(cloud.dynamoEndpoint);
    return shared;
  };
  afterAll(() => shared?.destroy());

  /** Independent writers, as separate Lambda instances would be: they share only the table. */
  const writers = (n: number) =>
    Array.from({ length: n }, () => createDynamoRepositories(doc(), cloud.tableName));

  async function counterItem(tenantId: string) {
    const out = await doc().send(
      new GetCommand({
        TableName: cloud.tableName,
        Key: { PK: keys.tenantPk(tenantId), SK: keys.invoiceCounterSk() },
        ConsistentRead: true,
      }),
    );
    return out.Item;
  }

  it("numbers 40 invoices written at once by 40 independent writers 1..40, each created event naming its number", async () => {
    const { world: w, subscribers } = await tenantWith(40);
    const pool = writers(40);

    const results = await Promise.all(
      subscribers.map((sub, i) =>
        (pool[i] ?? repos()).invoices.createWithSubscriber(
          draft({ tenantId: w.tenantId, subscriberId: sub.id, at: new Date("2026-05-10T00:00:00Z") }),
          creation(w, sub),
        ),
      ),
    );

    expect(results.every((r) => r.created)).toBe(true);
    const sequences = results.map((r) => r.invoice.sequence).sort((a, b) => a - b);
    expect(sequences).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(await counterItem(w.tenantId)).toMatchObject({ n: 40 });
    expect((await counterItem(w.tenantId))?.lease).toBeUndefined();
    for (const [i, sub] of subscribers.entries()) {
      const invoice = results[i]?.invoice;
      const events = await repos().subscribers.timeline(w.tenantId, sub.id, { limit: 10 });
      const created = events.items.filter((e) => e.type === "invoice.created");
      expect(created).toHaveLength(1);
      expect(created[0]).toMatchObject({
        data: { invoiceId: invoice?.id, number: invoice?.number },
        version: sub.version + 1,
      });
      expect(await repos().invoices.getForPeriod(w.tenantId, sub.id, invoice?.period.start ?? "")).toEqual(
        invoice,
      );
    }
  }, 60_000);

  it("numbers an invoice whose writer stopped before numbering it when it is next read", async () => {
    const { world: w, subscribers } = await tenantWith(1);
    const sub = subscribers[0] as StoredSubscriber;
    const invoice = draft({
      tenantId: w.tenantId,
      subscriberId: sub.id,
      at: new Date("2026-05-10T00:00:00Z"),
    });
    // What the first write leaves: the invoice pending with its period item, no number taken.
    await doc().send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: cloud.tableName,
              Item: {
                PK: keys.tenantPk(w.tenantId),
                SK: keys.invoicePendingSk(invoice.id),
                entity: "invoice-pending",
                invoice,
                createdBy: { actor: w.owner.actor, timeZone: "Asia/Dhaka" },
                version: sub.version + 1,
              },
            },
          },
          {
            Put: {
              TableName: cloud.tableName,
              Item: {
                PK: keys.subscriberPk(w.tenantId, sub.id),
                SK: keys.invoicePeriodSk(invoice.period.start),
                entity: "invoice-period",
                invoiceId: invoice.id,
              },
            },
          },
        ],
      }),
    );
    expect(await counterItem(w.tenantId)).toBeUndefined();

    const read = await repos().invoices.getForPeriod(w.tenantId, sub.id, invoice.period.start);

    expect(read).toMatchObject({ id: invoice.id, sequence: 1, number: "INV-000001" });
    expect(await repos().invoices.get(w.tenantId, invoice.id)).toEqual(read);
    const events = await repos().subscribers.timeline(w.tenantId, sub.id, { limit: 10 });
    expect(events.items.filter((e) => e.type === "invoice.created")).toHaveLength(1);
    const later = await repos().invoices.create(draft({ tenantId: w.tenantId }));
    expect(later.invoice.sequence).toBe(2);
  });

  it("waits out the numbering lease of a writer that died holding it, then numbers", async () => {
    const { world: w, subscribers } = await tenantWith(1);
    const sub = subscribers[0] as StoredSubscriber;
    await doc().send(
      new PutCommand({
        TableName: cloud.tableName,
        Item: {
          PK: keys.tenantPk(w.tenantId),
          SK: keys.invoiceCounterSk(),
          entity: "invoice-counter",
          n: 7,
          lease: "a writer that died",
          leaseUntil: Date.now() + 1_500,
        },
      }),
    );

    const result = await repos().invoices.createWithSubscriber(
      draft({ tenantId: w.tenantId, subscriberId: sub.id, at: new Date("2026-05-10T00:00:00Z") }),
      creation(w, sub),
    );

    expect(result).toMatchObject({ created: true, invoice: { sequence: 8 } });
    const counter = await counterItem(w.tenantId);
    expect(counter).toMatchObject({ n: 8 });
    expect(counter?.lease).toBeUndefined();
  });
});
