import * as z from "zod";

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
const JsonSchema: z.ZodType<Json> = z.lazy(() =>
  z.union([
    z.string(),
    z.number(),
    z.boolean(),
    z.null(),
    z.array(JsonSchema),
    z.record(z.string(), JsonSchema),
  ]),
);

const HeaderNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/, "must be an HTTP header name");

/** Placeholders a body template may use; {to} and {message} are required somewhere. */
export const GATEWAY_PLACEHOLDERS = ["to", "message", "idempotencyKey"] as const;

/**
 * A local SMS gateway (SSL Wireless, Alpha SMS, BulkSMSBD, MSG91, ...) described as data: where
 * to POST, the body with {to} / {message} / {idempotencyKey} placeholders in its string values, where
 * the API key goes, and how a 2xx answer says it accepted the message.
 */
export const HttpSmsGatewayConfigSchema = z
  .strictObject({
    /** Names the provider in errors and logs. */
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, "must be lower-case letters, digits or -"),
    url: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }),
    encoding: z.enum(["json", "form"]).default("json"),
    body: z.record(z.string(), JsonSchema),
    apiKey: z.string().min(1),
    apiKeyIn: z.discriminatedUnion("in", [
      z.strictObject({ in: z.literal("header"), name: HeaderNameSchema, prefix: z.string().default("") }),
      z.strictObject({ in: z.literal("field"), name: z.string().min(1).max(64) }),
    ]),
    /** Further fixed headers (not secrets: those go in apiKey). */
    headers: z.record(HeaderNameSchema, z.string().max(512)).default({}),
    /** Sends the message's idempotency key in this header for gateways that deduplicate on one. */
    idempotencyHeader: HeaderNameSchema.optional(),
    /** "as-is" sends the stored number; "e164" +8801...; "international" 8801... without the plus. */
    phoneFormat: z.enum(["as-is", "e164", "international"]).default("as-is"),
    /** Completes local numbers for the e164 / international formats, e.g. "880". */
    defaultCallingCode: z
      .string()
      .regex(/^[1-9][0-9]{0,3}$/)
      .optional(),
    /** A 2xx answer is a success only when the JSON value at `path` (dots, array indexes) equals this. */
    success: z
      .strictObject({ path: z.string().min(1), equals: z.union([z.string(), z.number(), z.boolean()]) })
      .optional(),
    /** Where the gateway's message id is in its JSON answer. */
    providerIdPath: z.string().min(1).optional(),
    timeoutMs: z.number().int().min(100).max(60_000).default(10_000),
  })
  .superRefine((config, ctx) => {
    const strings = stringLeaves(config.body);
    const used = new Set(strings.flatMap((s) => [...s.matchAll(/\{([A-Za-z]+)\}/g)].map((m) => m[1])));
    for (const name of used) {
      if (!(GATEWAY_PLACEHOLDERS as readonly (string | undefined)[]).includes(name)) {
        ctx.addIssue({ code: "custom", path: ["body"], message: `unknown placeholder {${name}}` });
      }
    }
    for (const required of ["to", "message"]) {
      if (!used.has(required)) {
        ctx.addIssue({ code: "custom", path: ["body"], message: `must use the {${required}} placeholder` });
      }
    }
    if (config.encoding === "form" && Object.values(config.body).some((v) => typeof v !== "string")) {
      ctx.addIssue({ code: "custom", path: ["body"], message: "form bodies take string values only" });
    }
    if (config.apiKeyIn.in === "field" && config.apiKeyIn.name in config.body) {
      ctx.addIssue({
        code: "custom",
        path: ["apiKeyIn", "name"],
        message: "the body already has this field",
      });
    }
  });
export type HttpSmsGatewayConfig = z.input<typeof HttpSmsGatewayConfigSchema>;
export type ParsedHttpSmsGatewayConfig = z.output<typeof HttpSmsGatewayConfigSchema>;

function stringLeaves(value: Json): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(stringLeaves);
  if (value !== null && typeof value === "object") return Object.values(value).flatMap(stringLeaves);
  return [];
}

/** Substitutes placeholders in every string of the template, in one pass per string. */
export function fillJson(value: Json, vars: Readonly<Record<string, string>>): Json {
  if (typeof value === "string") return value.replace(/\{([A-Za-z]+)\}/g, (m, k: string) => vars[k] ?? m);
  if (Array.isArray(value)) return value.map((v) => fillJson(v, vars));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillJson(v, vars)]));
  }
  return value;
}

/** Reads "a.b.0.c" from parsed JSON. */
export function valueAt(value: unknown, path: string): unknown {
  let current: unknown = value;
  for (const key of path.split(".")) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
