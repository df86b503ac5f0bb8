/*
 * Wall-clock arithmetic in a tenant's IANA time zone with Intl only. Instants stay UTC; a local
 * date-time is only ever an intermediate value (billing days, quiet hours).
 */

export interface LocalDateTime {
  readonly year: number;
  /** 1-12 */
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

const MINUTE_MS = 60_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    // h23 avoids "24:00" for midnight that hour12:false yields in some ICU versions.
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function toLocal(instant: Date, timeZone: string): LocalDateTime {
  const fields: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(instant)) {
    if (part.type !== "literal") fields[part.type] = Number(part.value);
  }
  return {
    year: fields.year ?? Number.NaN,
    month: fields.month ?? Number.NaN,
    day: fields.day ?? Number.NaN,
    hour: fields.hour ?? Number.NaN,
    minute: fields.minute ?? Number.NaN,
    second: fields.second ?? Number.NaN,
  };
}

function asUtcMs(l: LocalDateTime): number {
  return Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second);
}

/** Zone offset (local minus UTC) in ms at an instant. */
function offsetMs(epochMs: number, timeZone: string): number {
  const whole = Math.floor(epochMs / 1000) * 1000;
  return asUtcMs(toLocal(new Date(whole), timeZone)) - whole;
}

/**
 * The instant a local date-time names. Out-of-range fields roll over (day 32 is the next month's
 * first), which is what day arithmetic wants. In a DST gap the result lands just after the gap.
 */
export function fromLocal(local: LocalDateTime, timeZone: string): Date {
  const guess = asUtcMs(local);
  const first = offsetMs(guess, timeZone);
  let t = guess - first;
  const second = offsetMs(t, timeZone);
  if (second !== first) t = guess - second;
  return new Date(t);
}

/** Same wall-clock time `days` calendar days later in the zone (not days × 24 h across DST). */
export function addLocalDays(instant: Date, days: number, timeZone: string): Date {
  const l = toLocal(instant, timeZone);
  const shifted = fromLocal({ ...l, day: l.day + days }, timeZone);
  return new Date(shifted.getTime() + (instant.getTime() % 1000));
}

/** Local midnight starting the calendar day `days` after the instant's local day. */
export function startOfLocalDay(instant: Date, timeZone: string, days = 0): Date {
  const l = toLocal(instant, timeZone);
  return fromLocal(
    { year: l.year, month: l.month, day: l.day + days, hour: 0, minute: 0, second: 0 },
    timeZone,
  );
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

export interface QuietHours {
  /** "HH:MM" local time when quiet hours begin */
  readonly start: string;
  /** "HH:MM" local time when they end; earlier than start means they span midnight */
  readonly end: string;
}

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(":").map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/**
 * Moves an instant that falls in quiet hours to the moment they end; other instants are returned
 * unchanged. Only reminders go through here: enforcement never waits for daylight.
 */
export function leaveQuietHours(instant: Date, quiet: QuietHours | null | undefined, timeZone: string): Date {
  if (!quiet) return instant;
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  if (start === end) return instant;
  const l = toLocal(instant, timeZone);
  const at = l.hour * 60 + l.minute + l.second / 60 + (instant.getTime() % 1000) / MINUTE_MS;
  const spansMidnight = start > end;
  const inside = spansMidnight ? at >= start || at < end : at >= start && at < end;
  if (!inside) return instant;
  const nextDay = spansMidnight && at >= start ? 1 : 0;
  const endLocal = {
    year: l.year,
    month: l.month,
    day: l.day + nextDay,
    hour: Math.floor(end / 60),
    minute: end % 60,
    second: 0,
  };
  return fromLocal(endLocal, timeZone);
}
