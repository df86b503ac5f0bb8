import { createApiHandler } from "../../shared/http/api-handler.js";
import { apiDeps } from "./deps.js";
import { siteOperations } from "./operations/sites.js";

export const handler = createApiHandler(siteOperations, { deps: () => apiDeps() });
