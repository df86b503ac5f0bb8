import { createApiHandler } from "../../shared/http/api-handler.js";
import { apiDeps } from "./deps.js";
import { subscriberOperations } from "./operations/subscribers.js";

export const handler = createApiHandler(subscriberOperations, { deps: () => apiDeps() });
