import type { SubscriberListQuery } from "../../domain/schemas/subscriber.js";
import { type GsiName, keys } from "./keys.js";

export interface QueryPlan {
  readonly indexName: GsiName;
  readonly partitionAttribute: string;
  readonly partitionValue: string;
  readonly keyCondition: string;
  readonly filter?: string | undefined;
  readonly names: Record<string, string>;
  readonly values: Record<string, unknown>;
}

/**
 * Picks the most selective index for a subscriber list (status, then package, then site, then the
 * expiry range, then all) and turns every other filter into a FilterExpression on that query.
 */
export function buildSubscriberQuery(tenantId: string, q: SubscriberListQuery): QueryPlan {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const filters: string[] = [];
  let index: { name: GsiName; pk: string };
  let sortCondition = "";

  if (q.status) index = { name: "GSI2", pk: keys.gsi.status(tenantId, q.status) };
  else if (q.packageId) index = { name: "GSI3", pk: keys.gsi.package(tenantId, q.packageId) };
  else if (q.siteId) index = { name: "GSI4", pk: keys.gsi.site(tenantId, q.siteId) };
  else if (q.expiresAfter || q.expiresBefore) index = { name: "GSI5", pk: keys.gsi.expiry(tenantId) };
  else index = { name: "GSI1", pk: keys.gsi.all(tenantId) };

  const pkAttr = `${index.name}PK`;
  const skAttr = `${index.name}SK`;
  names["#pk"] = pkAttr;
  values[":pk"] = index.pk;

  const addEquality = (
    field: "status" | "packageId" | "siteId",
    value: string | undefined,
    owner: GsiName,
  ) => {
    if (value === undefined || index.name === owner) return;
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    filters.push(`#${field} = :${field}`);
  };
  addEquality("status", q.status, "GSI2");
  addEquality("packageId", q.packageId, "GSI3");
  addEquality("siteId", q.siteId, "GSI4");

  if (q.expiresAfter || q.expiresBefore) {
    if (index.name === "GSI5") {
      // Sort keys are `${expiresAt}#${id}`; "#" < "~" bounds every id for the upper limit.
      names["#sk"] = skAttr;
      if (q.expiresAfter && q.expiresBefore) {
        values[":from"] = q.expiresAfter;
        values[":to"] = q.expiresBefore;
        sortCondition = " AND #sk BETWEEN :from AND :to";
      } else if (q.expiresAfter) {
        values[":from"] = q.expiresAfter;
        sortCondition = " AND #sk >= :from";
      } else {
        values[":to"] = q.expiresBefore;
        sortCondition = " AND #sk < :to";
      }
    } else {
      names["#expiresAt"] = "expiresAt";
      if (q.expiresAfter) {
        values[":from"] = q.expiresAfter;
        filters.push("#expiresAt >= :from");
      }
      if (q.expiresBefore) {
        values[":to"] = q.expiresBefore;
        filters.push("#expiresAt < :to");
      }
    }
  }
  if (q.q) {
    names["#search"] = "search";
    values[":q"] = q.q.toLowerCase();
    filters.push("contains(#search, :q)");
  }

  return {
    indexName: index.name,
    partitionAttribute: pkAttr,
    partitionValue: index.pk,
    keyCondition: `#pk = :pk${sortCondition}`,
    filter: filters.length ? filters.join(" AND ") : undefined,
    names,
    values,
  };
}
