import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { APIGatewayRequestAuthorizerEventV2, Context } from "aws-lambda";
import type { ApiEvent, ApiResult, AuthorizerContext } from "../http/api-handler.js";
import { type CorsConfig, preflightHeaders } from "../http/cors.js";

/**
 * A local stand-in for API Gateway HTTP API (payload format 2.0): it matches routes, runs the Lambda
 * authorizer with the same event shape, and calls the same handler code that is deployed. Its
 * error answers mirror API Gateway's own ({"message": ...} with 401/403/404/413).
 */
export interface LocalRoute {
  readonly method: string;
  readonly path: string;
  readonly auth: boolean;
  readonly handler: (event: ApiEvent, context: Context) => Promise<ApiResult>;
}

export type LocalAuthorizer = (
  event: APIGatewayRequestAuthorizerEventV2,
) => Promise<{ isAuthorized: boolean; context?: AuthorizerContext }>;

export interface LocalApiGatewayOptions {
  readonly routes: readonly LocalRoute[];
  readonly authorizer: LocalAuthorizer;
  readonly cors: CorsConfig;
}

const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;
const TEXT_TYPES = /^(application\/(json|.*\+json|x-www-form-urlencoded|xml)|text\/)/i;

interface CompiledRoute extends LocalRoute {
  readonly pattern: RegExp;
  readonly names: string[];
}

function compile(route: LocalRoute): CompiledRoute {
  const names: string[] = [];
  const source = route.path
    .split("/")
    .map((part) => {
      const m = /^\{(\w+)(\+?)\}$/.exec(part);
      if (!m?.[1]) return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      names.push(m[1]);
      return m[2] ? "(.+)" : "([^/]+)";
    })
    .join("/");
  return { ...route, pattern: new RegExp(`^${source}$`), names };
}

export function createLocalApiGateway(options: LocalApiGatewayOptions): Server {
  const routes = options.routes.map(compile);
  return createServer((req, res) => {
    handle(req, res, routes, options).catch((error: unknown) => {
      process.stderr.write(`local api gateway: ${error instanceof Error ? error.message : String(error)}\n`);
      if (!res.headersSent)
        send(
          res,
          500,
          { "content-type": "application/json" },
          JSON.stringify({ message: "Internal Server Error" }),
        );
    });
  });
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  routes: CompiledRoute[],
  options: LocalApiGatewayOptions,
) {
  const url = new URL(req.url ?? "/", "http://localhost");
  const method = (req.method ?? "GET").toUpperCase();
  // API Gateway tells the integration how the client connected; locally that is plain HTTP.
  const headers: Record<string, string | undefined> = { "x-forwarded-proto": "http", ...flattenHeaders(req) };
  if (method === "OPTIONS" && headers["access-control-request-method"]) {
    return send(res, 204, preflightHeaders(options.cors, headers.origin), "");
  }
  const body = await readBody(req);
  if (body === undefined) return sendMessage(res, 413, "Request Entity Too Large");
  let match: { route: CompiledRoute; params: Record<string, string> } | undefined;
  for (const route of routes) {
    const m = route.pattern.exec(url.pathname);
    if (m && route.method === method) {
      match = {
        route,
        params: Object.fromEntries(route.names.map((n, i) => [n, decodeURIComponent(m[i + 1] ?? "")])),
      };
      break;
    }
  }
  if (!match) return sendMessage(res, 404, "Not Found");
  const { route, params } = match;

  const requestId = randomUUID();
  const now = new Date();
  const routeKey = `${route.method} ${route.path}`;
  const query = queryParameters(url);
  const base = {
    version: "2.0" as const,
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    ...(route.names.length ? { pathParameters: params } : {}),
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      domainName: headers.host ?? "localhost",
      domainPrefix: "local",
      http: {
        method,
        path: url.pathname,
        protocol: "HTTP/1.1",
        sourceIp: req.socket.remoteAddress ?? "127.0.0.1",
        userAgent: headers["user-agent"] ?? "",
      },
      requestId,
      routeKey,
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
  };

  let authorizer: AuthorizerContext | undefined;
  if (route.auth) {
    if (!headers.authorization) return sendMessage(res, 401, "Unauthorized");
    const decision = await options.authorizer({
      ...base,
      type: "REQUEST",
      routeArn: `arn:aws:execute-api:local:000000000000:local/$default/${method}${url.pathname}`,
      identitySource: [headers.authorization],
      cookies: [],
    } as APIGatewayRequestAuthorizerEventV2);
    if (!decision.isAuthorized || !decision.context) return sendMessage(res, 403, "Forbidden");
    authorizer = decision.context;
  }

  const isText = body.length === 0 || TEXT_TYPES.test(headers["content-type"] ?? "");
  const event = {
    ...base,
    requestContext: { ...base.requestContext, ...(authorizer ? { authorizer: { lambda: authorizer } } : {}) },
    ...(body.length ? { body: isText ? body.toString("utf8") : body.toString("base64") } : {}),
    isBase64Encoded: !isText,
  } as unknown as ApiEvent;
  const result = await route.handler(event, lambdaContext(requestId));
  const out =
    result.isBase64Encoded && result.body ? Buffer.from(result.body, "base64") : (result.body ?? "");
  const responseHeaders = Object.fromEntries(
    Object.entries(result.headers ?? {}).map(([k, v]) => [k, String(v)]),
  );
  send(res, result.statusCode ?? 200, { "apigw-requestid": requestId, ...responseHeaders }, out);
}

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(",") : v;
  }
  return out;
}

function queryParameters(url: URL): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of new Set(url.searchParams.keys())) out[key] = url.searchParams.getAll(key).join(",");
  return out;
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_PAYLOAD_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function lambdaContext(requestId: string): Context {
  return {
    awsRequestId: requestId,
    callbackWaitsForEmptyEventLoop: false,
    functionName: "local",
    functionVersion: "$LATEST",
    invokedFunctionArn: "arn:aws:lambda:local:000000000000:function:local",
    memoryLimitInMB: "256",
    logGroupName: "local",
    logStreamName: "local",
    getRemainingTimeInMillis: () => 29_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function sendMessage(res: ServerResponse, status: number, message: string) {
  send(res, status, { "content-type": "application/json" }, JSON.stringify({ message }));
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string | Buffer) {
  res.writeHead(status, headers);
  res.end(body);
}
