import * as z from "zod";
import { idSchema } from "../ids.js";
import { AuditFieldsShape, NameSchema, NotesSchema, TimeZoneSchema, text } from "./common.js";
import { AgentHealthSchema, DriftReportSchema } from "./site-health.js";

export const SiteIdSchema = idSchema("site");

const SiteFieldsShape = {
  name: NameSchema,
  location: text(200).optional(),
  description: NotesSchema.optional(),
  timeZone: TimeZoneSchema.optional().meta({ description: "Defaults to the tenant's time zone" }),
};

export const SiteSchema = z
  .object({
    id: SiteIdSchema,
    tenantId: idSchema("tenant"),
    ...SiteFieldsShape,
    archived: z.boolean(),
    ...AuditFieldsShape,
  })
  .meta({ id: "Site", description: "A place where one edge agent runs next to the ISP's routers" });
export type Site = z.infer<typeof SiteSchema>;

export const SiteWithHealthSchema = SiteSchema.extend({
  agent: AgentHealthSchema.optional(),
  drift: z.array(DriftReportSchema).optional(),
}).meta({
  id: "SiteWithHealth",
  description: "A site with its edge agent's health and the latest drift report per NAS",
});
export type SiteWithHealth = z.infer<typeof SiteWithHealthSchema>;

export const CreateSiteSchema = z.object(SiteFieldsShape).strict().meta({ id: "CreateSite" });
export type CreateSiteInput = z.infer<typeof CreateSiteSchema>;

export const UpdateSiteSchema = z
  .object({ version: AuditFieldsShape.version, ...SiteFieldsShape, name: NameSchema.optional() })
  .strict()
  .meta({ id: "UpdateSite" });
export type UpdateSiteInput = z.infer<typeof UpdateSiteSchema>;
