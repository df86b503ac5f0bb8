import type { Money } from "../schemas/common.js";
import type { ReminderOffset } from "../schemas/lifecycle-fields.js";
import {
  type AmountStyle,
  formatAmount,
  formatDateTime,
  formatOffsetDistance,
  type NotificationLanguage,
} from "./format.js";
import { type SmsEncoding, smsLength } from "./sms-length.js";
import { MAX_SMS_SEGMENTS, type MessageKind, type MessageTemplate, TEMPLATES } from "./templates.js";

export interface MessageContext {
  readonly kind: MessageKind;
  readonly language: NotificationLanguage;
  /** The tenant's IANA zone: dates are written as its wall clock. */
  readonly timeZone: string;
  /** The subscriber's name. */
  readonly name: string;
  readonly packageName: string;
  readonly amount: Money;
  /** The instant the message is about: the expiry for reminders, the new paid-until for a receipt. */
  readonly dueAt: string;
  /** The tenant's name. */
  readonly isp: string;
  readonly payLink?: string | undefined;
  /** Needed by "reminder_before" for "expires in 5 days". */
  readonly offset?: ReminderOffset | undefined;
  /** Invoices: its number ("INV-000123") and billing period in words. */
  readonly invoiceNumber?: string | undefined;
  readonly period?: string | undefined;
}

export interface RenderedSms {
  readonly channel: "sms";
  readonly language: NotificationLanguage;
  readonly body: string;
  readonly encoding: SmsEncoding;
  readonly segments: number;
  /** Whether the text fits the language's part budget; names are shortened first to make it fit. */
  readonly withinLimit: boolean;
}

export interface RenderedEmail {
  readonly channel: "email";
  readonly language: NotificationLanguage;
  readonly subject: string;
  readonly body: string;
}

export type RenderedMessage = RenderedSms | RenderedEmail;

/** The reminder text for an offset: before expiry, on it, or after it. */
export function reminderKind(offset: ReminderOffset): MessageKind {
  if (offset === "0") return "reminder_due";
  return offset.startsWith("-") ? "reminder_before" : "reminder_after";
}

export function renderMessage(channel: "sms", ctx: MessageContext): RenderedSms;
export function renderMessage(channel: "email", ctx: MessageContext): RenderedEmail;
export function renderMessage(channel: "sms" | "email", ctx: MessageContext): RenderedMessage;
export function renderMessage(channel: "sms" | "email", ctx: MessageContext): RenderedMessage {
  const template = TEMPLATES[ctx.language][ctx.kind];
  const style: AmountStyle = channel === "sms" && ctx.language === "en" ? "code" : "symbol";
  const base = variables(ctx, style);
  if (channel === "email") {
    return {
      channel,
      language: ctx.language,
      subject: fill(template.subject, base),
      body: fill(template.email, { ...base, action: action(template, base) }),
    };
  }
  const max = MAX_SMS_SEGMENTS[ctx.language];
  let body = "";
  let length = smsLength(body);
  for (const [text, limit] of smsCandidates(template)) {
    const vars = shrink(base, limit);
    body = fill(text, { ...vars, action: action(template, vars) });
    length = smsLength(body);
    if (length.segments <= max) break;
  }
  return {
    channel,
    language: ctx.language,
    body,
    encoding: length.encoding,
    segments: length.segments,
    withinLimit: length.segments <= max,
  };
}

type Vars = Record<string, string>;

function variables(ctx: MessageContext, style: AmountStyle): Vars {
  return {
    name: clean(ctx.name),
    package: clean(ctx.packageName),
    isp: clean(ctx.isp),
    amount: formatAmount(ctx.amount, ctx.language, style),
    dueDate: formatDateTime(ctx.dueAt, ctx.timeZone, ctx.language),
    remaining: ctx.offset ? formatOffsetDistance(ctx.offset, ctx.language) : "",
    payLink: clean(ctx.payLink ?? ""),
    invoice: clean(ctx.invoiceNumber ?? ""),
    period: clean(ctx.period ?? ""),
  };
}

function action(template: MessageTemplate, vars: Vars): string {
  if (!template.action) return "";
  return fill(vars.payLink ? template.action.withLink : template.action.withoutLink, vars);
}

/**
 * One pass over the template: a value that itself looks like "{payLink}" stays literal text. A
 * placeholder without a value is a programming error in the templates, so it throws.
 */
export function fill(template: string, vars: Readonly<Record<string, string>>): string {
  return template.replace(/\{([A-Za-z]+)\}/g, (_, key: string) => {
    const value = vars[key];
    if (value === undefined) throw new Error(`template placeholder {${key}} has no value`);
    return value;
  });
}

/** Control characters and runs of white space from stored names must not reach a message or subject. */
function clean(value: string): string {
  return value
    .replace(/[\p{Cc}\p{Cf}\u2028\u2029]+/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * What is tried, in order, until the SMS fits: the full text, then with the given name only and
 * package / ISP names cut to 24 and 16 characters, then the short text likewise down to 10. The
 * last try is sent even when it does not fit (the link is never cut): `withinLimit` says so.
 */
function smsCandidates(template: MessageTemplate): [string, number][] {
  const full = template.sms;
  const short = template.smsShort;
  return [
    [full, Number.POSITIVE_INFINITY],
    [full, 24],
    [full, 16],
    [short, Number.POSITIVE_INFINITY],
    [short, 16],
    [short, 10],
  ];
}

function shrink(vars: Vars, limit: number): Vars {
  if (limit === Number.POSITIVE_INFINITY) return vars;
  const given = (vars.name ?? "").split(" ")[0] ?? "";
  return {
    ...vars,
    name: truncate(given, limit),
    package: truncate(vars.package ?? "", limit),
    isp: truncate(vars.isp ?? "", limit),
  };
}

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** Cuts at a grapheme boundary (a Bangla conjunct stays whole) and marks the cut with a dot. */
function truncate(value: string, limit: number): string {
  const parts = Array.from(graphemes.segment(value), (s) => s.segment);
  if (parts.length <= limit) return value;
  return `${parts
    .slice(0, limit - 1)
    .join("")
    .trimEnd()}.`;
}
