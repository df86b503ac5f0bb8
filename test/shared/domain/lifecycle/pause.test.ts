import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../../shared/domain/errors.js";
import { InvalidTransitionError, pause, unpause } from "../../../../shared/domain/lifecycle/index.js";
import { admin, dhaka, only, postpaid, prepaid, subscriberOn, t, valid } from "./fixtures.js";

const EXPIRES = "2026-03-01T12:00:00.000Z";
const monthly = prepaid({ graceDays: 3, routerProfile: "home-10m" });
const noGrace = prepaid();

describe("pause and unpause", () => {
  it("stops the clock, remembering the seconds left, and disconnects", () => {
    const tr = valid(pause(subscriberOn(monthly), monthly, dhaka, t("2026-02-19T12:00:00Z"), admin));
    expect(tr.subscriber).toMatchObject({ status: "paused", pausedRemainingSeconds: 10 * 86_400 });
    expect(only(tr.commands)).toMatchObject({ desired: { state: "suspended" }, reason: "paused" });
  });

  it("restores the remaining time from the moment of unpause", () => {
    const paused = subscriberOn(monthly, {
      status: "paused",
      pausedRemainingSeconds: 10 * 86_400,
      pausedUntil: EXPIRES,
    });
    const tr = valid(unpause(paused, monthly, dhaka, t("2026-06-01T00:00:00Z"), admin));
    expect(tr.subscriber).toMatchObject({ status: "active", expiresAt: "2026-06-11T00:00:00.000Z" });
    expect(tr.subscriber.pausedRemainingSeconds).toBeUndefined();
    expect(tr.subscriber.pausedUntil).toBeUndefined();
    expect(only(tr.commands)).toMatchObject({ desired: { state: "active" }, reason: "unpaused" });
  });

  it("keeps the grace already used when paused in grace", () => {
    const inGrace = subscriberOn(monthly, { status: "grace" });
    const paused = pause(inGrace, monthly, dhaka, t("2026-03-02T12:00:00Z"), admin).subscriber;
    expect(paused.pausedRemainingSeconds).toBe(-86_400);
    const back = unpause(paused, monthly, dhaka, t("2026-04-01T00:00:00Z"), admin).subscriber;
    expect(back).toMatchObject({ status: "grace", expiresAt: "2026-03-31T00:00:00.000Z" });
  });

  it("refuses postpaid, a past auto-unpause, and the wrong statuses", () => {
    const office = postpaid(1, 10);
    expect(() => pause(subscriberOn(office), office, dhaka, t("2026-02-01T00:00:00Z"), admin)).toThrow(
      /Only prepaid/,
    );
    expect(() =>
      pause(
        subscriberOn(monthly),
        monthly,
        dhaka,
        t("2026-02-01T00:00:00Z"),
        admin,
        t("2026-01-01T00:00:00Z"),
      ),
    ).toThrow(ValidationError);
    expect(() =>
      pause(subscriberOn(noGrace, { status: "expired" }), noGrace, dhaka, t("2026-03-02T00:00:00Z"), admin),
    ).toThrow(InvalidTransitionError);
    expect(() => unpause(subscriberOn(monthly), monthly, dhaka, t("2026-02-01T00:00:00Z"), admin)).toThrow(
      InvalidTransitionError,
    );
  });
});
