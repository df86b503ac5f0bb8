import { describe, expect, it } from "vitest";
import { ConflictError, ValidationError } from "../../../../shared/domain/errors.js";
import { InvalidTransitionError, policyForTenant, renew } from "../../../../shared/domain/lifecycle/index.js";
import { admin, catchError, dhaka, only, postpaid, prepaid, subscriberOn, t, valid } from "./fixtures.js";

const EXPIRES = "2026-03-01T12:00:00.000Z";
const monthly = prepaid({ graceDays: 3, routerProfile: "home-10m" });
const noGrace = prepaid();

describe("renew (prepaid)", () => {
  it("stacks an early renewal on expiresAt and refreshes the session cap", () => {
    const sub = subscriberOn(monthly);
    const tr = valid(renew(sub, monthly, dhaka, t("2026-02-25T00:00:00Z"), admin));
    expect(tr.subscriber).toMatchObject({
      status: "active",
      expiresAt: "2026-03-31T12:00:00.000Z",
      version: 4,
    });
    const cmd = only(tr.commands);
    expect(cmd).toMatchObject({
      reason: "renewed",
      version: 4,
      commandId: `${sub.id}.v4`,
      desired: { state: "active", profile: "home-10m", until: "2026-04-03T12:00:00.000Z" },
    });
    expect(only(tr.events)).toMatchObject({
      type: "subscriber.renewed",
      data: { rule: "stacked", previousExpiresAt: EXPIRES },
    });
  });

  it("stacks a renewal in grace on the old expiresAt by default (grace is credit, not free days)", () => {
    const sub = subscriberOn(monthly, { status: "grace" });
    const tr = renew(sub, monthly, dhaka, t("2026-03-02T00:00:00Z"), admin);
    expect(tr.subscriber).toMatchObject({ status: "active", expiresAt: "2026-03-31T12:00:00.000Z" });
  });

  it("starts a renewal in grace from now when the tenant forgives grace", () => {
    const forgiving = policyForTenant({ timeZone: "Asia/Dhaka" }, { renewInGrace: "from_now" });
    const sub = subscriberOn(monthly, { status: "grace" });
    const tr = renew(sub, monthly, forgiving, t("2026-03-02T00:00:00Z"), admin);
    expect(tr.subscriber.expiresAt).toBe("2026-04-01T00:00:00.000Z");
  });

  it("restores a subscriber suspended after grace, starting from now", () => {
    const sub = subscriberOn(monthly, { status: "suspended", suspendReason: "lapsed" });
    const now = t("2026-03-10T00:00:00Z");
    const tr = valid(renew(sub, monthly, dhaka, now, admin));
    expect(tr.subscriber).toMatchObject({ status: "active", expiresAt: "2026-04-09T00:00:00.000Z" });
    expect(tr.subscriber.suspendReason).toBeUndefined();
    expect(only(tr.commands)).toMatchObject({
      desired: { state: "active" },
      reason: "renewed",
      notBefore: now.toISOString(),
    });
  });

  it("restores an expired subscriber (no grace) from now", () => {
    const sub = subscriberOn(noGrace, { status: "expired" });
    const tr = renew(sub, noGrace, dhaka, t("2026-03-01T12:00:01Z"), admin);
    expect(tr.subscriber).toMatchObject({ status: "active", expiresAt: "2026-03-31T12:00:01.000Z" });
    expect(only(tr.commands).desired.state).toBe("active");
  });

  it("uses the clock, not a stale status, when the expiry fire has not happened yet", () => {
    const sub = subscriberOn(noGrace, { status: "active" });
    const tr = renew(sub, noGrace, dhaka, t("2026-03-05T00:00:00Z"), admin);
    expect(tr.subscriber.expiresAt).toBe("2026-04-04T00:00:00.000Z");
  });

  it("keeps an admin hold: the payment extends but does not reconnect", () => {
    const sub = subscriberOn(monthly, { status: "suspended", suspendReason: "manual" });
    const tr = renew(sub, monthly, dhaka, t("2026-02-25T00:00:00Z"), admin);
    expect(tr.subscriber).toMatchObject({
      status: "suspended",
      suspendReason: "manual",
      expiresAt: "2026-03-31T12:00:00.000Z",
    });
    expect(tr.commands).toEqual([]);
  });

  it("adds to the frozen balance of a paused subscriber", () => {
    const sub = subscriberOn(monthly, { status: "paused", pausedRemainingSeconds: 3600 });
    const tr = renew(sub, monthly, dhaka, t("2026-02-25T00:00:00Z"), admin);
    expect(tr.subscriber).toMatchObject({ status: "paused", pausedRemainingSeconds: 3600 + 30 * 86_400 });
    expect(tr.commands).toEqual([]);
  });

  it("renews several periods and hour-based packages", () => {
    const sub = subscriberOn(monthly);
    expect(renew(sub, monthly, dhaka, t("2026-02-25T00:00:00Z"), admin, 3).subscriber.expiresAt).toBe(
      "2026-05-30T12:00:00.000Z",
    );
    const hourly = prepaid({ billing: { type: "prepaid", validity: { unit: "hours", count: 12 } } });
    const h = subscriberOn(hourly, { status: "expired" });
    expect(renew(h, hourly, dhaka, t("2026-03-05T10:30:00Z"), admin).subscriber.expiresAt).toBe(
      "2026-03-05T22:30:00.000Z",
    );
  });

  it("refuses a terminated subscriber and a bad period count", () => {
    const gone = subscriberOn(monthly, { status: "terminated" });
    const err = catchError(() => renew(gone, monthly, dhaka, t("2026-02-25T00:00:00Z"), admin));
    expect(err).toBeInstanceOf(InvalidTransitionError);
    expect(err).toBeInstanceOf(ConflictError);
    expect(err).toMatchObject({
      status: 409,
      code: "invalid-transition",
      operation: "renew",
      from: "terminated",
    });
    expect(() => renew(subscriberOn(monthly), monthly, dhaka, t("2026-02-25T00:00:00Z"), admin, 0)).toThrow(
      ValidationError,
    );
  });

  it("refuses a package that is not the subscriber's", () => {
    expect(() => renew(subscriberOn(monthly), noGrace, dhaka, t("2026-02-25T00:00:00Z"), admin)).toThrow(
      /not the package/,
    );
  });
});

describe("renew (postpaid payment)", () => {
  const office = postpaid(1, 10, { graceDays: 2 });

  it("settles the overdue bill and reconnects a suspended subscriber", () => {
    const sub = subscriberOn(office, {
      status: "suspended",
      suspendReason: "lapsed",
      expiresAt: "2026-02-11T18:00:00.000Z",
    });
    const tr = valid(renew(sub, office, dhaka, t("2026-02-20T00:00:00Z"), admin));
    expect(tr.subscriber).toMatchObject({ status: "active", expiresAt: "2026-03-11T18:00:00.000Z" });
    expect(only(tr.commands).desired).toMatchObject({ state: "active", until: "2026-03-13T18:00:00.000Z" });
  });
});
