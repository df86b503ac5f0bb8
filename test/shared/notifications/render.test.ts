import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  formatAmount,
  formatDateTime,
  type MessageContext,
  reminderKind,
  renderMessage,
  smsLength,
  TEMPLATES,
} from "../../../shared/domain/notifications/index.js";

const BENGALI_DIGIT = /[০-৯]/;
const LINK = "https://pay.example.com/p/AbC123xyz";

function ctx(overrides: Partial<MessageContext> = {}): MessageContext {
  return {
    kind: "reminder_before",
    offset: "-5d",
    language: "en",
    timeZone: "Asia/Dhaka",
    name: "Rahim Uddin",
    packageName: "Home 10 Mbps",
    amount: { amount: 50_000, currency: "BDT" },
    // Midnight 6 March in Dhaka (UTC+6).
    dueAt: "2026-03-05T18:00:00.000Z",
    isp: "Padma Net",
    payLink: LINK,
    ...overrides,
  };
}

describe("amounts", () => {
  it("formats minor units with the currency sign or code", () => {
    expect(formatAmount({ amount: 50_000, currency: "BDT" }, "en", "symbol")).toBe("৳500.00");
    expect(formatAmount({ amount: 50_000, currency: "BDT" }, "en", "code")).toBe("500.00 BDT");
    expect(formatAmount({ amount: 12_345_650, currency: "INR" }, "en", "symbol")).toBe("₹1,23,456.50");
    expect(formatAmount({ amount: 5, currency: "INR" }, "en", "code")).toBe("0.05 INR");
    expect(formatAmount({ amount: 12_345_601, currency: "USD" }, "en", "symbol")).toBe("$123,456.01");
  });

  it("writes Bangla amounts in Bengali digits", () => {
    expect(formatAmount({ amount: 50_000, currency: "BDT" }, "bn", "symbol")).toBe("৳৫০০.০০");
    expect(formatAmount({ amount: 12_345_650, currency: "BDT" }, "bn", "symbol")).toBe("৳১,২৩,৪৫৬.৫০");
  });
});

describe("dates", () => {
  it("writes the tenant's wall clock, not UTC", () => {
    expect(formatDateTime("2026-03-05T18:00:00.000Z", "Asia/Dhaka", "en")).toBe("6 March 2026, 00:00");
    expect(formatDateTime("2026-03-05T18:00:00.000Z", "Asia/Kolkata", "en")).toBe("5 March 2026, 23:30");
  });

  it("writes Bangla dates with Bengali digits and month names", () => {
    expect(formatDateTime("2026-03-05T18:00:00.000Z", "Asia/Dhaka", "bn")).toBe("৬ মার্চ ২০২৬, ০০:০০");
    expect(formatDateTime("2026-12-24T12:15:00.000Z", "Asia/Dhaka", "bn")).toBe("২৪ ডিসেম্বর ২০২৬, ১৮:১৫");
  });
});

describe("reminder kinds", () => {
  it("picks before, on the day and after from the offset", () => {
    expect(reminderKind("-5d")).toBe("reminder_before");
    expect(reminderKind("-12h")).toBe("reminder_before");
    expect(reminderKind("0")).toBe("reminder_due");
    expect(reminderKind("+1d")).toBe("reminder_after");
  });
});

