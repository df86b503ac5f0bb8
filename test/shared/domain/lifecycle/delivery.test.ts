import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { planDelivery, sqsDelaySeconds } from "../../../../shared/domain/lifecycle/delivery.js";
import { t } from "./fixtures.js";

describe("planDelivery", () => {
  const due = t("2026-03-01T12:00:00Z");

  it("schedules one minute before the due instant", () => {
    expect(planDelivery(due, t("2026-03-01T11:00:00Z"))).toEqual({
      scheduleAt: t("2026-03-01T11:59:00Z"),
      delaySeconds: 900,
    });
  });

  it("delays a message so it surfaces one to two seconds before the due instant", () => {
    expect(sqsDelaySeconds(due, t("2026-03-01T11:59:00.250Z"))).toBe(58);
    expect(sqsDelaySeconds(due, t("2026-03-01T11:59:00Z"))).toBe(59);
    expect(sqsDelaySeconds(due, t("2026-03-01T11:59:58.999Z"))).toBe(0);
    expect(sqsDelaySeconds(due, t("2026-03-01T12:00:00Z"))).toBe(0);
  });

  it("clamps the schedule to now when the due instant is less than a minute away or past", () => {
    expect(planDelivery(due, t("2026-03-01T11:59:30.200Z"))).toEqual({
      scheduleAt: t("2026-03-01T11:59:31Z"),
      delaySeconds: 28,
    });
    expect(planDelivery(due, t("2026-03-01T12:05:00Z"))).toEqual({
      scheduleAt: t("2026-03-01T12:05:00Z"),
      delaySeconds: 0,
    });
  });

  it("surfaces at most two seconds before the due instant and at least one, when the delay fits in SQS", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2e12 }),
        fc.integer({ min: -5_000, max: 900_000 }),
        (nowMs, ahead) => {
          const now = new Date(nowMs);
          const dueAt = new Date(nowMs + ahead);
          const landing = nowMs + sqsDelaySeconds(dueAt, now) * 1000;
          // The agent holds an early message until notBefore; a late one would make enforcement late.
          const target = Math.max(dueAt.getTime() - 1000, nowMs);
          expect(landing).toBeLessThanOrEqual(target);
          expect(target - landing).toBeLessThan(1000);
          const { scheduleAt } = planDelivery(dueAt, now);
          expect(scheduleAt.getTime()).toBeGreaterThanOrEqual(nowMs);
          expect(scheduleAt.getTime() % 1000).toBe(0);
        },
      ),
      { numRuns: 500 },
    );
  });
});
