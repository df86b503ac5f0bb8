import middy, { type MiddlewareObj } from "@middy/core";
import type {
  APIGatewayProxyEventV2WithLambdaAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from "aws-lambda";
import * as z from "zod";
import { AppError, NotFoundError, PayloadTooLargeError, UnauthorizedError } from "../domain/errors.js";
import { hashIdempotencyKey, requestFingerprint } from "../domain/idempotency.js";
import { requirePermission } from "../domain/permissions.js";
import { createLogger, type Logger } from "../logger.js";
import type { Caller, ServiceDeps } from "../services/caller.js";
import { type AuthorizerContext, callerFromContext } from "./authorizer-context.js";
import { type CorsConfig, corsConfigFromEnv, corsHeaders } from "./cors.js";
import { type Operation, type RawRequest, routeKey } from "./operation.js";
import { problemResponse, toProblem } from "./problem.js";
import { MAX_BODY_BYTES, PageQueryShape, parseWith, readIdempotencyKey, readJsonBody } from "./request.js";

export type { AuthorizerContext } from "./authorizer-context.js";

export type ApiEvent = APIGatewayProxyEventV2WithLambdaAuthorizer<AuthorizerContext>;
export type ApiResult = APIGatewayProxyStructuredResultV2;

export interface ApiHandlerOptions {
  /** Built lazily on the first request, then reused for the life of the execution environment. */
  readonly deps: () => ServiceDeps;
  readonly cors?: CorsConfig;
  /** @default the deps' logger */
  readonly logger?: Logger;
}

export function createApiHandler(operations: readonly Operation[], options: ApiHandlerOptions) {
  const byRoute = new Map(operations.map((op) => [routeKey(op), op]));
  let cors: CorsConfig | undefined;
  const corsFor = (origin: string | undefined) => {
    cors ??= options.cors ?? corsConfigFromEnv();
    return corsHeaders(cors, origin);
  };
  let baseLogger = options.logger;
  /** The function's own logger (Powertools in Lambda); the plain one if its deps cannot be built. */
  const loggerFor = (): Logger => {
    if (baseLogger) return baseLogger;
    try {
      baseLogger = options.deps().logger;
      return baseLogger;
    } catch {
      return createLogger({ service: "api" });
    }
  };

  const run = async (event: ApiEvent, context: Context): Promise<ApiResult> => {
    const op = byRoute.get(event.routeKey);
    if (!op) throw new NotFoundError(`No route ${event.routeKey}`);
    const caller = op.permission === "public" ? anonymous() : callerFrom(event);
    if (op.permission !== "public") requirePermission(caller.role, op.permission);
    const logger = loggerFor().child({
      requestId: context.awsRequestId,
      route: event.routeKey,
      tenantId: caller.tenantId || undefined,
    });

    const params = op.params ? parseWith(op.params, event.pathParameters ?? {}, "path") : {};
    const querySchema = op.query ?? z.object({});
    const { limit, cursor, ...query } = (
      op.raw
        ? {}
        : parseWith(
            op.response.list ? querySchema.extend(PageQueryShape).strict() : querySchema.strict(),
            event.queryStringParameters ?? {},
            "query",
          )
    ) as Record<string, unknown>;
    const page = {
      limit: typeof limit === "number" ? limit : 25,
      cursor: typeof cursor === "string" ? cursor : undefined,
    };
    const body = op.body && !op.raw ? parseWith(op.body, readJsonBody(event), "body") : undefined;
    const key = op.idempotent ? readIdempotencyKey(event) : undefined;
    const idempotency = key
      ? {
          keyHash: hashIdempotencyKey(caller.tenantId, key),
          fingerprint: requestFingerprint(event.routeKey, event.rawPath, body),
        }
      : undefined;

    const result = await op.handle({
      deps: options.deps(),
      caller,
      params,
      query,
      body,
      page,
      idempotency,
      logger,
      raw: rawRequest(event),
    });
    logger.info("request", { status: result.status });
    return {
      statusCode: result.status,
      headers: {
        ...(result.body === undefined ? {} : { "content-type": "application/json" }),
        ...corsFor(event.headers?.origin),
        ...result.headers,
      },
      body: result.text ?? (result.body === undefined ? "" : JSON.stringify(result.body)),
    };
  };

  const errors: MiddlewareObj<ApiEvent, ApiResult> = {
    onError: async (request) => {
      const { error, event } = request;
      if (!(error instanceof AppError) || error.status >= 500) {
        loggerFor().error("unhandled error", {
          requestId: request.context.awsRequestId,
          route: event.routeKey,
          errorName: error instanceof Error ? error.name : typeof error,
          errorMessage: error instanceof Error ? error.message : undefined,
        });
      }
      request.response = problemResponse(toProblem(error, event.rawPath), corsFor(event.headers?.origin));
    },
  };

  return middy<ApiEvent, ApiResult>().use(errors).handler(run);
}

/** An API key's or a frontend user's caller, as the authorizer resolved it. */
function callerFrom(event: ApiEvent): Caller {
  const caller = callerFromContext(event.requestContext.authorizer?.lambda);
  // Only reachable if a route was deployed without the authorizer: refuse rather than guess.
  if (!caller) throw new UnauthorizedError("Missing or invalid credentials");
  return caller;
}

/** The request as sent; the body is decoded from base64 when API Gateway encoded it. */
function rawRequest(event: ApiEvent): RawRequest {
  const body = event.body ?? "";
  const rawBody = event.isBase64Encoded ? Buffer.from(body, "base64").toString("utf8") : body;
  if (Buffer.byteLength(rawBody) > MAX_BODY_BYTES)
    throw new PayloadTooLargeError(`The body may be at most ${MAX_BODY_BYTES} bytes`);
  const headers = Object.fromEntries(
    Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
  );
  const host = event.requestContext.domainName ?? headers.host ?? "localhost";
  const proto = headers["x-forwarded-proto"] ?? "https";
  return {
    method: event.requestContext.http?.method ?? event.routeKey.split(" ")[0] ?? "GET",
    headers,
    query: event.queryStringParameters ?? {},
    rawBody,
    baseUrl: process.env.PUBLIC_BASE_URL ?? `${proto}://${host}`,
  };
}

function anonymous(): Caller {
  return { tenantId: "", role: "readonly", actor: { kind: "system", id: "anonymous" } };
}
