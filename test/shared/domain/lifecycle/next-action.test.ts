import { describe, expect, it } from "vitest";
import {
  type LifecycleSubscriber,
  nextAction,
  pendingActions,
  policyForTenant,
} from "../../../../shared/domain/lifecycle/index.js";
import { dhaka, kolkata, postpaid, prepaid, subscriberOn, t } from "./fixtures.js";

const EXPIRES = "2026-03-01T12:00:00.000Z"; // 18:00 in Dhaka, outside quiet hours
const monthly = prepaid({ graceDays: 3 });
const noGrace = prepaid();

function sent(offsets: string[], cycle = EXPIRES): Pick<LifecycleSubscriber, "remindersSent"> {
  return { remindersSent: { cycle, offsets } };
}

describe("nextAction: reminders", () => {
  it("starts with the -5d reminder", () => {
    expect(nextAction(subscriberOn(monthly), monthly, dhaka, t("2026-02-01T00:00:00Z"))).toEqual({
      kind: "reminder",
      at: "2026-02-24T12:00:00.000Z",
      offset: "-5d",
      channel: "sms",
      cycle: EXPIRES,
    });
  });

  it("skips offsets already sent this cycle", () => {
    const sub = subscriberOn(monthly, sent(["-5d", "-3d"]));
    expect(nextAction(sub, monthly, dhaka, t("2026-02-25T00:00:00Z"))).toMatchObject({
      offset: "-1d",
      at: "2026-02-28T12:00:00.000Z",
    });
  });

  it("ignores reminders sent for an earlier cycle (before a renewal)", () => {
    const sub = subscriberOn(monthly, sent(["-5d", "-3d", "-1d", "0", "+1d"], "2026-01-30T12:00:00.000Z"));
    expect(nextAction(sub, monthly, dhaka, t("2026-02-01T00:00:00Z"))).toMatchObject({ offset: "-5d" });
  });

  it("skips reminders older than the lateness window", () => {
    expect(nextAction(subscriberOn(monthly), monthly, dhaka, t("2026-02-27T00:00:00Z"))).toMatchObject({
      offset: "-1d",
    });
  });

  it("still sends a reminder found a few hours late", () => {
    expect(nextAction(subscriberOn(monthly), monthly, dhaka, t("2026-02-26T15:00:00Z"))).toMatchObject({
      offset: "-3d",
      at: "2026-02-26T12:00:00.000Z",
    });
  });

  it("keeps only the latest of several overdue reminders, and retires the earlier ones once it is sent", () => {
    const hourly = policyForTenant(
      { timeZone: "Asia/Dhaka" },
      {
        reminderLatenessSeconds: 86_400,
        reminders: [
          { offset: "-12h", channel: "sms" },
          { offset: "-6h", channel: "sms" },
          { offset: "-1h", channel: "email" },
          { offset: "+1h", channel: "sms" },
        ],
      },
    );
    const now = t("2026-03-01T11:30:00Z"); // 30 minutes before expiry: three reminders overdue
    const names = (s: LifecycleSubscriber) =>
      pendingActions(s, monthly, hourly, now).map((a) => (a.kind === "reminder" ? a.offset : a.kind));
    expect(names(subscriberOn(monthly))).toEqual(["-1h", "expire", "+1h"]);
    expect(names(subscriberOn(monthly, sent(["-1h"])))).toEqual(["expire", "+1h"]);
  });

  it("orders pending actions by time with expiry before a reminder at the same instant", () => {
    const pending = pendingActions(subscriberOn(monthly), monthly, dhaka, t("2026-02-26T15:00:00Z"));
    expect(pending.map((a) => (a.kind === "reminder" ? a.offset : a.kind))).toEqual([
      "-3d",
      "-1d",
      "expire",
      "0",
      "+1d",
    ]);
  });

  it("sends the +1d reminder to an expired subscriber, then nothing", () => {
    const expired = subscriberOn(noGrace, { status: "expired", ...sent(["-5d", "-3d", "-1d", "0"]) });
    expect(nextAction(expired, noGrace, dhaka, t("2026-03-01T14:00:00Z"))).toMatchObject({
      offset: "+1d",
      at: "2026-03-02T12:00:00.000Z",
    });
    const done = { ...expired, ...sent(["-5d", "-3d", "-1d", "0", "+1d"]) };
    expect(nextAction(done, noGrace, dhaka, t("2026-03-02T12:00:01Z"))).toBeUndefined();
  });
});