describe("English messages", () => {
  it("renders the before-expiry SMS in the 7-bit alphabet with the amount as a code", () => {
    const sms = renderMessage("sms", ctx());

    expect(sms.body).toBe(
      `Dear Rahim Uddin, your Padma Net internet (Home 10 Mbps) expires in 5 days, on 6 March 2026, 00:00. Renew for 500.00 BDT: ${LINK}`,
    );
    expect(sms).toMatchObject({
      encoding: "gsm7",
      segments: smsLength(sms.body).segments,
      withinLimit: true,
    });
    expect(sms.segments).toBeLessThanOrEqual(2);
  });

  it("says 1 day and 12 hours in the singular and plural", () => {
    expect(renderMessage("sms", ctx({ offset: "-1d" })).body).toContain("expires in 1 day,");
    expect(renderMessage("sms", ctx({ offset: "-12h" })).body).toContain("expires in 12 hours,");
  });

  it("renders the on-the-day and after-expiry texts", () => {
    const today = renderMessage("sms", ctx({ kind: "reminder_due", offset: "0" }));
    const after = renderMessage("sms", ctx({ kind: "reminder_after", offset: "+1d" }));

    expect(today.body).toContain("expires today, 6 March 2026, 00:00. Pay 500.00 BDT to stay connected:");
    expect(after.body).toContain("expired on 6 March 2026, 00:00. Pay 500.00 BDT to reconnect: https://");
  });

  it("renders the e-mail with a subject, the currency sign and a sign-off", () => {
    const email = renderMessage("email", ctx());

    expect(email.subject).toBe("Padma Net: your internet expires in 5 days");
    expect(email.body).toContain("Dear Rahim Uddin,\n\nYour Padma Net internet package Home 10 Mbps expires");
    expect(email.body).toContain(`Renew for ৳500.00: ${LINK}`);
    expect(email.body.endsWith("Thank you,\nPadma Net")).toBe(true);
  });

  it("asks to pay without a link when there is none", () => {
    const sms = renderMessage("sms", ctx({ payLink: undefined }));

    expect(sms.body.endsWith("Renew for 500.00 BDT to stay connected.")).toBe(true);
    expect(sms.body).not.toContain("http");
  });

  it("renders the receipt", () => {
    const receipt = renderMessage("sms", ctx({ kind: "receipt", offset: undefined, payLink: undefined }));

    expect(receipt.body).toBe(
      "Dear Rahim Uddin, Padma Net received your payment of 500.00 BDT for Home 10 Mbps. Your internet is active until 6 March 2026, 00:00. Thank you!",
    );
  });

  it("keeps values literal and strips control characters from them", () => {
    const sms = renderMessage("sms", ctx({ name: "Rahim\r\n{payLink}\u0007 Uddin" }));

    expect(sms.body.startsWith("Dear Rahim {payLink} Uddin, your")).toBe(true);
  });

  it("shortens long names to stay within two parts", () => {
    const sms = renderMessage(
      "sms",
      ctx({
        name: "Mohammad Abdur Rahim Chowdhury Uddin Talukder Bhuiyan Sarkar Mollah Khan",
        packageName: "Ultra Fibre Unlimited Home and Gaming 100 Mbps Night Boost Edition",
        isp: "Greater Padma River Broadband and Cable Network Services Limited",
        payLink: `${LINK}/with/a/rather/long/path/and?query=string&more=1`,
      }),
    );

    expect(sms.segments).toBeLessThanOrEqual(2);
    expect(sms.withinLimit).toBe(true);
    expect(sms.body).toContain("Dear Mohammad,");
    expect(sms.body).toContain(`${LINK}/with/a/rather/long/path/and?query=string&more=1`);
  });

  it("falls back to the short text when a Bangla name makes an English SMS UCS-2", () => {
    const sms = renderMessage("sms", ctx({ name: "রহিম উদ্দিন চৌধুরী", isp: "Padma Broadband Network" }));

    expect(sms.encoding).toBe("ucs2");
    expect(sms.segments).toBeLessThanOrEqual(2);
    expect(sms.body).toContain("রহিম");
    expect(sms.body).toContain(LINK);
  });

  it("keeps every English reminder SMS within two parts for any 7-bit names", () => {
    const gsmText = (max: number) =>
      fc
        .array(fc.constantFrom(..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .-&'€"), {
          minLength: 1,
          maxLength: max,
        })
        .map((cs) => cs.join("").trim() || "x");
    fc.assert(
      fc.property(
        gsmText(120),
        gsmText(120),
        gsmText(120),
        fc.constantFrom("-5d", "-3d", "-1d", "0", "+1d"),
        fc.integer({ min: 0, max: 100_000_000_00 }),
        (name, packageName, isp, offset, amount) => {
          const sms = renderMessage(
            "sms",
            ctx({
              kind: reminderKind(offset),
              offset,
              name,
              packageName,
              isp,
              amount: { amount, currency: "BDT" },
            }),
          );
          expect(sms.encoding).toBe("gsm7");
          expect(sms.segments).toBeLessThanOrEqual(2);
        },
      ),
    );
  });
});

