import { describe, expect, it } from "vitest";
import {
  fire,
  type LifecycleSubscriber,
  type NextAction,
  nextAction,
  renew,
  SCHEDULER_ACTOR,
} from "../../../../shared/domain/lifecycle/index.js";
import { admin, dhaka, postpaid, prepaid, subscriberOn, t } from "./fixtures.js";

const EXPIRES = "2026-03-01T12:00:00.000Z";
const monthly = prepaid({ graceDays: 3 });
const noGrace = prepaid();
const remindedUpToDayBefore: Pick<LifecycleSubscriber, "remindersSent"> = {
  remindersSent: { cycle: EXPIRES, offsets: ["-5d", "-3d", "-1d"] },
};

function applied(result: ReturnType<typeof fire>) {
  if (result.outcome !== "applied") throw new Error(`expected applied, got stale: ${result.reason}`);
  return result;
}

describe("fire: enforcement", () => {
  it("expires on the due second even when the scheduler fires a minute early", () => {
    const sub = subscriberOn(noGrace, remindedUpToDayBefore);
    const action = nextAction(sub, noGrace, dhaka, t("2026-03-01T11:59:00Z"));
    expect(action).toEqual({ kind: "expire", at: EXPIRES });
    const { transition } = applied(
      fire(sub, noGrace, dhaka, { kind: "expire", at: EXPIRES }, t("2026-03-01T11:59:00.500Z")),
    );
    expect(transition.subscriber).toMatchObject({ status: "expired", version: sub.version + 1 });
    expect(transition.commands).toEqual([
      expect.objectContaining({
        desired: { state: "suspended" },
        reason: "expired",
        notBefore: EXPIRES,
        issuedAt: "2026-03-01T11:59:00.500Z",
        version: sub.version + 1,
      }),
    ]);
    expect(transition.events[0]).toMatchObject({
      type: "subscriber.expired",
      at: EXPIRES,
      actor: SCHEDULER_ACTOR,
    });
  });

  it("moves into grace without touching the router", () => {
    const sub = subscriberOn(monthly, remindedUpToDayBefore);
    const { transition } = applied(
      fire(sub, monthly, dhaka, { kind: "expire", at: EXPIRES }, t("2026-03-01T11:59:10Z")),
    );
    expect(transition.subscriber.status).toBe("grace");
    expect(transition.commands).toEqual([]);
    expect(transition.events[0]?.type).toBe("subscriber.grace_started");
    expect(nextAction(transition.subscriber, monthly, dhaka, t("2026-03-01T11:59:10Z"))).toMatchObject({
      kind: "reminder",
      offset: "0",
    });
  });

  it("suspends a subscriber whose grace ended", () => {
    const sub = subscriberOn(monthly, { status: "grace" });
    const action: NextAction = { kind: "grace_end", at: "2026-03-04T12:00:00.000Z" };
    const { transition } = applied(fire(sub, monthly, dhaka, action, t("2026-03-04T11:59:30Z")));
    expect(transition.subscriber).toMatchObject({ status: "suspended", suspendReason: "lapsed" });
    expect(transition.commands[0]).toMatchObject({
      reason: "grace_ended",
      notBefore: "2026-03-04T12:00:00.000Z",
    });
  });

  it("suspends an unpaid postpaid subscriber at the due instant", () => {
    const office = postpaid(1, 10);
    const sub = subscriberOn(office, { expiresAt: "2026-02-11T18:00:00.000Z" });
    const { transition } = applied(
      fire(sub, office, dhaka, { kind: "expire", at: "2026-02-11T18:00:00.000Z" }, t("2026-02-11T17:59:00Z")),
    );
    expect(transition.subscriber).toMatchObject({ status: "suspended", suspendReason: "lapsed" });
    expect(transition.commands[0]?.reason).toBe("unpaid");
  });

  it("jumps straight to suspended when the expiry fire arrives after grace already ended", () => {
    const sub = subscriberOn(monthly);
    const now = t("2026-03-06T00:00:00Z");
    const { transition } = applied(fire(sub, monthly, dhaka, { kind: "expire", at: EXPIRES }, now));
    expect(transition.subscriber.status).toBe("suspended");
    expect(transition.commands[0]).toMatchObject({ reason: "grace_ended", notBefore: now.toISOString() });
  });
});

