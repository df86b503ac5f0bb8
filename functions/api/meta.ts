import { createApiHandler } from "../../shared/http/api-handler.js";
import { apiFunctions } from "./catalog.js";
import { apiDeps } from "./deps.js";

const meta = apiFunctions.find((f) => f.name === "meta")?.operations ?? [];

export const handler = createApiHandler(meta, { deps: () => apiDeps() });
