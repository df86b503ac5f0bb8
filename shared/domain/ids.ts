import { createHash } from "node:crypto";
import { encodeTime, monotonicFactory } from "ulid";
import * as z from "zod";

/**
 * Resource ids are `<prefix>_<ULID>`: unguessable enough for URLs, lexicographically sortable by
 * creation time (lists page in creation order), and self-describing in logs.
 */
export const ID_PREFIXES = {
  tenant: "ten",
  package: "pkg",
  subscriber: "sub",
  site: "site",
  nas: "nas",
  apiKey: "key",
  event: "evt",
  payment: "pay",
  refund: "rfd",
  invoice: "inv",
  creditNote: "crn",
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

const ULID_RE = "[0-9A-HJKMNP-TV-Z]{26}";

const nextUlid = monotonicFactory();

export function newId(kind: IdKind, now: number = Date.now()): string {
  return `${ID_PREFIXES[kind]}_${nextUlid(now)}`;
}

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/**
 * The same id for the same fact: time part from `at`, the rest from a hash of `key`. Used where a
 * redelivered message must not record its event twice (a conditional put then finds it).
 */
export function deterministicId(kind: IdKind, at: number, key: string): string {
  const digest = createHash("sha256").update(key).digest();
  let tail = "";
  for (let i = 0; i < 16; i++) tail += CROCKFORD[(digest[i] ?? 0) % 32];
  return `${ID_PREFIXES[kind]}_${encodeTime(at, 10)}${tail}`;
}

export function idPattern(kind: IdKind): RegExp {
  return new RegExp(`^${ID_PREFIXES[kind]}_${ULID_RE}$`);
}

export function idSchema(kind: IdKind) {
  return z
    .string()
    .regex(idPattern(kind), {
      message: `must be a ${kind} id (${ID_PREFIXES[kind]}_ followed by 26 characters)`,
    })
    .meta({ example: `${ID_PREFIXES[kind]}_01JD3Q7Z8K5V6W9XR2T4N0PB1C` });
}
