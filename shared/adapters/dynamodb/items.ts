import { KEY_ATTRIBUTES } from "./keys.js";

/** Strips the key-design attributes from a stored item, leaving the domain record. */
export function toRecord<T>(item: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) {
    if (!KEY_ATTRIBUTES.includes(k)) out[k] = v;
  }
  return out as T;
}

/** Attributes no patch may touch: identity and audit fields are owned by the repository. */
const PROTECTED = new Set(["id", "tenantId", "version", "createdAt", "updatedAt", "PK", "SK"]);

export interface UpdateParts {
  UpdateExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
  ConditionExpression: string;
}

/**
 * Builds SET/REMOVE for a patch plus `version = version + 1` and `updatedAt`, conditional on the
 * item existing at `expectedVersion`. `extraSet` adds derived attributes (index keys).
 */
export function versionedUpdate(
  patch: Record<string, unknown>,
  expectedVersion: number,
  now: string,
  extraSet: Record<string, unknown> = {},
  extraRemove: readonly string[] = [],
): UpdateParts {
  const names: Record<string, string> = { "#version": "version", "#updatedAt": "updatedAt" };
  const values: Record<string, unknown> = { ":expected": expectedVersion, ":one": 1, ":now": now };
  const sets = ["#version = #version + :one", "#updatedAt = :now"];
  const removes: string[] = [];
  let i = 0;
  const all = { ...patch, ...extraSet };
  for (const [field, value] of Object.entries(all)) {
    if (value === undefined || PROTECTED.has(field)) continue;
    const n = `#f${i}`;
    names[n] = field;
    if (value === null) {
      removes.push(n);
    } else {
      values[`:v${i}`] = value;
      sets.push(`${n} = :v${i}`);
    }
    i++;
  }
  for (const field of extraRemove) {
    const n = `#f${i++}`;
    names[n] = field;
    removes.push(n);
  }
  return {
    UpdateExpression: `SET ${sets.join(", ")}${removes.length ? ` REMOVE ${removes.join(", ")}` : ""}`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
    ConditionExpression: "attribute_exists(PK) AND #version = :expected",
  };
}

/**
 * The condition of a whole-item Put that replaces a versioned record: `expectedVersion` 0 means
 * "must not exist yet", anything else "must still be at that version".
 */
export function versionedPutCondition(expectedVersion: number) {
  return expectedVersion === 0
    ? { ConditionExpression: "attribute_not_exists(PK)" }
    : {
        ConditionExpression: "#version = :expected",
        ExpressionAttributeNames: { "#version": "version" },
        ExpressionAttributeValues: { ":expected": expectedVersion },
      };
}
