import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "../../../../shared/local/sqs/attributes.js";
import { SqsError } from "../../../../shared/local/sqs/errors.js";
import type { StoredMessage } from "../../../../shared/local/sqs/message.js";
import { validateMessage } from "../../../../shared/local/sqs/message.js";
import { LocalQueue } from "../../../../shared/local/sqs/queue.js";

const opened: LocalQueue[] = [];
const newQueue = () => {
  const queue = new LocalQueue("q", DEFAULT_CONFIG, 0, 0, new Map(), {
    changed: () => undefined,
    deadLetter: () => false,
  });
  opened.push(queue);
  return queue;
};
afterEach(() => {
  for (const q of opened.splice(0)) q.close();
});

const op = fc.oneof(
  fc.record({ kind: fc.constant("send" as const), delay: fc.constantFrom(0, 60) }),
  fc.record({
    kind: fc.constant("receive" as const),
    max: fc.integer({ min: 1, max: 10 }),
    vt: fc.constantFrom(0, 300),
  }),
  fc.record({ kind: fc.constant("delete" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("release" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("purge" as const) }),
);

function checkCounts(queue: LocalQueue): void {
  const { visible, notVisible, delayed } = queue.counts();
  expect(Math.min(visible, notVisible, delayed)).toBeGreaterThanOrEqual(0);
  expect(visible + notVisible + delayed).toBe(queue.messages.size);
}

describe("LocalQueue bookkeeping", () => {
  it("keeps its counters equal to the messages it holds, and survives a save and load", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 60 }), async (ops) => {
        const queue = newQueue();
        const live = new Set<string>();
        const latest = new Map<string, string>();
        const receipts: { id: string; receipt: string }[] = [];
        for (const o of ops) {
          if (o.kind === "send") {
            const [m] = queue.send([
              { valid: validateMessage({ MessageBody: "b" }, 262_144), delaySeconds: o.delay },
            ]);
            if (m) live.add(m.id);
          } else if (o.kind === "receive") {
            for (const d of await queue.receive({ max: o.max, visibilityTimeout: o.vt }, 0)) {
              latest.set(d.message.id, d.receipt);
              receipts.push({ id: d.message.id, receipt: d.receipt });
            }
          } else if (o.kind === "delete" && receipts.length > 0) {
            const r = receipts[o.pick % receipts.length];
            if (r) {
              queue.delete(r.receipt);
              if (latest.get(r.id) === r.receipt) live.delete(r.id);
            }
          } else if (o.kind === "release" && receipts.length > 0) {
            const r = receipts[o.pick % receipts.length];
            try {
              if (r) queue.changeVisibility(r.receipt, 0);
            } catch (error) {
              if (!(error instanceof SqsError)) throw error;
            }
          } else if (o.kind === "purge") {
            queue.purge();
            live.clear();
          }
          checkCounts(queue);
          expect(new Set(queue.messages.keys())).toEqual(live);
        }
        const saved = JSON.parse(JSON.stringify([...queue.messages.values()])) as StoredMessage[];
        const loaded = newQueue();
        loaded.restore(saved);
        checkCounts(loaded);
        // A message received with visibility timeout 0 is due at once: loading may find it visible.
        const before = queue.counts();
        const after = loaded.counts();
        expect(after.delayed).toBe(before.delayed);
        expect(after.visible + after.notVisible).toBe(before.visible + before.notVisible);
      }),
      { numRuns: 200 },
    );
  });
});

describe("LocalQueue limits", () => {
  it("refuses a short poll once 120,000 messages are in flight", async () => {
    const queue = newQueue();
    const valid = validateMessage({ MessageBody: "m" }, 262_144);
    queue.send(Array.from({ length: 120_001 }, () => ({ valid, delaySeconds: 0 })));
    for (let i = 0; i < 12_000; i++) await queue.receive({ max: 10, visibilityTimeout: 300 }, 0);
    expect(queue.counts()).toEqual({ visible: 1, notVisible: 120_000, delayed: 0 });
    await expect(queue.receive({ max: 1, visibilityTimeout: 300 }, 0)).rejects.toMatchObject({
      shape: "OverLimit",
    });
  });
});
