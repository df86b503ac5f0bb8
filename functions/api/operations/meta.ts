import * as z from "zod";
import { buildOpenApi } from "../../../shared/http/openapi.js";
import { defineOperation, type Operation } from "../../../shared/http/operation.js";
import { ok } from "./respond.js";

export const API_VERSION = "1.0.0";

/** `all` is read when the document is first requested, so the catalog can include these too. */
export function metaOperations(all: () => readonly Operation[]): Operation[] {
  let document: unknown;
  return [
    defineOperation({
      id: "health",
      method: "GET",
      path: "/v1/health",
      summary: "Liveness check",
      tag: "Meta",
      permission: "public",
      response: {
        status: 200,
        schema: z.object({ status: z.literal("ok"), version: z.string(), time: z.string() }),
      },
      handle: async ({ deps }) =>
        ok({ status: "ok", version: API_VERSION, time: deps.clock.now().toISOString() }),
    }),
    defineOperation({
      id: "openapi",
      method: "GET",
      path: "/v1/openapi.json",
      summary: "This API's OpenAPI 3.1 document",
      tag: "Meta",
      permission: "public",
      response: { status: 200, description: "OpenAPI 3.1 document" },
      handle: async () => {
        document ??= buildOpenApi(all(), {
          title: "ISP billing admin API",
          version: API_VERSION,
          description: "Tenant-scoped admin API for packages, subscribers, sites and NAS entries.",
        });
        return ok(document);
      },
    }),
  ];
}
