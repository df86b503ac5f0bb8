import * as z from "zod";
import { idSchema } from "../ids.js";
import { InstantSchema } from "./common.js";

export const ActorSchema = z
  .object({
    kind: z.enum(["api-key", "user", "system", "gateway", "agent", "scheduler"]),
    id: z.string().max(128),
  })
  .strict();
export type Actor = z.infer<typeof ActorSchema>;

export const TimelineEventSchema = z
  .object({
    id: idSchema("event"),
    subscriberId: idSchema("subscriber"),
    at: InstantSchema,
    type: z.string().regex(/^[a-z]+(\.[a-z_]+)+$/),
    summary: z.string().max(500),
    actor: ActorSchema,
    /** Version of the subscriber after this event, when the event changed it. */
    version: z.number().int().min(1).optional(),
    data: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: "TimelineEvent" });
export type TimelineEvent = z.infer<typeof TimelineEventSchema>;
