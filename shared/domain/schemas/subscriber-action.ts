import * as z from "zod";
import { idSchema } from "../ids.js";
import { InstantSchema, text, VersionSchema } from "./common.js";

const version = { version: VersionSchema };

/** The admin actions on a subscriber; each is one lifecycle transition and reschedules it. */
export const SubscriberActionSchema = z
  .discriminatedUnion("action", [
    z
      .object({
        action: z.literal("renew"),
        ...version,
        periods: z.number().int().min(1).max(120).default(1),
      })
      .strict(),
    z.object({ action: z.literal("suspend"), ...version, note: text(300).optional() }).strict(),
    z.object({ action: z.literal("resume"), ...version }).strict(),
    z.object({ action: z.literal("pause"), ...version, until: InstantSchema.optional() }).strict(),
    z.object({ action: z.literal("unpause"), ...version }).strict(),
    z
      .object({ action: z.literal("set-expiry"), ...version, expiresAt: InstantSchema, reason: text(300) })
      .strict(),
    z.object({ action: z.literal("change-package"), ...version, packageId: idSchema("package") }).strict(),
  ])
  .meta({ id: "SubscriberAction" });
export type SubscriberAction = z.infer<typeof SubscriberActionSchema>;
