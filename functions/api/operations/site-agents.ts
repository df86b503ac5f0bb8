import * as z from "zod";
import { SiteIdSchema } from "../../../shared/domain/schemas/site.js";
import { EnrollmentCodeSchema, SiteAgentSchema } from "../../../shared/domain/schemas/site-agent.js";
import { defineOperation } from "../../../shared/http/operation.js";
import * as siteAgents from "../../../shared/services/site-agents.js";
import { ok } from "./respond.js";

const siteParams = z.object({ siteId: SiteIdSchema });

/** What an admin does about a site's edge agent: enroll one (with a code) or cut it off. */
export const siteAgentOperations = [
  defineOperation({
    id: "createEnrollmentCode",
    method: "POST",
    path: "/v1/sites/{siteId}/enrollments",
    summary:
      "Issue a one-time code for `isp-edge-agent enroll` (shown once, valid 30 minutes; enrolling replaces the site's current agent)",
    tag: "Sites",
    permission: "network:write",
    params: siteParams,
    response: { status: 201, schema: EnrollmentCodeSchema },
    handle: async ({ deps, caller, params }) => ({
      status: 201,
      body: await siteAgents.createEnrollmentCode(deps, caller, params.siteId),
      headers: { "cache-control": "no-store" },
    }),
  }),
  defineOperation({
    id: "revokeSiteAgent",
    method: "DELETE",
    path: "/v1/sites/{siteId}/agent",
    summary:
      "Revoke the site's edge agent: its token and unused codes stop working now, its AWS credentials lapse within their lifetime (at most 1 hour)",
    tag: "Sites",
    permission: "network:write",
    params: siteParams,
    response: { status: 200, schema: SiteAgentSchema },
    handle: async ({ deps, caller, params }) =>
      ok(await siteAgents.revokeSiteAgent(deps, caller, params.siteId)),
  }),
];
