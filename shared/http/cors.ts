/**
 * CORS for browser frontends. Allowed origins come from CORS_ALLOWED_ORIGINS (comma-separated, or
 * `*`); the same list configures API Gateway's preflight handling in the CDK stack.
 */
export interface CorsConfig {
  readonly allowedOrigins: readonly string[];
}

export const CORS_ALLOWED_HEADERS = ["authorization", "content-type", "idempotency-key", "if-match"];
export const CORS_ALLOWED_METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"];
/** How long browsers may cache a preflight answer. */
export const CORS_MAX_AGE_SECONDS = 600;
export const CORS_EXPOSED_HEADERS = ["idempotent-replayed", "location", "next-cursor", "content-disposition"];

export function corsConfigFromEnv(env: NodeJS.ProcessEnv = process.env): CorsConfig {
  const raw = env.CORS_ALLOWED_ORIGINS ?? "";
  return {
    allowedOrigins: raw
      .split(",")
      .map((o) => o.trim())
      .filter(Boolean),
  };
}

export function corsHeaders(config: CorsConfig, origin: string | undefined): Record<string, string> {
  if (!origin || config.allowedOrigins.length === 0) return {};
  const wildcard = config.allowedOrigins.includes("*");
  if (!wildcard && !config.allowedOrigins.includes(origin)) return {};
  return {
    "access-control-allow-origin": wildcard ? "*" : origin,
    "access-control-expose-headers": CORS_EXPOSED_HEADERS.join(","),
    ...(wildcard ? {} : { vary: "Origin" }),
  };
}

export function preflightHeaders(config: CorsConfig, origin: string | undefined): Record<string, string> {
  const base = corsHeaders(config, origin);
  if (!base["access-control-allow-origin"]) return {};
  return {
    ...base,
    "access-control-allow-methods": CORS_ALLOWED_METHODS.join(","),
    "access-control-allow-headers": CORS_ALLOWED_HEADERS.join(","),
    "access-control-max-age": String(CORS_MAX_AGE_SECONDS),
  };
}
