import type { DynamoDBStreamEvent } from "aws-lambda";
import { timelineEventsOf } from "../shared/adapters/dynamodb/stream-records.js";
import { publishTimelineEvents } from "../shared/services/outbound-events.js";
import { publishDeps } from "./outbound-deps.js";

/**
 * The table's stream consumer (filtered to public timeline types by the event source mapping):
 * public events onto the bus and into the webhook delivery queue. A failure throws, so Lambda
 * retries the batch (bisecting it, then giving up to the stream's failure queue).
 */
export async function handler(event: DynamoDBStreamEvent): Promise<void> {
  await publishTimelineEvents(publishDeps(), timelineEventsOf(event.Records));
}
