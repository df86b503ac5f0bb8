import type { NotificationLanguage } from "./format.js";

/**
 * Message texts. Placeholders: {name} subscriber, {package} package name, {amount} price,
 * {dueDate} expiry in the tenant's zone, {remaining} "5 days" (before-expiry only), {isp} tenant
 * name, {payLink}, {invoice} invoice number and {period} its billing period (invoices only), and
 * {action}: the closing call to act, with or without a payment link.
 * English SMS texts stay in the GSM 7-bit alphabet, so the variables decide the encoding.
 */
export type MessageKind = "reminder_before" | "reminder_due" | "reminder_after" | "receipt" | "invoice";

export interface MessageTemplate {
  readonly sms: string;
  /** Used when `sms` does not fit the part budget even with shortened names. */
  readonly smsShort: string;
  readonly subject: string;
  readonly email: string;
  readonly action?: { readonly withLink: string; readonly withoutLink: string };
}

const EN_SIGN_OFF = "\n\nThank you,\n{isp}";
const BN_SIGN_OFF = "\n\nধন্যবাদান্তে,\n{isp}";

export const TEMPLATES: Record<NotificationLanguage, Record<MessageKind, MessageTemplate>> = {
  en: {
    reminder_before: {
      sms: "Dear {name}, your {isp} internet ({package}) expires in {remaining}, on {dueDate}. {action}",
      smsShort: "{isp}: {name}, internet expires in {remaining}, {dueDate}. {action}",
      subject: "{isp}: your internet expires in {remaining}",
      email: `Dear {name},\n\nYour {isp} internet package {package} expires in {remaining}, on {dueDate}.\n\n{action}${EN_SIGN_OFF}`,
      action: {
        withLink: "Renew for {amount}: {payLink}",
        withoutLink: "Renew for {amount} to stay connected.",
      },
    },
    reminder_due: {
      sms: "Dear {name}, your {isp} internet ({package}) expires today, {dueDate}. {action}",
      smsShort: "{isp}: {name}, internet expires today, {dueDate}. {action}",
      subject: "{isp}: your internet expires today",
      email: `Dear {name},\n\nYour {isp} internet package {package} expires today, {dueDate}.\n\n{action}${EN_SIGN_OFF}`,
      action: {
        withLink: "Pay {amount} to stay connected: {payLink}",
        withoutLink: "Pay {amount} to stay connected.",
      },
    },
    reminder_after: {
      sms: "Dear {name}, your {isp} internet ({package}) expired on {dueDate}. {action}",
      smsShort: "{isp}: {name}, internet expired {dueDate}. {action}",
      subject: "{isp}: your internet has expired",
      email: `Dear {name},\n\nYour {isp} internet package {package} expired on {dueDate}.\n\n{action}${EN_SIGN_OFF}`,
      action: {
        withLink: "Pay {amount} to reconnect: {payLink}",
        withoutLink: "Pay {amount} to reconnect.",
      },
    },
    receipt: {
      sms: "Dear {name}, {isp} received your payment of {amount} for {package}. Your internet is active until {dueDate}. Thank you!",
      smsShort: "{isp}: received {amount} for {package}. Active until {dueDate}.",
      subject: "{isp}: payment received",
      email: `Dear {name},\n\nWe received your payment of {amount} for {package}. Your internet is active until {dueDate}.${EN_SIGN_OFF}`,
    },
    invoice: {
      sms: "Dear {name}, {isp} invoice {invoice} for {package}: {amount} due by {dueDate}. {action}",
      smsShort: "{isp}: invoice {invoice}, {amount} due by {dueDate}. {action}",
      subject: "{isp}: invoice {invoice}",
      email: `Dear {name},\n\nYour {isp} invoice {invoice} for {package} ({period}) comes to {amount}, due by {dueDate}.\n\n{action}${EN_SIGN_OFF}`,
      action: {
        withLink: "Pay: {payLink}",
        withoutLink: "Please pay by the due date to stay connected.",
      },
    },
  },
  bn: {
    reminder_before: {
      sms: "প্রিয় {name}, আপনার {isp} ইন্টারনেটের ({package}) মেয়াদ {remaining} পর শেষ হবে ({dueDate})। {action}",
      smsShort: "{isp}: {name}, ইন্টারনেটের মেয়াদ {remaining} পর শেষ ({dueDate})। {action}",
      subject: "{isp}: আপনার ইন্টারনেটের মেয়াদ {remaining} পর শেষ হবে",
      email: `প্রিয় {name},\n\nআপনার {isp} ইন্টারনেট প্যাকেজ {package}-এর মেয়াদ {remaining} পর শেষ হবে ({dueDate})।\n\n{action}${BN_SIGN_OFF}`,
      action: {
        withLink: "{amount} দিয়ে নবায়ন করুন: {payLink}",
        withoutLink: "সংযোগ চালু রাখতে {amount} দিয়ে নবায়ন করুন।",
      },
    },
    reminder_due: {
      sms: "প্রিয় {name}, আপনার {isp} ইন্টারনেটের ({package}) মেয়াদ আজ শেষ হচ্ছে ({dueDate})। {action}",
      smsShort: "{isp}: {name}, ইন্টারনেটের মেয়াদ আজ শেষ ({dueDate})। {action}",
      subject: "{isp}: আপনার ইন্টারনেটের মেয়াদ আজ শেষ হচ্ছে",
      email: `প্রিয় {name},\n\nআপনার {isp} ইন্টারনেট প্যাকেজ {package}-এর মেয়াদ আজ শেষ হচ্ছে ({dueDate})।\n\n{action}${BN_SIGN_OFF}`,
      action: {
        withLink: "সংযোগ চালু রাখতে {amount} পরিশোধ করুন: {payLink}",
        withoutLink: "সংযোগ চালু রাখতে {amount} পরিশোধ করুন।",
      },
    },
    reminder_after: {
      sms: "প্রিয় {name}, আপনার {isp} ইন্টারনেটের ({package}) মেয়াদ শেষ হয়েছে ({dueDate})। {action}",
      smsShort: "{isp}: {name}, ইন্টারনেটের মেয়াদ শেষ ({dueDate})। {action}",
      subject: "{isp}: আপনার ইন্টারনেটের মেয়াদ শেষ হয়েছে",
      email: `প্রিয় {name},\n\nআপনার {isp} ইন্টারনেট প্যাকেজ {package}-এর মেয়াদ শেষ হয়েছে ({dueDate})।\n\n{action}${BN_SIGN_OFF}`,
      action: {
        withLink: "পুনরায় সংযোগ পেতে {amount} পরিশোধ করুন: {payLink}",
        withoutLink: "পুনরায় সংযোগ পেতে {amount} পরিশোধ করুন।",
      },
    },
    receipt: {
      sms: "প্রিয় {name}, {isp} আপনার {amount} পেমেন্ট ({package}) পেয়েছে। মেয়াদ {dueDate} পর্যন্ত। ধন্যবাদ!",
      smsShort: "{isp}: {amount} পেমেন্ট পেয়েছি ({package})। মেয়াদ {dueDate} পর্যন্ত।",
      subject: "{isp}: পেমেন্ট গ্রহণের রসিদ",
      email: `প্রিয় {name},\n\nআপনার {amount} পেমেন্ট ({package}) আমরা পেয়েছি। আপনার ইন্টারনেটের মেয়াদ {dueDate} পর্যন্ত।${BN_SIGN_OFF}`,
    },
    invoice: {
      sms: "প্রিয় {name}, {isp} বিল {invoice} ({package}): {amount}, পরিশোধের শেষ সময় {dueDate}। {action}",
      smsShort: "{isp}: বিল {invoice}, {amount}, শেষ সময় {dueDate}। {action}",
      subject: "{isp}: বিল {invoice}",
      email: `প্রিয় {name},\n\nআপনার {isp} বিল {invoice} ({package}, {period}): {amount}, পরিশোধের শেষ সময় {dueDate}।\n\n{action}${BN_SIGN_OFF}`,
      action: {
        withLink: "পরিশোধ করুন: {payLink}",
        withoutLink: "সংযোগ চালু রাখতে শেষ সময়ের আগে পরিশোধ করুন।",
      },
    },
  },
};

/** The most SMS parts a text may take per language: English two (GSM-7), Bangla three (UCS-2). */
export const MAX_SMS_SEGMENTS: Record<NotificationLanguage, number> = { en: 2, bn: 3 };
