import { describe, expect, it } from "vitest";
import {
  billedAtForDue,
  dueAfterBillsPaid,
  dueAfterPayment,
  nextBillingInstant,
  nextDueInstant,
  type PostpaidBilling,
} from "../../../../shared/domain/lifecycle/postpaid.js";
import { t } from "./fixtures.js";

const lastDay = (dueDays: number): PostpaidBilling => ({ type: "postpaid", billingDay: 31, dueDays });

describe("postpaid calendar", () => {
  it("bills day 31 on 29 February in a leap year, due by the end of that day (Dhaka)", () => {
    const after = t("2028-02-10T00:00:00Z");
    expect(nextBillingInstant(lastDay(0), "Asia/Dhaka", after).toISOString()).toBe(
      "2028-02-28T18:00:00.000Z",
    );
    expect(nextDueInstant(lastDay(0), "Asia/Dhaka", after).toISOString()).toBe("2028-02-29T18:00:00.000Z");
  });

  it("bills day 31 on 28 February in a common year", () => {
    expect(nextBillingInstant(lastDay(0), "Asia/Dhaka", t("2027-02-10T00:00:00Z")).toISOString()).toBe(
      "2027-02-27T18:00:00.000Z",
    );
  });

  it("takes the next month when `after` is the billing instant itself", () => {
    expect(nextBillingInstant(lastDay(0), "Asia/Dhaka", t("2028-02-28T18:00:00Z")).toISOString()).toBe(
      "2028-03-30T18:00:00.000Z",
    );
  });

  it("bills day 31 on 30 April and counts due days in IST (UTC+5:30)", () => {
    const after = t("2026-04-05T00:00:00Z");
    expect(nextBillingInstant(lastDay(7), "Asia/Kolkata", after).toISOString()).toBe(
      "2026-04-29T18:30:00.000Z",
    );
    // due by the end of 7 May IST
    expect(nextDueInstant(lastDay(7), "Asia/Kolkata", after).toISOString()).toBe("2026-05-07T18:30:00.000Z");
  });

  it("compares in local time: 00:30 on the 1st in Dhaka is already past that month's bill", () => {
    const first: PostpaidBilling = { type: "postpaid", billingDay: 1, dueDays: 0 };
    expect(nextBillingInstant(first, "Asia/Dhaka", t("2026-01-31T18:30:00Z")).toISOString()).toBe(
      "2026-02-28T18:00:00.000Z",
    );
  });

  it("rolls over the year end", () => {
    const fifth: PostpaidBilling = { type: "postpaid", billingDay: 5, dueDays: 3 };
    expect(nextBillingInstant(fifth, "Asia/Dhaka", t("2026-12-20T00:00:00Z")).toISOString()).toBe(
      "2027-01-04T18:00:00.000Z",
    );
  });

  it("finds when a due bill was issued", () => {
    expect(billedAtForDue(lastDay(7), "Asia/Kolkata", t("2026-05-07T18:30:00Z")).toISOString()).toBe(
      "2026-04-29T18:30:00.000Z",
    );
  });
});

describe("dueAfterPayment", () => {
  const first: PostpaidBilling = { type: "postpaid", billingDay: 1, dueDays: 10 };
  // The February bill: issued 1 Feb 00:00 Dhaka, due by the end of 11 Feb.
  const februaryDue = t("2026-02-11T18:00:00Z");
  const marchDue = "2026-03-11T18:00:00.000Z";

  it("settles the bill even when paid before it is issued", () => {
    expect(dueAfterPayment(first, "Asia/Dhaka", februaryDue, t("2026-01-20T00:00:00Z")).toISOString()).toBe(
      marchDue,
    );
  });

  it("moves to the next bill when paid between issue and due date", () => {
    expect(dueAfterPayment(first, "Asia/Dhaka", februaryDue, t("2026-02-05T00:00:00Z")).toISOString()).toBe(
      marchDue,
    );
  });

  it("settles every bill already issued when paid late", () => {
    expect(dueAfterPayment(first, "Asia/Dhaka", februaryDue, t("2026-03-20T00:00:00Z")).toISOString()).toBe(
      "2026-04-11T18:00:00.000Z",
    );
  });
});

describe("dueAfterBillsPaid", () => {
  // Every 7 days from Thursday 1 January 2026 (Dhaka), due by the end of the 3rd day after: bills on 1, 8, 15 January.
  const weekly: PostpaidBilling = { type: "postpaid", cycle: "every_n_days", everyDays: 7, dueDays: 3 };
  const firstDue = t("2026-01-04T18:00:00Z");
  const secondBill = "2026-01-07T18:00:00.000Z";
  const paidAt = t("2026-01-09T00:00:00Z");

  it("is dueAfterPayment when no later bill is unpaid", () => {
    expect(dueAfterBillsPaid(weekly, "Asia/Dhaka", firstDue, paidAt, []).toISOString()).toBe(
      dueAfterPayment(weekly, "Asia/Dhaka", firstDue, paidAt).toISOString(),
    );
    expect(dueAfterPayment(weekly, "Asia/Dhaka", firstDue, paidAt).toISOString()).toBe(
      "2026-01-18T18:00:00.000Z",
    );
  });

  it("stops at the due instant of a later bill of the series that is still unpaid", () => {
    expect(dueAfterBillsPaid(weekly, "Asia/Dhaka", firstDue, paidAt, [secondBill]).toISOString()).toBe(
      "2026-01-11T18:00:00.000Z",
    );
  });

  it("is not held by unpaid invoices that are not later bills of the series", () => {
    const older = "2025-12-31T18:00:00.000Z"; // the bill just paid
    const midCycle = "2026-01-08T06:00:00.000Z"; // an upgrade's difference
    expect(dueAfterBillsPaid(weekly, "Asia/Dhaka", firstDue, paidAt, [older, midCycle]).toISOString()).toBe(
      "2026-01-18T18:00:00.000Z",
    );
  });
});
