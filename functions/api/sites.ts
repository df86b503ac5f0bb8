import { createApiHandler } from "../../shared/http/api-handler.js";
import { functionDeps } from "../deps.js";
import { siteAgentOperations } from "./operations/site-agents.js";
import { siteOperations } from "./operations/sites.js";

export const handler = createApiHandler([...siteOperations, ...siteAgentOperations], {
  deps: () => functionDeps(),
});
