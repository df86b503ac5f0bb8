import { createApiHandler } from "../../shared/http/api-handler.js";
import { functionDeps } from "../deps.js";
import { subscriberOperations } from "./operations/subscribers.js";

export const handler = createApiHandler(subscriberOperations, { deps: () => functionDeps() });
