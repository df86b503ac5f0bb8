import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { SOURCE_TIMELINE_TYPES } from "../../domain/outbound-events/catalogue.js";
import type { TimelineEvent } from "../../domain/schemas/timeline.js";
import { toRecord } from "./items.js";

/**
 * The event-source filter of the outbound-events function, in Lambda's filter-pattern syntax:
 * inserted timeline items of the types that can become public events. The CDK stack installs it
 * and the local stream trigger applies it, so both invoke the handler for the same records.
 */
export const OUTBOUND_STREAM_FILTER = {
  eventName: ["INSERT"],
  dynamodb: {
    NewImage: {
      entity: { S: ["event"] },
      type: { S: [...SOURCE_TIMELINE_TYPES] },
    },
  },
} as const;

const SUBSCRIBER_PK = /^T#(ten_[0-9A-HJKMNP-TV-Z]{26})#SUB#sub_[0-9A-HJKMNP-TV-Z]{26}$/;

/**
 * Timeline events inserted into the table, with the tenant their partition key names. Other items,
 * and anything but inserts (timeline items are never updated), are ignored.
 */
export function timelineEventsOf(
  records: readonly DynamoDBRecord[],
): { readonly tenantId: string; readonly event: TimelineEvent }[] {
  const out: { tenantId: string; event: TimelineEvent }[] = [];
  for (const record of records) {
    const image = record.dynamodb?.NewImage;
    if (record.eventName !== "INSERT" || !image) continue;
    const item = unmarshall(image as Record<string, AttributeValue>);
    if (item.entity !== "event" || typeof item.PK !== "string") continue;
    const tenantId = SUBSCRIBER_PK.exec(item.PK)?.[1];
    if (!tenantId) continue;
    out.push({ tenantId, event: toRecord<TimelineEvent>(item) });
  }
  return out;
}
