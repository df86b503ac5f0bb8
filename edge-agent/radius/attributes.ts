import { isIPv4 } from "node:net";
import { RadiusDecodeError, RadiusEncodeError } from "./errors.js";

export const VENDOR_SPECIFIC = 26;
export const MESSAGE_AUTHENTICATOR = 80;
export const MIKROTIK_VENDOR_ID = 14988;
const MAX_VALUE_LENGTH = 253;
const MAX_UINT32 = 0xffff_ffff;

interface KindValues {
  string: string;
  ipv4: string;
  integer: number;
  date: Date;
  octets: Buffer;
}
type Kind = keyof KindValues;
interface Spec {
  readonly type: number;
  readonly kind: Kind;
  readonly vendorId?: number;
  readonly vendorType?: number;
}

/** The attributes the edge agent sends or reads. Anything else decodes as a pass-through entry. */
const SPECS = {
  "User-Name": { type: 1, kind: "string" },
  "NAS-IP-Address": { type: 4, kind: "ipv4" },
  "Framed-IP-Address": { type: 8, kind: "ipv4" },
  "Session-Timeout": { type: 27, kind: "integer" },
  "Acct-Session-Id": { type: 44, kind: "string" },
  "Event-Timestamp": { type: 55, kind: "date" },
  "Message-Authenticator": { type: MESSAGE_AUTHENTICATOR, kind: "octets" },
  "Error-Cause": { type: 101, kind: "integer" },
  "Mikrotik-Rate-Limit": {
    type: VENDOR_SPECIFIC,
    vendorId: MIKROTIK_VENDOR_ID,
    vendorType: 8,
    kind: "string",
  },
} as const satisfies Record<string, Spec>;

export type KnownAttributeName = keyof typeof SPECS;
export type KnownAttribute = {
  [N in KnownAttributeName]: { readonly name: N; readonly value: KindValues[(typeof SPECS)[N]["kind"]] };
}[KnownAttributeName];
/** A vendor attribute this module has no name for. */
export interface VendorAttribute {
  readonly name: "Vendor-Specific";
  readonly vendorId: number;
  readonly vendorType: number;
  readonly value: Buffer;
}
export interface UnknownAttribute {
  readonly name: "Unknown";
  readonly type: number;
  readonly value: Buffer;
}
export type RadiusAttribute = KnownAttribute | VendorAttribute | UnknownAttribute;

const BY_TYPE = new Map<string, KnownAttributeName>(
  Object.entries(SPECS).map(([name, spec]: [string, Spec]) => [specKey(spec), name as KnownAttributeName]),
);

function specKey(spec: Spec): string {
  return spec.vendorId === undefined ? `${spec.type}` : `${spec.vendorId}/${spec.vendorType}`;
}

function encodeValue(name: string, kind: Kind, value: unknown): Buffer {
  if (kind === "string" && typeof value === "string") return Buffer.from(value, "utf8");
  if (kind === "octets" && Buffer.isBuffer(value)) return value;
  if (kind === "ipv4" && typeof value === "string" && isIPv4(value)) {
    return Buffer.from(value.split(".").map((octet) => Number(octet)));
  }
  const seconds = kind === "date" && value instanceof Date ? Math.floor(value.getTime() / 1000) : value;
  if ((kind === "integer" || kind === "date") && typeof seconds === "number") {
    if (Number.isInteger(seconds) && seconds >= 0 && seconds <= MAX_UINT32) {
      const out = Buffer.alloc(4);
      out.writeUInt32BE(seconds);
      return out;
    }
  }
  throw new RadiusEncodeError(`${name}: not a valid ${kind} value`);
}

function tlv(type: number, value: Buffer, name: string, max = MAX_VALUE_LENGTH): Buffer {
  if (value.length === 0 || value.length > max) {
    throw new RadiusEncodeError(`${name}: value length ${value.length} is outside 1..${max}`);
  }
  return Buffer.concat([Buffer.from([type, value.length + 2]), value]);
}

function vsa(vendorId: number, vendorType: number, value: Buffer, name: string): Buffer {
  const sub = tlv(vendorType, value, name, MAX_VALUE_LENGTH - 6);
  const vendor = Buffer.alloc(4);
  vendor.writeUInt32BE(vendorId);
  return tlv(VENDOR_SPECIFIC, Buffer.concat([vendor, sub]), name);
}

