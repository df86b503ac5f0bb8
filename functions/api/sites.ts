import { createApiHandler } from "../../shared/http/api-handler.js";
import { functionDeps } from "../deps.js";
import { siteOperations } from "./operations/sites.js";

export const handler = createApiHandler(siteOperations, { deps: () => functionDeps() });
