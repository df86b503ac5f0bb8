import { newId } from "../domain/ids.js";
import type { Actor, TimelineEvent } from "../domain/schemas/timeline.js";

/** A timeline entry; the repository stamps the subscriber version it belongs to. */
export function timelineEvent(
  caller: { readonly actor: Actor },
  subscriberId: string,
  at: string,
  type: string,
  summary: string,
  data?: Record<string, unknown>,
): TimelineEvent {
  return { id: newId("event", Date.parse(at)), subscriberId, at, type, summary, actor: caller.actor, data };
}
