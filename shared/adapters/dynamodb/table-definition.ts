import { GSI_NAMES } from "./keys.js";

/**
 * The table's physical shape, shared by the CDK stack and the local/test table creation so the two
 * can never drift apart.
 */
export const TABLE_KEY = { partitionKey: "PK", sortKey: "SK" } as const;
export const TTL_ATTRIBUTE = "expiresAtEpoch";
/**
 * The table's stream carries new images only: the outbound events are made from what was written
 * (timeline items), nothing more (see stream-records.ts).
 */
export const STREAM_VIEW_TYPE = "NEW_IMAGE" as const;

/** The due index (GSI6) only locates work: the sweep re-reads each subscriber consistently. */
const KEYS_ONLY: ReadonlySet<string> = new Set(["GSI6"]);

export const GLOBAL_INDEXES = GSI_NAMES.map((name) => ({
  indexName: name,
  partitionKey: `${name}PK`,
  sortKey: `${name}SK`,
  projection: KEYS_ONLY.has(name) ? ("KEYS_ONLY" as const) : ("ALL" as const),
}));
