import type {
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
} from "aws-lambda";
import { JwtTokenVerifier } from "../shared/adapters/auth/jwt-token-verifier.js";
import { createPowertoolsLogger } from "../shared/adapters/logging/powertools-logger.js";
import { loadUserTokenConfig, USER_TOKEN_ENV, type UserTokenConfig } from "../shared/config.js";
import { type AuthorizerContext, toAuthorizerContext } from "../shared/http/authorizer-context.js";
import type { UserTokenVerifier } from "../shared/ports/user-tokens.js";
import { authenticate } from "../shared/services/api-keys.js";
import { authenticateUser } from "../shared/services/user-tokens.js";
import { functionDeps } from "./deps.js";

const logger = createPowertoolsLogger({ service: "authorizer" });
const denied = { isAuthorized: false, context: { tenantId: "", role: "", keyId: "" } } as const;
/** Every API key starts so (shared/services/api-keys.ts); anything else is taken for a user's JWT. */
const API_KEY_PREFIX = "isp.";

/**
 * HTTP API Lambda authorizer (simple responses): resolves `Authorization: Bearer <credential>` to a
 * caller. An HTTP API route has one authorizer, so this one takes both credentials: an API key, or a
 * frontend user's JWT from the configured issuer (JWT_ISSUER; without it, API keys only). Both give
 * the same context, so the same role rules apply.
 */
export async function handler(
  event: APIGatewayRequestAuthorizerEventV2,
): Promise<APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext>> {
  const header = event.headers?.authorization ?? "";
  const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  if (!token) return denied;
  const { repos } = functionDeps();
  const users = token.startsWith(API_KEY_PREFIX) ? undefined : userTokens();
  const result = users
    ? await authenticateUser({ repos, verifier: users.verifier }, users.config, token)
    : await authenticate(repos, token);
  if (!result.ok) {
    const detail = "detail" in result ? result.detail : undefined;
    const fields = { reason: result.reason, detail, route: event.routeKey };
    if (result.reason === "issuer-unavailable") logger.warn("denied", fields);
    else logger.info("denied", fields);
    return denied;
  }
  return { isAuthorized: true, context: toAuthorizerContext(result.caller) };
}

let users:
  | { readonly key: string; readonly config: UserTokenConfig; readonly verifier: UserTokenVerifier }
  | undefined;

/**
 * The verifier, built on first use and kept with its cached keys. In Lambda the environment never
 * changes; the local cloud may point it at a new stand-in, which the key notices.
 */
function userTokens() {
  const key = Object.values(USER_TOKEN_ENV)
    .map((name) => process.env[name] ?? "")
    .join("\n");
  if (users?.key === key) return users;
  const config = loadUserTokenConfig();
  if (!config) return undefined;
  users = { key, config, verifier: new JwtTokenVerifier(config) };
  return users;
}
