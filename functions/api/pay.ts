import { createApiHandler } from "../../shared/http/api-handler.js";
import { functionDeps } from "../deps.js";
import { payOperations } from "./operations/pay.js";

export const handler = createApiHandler(payOperations, { deps: () => functionDeps() });
