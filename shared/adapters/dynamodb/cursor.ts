import { ValidationError } from "../../domain/errors.js";

type Key = Record<string, string>;

/**
 * Cursors are the DynamoDB LastEvaluatedKey, base64url-encoded. On the way back in, every key
 * attribute must be a string and the partition attribute must equal the one this query uses, so a
 * cursor from another tenant (or a hand-edited one) cannot steer a query anywhere else.
 */
export function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  if (!key) return undefined;
  return Buffer.from(JSON.stringify(key), "utf8").toString("base64url");
}

export function decodeCursor(
  cursor: string | undefined,
  partition: { attribute: string; value: string },
): Key | undefined {
  if (cursor === undefined) return undefined;
  const invalid = () =>
    new ValidationError("Invalid cursor", [
      { path: "cursor", message: "is not a cursor this list returned" },
    ]);
  if (cursor.length > 2048 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalid();
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw invalid();
  const entries = Object.entries(parsed);
  if (entries.length === 0 || entries.length > 4 || !entries.every(([, v]) => typeof v === "string"))
    throw invalid();
  const key = Object.fromEntries(entries) as Key;
  if (key[partition.attribute] !== partition.value) throw invalid();
  return key;
}
