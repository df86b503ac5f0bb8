import { App, RemovalPolicy, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { GATEWAY_CREDENTIAL_FUNCTIONS } from "../../functions/api/catalog.js";
import { payOperations } from "../../functions/api/operations/pay.js";
import { GatewayCredentialsKey } from "../../infra/constructs/gateway-credentials-key.js";
import { PAYMENT_SWEEP_RATE } from "../../infra/constructs/payment-sweep.js";
import { PUBLIC_ROUTE_REASONS } from "../../infra/nag.js";
import { routeKey } from "../../shared/http/operation.js";
import { TELEGRAM_TOKEN_PURPOSE } from "../../shared/services/daily-summary.js";
import { GATEWAY_CREDENTIALS_PURPOSE } from "../../shared/services/payments/gateway-settings.js";
import { WEBHOOK_SECRET_PURPOSE } from "../../shared/services/webhook-secrets.js";
import {
  asArray,
  field,
  type Json,
  resourcesOfType,
  type Synthesized,
  statementList,
  statementsOfRole,
  synthStage,
} from "./synth.js";

const WEBHOOK = "POST /v1/webhooks/{gateway}/{tenantId}";

/** One statement that lets one role use KMS, wherever the statement sits. */
interface KmsGrant {
  readonly role: string;
  readonly statement: Json;
}

/** Could the statement allow any KMS action? NotAction statements count: they allow nearly anything. */
function mayUseKms(statement: Json): boolean {
  if (field(statement, "NotAction") !== undefined) return true;
  return asArray(field(statement, "Action")).some(
    (a) => a === "*" || String(a).toLowerCase().startsWith("kms:"),
  );
}

/**
 * Webhook signing secrets are sealed with the same key under their own purpose, by other roles;
 * test/infra/outbound-events.test.ts asserts those grants. Here: everything else.
 */
function forWebhookSecrets(statement: Json): boolean {
  const purpose = field(
    field(field(statement, "Condition"), "StringEquals"),
    "kms:EncryptionContext:purpose",
  );
  // Webhook secrets and Telegram bot tokens have purposes of their own, each tested beside its
  // feature (test/infra/outbound-events.test.ts, test/infra/daily-summary.test.ts).
  return purpose === WEBHOOK_SECRET_PURPOSE || purpose === TELEGRAM_TOKEN_PURPOSE;
}

/** Every KMS-allowing statement of every IAM policy in the template, with the role it applies to. */
function kmsGrants(template: Template): KmsGrant[] {
  const grants: KmsGrant[] = [];
  for (const type of ["AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"]) {
    for (const policy of resourcesOfType(template, type)) {
      const statements = statementList(policy.properties.PolicyDocument).filter(
        (s) => mayUseKms(s) && !forWebhookSecrets(s),
      );
      if (statements.length === 0) continue;
      // A policy on users or groups would be a grant this walk cannot name a function for.
      expect(policy.properties.Users ?? policy.properties.Groups, policy.logicalId).toBeUndefined();
      for (const role of asArray(policy.properties.Roles))
        for (const statement of statements) grants.push({ role: String(field(role, "Ref")), statement });
    }
  }
  for (const role of resourcesOfType(template, "AWS::IAM::Role")) {
    for (const policy of asArray(role.properties.Policies))
      for (const statement of statementList(field(policy, "PolicyDocument")).filter(mayUseKms))
        grants.push({ role: role.logicalId, statement });
  }
  return grants;
}

describe("payments on AWS", () => {
  let dev: Synthesized;

  // One synth for the file; prod's retention of every key is asserted in stateful-stack.test.ts.
  beforeAll(() => {
    dev = synthStage({ config: { stage: "dev" } });
  });

  const resolve = (value: string) => dev.stacks.stateless.resolve(value);
  const roleOf = (lambda: { role: { roleName: string } } | undefined) => {
    const id = field(resolve(lambda?.role.roleName ?? ""), "Ref");
    if (typeof id !== "string") throw new Error("not a role of the stateless stack");
    return id;
  };
  const functions = () => {
    const { stateless } = dev.stacks;
    return {
      payments: stateless.functions.get("payments"),
      pay: stateless.functions.get("pay"),
      paymentSweep: stateless.paymentSweep.sweep,
    };
  };
  /** What the stateless stack imports for the key's ARN: the stateful stack's export of it. */
  const importedKeyArn = () => {
    const keyArn = dev.stacks.stateful.resolve(dev.stacks.stateful.gatewayKey.keyArn);
    const outputs = dev.stateful.toJSON().Outputs as Record<
      string,
      { Value: Json; Export: { Name: string } }
    >;
    const exported = Object.values(outputs).filter((o) => JSON.stringify(o.Value) === JSON.stringify(keyArn));
    expect(exported).toHaveLength(1);
    return { "Fn::ImportValue": exported[0]?.Export.Name ?? "" };
  };

  describe("gateway credentials key", () => {
    it("is a customer-managed key with yearly rotation, a 30-day deletion window and a stage alias", () => {
      const keyArn = dev.stacks.stateful.resolve(dev.stacks.stateful.gatewayKey.keyArn);
      const [keyId] = asArray(field(keyArn, "Fn::GetAtt"));
      const key = resourcesOfType(dev.stateful, "AWS::KMS::Key").find((k) => k.logicalId === keyId);

      expect(key?.properties).toMatchObject({ EnableKeyRotation: true, PendingWindowInDays: 30 });
      // The stage's stateful removal policy: dev may drop it, prod keeps it (stateful-stack.test.ts).
      expect(dev.config.statefulRemovalPolicy).toBe(RemovalPolicy.DESTROY);
      expect(key?.raw.DeletionPolicy).toBe("Delete");
      dev.stateful.hasResourceProperties("AWS::KMS::Alias", {
        AliasName: "alias/isp-billing-dev-gateway-credentials",
        TargetKeyId: keyArn,
      });
    });

    it("delegates to IAM in its key policy and names no other principal", () => {
      const keyArn = dev.stacks.stateful.resolve(dev.stacks.stateful.gatewayKey.keyArn);
      const [keyId] = asArray(field(keyArn, "Fn::GetAtt"));
      const key = resourcesOfType(dev.stateful, "AWS::KMS::Key").find((k) => k.logicalId === keyId);
      const principals = statementList(key?.properties.KeyPolicy).map((s) => field(s, "Principal"));

      expect(principals).toHaveLength(1);
      expect(JSON.stringify(principals[0])).toMatch(/:root"/);
    });

    it("is retained by default, outside a stage's configuration", () => {
      const stack = new Stack(new App(), "Default");
      new GatewayCredentialsKey(stack, "Key", { stage: "test" });

      Template.fromStack(stack).hasResource("AWS::KMS::Key", { DeletionPolicy: "Retain" });
    });
  });

  describe("who may use the key", () => {
    it("lets only the payments, pay and payment-sweep roles use KMS at all", () => {
      const { payments, pay, paymentSweep } = functions();
      const grants = [dev.stateful, dev.stateless].flatMap(kmsGrants);

      expect([...GATEWAY_CREDENTIAL_FUNCTIONS].sort()).toEqual(["pay", "payments"]);
      expect([...new Set(grants.map((g) => g.role))].sort()).toEqual(
        [roleOf(payments), roleOf(pay), roleOf(paymentSweep)].sort(),
      );
    });

    it("grants on the gateway key alone, and only under the credentials' encryption-context purpose", () => {
      const grants = kmsGrants(dev.stateless);

      expect(grants.length).toBeGreaterThan(0);
      expect(GATEWAY_CREDENTIALS_PURPOSE).toBe("gateway-credentials");
      for (const { role, statement } of grants) {
        expect(statement, role).toEqual({
          Effect: "Allow",
          Action: expect.anything(),
          Resource: importedKeyArn(),
          Condition: { StringEquals: { "kms:EncryptionContext:purpose": GATEWAY_CREDENTIALS_PURPOSE } },
        });
      }
    });

    it("lets payments seal and open, and pay and the payment sweep only open (no kms:Encrypt)", () => {
      const { payments, pay, paymentSweep } = functions();
      const actionsOf = (role: string) =>
        kmsGrants(dev.stateless)
          .filter((g) => g.role === role)
          .flatMap((g) => asArray(field(g.statement, "Action")).map(String))
          .sort();

      expect(actionsOf(roleOf(payments))).toEqual(["kms:Decrypt", "kms:Encrypt"]);
      expect(actionsOf(roleOf(pay))).toEqual(["kms:Decrypt"]);
      expect(actionsOf(roleOf(paymentSweep))).toEqual(["kms:Decrypt"]);
    });

    it("gives GATEWAY_KEY_ARN, the imported key ARN, to those three functions, the two that seal or open webhook secrets and the two that seal or open Telegram bot tokens", () => {
      const { payments, pay, paymentSweep } = functions();
      const { stateless } = dev.stacks;
      const webhookSecrets = [
        stateless.functions.get("events"),
        stateless.outboundEvents.delivery,
        stateless.functions.get("billing"),
        stateless.dailySummary.function,
      ];
      const withKey = resourcesOfType(dev.stateless, "AWS::Lambda::Function").filter(
        (fn) => field(field(fn.properties.Environment, "Variables"), "GATEWAY_KEY_ARN") !== undefined,
      );

      expect(withKey.map((fn) => fn.logicalId).sort()).toEqual(
        [payments, pay, paymentSweep, ...webhookSecrets]
          .map((l) => field(resolve(l?.function.functionName ?? ""), "Ref"))
          .sort(),
      );
      for (const fn of withKey) {
        expect(field(field(fn.properties.Environment, "Variables"), "GATEWAY_KEY_ARN")).toEqual(
          importedKeyArn(),
        );
      }
    });
  });

  describe("payment sweep", () => {
    it("runs every 5 minutes in the ops group, flexible window off, retried within one interval, then the DLQ", () => {
      const { paymentSweep } = functions();
      const target = JSON.stringify(resolve(paymentSweep.function.functionArn));
      const schedules = resourcesOfType(dev.stateless, "AWS::Scheduler::Schedule").filter(
        (s) => JSON.stringify(field(s.properties.Target, "Arn")) === target,
      );

      expect(PAYMENT_SWEEP_RATE.toMinutes()).toBe(5);
      expect(schedules).toHaveLength(1);
      expect(schedules[0]?.properties).toMatchObject({
        GroupName: "isp-billing-dev-ops",
        ScheduleExpression: "rate(5 minutes)",
        FlexibleTimeWindow: { Mode: "OFF" },
        State: "ENABLED",
        Target: {
          DeadLetterConfig: { Arn: resolve(dev.stacks.stateful.schedulerDeadLetterQueue.queueArn) },
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 300 },
        },
      });
    });

    it("invokes it through a role that may only invoke the payment sweep and send to the DLQ", () => {
      const { paymentSweep } = functions();
      const [schedule] = resourcesOfType(dev.stateless, "AWS::Scheduler::Schedule").filter(
        (s) =>
          JSON.stringify(field(s.properties.Target, "Arn")) ===
          JSON.stringify(resolve(paymentSweep.function.functionArn)),
      );
      const [roleId] = asArray(field(field(schedule?.properties.Target, "RoleArn"), "Fn::GetAtt"));

      expect(statementsOfRole(dev.stateless, { Ref: roleId })).toEqual([
        {
          Effect: "Allow",
          Action: "lambda:InvokeFunction",
          Resource: resolve(paymentSweep.function.functionArn),
        },
        {
          Effect: "Allow",
          Action: "sqs:SendMessage",
          Resource: resolve(dev.stacks.stateful.schedulerDeadLetterQueue.queueArn),
        },
      ]);
    });

    it("drops a failed tick instead of retrying it, and ends before the next tick starts", () => {
      const { paymentSweep } = functions();
      const functionName = JSON.stringify(resolve(paymentSweep.function.functionName));
      const [config] = resourcesOfType(dev.stateless, "AWS::Lambda::EventInvokeConfig").filter(
        (c) => JSON.stringify(c.properties.FunctionName) === functionName,
      );
      const [fn] = resourcesOfType(dev.stateless, "AWS::Lambda::Function").filter(
        (f) => JSON.stringify({ Ref: f.logicalId }) === functionName,
      );

      expect(config?.properties).toMatchObject({ MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 300 });
      expect(Number(fn?.properties.Timeout)).toBeLessThan(PAYMENT_SWEEP_RATE.toSeconds());
    });
  });

  describe("payer- and gateway-facing routes", () => {
    const routes = () =>
      new Map(
        resourcesOfType(dev.stateless, "AWS::ApiGatewayV2::Route").map((r) => [
          r.properties.RouteKey,
          r.properties,
        ]),
      );

    it("serves the gateway webhook without the authorizer", () => {
      const webhook = routes().get(WEBHOOK);

      expect(payOperations.map(routeKey)).toContain(WEBHOOK);
      expect(webhook).toMatchObject({ AuthorizationType: "NONE" });
      expect(webhook?.AuthorizerId).toBeUndefined();
    });

    it("opens every pay route without the authorizer, with a written reason, throttled like the other public routes but the webhook", () => {
      const { publicRouteThrottle } = dev.config;
      const [stage] = resourcesOfType(dev.stateless, "AWS::ApiGatewayV2::Stage");

      const throttle = {
        ThrottlingRateLimit: publicRouteThrottle.rateLimit,
        ThrottlingBurstLimit: publicRouteThrottle.burstLimit,
      };
      for (const operation of payOperations) {
        const key = routeKey(operation);
        expect(operation.permission, key).toBe("public");
        expect(routes().get(key), key).toMatchObject({ AuthorizationType: "NONE" });
        expect(PUBLIC_ROUTE_REASONS[key], key).toEqual(expect.any(String));
        if (key !== WEBHOOK) expect(field(stage?.properties.RouteSettings, key), key).toEqual(throttle);
      }
    });

    it.each([["dev"], ["prod"]] as const)(
      "throttles the gateway webhook on its own in %s, above the other public routes, within the stage's limit",
      (stage) => {
        const synth = stage === "dev" ? dev : synthStage({ config: { stage } });
        const { throttle, publicRouteThrottle, webhookRouteThrottle } = synth.config;
        const [cfnStage] = resourcesOfType(synth.stateless, "AWS::ApiGatewayV2::Stage");

        expect(webhookRouteThrottle).toEqual(
          stage === "dev" ? { rateLimit: 50, burstLimit: 100 } : { rateLimit: 200, burstLimit: 400 },
        );
        // Its route settings may hold more than the throttle (detailed metrics, for an alarm).
        expect(field(cfnStage?.properties.RouteSettings, WEBHOOK)).toMatchObject({
          ThrottlingRateLimit: webhookRouteThrottle.rateLimit,
          ThrottlingBurstLimit: webhookRouteThrottle.burstLimit,
        });
        expect(webhookRouteThrottle.rateLimit).toBeGreaterThan(publicRouteThrottle.rateLimit);
        expect(webhookRouteThrottle.rateLimit).toBeLessThanOrEqual(throttle.rateLimit);
        expect(webhookRouteThrottle.burstLimit).toBeLessThanOrEqual(throttle.burstLimit);
      },
    );

    it("gives the functions that call gateways more than the default 10 s, and less than the HTTP API's 30 s", () => {
      const { payments, pay } = functions();
      for (const lambda of [payments, pay]) {
        const id = field(resolve(lambda?.function.functionName ?? ""), "Ref");
        const [fn] = resourcesOfType(dev.stateless, "AWS::Lambda::Function").filter(
          (f) => f.logicalId === id,
        );
        expect(Number(fn?.properties.Timeout), String(id)).toBeGreaterThan(10);
        expect(Number(fn?.properties.Timeout), String(id)).toBeLessThan(30);
      }
    });
  });
});
