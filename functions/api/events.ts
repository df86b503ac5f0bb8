import { createApiHandler } from "../../shared/http/api-handler.js";
import { functionDeps } from "../deps.js";
import { eventSubscriptionOperations } from "./operations/event-subscriptions.js";

export const handler = createApiHandler(eventSubscriptionOperations, { deps: () => functionDeps() });