export function encodeAttribute(attribute: RadiusAttribute): Buffer {
  if (attribute.name === "Unknown")
    return tlv(attribute.type, attribute.value, `attribute ${attribute.type}`);
  if (attribute.name === "Vendor-Specific") {
    const { vendorId, vendorType, value } = attribute;
    return vsa(vendorId, vendorType, value, `vendor ${vendorId} attribute ${vendorType}`);
  }
  const spec: Spec = SPECS[attribute.name];
  const value = encodeValue(attribute.name, spec.kind, attribute.value);
  if (spec.vendorId !== undefined && spec.vendorType !== undefined) {
    return vsa(spec.vendorId, spec.vendorType, value, attribute.name);
  }
  return tlv(spec.type, value, attribute.name);
}

export function encodeAttributes(attributes: readonly RadiusAttribute[]): Buffer {
  return Buffer.concat(attributes.map(encodeAttribute));
}

/** One type-length-value from the attribute area, with the offset of its value. */
export interface RawAttribute {
  readonly type: number;
  readonly offset: number;
  readonly value: Buffer;
}

/** Splits an attribute area into TLVs; a length that overruns or is below 2 is malformed. */
export function splitAttributes(area: Buffer, base = 0): RawAttribute[] {
  const out: RawAttribute[] = [];
  for (let offset = 0; offset < area.length; ) {
    const type = area[offset];
    const length = area[offset + 1];
    if (type === undefined || length === undefined || length < 2 || offset + length > area.length) {
      throw new RadiusDecodeError(`malformed attribute at offset ${base + offset}`);
    }
    out.push({ type, offset: base + offset + 2, value: area.subarray(offset + 2, offset + length) });
    offset += length;
  }
  return out;
}

function decodeValue(kind: Kind, value: Buffer): KindValues[Kind] | undefined {
  if (kind === "string") return value.toString("utf8");
  if (kind === "octets") return Buffer.from(value);
  if (value.length !== 4) return undefined;
  if (kind === "ipv4") return [...value].join(".");
  const n = value.readUInt32BE(0);
  return kind === "date" ? new Date(n * 1000) : n;
}

function decodeNamed(key: string, value: Buffer): RadiusAttribute | undefined {
  const name = BY_TYPE.get(key);
  if (name === undefined) return undefined;
  const decoded = decodeValue(SPECS[name].kind, value);
  // A value of the wrong size is kept raw rather than failing the packet (RFC 6929 "invalid attribute").
  return decoded === undefined ? undefined : ({ name, value: decoded } as KnownAttribute);
}

function decodeVendor(raw: RawAttribute): RadiusAttribute[] {
  if (raw.value.length < 6) return [{ name: "Unknown", type: raw.type, value: Buffer.from(raw.value) }];
  const vendorId = raw.value.readUInt32BE(0);
  try {
    return splitAttributes(raw.value.subarray(4)).map(
      (sub) =>
        decodeNamed(`${vendorId}/${sub.type}`, sub.value) ?? {
          name: "Vendor-Specific",
          vendorId,
          vendorType: sub.type,
          value: Buffer.from(sub.value),
        },
    );
  } catch {
    // Not the usual type/length vendor layout: pass the whole attribute through untouched.
    return [{ name: "Unknown", type: raw.type, value: Buffer.from(raw.value) }];
  }
}

export function decodeAttributes(area: Buffer): RadiusAttribute[] {
  return splitAttributes(area).flatMap((raw) =>
    raw.type === VENDOR_SPECIFIC
      ? decodeVendor(raw)
      : [
          decodeNamed(`${raw.type}`, raw.value) ?? {
            name: "Unknown",
            type: raw.type,
            value: Buffer.from(raw.value),
          },
        ],
  );
}

export function findAttribute<N extends KnownAttributeName>(
  attributes: readonly RadiusAttribute[],
  name: N,
): Extract<KnownAttribute, { name: N }> | undefined {
  return attributes.find((a): a is Extract<KnownAttribute, { name: N }> => a.name === name);
}