describe("Bangla messages", () => {
  const bn = (overrides: Partial<MessageContext> = {}) => ctx({ language: "bn", ...overrides });

  it("renders the before-expiry SMS with Bengali digits, month name and amount", () => {
    const sms = renderMessage("sms", bn());

    expect(sms.body).toBe(
      `প্রিয় Rahim Uddin, আপনার Padma Net ইন্টারনেটের (Home 10 Mbps) মেয়াদ ৫ দিন পর শেষ হবে (৬ মার্চ ২০২৬, ০০:০০)। ৳৫০০.০০ দিয়ে নবায়ন করুন: ${LINK}`,
    );
    expect(sms.body).toMatch(BENGALI_DIGIT);
    expect(sms.body).toContain("মার্চ");
    expect(sms).toMatchObject({ encoding: "ucs2", segments: smsLength(sms.body).segments });
    expect(sms.segments).toBe(3);
  });

  it("renders on-the-day and after-expiry texts", () => {
    expect(renderMessage("sms", bn({ kind: "reminder_due", offset: "0" })).body).toContain(
      "মেয়াদ আজ শেষ হচ্ছে",
    );
    const after = renderMessage("sms", bn({ kind: "reminder_after", offset: "+1d" })).body;
    expect(after).toContain("মেয়াদ শেষ হয়েছে (৬ মার্চ ২০২৬, ০০:০০)");
    expect(after).toContain("পুনরায় সংযোগ পেতে ৳৫০০.০০ পরিশোধ করুন");
  });

  it("renders the e-mail in Bangla with a Bangla subject", () => {
    const email = renderMessage("email", bn({ name: "রহিম উদ্দিন" }));

    expect(email.subject).toBe("Padma Net: আপনার ইন্টারনেটের মেয়াদ ৫ দিন পর শেষ হবে");
    expect(email.body).toContain("প্রিয় রহিম উদ্দিন,");
    expect(email.body).toContain("৳৫০০.০০");
    expect(email.body).toContain("৬ মার্চ ২০২৬");
  });

  it("cuts a Bangla name at a letter boundary when the SMS is too long", () => {
    const sms = renderMessage(
      "sms",
      bn({
        name: "মোহাম্মদ আব্দুর রহিম চৌধুরী উদ্দিন তালুকদার",
        packageName: "আল্ট্রা ফাইবার আনলিমিটেড হোম ১০০ এমবিপিএস নাইট বুস্ট",
        isp: "পদ্মা নদী ব্রডব্যান্ড অ্যান্ড ক্যাবল নেটওয়ার্ক সার্ভিসেস লিমিটেড",
      }),
    );

    expect(sms.segments).toBeLessThanOrEqual(3);
    expect(sms.body).toContain("মোহাম্মদ");
  });
});

describe("templates", () => {
  it("render in every language, kind and channel without a missing placeholder", () => {
    for (const language of ["en", "bn"] as const) {
      for (const kind of Object.keys(TEMPLATES[language]) as (keyof (typeof TEMPLATES)["en"])[]) {
        for (const payLink of [LINK, undefined]) {
          const c = ctx({ language, kind, payLink });
          expect(renderMessage("sms", c).body).not.toMatch(/[{}]/);
          const email = renderMessage("email", c);
          expect(`${email.subject}${email.body}`).not.toMatch(/[{}]/);
        }
      }
    }
  });
});
