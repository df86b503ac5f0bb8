import { createApiHandler } from "../../shared/http/api-handler.js";
import { apiDeps } from "./deps.js";
import { packageOperations } from "./operations/packages.js";

export const handler = createApiHandler(packageOperations, { deps: () => apiDeps() });
