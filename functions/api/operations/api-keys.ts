import * as z from "zod";
import {
  ApiKeyIdSchema,
  ApiKeySchema,
  CreateApiKeySchema,
  CreatedApiKeySchema,
} from "../../../shared/domain/schemas/api-key.js";
import { defineOperation } from "../../../shared/http/operation.js";
import * as apiKeys from "../../../shared/services/api-keys.js";
import { created, ok, page } from "./respond.js";

const tag = "API keys";

export const apiKeyOperations = [
  defineOperation({
    id: "listApiKeys",
    method: "GET",
    path: "/v1/api-keys",
    summary: "List API keys (metadata only)",
    tag,
    permission: "keys:manage",
    response: { status: 200, schema: ApiKeySchema, list: true },
    handle: async ({ deps, caller, page: request }) => page(await apiKeys.listApiKeys(deps, caller, request)),
  }),
  defineOperation({
    id: "createApiKey",
    method: "POST",
    path: "/v1/api-keys",
    summary: "Create an API key; its secret is in this response only",
    tag,
    permission: "keys:manage",
    body: CreateApiKeySchema,
    idempotent: true,
    response: { status: 201, schema: CreatedApiKeySchema },
    handle: async ({ deps, caller, body, idempotency }) => {
      const result = await apiKeys.createApiKey(deps, caller, body, idempotency);
      const response = created(result, `/v1/api-keys/${result.resource.id}`);
      return { ...response, headers: { ...response.headers, "cache-control": "no-store" } };
    },
  }),
  defineOperation({
    id: "revokeApiKey",
    method: "DELETE",
    path: "/v1/api-keys/{keyId}",
    summary: "Revoke an API key",
    tag,
    permission: "keys:manage",
    params: z.object({ keyId: ApiKeyIdSchema }),
    response: { status: 200, schema: ApiKeySchema },
    handle: async ({ deps, caller, params }) => ok(await apiKeys.revokeApiKey(deps, caller, params.keyId)),
  }),
];
