import { Match, Template } from "aws-cdk-lib/assertions";
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import { beforeAll, describe, expect, it } from "vitest";
import { apiFunctions } from "../../functions/api/catalog.js";
import { PUBLIC_ROUTE_REASONS } from "../../infra/nag.js";
import { CORS_ALLOWED_HEADERS, CORS_ALLOWED_METHODS, CORS_EXPOSED_HEADERS } from "../../shared/http/cors.js";
import { routeKey } from "../../shared/http/operation.js";
import {
  asArray,
  field,
  iamStatements,
  resourcesOfType,
  type Synthesized,
  statementList,
  synthStage,
} from "./synth.js";

const operations = apiFunctions.flatMap((spec) => spec.operations.map((operation) => ({ spec, operation })));

describe("stateless stack", () => {
  let dev: Synthesized;
  let prod: Synthesized;

  beforeAll(() => {
    dev = synthStage({ config: { stage: "dev" } });
    prod = synthStage({ config: { stage: "prod" } });
  });

  describe("functions", () => {
    it("has one function per catalog entry plus the authorizer, the lifecycle, the sweep, the payment sweep, the outbound events' two and the daily summary", () => {
      // The outbound events' publisher and webhook delivery: test/infra/outbound-events.test.ts; the
      // daily summary: test/infra/daily-summary.test.ts.
      dev.stateless.resourceCountIs("AWS::Lambda::Function", apiFunctions.length + 8);
    });

    it("runs every function on nodejs22.x or newer, on arm64, logging to its own log group", () => {
      for (const fn of resourcesOfType(dev.stateless, "AWS::Lambda::Function")) {
        const major = /^nodejs(\d+)\.x$/.exec(String(fn.properties.Runtime))?.[1];
        expect(Number(major), `${fn.logicalId} runtime`).toBeGreaterThanOrEqual(22);
        expect(fn.properties.Architectures).toEqual(["arm64"]);
        expect(fn.properties.LoggingConfig).toEqual({ LogGroup: { Ref: expect.any(String) } });
      }
    });

    it("gives API handlers the table, CORS origins and log level", () => {
      for (const spec of apiFunctions) {
        const lambda = dev.stacks.stateless.functions.get(spec.name);
        expect(lambda, spec.name).toBeDefined();
        dev.stateless.hasResourceProperties("AWS::Lambda::Function", {
          Description: `${spec.name} API (dev)`,
          Environment: {
            Variables: Match.objectLike({
              TABLE_NAME: Match.anyValue(),
              CORS_ALLOWED_ORIGINS: "*",
              LOG_LEVEL: "debug",
            }),
          },
        });
      }
    });

    it("has no dependency cycle among its resources (CloudFormation would refuse it at deploy)", () => {
      // `cdk synth` does not look for cycles inside a template; Template.fromStack does, and throws.
      const cyclic = {
        Resources: {
          A: { Type: "AWS::SQS::Queue", Properties: { QueueName: { "Fn::GetAtt": ["B", "QueueName"] } } },
          B: { Type: "AWS::SQS::Queue", Properties: { QueueName: { Ref: "A" } } },
        },
      };

      expect(() => Template.fromJSON(cyclic)).toThrow(/dependency cycle/);
      expect(() => Template.fromStack(dev.stacks.stateless)).not.toThrow();
      expect(() => Template.fromStack(dev.stacks.stateful)).not.toThrow();
    });

    it("keeps logs for the configured retention", () => {
      const logGroups = resourcesOfType(prod.stateless, "AWS::Logs::LogGroup");

      // + authorizer, lifecycle, sweep, payment sweep, the outbound events' two, the daily summary and
      // the API access logs
      expect(logGroups).toHaveLength(apiFunctions.length + 9);
      for (const group of logGroups)
        expect(group.properties.RetentionInDays).toBe(RetentionDays.THREE_MONTHS);
    });
  });

  describe("least privilege", () => {
    const statements = (synth: Synthesized) => [synth.stateful, synth.stateless].flatMap(iamStatements);

    it('grants on Resource "*" only sns:Publish, for SMS to phone numbers (notifications-grants.test.ts)', () => {
      const all = statements(dev);

      expect(all.length).toBeGreaterThan(0);
      for (const statement of all) {
        if (asArray(field(statement, "Resource")).includes("*")) {
          expect(statement).toEqual({ Effect: "Allow", Action: "sns:Publish", Resource: "*" });
        }
        expect(field(statement, "NotResource")).toBeUndefined();
      }
    });

    it("never allows Scan or wildcard actions", () => {
      const actions = statements(dev).flatMap((s) => asArray(field(s, "Action")));

      expect(actions).not.toContain("dynamodb:Scan");
      expect(actions.filter((a) => typeof a === "string" && a.endsWith("*"))).toEqual([]);
    });

    it("attaches no AWS managed policies (no AWSLambdaBasicExecutionRole)", () => {
      for (const role of resourcesOfType(dev.stateless, "AWS::IAM::Role")) {
        expect(role.properties.ManagedPolicyArns, role.logicalId).toBeUndefined();
      }
    });

    it("lets the authorizer only read items from the table", () => {
      const { stateless } = dev.stacks;
      const roleRef = stateless.resolve(stateless.authorizer.role.roleName);
      const [policy, ...others] = resourcesOfType(dev.stateless, "AWS::IAM::Policy").filter((p) =>
        asArray(p.properties.Roles).some((r) => JSON.stringify(r) === JSON.stringify(roleRef)),
      );

      expect(others).toEqual([]);
      const dynamoActions = statementList(policy?.properties.PolicyDocument)
        .flatMap((s) => asArray(field(s, "Action")))
        .filter((a) => String(a).startsWith("dynamodb:"));
      expect(dynamoActions).toEqual(["dynamodb:GetItem"]);
    });
  });

  describe("HTTP API", () => {
    it("has exactly one route per catalog operation", () => {
      const keys = resourcesOfType(dev.stateless, "AWS::ApiGatewayV2::Route").map(
        (r) => r.properties.RouteKey,
      );

      expect(keys.sort()).toEqual(operations.map(({ operation }) => routeKey(operation)).sort());
    });

    it("authorises every non-public route and leaves only the public ones open", () => {
      const [authorizer] = resourcesOfType(dev.stateless, "AWS::ApiGatewayV2::Authorizer");
      const routes = new Map(
        resourcesOfType(dev.stateless, "AWS::ApiGatewayV2::Route").map((r) => [
          r.properties.RouteKey,
          r.properties,
        ]),
      );

      for (const { operation } of operations) {
        const route = routes.get(routeKey(operation));
        if (operation.permission === "public") {
          expect(route, routeKey(operation)).toMatchObject({ AuthorizationType: "NONE" });
          expect(route?.AuthorizerId).toBeUndefined();
        } else {
          expect(route, routeKey(operation)).toMatchObject({
            AuthorizationType: "CUSTOM",
            AuthorizerId: { Ref: authorizer?.logicalId },
          });
        }
      }
      const open = [...routes.values()].filter((r) => r.AuthorizationType === "NONE").map((r) => r.RouteKey);
      // Exactly the routes opened with a written reason (infra/nag.ts), the edge agent's among them.
      expect(open.sort()).toEqual(Object.keys(PUBLIC_ROUTE_REASONS).sort());
      expect(open).toEqual(expect.arrayContaining(["POST /v1/agent/enroll", "POST /v1/agent/credentials"]));
    });

    it("sends each route to the Lambda that serves it", () => {
      const { stateless } = dev.stacks;
      const integrations = new Map(
        resourcesOfType(dev.stateless, "AWS::ApiGatewayV2::Integration").map((i) => [
          i.logicalId,
          i.properties,
        ]),
      );
      const routes = resourcesOfType(dev.stateless, "AWS::ApiGatewayV2::Route");

      for (const { spec, operation } of operations) {
        const route = routes.find((r) => r.properties.RouteKey === routeKey(operation));
        const integrationId = JSON.stringify(route?.properties.Target).match(/"Ref":"([^"]+)"/)?.[1] ?? "";
        const lambda = stateless.functions.get(spec.name);
        expect(integrations.get(integrationId)?.IntegrationUri, routeKey(operation)).toEqual(
          lambda && stateless.resolve(lambda.function.functionArn),
        );
      }
    });

    it("uses a simple-response Lambda authorizer on the Authorization header, without caching", () => {
      dev.stateless.hasResourceProperties("AWS::ApiGatewayV2::Authorizer", {
        AuthorizerType: "REQUEST",
        EnableSimpleResponses: true,
        AuthorizerResultTtlInSeconds: 0,
        IdentitySource: ["$request.header.Authorization"],
      });
    });

    it("logs access and throttles the default stage, with tighter limits on public routes", () => {
      const { throttle, publicRouteThrottle } = dev.config;
      const publicLimit = {
        ThrottlingRateLimit: publicRouteThrottle.rateLimit,
        ThrottlingBurstLimit: publicRouteThrottle.burstLimit,
      };

      dev.stateless.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
        StageName: "$default",
        AutoDeploy: true,
        AccessLogSettings: {
          DestinationArn: Match.anyValue(),
          Format: Match.stringLikeRegexp("\\$context\\.requestId"),
        },
        DefaultRouteSettings: {
          ThrottlingRateLimit: throttle.rateLimit,
          ThrottlingBurstLimit: throttle.burstLimit,
        },
        RouteSettings: { "GET /v1/health": publicLimit, "GET /v1/openapi.json": publicLimit },
      });
    });

    it("answers CORS preflight from the stage config and the shared header lists", () => {
      dev.stateless.hasResourceProperties("AWS::ApiGatewayV2::Api", {
        CorsConfiguration: {
          AllowOrigins: ["*"],
          AllowMethods: CORS_ALLOWED_METHODS,
          AllowHeaders: CORS_ALLOWED_HEADERS,
          ExposeHeaders: CORS_EXPOSED_HEADERS,
          AllowCredentials: false,
        },
      });
    });

    it("turns CORS off in prod until origins are configured, and uses them when they are", () => {
      prod.stateless.hasResourceProperties("AWS::ApiGatewayV2::Api", { CorsConfiguration: Match.absent() });

      const configured = synthStage({
        config: { stage: "prod", corsAllowedOrigins: "https://admin.example.net" },
      });
      configured.stateless.hasResourceProperties("AWS::ApiGatewayV2::Api", {
        CorsConfiguration: Match.objectLike({ AllowOrigins: ["https://admin.example.net"] }),
      });
      configured.stateless.hasResourceProperties("AWS::Lambda::Function", {
        Environment: { Variables: Match.objectLike({ CORS_ALLOWED_ORIGINS: "https://admin.example.net" }) },
      });
    });

    it("outputs the API URL", () => {
      dev.stateless.hasOutput("ApiUrl", { Value: Match.anyValue() });
    });
  });
});
