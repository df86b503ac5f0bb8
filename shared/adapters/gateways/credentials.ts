import type * as z from "zod";
import { type FieldIssue, ValidationError } from "../../domain/errors.js";

/**
 * Every gateway module checks an admin's credentials the same way: against its schema, with
 * issues that name fields and rules, never values (a mistyped secret must not be echoed back).
 * Paths are relative to the credentials object; the settings service prefixes `credentials.`.
 */
export function parseGatewayCredentials<S extends z.ZodType>(
  schema: S,
  label: string,
  input: unknown,
): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues: FieldIssue[] = parsed.error.issues.flatMap((issue) => {
    const base = issue.path.map(String).join(".");
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((k) => ({
        in: "body" as const,
        path: base ? `${base}.${k}` : k,
        message: "is not a known field",
      }));
    }
    return [{ in: "body" as const, path: base, message: issue.message }];
  });
  throw new ValidationError(`Invalid ${label} credentials`, issues);
}
