import { createApiHandler } from "../../shared/http/api-handler.js";
import { functionDeps } from "../deps.js";
import { packageOperations } from "./operations/packages.js";

export const handler = createApiHandler(packageOperations, { deps: () => functionDeps() });
