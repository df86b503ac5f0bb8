import type {
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
} from "aws-lambda";
import type { AuthorizerContext } from "../shared/http/api-handler.js";
import { createLogger } from "../shared/logger.js";
import { authenticate } from "../shared/services/api-keys.js";
import { functionDeps } from "./deps.js";

const logger = createLogger({ service: "authorizer" });
const denied = { isAuthorized: false, context: { tenantId: "", role: "", keyId: "" } } as const;

/** HTTP API Lambda authorizer (simple responses): resolves `Authorization: Bearer <key>` to a caller. */
export async function handler(
  event: APIGatewayRequestAuthorizerEventV2,
): Promise<APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext>> {
  const header = event.headers?.authorization ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1]) return denied;
  const result = await authenticate(functionDeps().repos, match[1]);
  if (!result.ok) {
    logger.info("denied", { reason: result.reason, route: event.routeKey });
    return denied;
  }
  const { caller } = result;
  return {
    isAuthorized: true,
    context: { tenantId: caller.tenantId, role: caller.role, keyId: caller.actor.id },
  };
}
