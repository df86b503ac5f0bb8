import { beforeAll, describe, expect, it } from "vitest";
import { DAILY_SUMMARY_RATE } from "../../infra/constructs/daily-summary.js";
import { TELEGRAM_TOKEN_PURPOSE } from "../../shared/services/daily-summary.js";
import {
  asArray,
  field,
  type Json,
  resourcesOfType,
  type Synthesized,
  statementsOfRole,
  synthStage,
} from "./synth.js";

const EMAIL = { emailFrom: "billing@isp.example", emailIdentity: "isp.example" };

describe("daily summary on AWS", () => {
  let dev: Synthesized;
  let configured: Synthesized;

  beforeAll(() => {
    dev = synthStage({ config: { stage: "dev" } });
    configured = synthStage({ config: { stage: "prod", ...EMAIL } });
  });

  const resolve = (synth: Synthesized, value: string) => synth.stacks.stateless.resolve(value) as Json;
  const summary = (synth: Synthesized) => synth.stacks.stateless.dailySummary.function;
  const billing = (synth: Synthesized) => {
    const lambda = synth.stacks.stateless.functions.get("billing");
    if (!lambda) throw new Error("no billing function");
    return lambda;
  };
  const roleRef = (synth: Synthesized, lambda: { role: { roleName: string } }) =>
    resolve(synth, lambda.role.roleName);
  const scheduleOf = (synth: Synthesized) =>
    resourcesOfType(synth.stateless, "AWS::Scheduler::Schedule").filter(
      (s) =>
        JSON.stringify(field(s.properties.Target, "Arn")) ===
        JSON.stringify(resolve(synth, summary(synth).function.functionArn)),
    );
  const kmsStatements = (synth: Synthesized, lambda: { role: { roleName: string } }) =>
    statementsOfRole(synth.stateless, roleRef(synth, lambda)).filter((s) =>
      asArray(field(s, "Action")).some((a) => String(a).startsWith("kms:")),
    );

  it("runs hourly in the ops group, flexible window off, retried within the hour, then the scheduler DLQ", () => {
    const schedules = scheduleOf(dev);
    expect(DAILY_SUMMARY_RATE.toHours()).toBe(1);
    expect(schedules).toHaveLength(1);
    expect(schedules[0]?.properties).toMatchObject({
      GroupName: "isp-billing-dev-ops",
      ScheduleExpression: "rate(1 hour)",
      FlexibleTimeWindow: { Mode: "OFF" },
      Target: {
        DeadLetterConfig: { Arn: resolve(dev, dev.stacks.stateful.schedulerDeadLetterQueue.queueArn) },
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
      },
    });
    const [roleId] = asArray(field(field(schedules[0]?.properties.Target, "RoleArn"), "Fn::GetAtt"));
    expect(statementsOfRole(dev.stateless, { Ref: roleId })).toEqual([
      {
        Effect: "Allow",
        Action: "lambda:InvokeFunction",
        Resource: resolve(dev, summary(dev).function.functionArn),
      },
      {
        Effect: "Allow",
        Action: "sqs:SendMessage",
        Resource: resolve(dev, dev.stacks.stateful.schedulerDeadLetterQueue.queueArn),
      },
    ]);
  });

  it("runs the daily-summary entry on its own function, which drops a failed tick and ends within the hour", () => {
    const name = JSON.stringify(resolve(dev, summary(dev).function.functionName));
    const [fn] = resourcesOfType(dev.stateless, "AWS::Lambda::Function").filter(
      (f) => JSON.stringify({ Ref: f.logicalId }) === name,
    );
    const [config] = resourcesOfType(dev.stateless, "AWS::Lambda::EventInvokeConfig").filter(
      (c) => JSON.stringify(c.properties.FunctionName) === name,
    );
    expect(String(fn?.properties.Description)).toContain("Daily billing summary");
    expect(Number(fn?.properties.Timeout)).toBeLessThan(DAILY_SUMMARY_RATE.toSeconds());
    expect(config?.properties).toMatchObject({ MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 3600 });
  });

  it("lets the summary only open Telegram bot tokens, and the billing API seal and open them, under their purpose", () => {
    const condition = { StringEquals: { "kms:EncryptionContext:purpose": TELEGRAM_TOKEN_PURPOSE } };
    expect(kmsStatements(dev, summary(dev))).toEqual([
      { Effect: "Allow", Action: "kms:Decrypt", Resource: expect.anything(), Condition: condition },
    ]);
    const billingKms = kmsStatements(dev, billing(dev));
    expect(billingKms).toEqual([
      {
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:Encrypt"],
        Resource: expect.anything(),
        Condition: condition,
      },
    ]);
    expect(JSON.stringify(field(billingKms[0], "Resource"))).toContain("ImportValue");
  });

  it("sends e-mail through SES from the configured identity only, and no SMS", () => {
    for (const lambda of [summary(configured), billing(configured)]) {
      const statements = statementsOfRole(configured.stateless, roleRef(configured, lambda));
      const actions = statements.flatMap((s) => asArray(field(s, "Action")).map(String));
      expect(actions.filter((a) => a.startsWith("sns:"))).toEqual([]);
      const ses = statements.filter((s) =>
        asArray(field(s, "Action")).some((a) => String(a).startsWith("ses:")),
      );
      expect(ses).toHaveLength(1);
      expect(JSON.stringify(field(ses[0], "Resource"))).toContain("identity/isp.example");
    }
    // Without an e-mail sender configured, no SES at all.
    const devActions = statementsOfRole(dev.stateless, roleRef(dev, summary(dev))).flatMap((s) =>
      asArray(field(s, "Action")).map(String),
    );
    expect(devActions.filter((a) => a.startsWith("ses:") || a.startsWith("sns:"))).toEqual([]);
  });

  it("reads and writes the table like an API function, with no wildcard resource", () => {
    const statements = statementsOfRole(dev.stateless, roleRef(dev, summary(dev)));
    const actions = statements.flatMap((s) => asArray(field(s, "Action")).map(String));
    expect(actions).toEqual(
      expect.arrayContaining(["dynamodb:Query", "dynamodb:GetItem", "dynamodb:UpdateItem"]),
    );
    expect(actions).not.toContain("dynamodb:Scan");
    for (const s of statements) expect(field(s, "Resource")).not.toBe("*");
  });
});
