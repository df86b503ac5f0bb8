import { describe, expect, it } from "vitest";
import {
  addLocalDays,
  fromLocal,
  leaveQuietHours,
  toLocal,
} from "../../../../shared/domain/lifecycle/zoned-time.js";
import { t } from "./fixtures.js";

const QUIET = { start: "21:00", end: "08:00" };

describe("local date-times", () => {
  it("reads an instant on the tenant's wall clock", () => {
    expect(toLocal(t("2026-01-31T18:00:00Z"), "Asia/Dhaka")).toEqual({
      year: 2026,
      month: 2,
      day: 1,
      hour: 0,
      minute: 0,
      second: 0,
    });
    expect(toLocal(t("2026-01-31T18:29:59Z"), "Asia/Kolkata")).toMatchObject({
      day: 31,
      hour: 23,
      minute: 59,
    });
  });

  it("turns a local midnight into the UTC instant (UTC+6 and UTC+5:30)", () => {
    const midnight = { year: 2026, month: 2, day: 1, hour: 0, minute: 0, second: 0 };
    expect(fromLocal(midnight, "Asia/Dhaka").toISOString()).toBe("2026-01-31T18:00:00.000Z");
    expect(fromLocal(midnight, "Asia/Kolkata").toISOString()).toBe("2026-01-31T18:30:00.000Z");
  });

  it("rolls day overflow into the next month and year", () => {
    expect(
      fromLocal(
        { year: 2026, month: 12, day: 32, hour: 8, minute: 0, second: 0 },
        "Asia/Dhaka",
      ).toISOString(),
    ).toBe("2027-01-01T02:00:00.000Z");
  });

  it("adds calendar days keeping the wall-clock time across a DST change", () => {
    // New York moves to EDT on 2026-03-08: noon stays noon, so the UTC gap is 23 hours.
    expect(addLocalDays(t("2026-03-07T17:00:00Z"), 1, "America/New_York").toISOString()).toBe(
      "2026-03-08T16:00:00.000Z",
    );
    expect(addLocalDays(t("2028-02-28T12:00:00.250Z"), 1, "Asia/Dhaka").toISOString()).toBe(
      "2028-02-29T12:00:00.250Z",
    );
  });
});

describe("leaveQuietHours", () => {
  it("moves a late-evening instant to the end of quiet hours the next morning", () => {
    // 22:30 in Dhaka -> 08:00 the next day
    expect(leaveQuietHours(t("2026-03-01T16:30:00Z"), QUIET, "Asia/Dhaka").toISOString()).toBe(
      "2026-03-02T02:00:00.000Z",
    );
  });

  it("moves an after-midnight instant to 08:00 the same local day", () => {
    // 02:00 on 2 March in Dhaka (still 1 March in UTC)
    expect(leaveQuietHours(t("2026-03-01T20:00:00Z"), QUIET, "Asia/Dhaka").toISOString()).toBe(
      "2026-03-02T02:00:00.000Z",
    );
  });

  it("treats the start as inside and the end as outside", () => {
    expect(leaveQuietHours(t("2026-03-01T15:00:00Z"), QUIET, "Asia/Dhaka").toISOString()).toBe(
      "2026-03-02T02:00:00.000Z",
    );
    expect(leaveQuietHours(t("2026-03-01T02:00:00Z"), QUIET, "Asia/Dhaka").toISOString()).toBe(
      "2026-03-01T02:00:00.000Z",
    );
    expect(leaveQuietHours(t("2026-03-01T14:59:59Z"), QUIET, "Asia/Dhaka").toISOString()).toBe(
      "2026-03-01T14:59:59.000Z",
    );
  });

  it("uses the half-hour offset of Asia/Kolkata", () => {
    // 21:10 IST -> 08:00 IST next day = 02:30Z
    expect(leaveQuietHours(t("2026-03-01T15:40:00Z"), QUIET, "Asia/Kolkata").toISOString()).toBe(
      "2026-03-02T02:30:00.000Z",
    );
    // 23:30 IST on 31 January -> 08:00 IST on 1 February
    expect(leaveQuietHours(t("2026-01-31T18:00:00Z"), QUIET, "Asia/Kolkata").toISOString()).toBe(
      "2026-02-01T02:30:00.000Z",
    );
  });

  it("crosses the year end", () => {
    expect(leaveQuietHours(t("2026-12-31T17:00:00Z"), QUIET, "Asia/Dhaka").toISOString()).toBe(
      "2027-01-01T02:00:00.000Z",
    );
  });

  it("handles quiet hours within one day and leaves instants alone when disabled", () => {
    const lunch = { start: "13:00", end: "14:00" };
    expect(leaveQuietHours(t("2026-03-01T07:30:00Z"), lunch, "Asia/Dhaka").toISOString()).toBe(
      "2026-03-01T08:00:00.000Z",
    );
    expect(leaveQuietHours(t("2026-03-01T16:30:00Z"), lunch, "Asia/Dhaka").toISOString()).toBe(
      "2026-03-01T16:30:00.000Z",
    );
    expect(leaveQuietHours(t("2026-03-01T16:30:00Z"), null, "Asia/Dhaka").toISOString()).toBe(
      "2026-03-01T16:30:00.000Z",
    );
    expect(
      leaveQuietHours(
        t("2026-03-01T16:30:00Z"),
        { start: "08:00", end: "08:00" },
        "Asia/Dhaka",
      ).toISOString(),
    ).toBe("2026-03-01T16:30:00.000Z");
  });
});