describe("nextAction: enforcement", () => {
  it("puts expiry before the offset-0 reminder due at the same instant", () => {
    const sub = subscriberOn(noGrace, sent(["-5d", "-3d", "-1d"]));
    const pending = pendingActions(sub, noGrace, dhaka, t("2026-03-01T11:59:00Z"));
    expect(pending.slice(0, 2)).toEqual([
      { kind: "expire", at: EXPIRES },
      { kind: "reminder", at: EXPIRES, offset: "0", channel: "sms", cycle: EXPIRES },
    ]);
  });

  it("never lets an overdue expiry wait behind an overdue reminder", () => {
    const hourly = policyForTenant(
      { timeZone: "Asia/Dhaka" },
      { reminders: [{ offset: "-2h", channel: "email" }] },
    );
    expect(nextAction(subscriberOn(noGrace), noGrace, hourly, t("2026-03-01T13:00:00Z"))).toEqual({
      kind: "expire",
      at: EXPIRES,
    });
  });

  it("ends grace graceDays after expiry", () => {
    const sub = subscriberOn(monthly, { status: "grace", ...sent(["-5d", "-3d", "-1d", "0"]) });
    const pending = pendingActions(sub, monthly, dhaka, t("2026-03-01T12:01:00Z"));
    expect(pending).toEqual([
      expect.objectContaining({ kind: "reminder", offset: "+1d", at: "2026-03-02T12:00:00.000Z" }),
      { kind: "grace_end", at: "2026-03-04T12:00:00.000Z" },
    ]);
  });

  it("counts postpaid grace in local calendar days (across a DST change)", () => {
    const newYork = policyForTenant({ timeZone: "America/New_York" }, { reminders: [] });
    const office = postpaid(1, 10, { graceDays: 2 });
    const sub = subscriberOn(office, { status: "grace", expiresAt: "2026-03-08T05:00:00.000Z" });
    expect(nextAction(sub, office, newYork, t("2026-03-08T06:00:00Z"))).toEqual({
      kind: "grace_end",
      at: "2026-03-10T04:00:00.000Z",
    });
  });

  it("has nothing to do for terminated, held, open-ended or indefinitely paused subscribers", () => {
    const now = t("2026-02-01T00:00:00Z");
    for (const s of [
      subscriberOn(monthly, { status: "terminated" }),
      subscriberOn(monthly, { status: "suspended", suspendReason: "manual" }),
      subscriberOn(monthly, { expiresAt: undefined }),
      subscriberOn(monthly, { status: "paused", pausedRemainingSeconds: 100 }),
    ]) {
      expect(nextAction(s, monthly, dhaka, now)).toBeUndefined();
    }
  });

  it("schedules the automatic unpause", () => {
    const sub = subscriberOn(monthly, {
      status: "paused",
      pausedRemainingSeconds: 100,
      pausedUntil: "2026-04-01T00:00:00.000Z",
    });
    expect(nextAction(sub, monthly, dhaka, t("2026-02-01T00:00:00Z"))).toEqual({
      kind: "unpause",
      at: "2026-04-01T00:00:00.000Z",
    });
  });
});

describe("nextAction: quiet hours and time zones", () => {
  const late = "2026-03-01T16:00:00.000Z"; // 22:00 in Dhaka

  it("moves a reminder out of quiet hours but never the expiry (Asia/Dhaka)", () => {
    const sub = subscriberOn(noGrace, { expiresAt: late });
    expect(nextAction(sub, noGrace, dhaka, t("2026-02-27T00:00:00Z"))).toMatchObject({
      offset: "-3d",
      at: "2026-02-27T02:00:00.000Z",
    });
    const after3d = { ...sub, ...sent(["-5d", "-3d"], late) };
    expect(nextAction(after3d, noGrace, dhaka, t("2026-02-27T03:00:00Z"))).toMatchObject({
      offset: "-1d",
      at: "2026-03-01T02:00:00.000Z",
    });
    const pending = pendingActions(
      { ...sub, ...sent(["-5d", "-3d", "-1d"], late) },
      noGrace,
      dhaka,
      t("2026-03-01T03:00:00Z"),
    );
    expect(pending.slice(0, 2)).toEqual([
      { kind: "expire", at: late },
      expect.objectContaining({ offset: "0", at: "2026-03-02T02:00:00.000Z" }),
    ]);
  });

  it("uses the half-hour offset of Asia/Kolkata", () => {
    const sub = subscriberOn(noGrace, {
      expiresAt: "2026-03-01T17:00:00.000Z",
      ...sent(["-3d"], "2026-03-01T17:00:00.000Z"),
    }); // 22:30 IST
    expect(nextAction(sub, noGrace, kolkata, t("2026-02-27T00:00:00Z"))).toMatchObject({
      offset: "-1d",
      at: "2026-03-01T02:30:00.000Z",
    });
  });

  it("reminds a postpaid subscriber on 29 February about a bill due at the end of it", () => {
    const office = postpaid(31, 0);
    // billed 29 Feb 2028 00:00 Dhaka, due by the end of that day
    const sub = subscriberOn(office, { expiresAt: "2028-02-29T18:00:00.000Z" });
    expect(nextAction(sub, office, dhaka, t("2028-02-28T00:00:00Z"))).toMatchObject({
      offset: "-1d",
      at: "2028-02-29T02:00:00.000Z",
    });
    const pending = pendingActions(
      { ...sub, ...sent(["-1d"], "2028-02-29T18:00:00.000Z") },
      office,
      dhaka,
      t("2028-02-29T03:00:00Z"),
    );
    expect(pending.slice(0, 2)).toEqual([
      { kind: "expire", at: "2028-02-29T18:00:00.000Z" },
      expect.objectContaining({ offset: "0", at: "2028-03-01T02:00:00.000Z" }),
    ]);
  });
});
