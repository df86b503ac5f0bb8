import { createApiHandler } from "../../shared/http/api-handler.js";
import { agentDeps } from "../agent-deps.js";
import { agentOperations } from "./operations/agent.js";

export const handler = createApiHandler(agentOperations, { deps: () => agentDeps() });
