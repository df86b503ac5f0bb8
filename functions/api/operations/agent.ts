import {
  AgentCredentialsSchema,
  AgentEnrollmentSchema,
  EnrollAgentSchema,
} from "../../../shared/domain/schemas/site-agent.js";
import { defineOperation } from "../../../shared/http/operation.js";
import * as siteAgents from "../../../shared/services/site-agents.js";

const tag = "Edge agent";
/** Tokens and credentials must not sit in any cache between the agent and the API. */
const noStore = { "cache-control": "no-store" };

/**
 * The edge agent's own routes. They skip the API-key authorizer: enrollment is authenticated by the
 * one-time code, credentials by the agent token, both checked in the handler against the table.
 */
export const agentOperations = [
  defineOperation({
    id: "enrollAgent",
    method: "POST",
    path: "/v1/agent/enroll",
    summary: "Exchange a one-time enrollment code for the site's agent token (once; the token is shown once)",
    tag,
    permission: "public",
    body: EnrollAgentSchema,
    response: { status: 201, schema: AgentEnrollmentSchema },
    handle: async ({ deps, body }) => ({
      status: 201,
      body: await siteAgents.enrollAgent(deps, body.code, body.device),
      headers: noStore,
    }),
  }),
  defineOperation({
    id: "agentCredentials",
    method: "POST",
    path: "/v1/agent/credentials",
    summary:
      "Short-lived AWS credentials for the agent (Authorization: Bearer <agent token>): receive from its site's queue, send to the events queue",
    tag,
    permission: "public",
    response: { status: 200, schema: AgentCredentialsSchema },
    handle: async ({ deps, raw }) => ({
      status: 200,
      body: await siteAgents.issueAgentCredentials(deps, raw.headers.authorization),
      headers: noStore,
    }),
  }),
];
