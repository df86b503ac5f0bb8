import { Duration, RemovalPolicy } from "aws-cdk-lib";
import { AccessLogFormat } from "aws-cdk-lib/aws-apigateway";
import {
  CfnStage,
  CorsHttpMethod,
  type CorsPreflightOptions,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  type HttpRoute,
  HttpStage,
  LogGroupLogDestination,
} from "aws-cdk-lib/aws-apigatewayv2";
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { LogGroup, type RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import {
  CORS_ALLOWED_HEADERS,
  CORS_ALLOWED_METHODS,
  CORS_EXPOSED_HEADERS,
  CORS_MAX_AGE_SECONDS,
} from "../../shared/http/cors.js";
import type { Operation } from "../../shared/http/operation.js";
import { routeKey } from "../../shared/http/operation.js";
import type { ThrottleConfig } from "../config.js";

/** One Lambda and the operations (routes) it serves. */
export interface ApiRouteGroup {
  readonly name: string;
  readonly handler: IFunction;
  readonly operations: readonly Operation[];
}

export interface AdminApiProps {
  readonly apiName: string;
  readonly routeGroups: readonly ApiRouteGroup[];
  /** HTTP API Lambda authorizer (simple responses) guarding every non-public route. */
  readonly authorizerHandler: IFunction;
  /** Browser origins for CORS preflight; empty turns CORS off. */
  readonly corsAllowedOrigins: readonly string[];
  readonly throttle: ThrottleConfig;
  readonly publicRouteThrottle: ThrottleConfig;
  /**
   * Per-route throttles by route key (`POST /v1/webhooks/{gateway}/{tenantId}`), in place of the
   * public-route or stage throttle; each key must name a route.
   * @default none
   */
  readonly routeThrottles?: Readonly<Record<string, ThrottleConfig>>;
  /**
   * Route keys whose per-route metrics (4xx, 5xx, Count, latencies; dimension Route) are published.
   * Detailed metrics are billed as custom metrics, six a route, so only routes someone alarms on.
   * @default none
   */
  readonly detailedMetricsRoutes?: readonly string[];
  readonly accessLogRetention: RetentionDays;
  /**
   * @default RemovalPolicy.RETAIN
   */
  readonly accessLogRemovalPolicy?: RemovalPolicy;
}

/** Matches the `access-control-max-age` the handlers send in local mode (shared/http/cors.ts). */
const CORS_MAX_AGE = Duration.seconds(CORS_MAX_AGE_SECONDS);

/** One JSON object per request; never headers or bodies (they carry API keys and personal data). */
const ACCESS_LOG_FIELDS = {
  requestId: "$context.requestId",
  requestTime: "$context.requestTime",
  ip: "$context.identity.sourceIp",
  routeKey: "$context.routeKey",
  status: "$context.status",
  protocol: "$context.protocol",
  responseLength: "$context.responseLength",
  responseLatency: "$context.responseLatency",
  integrationLatency: "$context.integrationLatency",
  integrationError: "$context.integrationErrorMessage",
  authorizerError: "$context.authorizer.error",
  tenantId: "$context.authorizer.tenantId",
  keyId: "$context.authorizer.keyId",
};

/**
 * The versioned admin HTTP API: one route per catalog operation, each integrated with the Lambda
 * that serves it. Every route is authorised by the Lambda authorizer by default; only operations
 * marked `public` opt out, explicitly.
 */
export class AdminApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;
  readonly routes: readonly HttpRoute[];
  /** Routes without the authorizer, by route key (`GET /v1/health`). */
  readonly publicRoutes: ReadonlyMap<string, HttpRoute>;
  /** Every route's key (`POST /v1/webhooks/{gateway}/{tenantId}`), as the Route metric dimension names it. */
  readonly routeKeys: ReadonlySet<string>;
  /** Routes with detailed (per-route) metrics. */
  readonly detailedMetricsRoutes: ReadonlySet<string>;

  constructor(scope: Construct, id: string, props: AdminApiProps) {
    super(scope, id);

    // Results cache TTL 0: the authorizer runs on every request, so a revoked key or a disabled
    // tenant is refused at once. The price, per million authorised requests at list price: $0.20 in
    // Lambda requests, about $0.13 compute (512 MB, ~20 ms) and up to $0.25 for its two reads (key and
    // tenant), plus the added latency. A cache of N seconds would cut most of that but keep honouring
    // a revoked key for up to N seconds. Requests without an Authorization header are refused by API
    // Gateway before the authorizer runs.
    const authorizer = new HttpLambdaAuthorizer("ApiKeyAuthorizer", props.authorizerHandler, {
      authorizerName: "api-key",
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      identitySource: ["$request.header.Authorization"],
      resultsCacheTtl: Duration.seconds(0),
    });

    this.api = new HttpApi(this, "Api", {
      apiName: props.apiName,
      description: "Tenant-scoped admin API (v1)",
      createDefaultStage: false,
      defaultAuthorizer: authorizer,
      corsPreflight: corsPreflight(props.corsAllowedOrigins),
    });

    this.accessLogs = new LogGroup(this, "AccessLogs", {
      retention: props.accessLogRetention,
      removalPolicy: props.accessLogRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.stage = new HttpStage(this, "DefaultStage", {
      httpApi: this.api,
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });

    const { routes, publicRoutes, byKey } = this.addOperationRoutes(props.routeGroups);
    this.routes = routes;
    this.publicRoutes = publicRoutes;
    this.routeKeys = new Set(byKey.keys());
    this.detailedMetricsRoutes = new Set(props.detailedMetricsRoutes ?? []);
    for (const key of this.detailedMetricsRoutes) {
      if (!byKey.has(key)) throw new Error(`AdminApi: detailed metrics for "${key}", which is no route`);
    }
    const routeThrottles = new Map(Object.entries(props.routeThrottles ?? {}));
    for (const key of routeThrottles.keys()) {
      if (!byKey.has(key)) throw new Error(`AdminApi: a throttle for "${key}", which is no route`);
    }
    this.addRouteSettings(byKey, props.throttle, props.publicRouteThrottle, routeThrottles);
  }

  /** One route per operation; public operations replace the default authorizer with none. */
  private addOperationRoutes(groups: readonly ApiRouteGroup[]) {
    const routes: HttpRoute[] = [];
    const publicRoutes = new Map<string, HttpRoute>();
    const byKey = new Map<string, HttpRoute>();
    for (const group of groups) {
      const integration = new HttpLambdaIntegration(`${group.name}Integration`, group.handler);
      for (const operation of group.operations) {
        const isPublic = operation.permission === "public";
        const added = this.api.addRoutes({
          path: operation.path,
          methods: [HttpMethod[operation.method]],
          integration,
          ...(isPublic ? { authorizer: new HttpNoneAuthorizer() } : {}),
        });
        routes.push(...added);
        for (const route of added) {
          byKey.set(routeKey(operation), route);
          if (isPublic) publicRoutes.set(routeKey(operation), route);
        }
      }
    }
    return { routes, publicRoutes, byKey };
  }

  /**
   * Unauthenticated routes get a tighter per-route limit than the stage, so they cannot drain it;
   * routes with detailed metrics keep their throttle (a route's settings stand alone); a route with
   * its own throttle has that one.
   */
  private addRouteSettings(
    byKey: ReadonlyMap<string, HttpRoute>,
    stageThrottle: ThrottleConfig,
    publicThrottle: ThrottleConfig,
    routeThrottles: ReadonlyMap<string, ThrottleConfig>,
  ) {
    const keys = new Set([
      ...this.publicRoutes.keys(),
      ...this.detailedMetricsRoutes,
      ...routeThrottles.keys(),
    ]);
    if (keys.size === 0) return;
    const cfnStage = this.stage.node.defaultChild;
    if (!(cfnStage instanceof CfnStage)) throw new Error("AdminApi: the HTTP stage has no CfnStage");
    cfnStage.routeSettings = Object.fromEntries(
      [...keys].map((key) => {
        const throttle =
          routeThrottles.get(key) ?? (this.publicRoutes.has(key) ? publicThrottle : stageThrottle);
        return [
          key,
          {
            ThrottlingRateLimit: throttle.rateLimit,
            ThrottlingBurstLimit: throttle.burstLimit,
            ...(this.detailedMetricsRoutes.has(key) ? { DetailedMetricsEnabled: true } : {}),
          },
        ];
      }),
    );
    // Route settings name routes by key; CloudFormation rejects them if the route does not exist yet.
    for (const key of keys) {
      const route = byKey.get(key);
      if (route) this.stage.node.addDependency(route);
    }
  }
}

function corsPreflight(origins: readonly string[]): CorsPreflightOptions | undefined {
  if (origins.length === 0) return undefined;
  return {
    allowOrigins: [...origins],
    allowMethods: CORS_ALLOWED_METHODS.map(toCorsMethod),
    allowHeaders: [...CORS_ALLOWED_HEADERS],
    exposeHeaders: [...CORS_EXPOSED_HEADERS],
    maxAge: CORS_MAX_AGE,
    // API keys travel in the Authorization header, never in cookies.
    allowCredentials: false,
  };
}

const CORS_METHODS: Readonly<Record<string, CorsHttpMethod>> = {
  GET: CorsHttpMethod.GET,
  POST: CorsHttpMethod.POST,
  PATCH: CorsHttpMethod.PATCH,
  PUT: CorsHttpMethod.PUT,
  DELETE: CorsHttpMethod.DELETE,
  OPTIONS: CorsHttpMethod.OPTIONS,
  HEAD: CorsHttpMethod.HEAD,
};

function toCorsMethod(method: string): CorsHttpMethod {
  const mapped = CORS_METHODS[method.toUpperCase()];
  if (!mapped) throw new Error(`AdminApi: unsupported CORS method "${method}"`);
  return mapped;
}
