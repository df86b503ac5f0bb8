import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../../shared/domain/errors.js";
import {
  changePackage,
  InvalidTransitionError,
  type LifecycleSubscriber,
  renew,
  resume,
  setExpiry,
  suspend,
  terminate,
} from "../../../../shared/domain/lifecycle/index.js";
import { admin, catchError, dhaka, only, postpaid, prepaid, subscriberOn, t, valid } from "./fixtures.js";

const EXPIRES = "2026-03-01T12:00:00.000Z";
const monthly = prepaid({ graceDays: 3, routerProfile: "home-10m" });
const noGrace = prepaid();

describe("suspend and resume", () => {
  it("suspends a connected subscriber with a command", () => {
    const tr = valid(
      suspend(subscriberOn(monthly), monthly, dhaka, t("2026-02-01T00:00:00Z"), admin, "abuse report"),
    );
    expect(tr.subscriber).toMatchObject({ status: "suspended", suspendReason: "manual" });
    expect(only(tr.commands)).toMatchObject({ desired: { state: "suspended" }, reason: "manual_suspend" });
  });

  it("turns an expiry into an admin hold without a command (already off)", () => {
    const tr = suspend(
      subscriberOn(noGrace, { status: "expired" }),
      noGrace,
      dhaka,
      t("2026-03-02T00:00:00Z"),
      admin,
    );
    expect(tr.subscriber).toMatchObject({ status: "suspended", suspendReason: "manual" });
    expect(tr.commands).toEqual([]);
  });

  it("refuses to suspend twice, or a paused or terminated subscriber", () => {
    for (const s of [
      subscriberOn(monthly, { status: "suspended", suspendReason: "manual" }),
      subscriberOn(monthly, { status: "paused" }),
      subscriberOn(monthly, { status: "terminated" }),
    ]) {
      expect(() => suspend(s, monthly, dhaka, t("2026-02-01T00:00:00Z"), admin)).toThrow(
        InvalidTransitionError,
      );
    }
  });

  it("resumes a held subscriber who still has paid time", () => {
    const sub = subscriberOn(monthly, { status: "suspended", suspendReason: "manual" });
    const tr = valid(resume(sub, monthly, dhaka, t("2026-02-01T00:00:00Z"), admin));
    expect(tr.subscriber.status).toBe("active");
    expect(tr.subscriber.suspendReason).toBeUndefined();
    expect(only(tr.commands)).toMatchObject({ desired: { state: "active" }, reason: "resumed" });
  });

  it("resumes into grace or expiry when the paid time ran out during the hold", () => {
    const held = subscriberOn(monthly, { status: "suspended", suspendReason: "manual" });
    expect(resume(held, monthly, dhaka, t("2026-03-02T00:00:00Z"), admin).subscriber.status).toBe("grace");
    const heldNoGrace = subscriberOn(noGrace, { status: "suspended", suspendReason: "manual" });
    const tr = resume(heldNoGrace, noGrace, dhaka, t("2026-03-02T00:00:00Z"), admin);
    expect(tr.subscriber.status).toBe("expired");
    expect(tr.commands).toEqual([]);
  });

  it("refuses to resume a terminated, active or lapsed subscriber", () => {
    for (const s of [
      subscriberOn(monthly, { status: "terminated" }),
      subscriberOn(monthly, { status: "active" }),
      subscriberOn(monthly, { status: "suspended", suspendReason: "lapsed" }),
    ]) {
      expect(() => resume(s, monthly, dhaka, t("2026-02-01T00:00:00Z"), admin)).toThrow(
        InvalidTransitionError,
      );
    }
  });
});

