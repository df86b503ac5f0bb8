import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ChannelRouter, OutboxNotifier } from "../../../shared/adapters/notify/index.js";
import { NotificationError, type OutgoingMessage } from "../../../shared/ports/notifier.js";

const NOW = new Date("2026-03-01T04:00:00.000Z");
const clock = { now: () => NOW };
const sms: OutgoingMessage = {
  channel: "sms",
  to: "+8801711000001",
  body: "Dear Rahim, your internet expires in 5 days.",
  idempotencyKey: "sub_1:2026-03-05T18:00:00.000Z:-5d",
};

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe("OutboxNotifier", () => {
  it("keeps messages in memory and appends them to a JSONL file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "outbox-"));
    dirs.push(dir);
    const file = join(dir, "nested", "outbox.jsonl");
    const outbox = new OutboxNotifier({ file, clock });
    const email: OutgoingMessage = {
      channel: "email",
      to: "rahim@example.com",
      subject: "Padma Net: your internet expires in 5 days",
      body: "Dear Rahim,\n\nবাংলা text too",
      idempotencyKey: "sub_1:2026-03-05T18:00:00.000Z:-3d",
    };

    expect(await outbox.send(sms)).toEqual({ providerId: "local-1" });
    expect(await outbox.send(email)).toEqual({ providerId: "local-2" });

    expect(outbox.messages).toEqual([
      { ...sms, providerId: "local-1", at: NOW.toISOString() },
      { ...email, providerId: "local-2", at: NOW.toISOString() },
    ]);
    const lines = (await readFile(file, "utf8")).trimEnd().split("\n");
    expect(lines.map((l) => JSON.parse(l))).toEqual(outbox.messages);
  });

  it("stores a repeated idempotency key once and answers with the first id", async () => {
    const outbox = new OutboxNotifier({ clock });

    const first = await outbox.send(sms);
    const again = await outbox.send({ ...sms, body: "a duplicate fire" });

    expect(again).toEqual(first);
    expect(outbox.messages).toHaveLength(1);
  });

  it("keeps only the newest messages up to its capacity", async () => {
    const outbox = new OutboxNotifier({ clock, capacity: 2 });

    for (const n of [1, 2, 3]) await outbox.send({ ...sms, idempotencyKey: `k${n}` });

    expect(outbox.messages.map((m) => m.idempotencyKey)).toEqual(["k2", "k3"]);
  });
});

describe("ChannelRouter", () => {
  it("sends each channel through its own notifier", async () => {
    const smsBox = new OutboxNotifier({ clock });
    const mailBox = new OutboxNotifier({ clock });
    const router = new ChannelRouter({ sms: smsBox, email: mailBox });

    await router.send(sms);
    await router.send({ ...sms, channel: "email", to: "a@b.example", subject: "s", idempotencyKey: "e" });

    expect(smsBox.messages.map((m) => m.channel)).toEqual(["sms"]);
    expect(mailBox.messages.map((m) => m.channel)).toEqual(["email"]);
  });

  it("fails a channel without a notifier, not retryable", async () => {
    const error = await new ChannelRouter({ sms: new OutboxNotifier() })
      .send({ ...sms, channel: "email", subject: "s" })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(NotificationError);
    expect(error).toMatchObject({ retryable: false, channel: "email" });
  });
});
