import * as z from "zod";
import type { Operation } from "./operation.js";
import { PROBLEM_CONTENT_TYPE } from "./problem.js";
import { PageQueryShape } from "./request.js";

type JsonSchema = Record<string, unknown>;

/**
 * Builds the OpenAPI 3.1 document from the same zod schemas that validate requests, so the
 * published contract cannot drift from the behaviour. Schemas with a `meta({ id })` become
 * reusable components.
 */
export function buildOpenApi(
  operations: readonly Operation[],
  info: { title: string; version: string; description?: string },
) {
  const components: Record<string, JsonSchema> = {};
  const componentName = (id: string, io: "input" | "output") =>
    io === "input" && !/^(Create|Update)/.test(id) ? `${id}Input` : id;
  const convert = (schema: z.ZodType, io: "input" | "output"): JsonSchema => {
    const generated = z.toJSONSchema(schema, { io, target: "draft-2020-12", unrepresentable: "any" });
    // Point $defs references at components, naming input-side shapes apart from output ones.
    const text = JSON.stringify(generated).replace(/"#\/\$defs\/([^"]+)"/g, (_m, id: string) =>
      JSON.stringify(`#/components/schemas/${componentName(id, io)}`),
    );
    const {
      $defs,
      $schema: _s,
      ...rest
    } = JSON.parse(text) as JsonSchema & { $defs?: Record<string, JsonSchema>; $schema?: string };
    for (const [id, def] of Object.entries($defs ?? {})) components[componentName(id, io)] ??= def;
    return rest;
  };

  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const parameters: unknown[] = [];
    for (const [name, schema] of Object.entries(op.params?.shape ?? {})) {
      parameters.push({ name, in: "path", required: true, schema: convert(schema as z.ZodType, "input") });
    }
    const queryShape = { ...(op.query?.shape ?? {}), ...(op.response.list ? PageQueryShape : {}) };
    for (const [name, schema] of Object.entries(queryShape)) {
      const s = schema as z.ZodType;
      parameters.push({
        name,
        in: "query",
        required: !s.safeParse(undefined).success,
        schema: convert(s, "input"),
      });
    }
    if (op.idempotent) {
      parameters.push({
        name: "Idempotency-Key",
        in: "header",
        required: false,
        description:
          "Retrying with the same key returns the first result (header Idempotent-Replayed: true) for 24 h",
        schema: { type: "string", maxLength: 255 },
      });
    }
    const success = op.response.schema
      ? op.response.list
        ? z.object({ items: z.array(op.response.schema), nextCursor: z.string().optional() })
        : op.response.schema
      : undefined;
    const responses: Record<string, unknown> = {
      [op.response.status]: {
        description: op.response.description ?? "Success",
        ...(success ? { content: { "application/json": { schema: convert(success, "output") } } } : {}),
      },
      default: {
        description: "An error",
        content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: "#/components/schemas/Problem" } } },
      },
    };
    paths[op.path] ??= {};
    (paths[op.path] as Record<string, unknown>)[op.method.toLowerCase()] = {
      operationId: op.id,
      summary: op.summary,
      tags: [op.tag],
      ...(op.permission === "public" ? { security: [] } : { "x-required-permission": op.permission }),
      ...(parameters.length ? { parameters } : {}),
      ...(op.body
        ? {
            requestBody: {
              required: true,
              content: { "application/json": { schema: convert(op.body, "input") } },
            },
          }
        : {}),
      responses,
    };
  }

  components.Problem = {
    type: "object",
    description: "RFC 9457 problem details",
    properties: {
      type: { type: "string" },
      title: { type: "string" },
      status: { type: "integer" },
      detail: { type: "string" },
      instance: { type: "string" },
      currentVersion: { type: "integer" },
      errors: {
        type: "array",
        items: {
          type: "object",
          properties: {
            in: { enum: ["body", "query", "path", "header"] },
            path: { type: "string" },
            message: { type: "string" },
          },
          required: ["path", "message"],
        },
      },
    },
    required: ["type", "title", "status"],
  };

  return {
    openapi: "3.1.0",
    info,
    servers: [{ url: "/" }],
    security: [{ apiKey: [] }],
    components: {
      securitySchemes: {
        apiKey: { type: "http", scheme: "bearer", description: "isp.<tenantId>.<keyId>.<secret>" },
      },
      schemas: components,
    },
    paths,
  };
}