describe("setExpiry", () => {
  it("reconnects when the override gives time back", () => {
    const sub = subscriberOn(noGrace, { status: "expired" });
    const tr = valid(
      setExpiry(
        sub,
        noGrace,
        dhaka,
        t("2026-03-02T00:00:00Z"),
        admin,
        t("2026-03-05T00:00:00Z"),
        "outage credit",
      ),
    );
    expect(tr.subscriber).toMatchObject({ status: "active", expiresAt: "2026-03-05T00:00:00.000Z" });
    expect(only(tr.commands)).toMatchObject({ desired: { state: "active" }, reason: "expiry_changed" });
    expect(only(tr.events)).toMatchObject({
      type: "subscriber.expiry_changed",
      data: { reason: "outage credit" },
    });
  });

  it("cuts off at once when moved into the past", () => {
    const tr = setExpiry(
      subscriberOn(noGrace),
      noGrace,
      dhaka,
      t("2026-02-01T00:00:00Z"),
      admin,
      t("2026-01-31T00:00:00Z"),
      "fraud",
    );
    expect(tr.subscriber.status).toBe("expired");
    expect(only(tr.commands).desired.state).toBe("suspended");
  });

  it("needs a reason and refuses paused and terminated subscribers", () => {
    const now = t("2026-02-01T00:00:00Z");
    expect(() => setExpiry(subscriberOn(monthly), monthly, dhaka, now, admin, now, "  ")).toThrow(
      ValidationError,
    );
    expect(() =>
      setExpiry(subscriberOn(monthly, { status: "paused" }), monthly, dhaka, now, admin, now, "x"),
    ).toThrow(InvalidTransitionError);
  });
});

describe("changePackage", () => {
  const faster = prepaid({
    name: "Home 20M",
    speed: { downloadKbps: 20_000, uploadKbps: 20_000 },
    routerProfile: "home-20m",
  });

  it("sends a rate change to a connected subscriber", () => {
    const tr = valid(
      changePackage(subscriberOn(monthly), monthly, dhaka, t("2026-02-01T00:00:00Z"), admin, faster),
    );
    expect(tr.subscriber).toMatchObject({ packageId: faster.id, expiresAt: EXPIRES, status: "active" });
    expect(only(tr.commands)).toMatchObject({
      reason: "package_changed",
      desired: {
        state: "active",
        rateLimit: { downloadKbps: 20_000, uploadKbps: 20_000 },
        profile: "home-20m",
      },
    });
  });

  it("sends nothing to a disconnected subscriber; the restore carries the new rate", () => {
    const sub = subscriberOn(noGrace, { status: "expired" });
    const tr = changePackage(sub, noGrace, dhaka, t("2026-03-02T00:00:00Z"), admin, faster);
    expect(tr.commands).toEqual([]);
    const restored = renew(tr.subscriber, faster, dhaka, t("2026-03-02T00:00:00Z"), admin);
    expect(only(restored.commands).desired).toMatchObject({ rateLimit: { downloadKbps: 20_000 } });
  });

  it("refuses archived packages, billing-type switches and terminated subscribers", () => {
    const now = t("2026-02-01T00:00:00Z");
    const sub = subscriberOn(monthly);
    expect(() => changePackage(sub, monthly, dhaka, now, admin, { ...faster, archived: true })).toThrow(
      ValidationError,
    );
    const err = catchError(() => changePackage(sub, monthly, dhaka, now, admin, postpaid(1, 5)));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err).toMatchObject({
      issues: [{ path: "packageId", message: "must be prepaid like the current package" }],
    });
    expect(() => changePackage(sub, monthly, dhaka, now, admin, monthly)).toThrow(ValidationError);
    expect(() => changePackage({ ...sub, status: "terminated" }, monthly, dhaka, now, admin, faster)).toThrow(
      InvalidTransitionError,
    );
  });
});

describe("terminate", () => {
  it("disconnects for good and clears pause state", () => {
    const sub: LifecycleSubscriber = subscriberOn(monthly, { status: "paused", pausedRemainingSeconds: 5 });
    const tr = valid(terminate(sub, monthly, dhaka, t("2026-02-01T00:00:00Z"), admin, "moved away"));
    expect(tr.subscriber.status).toBe("terminated");
    expect(tr.subscriber.pausedRemainingSeconds).toBeUndefined();
    expect(only(tr.commands)).toMatchObject({ desired: { state: "disconnected" }, reason: "terminated" });
    expect(() => terminate(tr.subscriber, monthly, dhaka, t("2026-02-02T00:00:00Z"), admin)).toThrow(
      InvalidTransitionError,
    );
    expect(() => resume(tr.subscriber, monthly, dhaka, t("2026-02-02T00:00:00Z"), admin)).toThrow(
      "Cannot resume a subscriber who is terminated",
    );
  });
});
