import type { APIGatewayProxyEventV2 } from "aws-lambda";
import * as z from "zod";
import {
  type FieldIssue,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
} from "../domain/errors.js";

export const MAX_BODY_BYTES = 64 * 1024;

export const PageQueryShape = {
  limit: z.coerce.number().int().min(1).max(100).default(25).meta({ description: "Page size, 1-100" }),
  cursor: z.string().max(2048).optional().meta({ description: "nextCursor from the previous page" }),
};

export function issuesFrom(error: z.ZodError, location: "body" | "query" | "path"): FieldIssue[] {
  return error.issues.flatMap((issue) => {
    const base = issue.path.map(String).join(".");
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((k) => ({
        in: location,
        path: base ? `${base}.${k}` : k,
        message: "is not a known field",
      }));
    }
    return [{ in: location, path: base, message: issue.message }];
  });
}

export function parseWith<S extends z.ZodType>(
  schema: S,
  value: unknown,
  location: "body" | "query" | "path",
): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const what =
    location === "path" ? "path parameters" : location === "query" ? "query parameters" : "request body";
  throw new ValidationError(`Invalid ${what}`, issuesFrom(result.error, location));
}

/** Decodes (base64 when API Gateway says so), size-checks and JSON-parses a request body. */
export function readJsonBody(event: APIGatewayProxyEventV2): unknown {
  const contentType = (event.headers?.["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (event.body === undefined || event.body === null || event.body === "") {
    throw new ValidationError("A JSON request body is required", [
      { in: "body", path: "", message: "is required" },
    ]);
  }
  if (contentType !== "application/json" && !contentType.endsWith("+json")) {
    throw new UnsupportedMediaTypeError("Send the body as application/json");
  }
  const raw = event.isBase64Encoded ? Buffer.from(event.body, "base64") : Buffer.from(event.body, "utf8");
  if (raw.byteLength > MAX_BODY_BYTES)
    throw new PayloadTooLargeError(`The body may be at most ${MAX_BODY_BYTES} bytes`);
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch {
    throw new ValidationError("The body is not valid JSON", [
      { in: "body", path: "", message: "is not valid JSON" },
    ]);
  }
}

const IDEMPOTENCY_KEY_RE = /^[\x21-\x7E]{1,255}$/;

export function readIdempotencyKey(event: APIGatewayProxyEventV2): string | undefined {
  const key = event.headers?.["idempotency-key"];
  if (key === undefined) return undefined;
  if (!IDEMPOTENCY_KEY_RE.test(key)) {
    throw new ValidationError("Invalid Idempotency-Key", [
      { in: "header", path: "Idempotency-Key", message: "must be 1-255 visible ASCII characters" },
    ]);
  }
  return key;
}
