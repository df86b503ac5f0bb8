import { beforeAll, describe, expect, it } from "vitest";
import { SES_SEND_ACTIONS } from "../../infra/constructs/subscriber-messaging.js";
import { PUBLIC_BASE_URL_ENV, SUBSCRIBER_MESSAGING_API_FUNCTIONS } from "../../infra/stateless-stack.js";
import {
  asArray,
  field,
  iamStatements,
  type Json,
  resourcesOfType,
  type Synthesized,
  statementsOfRole,
  synthStage,
} from "./synth.js";

const EMAIL = {
  smsSenderId: "DhakaNet",
  emailFrom: "Dhaka Net <billing@isp.example>",
} as const;

/** A Deny of sns:Publish on every topic and endpoint: `arn:<partition>:sns:*:*:*`. */
const ALL_SNS_ARNS = { "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, ":sns:*:*:*"]] };

function actionsOf(statement: Json): string[] {
  return asArray(field(statement, "Action")).map(String);
}

function mentions(statement: Json, service: string): boolean {
  return actionsOf(statement).some((a) => a.toLowerCase().startsWith(`${service}:`));
}

/** The role of a function of the stateless stack, as `{ Ref }`, and the function's logical id. */
function idsOf(
  synth: Synthesized,
  lambda: { role: { roleName: string }; function: { functionName: string } },
) {
  const { stateless } = synth.stacks;
  return {
    role: stateless.resolve(lambda.role.roleName) as Json,
    fn: String(field(stateless.resolve(lambda.function.functionName), "Ref")),
  };
}

/** The functions that send reminders (lifecycle, sweep) or receipts (payments, pay, payment sweep). */
function senders(synth: Synthesized) {
  const { stateless } = synth.stacks;
  const api = [...SUBSCRIBER_MESSAGING_API_FUNCTIONS].map((name) => {
    const lambda = stateless.functions.get(name);
    if (!lambda) throw new Error(`no ${name} function`);
    return lambda;
  });
  return [stateless.lifecycle.lifecycle, stateless.lifecycle.sweep, stateless.paymentSweep.sweep, ...api].map(
    (l) => idsOf(synth, l),
  );
}

/** The functions that send admins e-mail only (the daily summary, and the billing API's "send now"). */
function emailers(synth: Synthesized) {
  const { stateless } = synth.stacks;
  const billing = stateless.functions.get("billing");
  if (!billing) throw new Error("no billing function");
  return [stateless.dailySummary.function, billing].map((l) => idsOf(synth, l));
}

/** Logical ids of the roles whose attached policies hold a statement matching `matches`. */
function rolesWith(synth: Synthesized, matches: (statement: Json) => boolean): string[] {
  return resourcesOfType(synth.stateless, "AWS::IAM::Policy")
    .filter((p) => asArray(field(p.properties.PolicyDocument, "Statement")).some(matches))
    .flatMap((p) => asArray(p.properties.Roles).map((r) => String(field(r, "Ref"))))
    .sort();
}

function variablesOf(synth: Synthesized): Map<string, Record<string, Json>> {
  return new Map(
    resourcesOfType(synth.stateless, "AWS::Lambda::Function").map((fn) => [
      fn.logicalId,
      (field(fn.properties.Environment, "Variables") ?? {}) as Record<string, Json>,
    ]),
  );
}

describe("subscriber messages on AWS", () => {
  let dev: Synthesized;
  let configured: Synthesized;

  beforeAll(() => {
    dev = synthStage({ config: { stage: "dev" } });
    configured = synthStage({ config: { stage: "prod", ...EMAIL } });
  });

  it("sends SMS from exactly the lifecycle, sweep, payments, pay and payment-sweep functions, e-mail also from the daily summary's two", () => {
    expect([...SUBSCRIBER_MESSAGING_API_FUNCTIONS].sort()).toEqual(["pay", "payments"]);
    for (const synth of [dev, configured]) {
      const expected = senders(synth)
        .map((s) => String(field(s.role, "Ref")))
        .sort();
      expect(rolesWith(synth, (s) => mentions(s, "sns"))).toEqual(expected);
      expect(iamStatements(synth.stateful).filter((s) => mentions(s, "sns"))).toEqual([]);
    }
    expect(rolesWith(configured, (s) => mentions(s, "ses"))).toEqual(
      [...senders(configured), ...emailers(configured)].map((s) => String(field(s.role, "Ref"))).sort(),
    );
  });

  it('publishes SMS on "*" only beside a Deny on every topic and endpoint, in the same policy', () => {
    for (const synth of [dev, configured]) {
      for (const { role } of senders(synth)) {
        const sns = statementsOfRole(synth.stateless, role).filter((s) => mentions(s, "sns"));
        expect(sns, JSON.stringify(role)).toEqual([
          { Effect: "Allow", Action: "sns:Publish", Resource: "*" },
          { Effect: "Deny", Action: "sns:Publish", Resource: ALL_SNS_ARNS },
        ]);
        const policies = resourcesOfType(synth.stateless, "AWS::IAM::Policy").filter((p) =>
          asArray(field(p.properties.PolicyDocument, "Statement")).some((s) => mentions(s, "sns")),
        );
        expect(
          policies.filter((p) =>
            asArray(p.properties.Roles).some((r) => JSON.stringify(r) === JSON.stringify(role)),
          ),
        ).toHaveLength(1);
      }
    }
  });

  it('allows nothing else on "*" to those roles, so the acknowledged wildcard is the SMS one alone', () => {
    for (const { role } of senders(configured)) {
      const wildcards = statementsOfRole(configured.stateless, role).filter(
        (s) => field(s, "Effect") === "Allow" && asArray(field(s, "Resource")).some((r) => r === "*"),
      );
      expect(wildcards).toEqual([{ Effect: "Allow", Action: "sns:Publish", Resource: "*" }]);
    }
  });

  it("grants no SES permission and sets no EMAIL_FROM when the stage has no e-mail sender", () => {
    expect(dev.config.notifications.email).toBeUndefined();
    expect(iamStatements(dev.stateless).filter((s) => mentions(s, "ses"))).toEqual([]);
    for (const [id, variables] of variablesOf(dev)) {
      expect(variables.EMAIL_FROM, id).toBeUndefined();
      expect(variables.SMS_SENDER_ID, id).toBeUndefined();
    }
  });

  it("sends e-mail only as the configured SES identity, by default the sender's domain in the stack's account and region", () => {
    const identity = {
      "Fn::Join": [
        "",
        [
          "arn:",
          { Ref: "AWS::Partition" },
          ":ses:",
          { Ref: "AWS::Region" },
          ":",
          { Ref: "AWS::AccountId" },
          ":identity/isp.example",
        ],
      ],
    };
    for (const { role } of senders(configured)) {
      expect(statementsOfRole(configured.stateless, role).filter((s) => mentions(s, "ses"))).toEqual([
        { Effect: "Allow", Action: [...SES_SEND_ACTIONS], Resource: identity },
      ]);
    }
    expect([...SES_SEND_ACTIONS]).toEqual(["ses:SendEmail", "ses:SendRawEmail"]);
  });

  it("takes an identity ARN as given", () => {
    const arn = "arn:aws:ses:ap-south-1:123456789012:identity/billing@isp.example";
    const synth = synthStage({
      config: { stage: "dev", emailFrom: "billing@isp.example", emailIdentity: arn },
    });
    const ses = iamStatements(synth.stateless).filter((s) => mentions(s, "ses"));

    expect(ses).toHaveLength(senders(synth).length + emailers(synth).length);
    for (const statement of ses) expect(field(statement, "Resource")).toBe(arn);
  });

  it("gives SMS_SENDER_ID and EMAIL_FROM to the senders, EMAIL_FROM alone to the e-mailers, and neither to any other function", () => {
    const ids = new Set(senders(configured).map((s) => s.fn));
    const emailOnly = new Set(emailers(configured).map((s) => s.fn));
    for (const [id, variables] of variablesOf(configured)) {
      if (ids.has(id)) {
        expect(variables.SMS_SENDER_ID, id).toBe(EMAIL.smsSenderId);
        expect(variables.EMAIL_FROM, id).toBe(EMAIL.emailFrom);
      } else if (emailOnly.has(id)) {
        expect(variables.SMS_SENDER_ID, id).toBeUndefined();
        expect(variables.EMAIL_FROM, id).toBe(EMAIL.emailFrom);
      } else {
        expect(variables.SMS_SENDER_ID, id).toBeUndefined();
        expect(variables.EMAIL_FROM, id).toBeUndefined();
      }
    }
  });
});

describe("PUBLIC_BASE_URL", () => {
  let dev: Synthesized;

  beforeAll(() => {
    dev = synthStage({ config: { stage: "dev" } });
  });

  const reminderSenders = (synth: Synthesized) =>
    [synth.stacks.stateless.lifecycle.lifecycle, synth.stacks.stateless.lifecycle.sweep].map(
      (l) => idsOf(synth, l).fn,
    );

  it("is the HTTP API's own endpoint for the functions that send reminders, and unset elsewhere", () => {
    const endpoint = dev.stacks.stateless.resolve(dev.stacks.stateless.api.api.apiEndpoint);
    const withUrl = [...variablesOf(dev)].filter(([, v]) => v[PUBLIC_BASE_URL_ENV] !== undefined);

    expect(withUrl.map(([id]) => id).sort()).toEqual(reminderSenders(dev).sort());
    for (const [id, variables] of withUrl) expect(variables[PUBLIC_BASE_URL_ENV], id).toEqual(endpoint);
    // The API's ApiEndpoint attribute, https://<api id>.execute-api.<region>.<suffix>: no trailing slash.
    const [apiId] = resourcesOfType(dev.stateless, "AWS::ApiGatewayV2::Api").map((r) => r.logicalId);
    expect(endpoint).toEqual({ "Fn::GetAtt": [apiId, "ApiEndpoint"] });
  });

  it("is the stage's custom domain, for the reminder senders and every API function, when it has one", () => {
    const publicBaseUrl = "https://pay.isp.example";
    const synth = synthStage({ config: { stage: "dev", publicBaseUrl } });
    const { stateless } = synth.stacks;
    const expected = [
      ...reminderSenders(synth),
      ...[...stateless.functions.values()].map((l) => idsOf(synth, l).fn),
    ].sort();
    const withUrl = [...variablesOf(synth)].filter(([, v]) => v[PUBLIC_BASE_URL_ENV] !== undefined);

    expect(withUrl.map(([id]) => id).sort()).toEqual(expected);
    for (const [id, variables] of withUrl) expect(variables[PUBLIC_BASE_URL_ENV], id).toBe(publicBaseUrl);
  });
});