describe("fire: stale and early fires are no-ops", () => {
  it("ignores an expiry fire after a renewal", () => {
    const sub = subscriberOn(noGrace, remindedUpToDayBefore);
    const action = nextAction(sub, noGrace, dhaka, t("2026-03-01T11:00:00Z"));
    const renewed = renew(sub, noGrace, dhaka, t("2026-02-28T00:00:00Z"), admin).subscriber;
    if (!action) throw new Error("no action");
    expect(fire(renewed, noGrace, dhaka, action, t("2026-03-01T11:59:00Z"))).toMatchObject({
      outcome: "stale",
    });
  });

  it("ignores a fire too early for an SQS delay to bridge", () => {
    const sub = subscriberOn(noGrace, remindedUpToDayBefore);
    expect(
      fire(sub, noGrace, dhaka, { kind: "expire", at: EXPIRES }, t("2026-03-01T11:00:00Z")),
    ).toMatchObject({
      outcome: "stale",
      reason: expect.stringContaining("not due yet"),
    });
  });

  it("ignores everything for a terminated subscriber", () => {
    const sub = subscriberOn(noGrace, { status: "terminated" });
    expect(
      fire(sub, noGrace, dhaka, { kind: "expire", at: EXPIRES }, t("2026-03-01T12:00:00Z")).outcome,
    ).toBe("stale");
  });
});

describe("fire: reminders and unpause", () => {
  it("sends a reminder once and moves on to the next offset", () => {
    const sub = subscriberOn(monthly);
    const now = t("2026-02-24T11:59:00Z");
    const action = nextAction(sub, monthly, dhaka, now);
    if (!action) throw new Error("no action");
    const result = applied(fire(sub, monthly, dhaka, action, now));
    expect(result.reminder).toEqual({ offset: "-5d", channel: "sms", expiresAt: EXPIRES });
    expect(result.transition.subscriber).toMatchObject({
      version: sub.version + 1,
      remindersSent: { cycle: EXPIRES, offsets: ["-5d"] },
    });
    expect(result.transition.commands).toEqual([]);
    expect(nextAction(result.transition.subscriber, monthly, dhaka, now)).toMatchObject({ offset: "-3d" });
    expect(
      fire(result.transition.subscriber, monthly, dhaka, action, t("2026-02-24T12:00:00Z")).outcome,
    ).toBe("stale");
  });

  it("ignores a reminder for the cycle before a renewal", () => {
    const sub = subscriberOn(monthly);
    const action = nextAction(sub, monthly, dhaka, t("2026-02-24T11:59:00Z"));
    if (!action) throw new Error("no action");
    const renewed = renew(sub, monthly, dhaka, t("2026-02-20T00:00:00Z"), admin).subscriber;
    expect(fire(renewed, monthly, dhaka, action, t("2026-02-24T11:59:00Z")).outcome).toBe("stale");
  });

  it("unpauses automatically, counting the remaining time from the due instant", () => {
    const sub = subscriberOn(monthly, {
      status: "paused",
      pausedRemainingSeconds: 86_400,
      pausedUntil: "2026-04-01T00:00:00.000Z",
    });
    const action = nextAction(sub, monthly, dhaka, t("2026-03-31T23:59:00Z"));
    if (!action) throw new Error("no action");
    const { transition } = applied(fire(sub, monthly, dhaka, action, t("2026-03-31T23:59:00Z")));
    expect(transition.subscriber).toMatchObject({ status: "active", expiresAt: "2026-04-02T00:00:00.000Z" });
    expect(transition.commands[0]).toMatchObject({
      desired: { state: "active" },
      notBefore: "2026-04-01T00:00:00.000Z",
    });
    expect(transition.events[0]?.actor).toEqual(SCHEDULER_ACTOR);
  });
});
