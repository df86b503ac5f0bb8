import { createApiHandler } from "../../shared/http/api-handler.js";
import { functionDeps } from "../deps.js";
import { paymentOperations } from "./operations/payments.js";

export const handler = createApiHandler(paymentOperations, { deps: () => functionDeps() });
