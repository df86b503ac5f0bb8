import { createApiHandler } from "../../shared/http/api-handler.js";
import { functionDeps } from "../deps.js";
import { apiFunctions } from "./catalog.js";

const meta = apiFunctions.find((f) => f.name === "meta")?.operations ?? [];

export const handler = createApiHandler(meta, { deps: () => functionDeps() });
