import { createApiHandler } from "../../shared/http/api-handler.js";
import { functionDeps } from "../deps.js";
import { apiKeyOperations } from "./operations/api-keys.js";

export const handler = createApiHandler(apiKeyOperations, { deps: () => functionDeps() });
