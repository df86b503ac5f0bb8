import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type App, ArnFormat, Stack, Validations } from "aws-cdk-lib";
import { Annotations, Match } from "aws-cdk-lib/assertions";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { AwsSolutionsChecks } from "cdk-nag";
import { describe, expect, it } from "vitest";
import { type ApiFunctionSpec, apiFunctions } from "../../functions/api/catalog.js";
import { SubscriberLifecycle } from "../../infra/constructs/subscriber-lifecycle.js";
import { addAwsSolutionsChecks } from "../../infra/nag.js";
import {
  SUBSCRIBER_CHANGING_API_FUNCTIONS,
  SUBSCRIBER_MESSAGING_API_FUNCTIONS,
} from "../../infra/stateless-stack.js";
import { synthStage } from "./synth.js";

// Synthesis with CloudFormation validation and cdk-nag takes seconds on a loaded machine.
const SLOW = 120_000;

function synthWithNag(options: Parameters<typeof synthStage>[0] = {}) {
  let pack: AwsSolutionsChecks | undefined;
  const synth = synthStage({
    ...options,
    cfnValidation: true,
    beforeSynth: (app) => {
      pack = addAwsSolutionsChecks(app);
    },
  });
  if (!pack) throw new Error("cdk-nag was not registered");
  return { ...synth, pack };
}

function describeViolations(report: ReturnType<AwsSolutionsChecks["validateScope"]>): string[] {
  return report.violations.map(
    (v) => `${v.ruleName} (${v.severity}) at ${v.violatingResources.map((r) => r.constructPath).join(", ")}`,
  );
}

function acknowledgements(app: App): { path: string; ids: string[] }[] {
  return app.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .map((entry) => ({
        path: construct.node.path,
        ids: Object.keys(entry.data ?? {}).map((id) => id.replace(/^annotation::/i, "")),
      })),
  );
}

function sortByPath(list: { path: string; ids: string[] }[]) {
  return [...list].sort((a, b) => `${a.path} ${a.ids}`.localeCompare(`${b.path} ${b.ids}`));
}

describe("cdk-nag AwsSolutions checks", () => {
  it.each([
    ["dev", { stage: "dev" }],
    ["prod", { stage: "prod" }],
    // Pinned, ARNs hold the literal account and region, and so do the IAM5 finding ids acknowledged.
    ["prod pinned to an account", { stage: "prod", account: "123456789012", region: "ap-south-1" }],
    // SMS and e-mail configured: the SES grant names one identity, and "*" is the acknowledged SMS one.
    [
      "prod pinned, with an SMS sender id and an e-mail sender",
      {
        stage: "prod",
        account: "123456789012",
        region: "ap-south-1",
        smsSenderId: "DhakaNet",
        emailFrom: "billing@isp.example",
      },
    ],
  ])(
    "%s synthesizes with no unacknowledged error or warning and passes CloudFormation validation",
    (_, config) => {
      // app.synth() inside synthWithNag already throws on any error; warnings are checked here.
      const { app, pack, assembly } = synthWithNag({ config });

      expect(describeViolations(pack.validateScope(app))).toEqual([]);
      const report: { pluginReports: { violations?: unknown[] }[] } = JSON.parse(
        readFileSync(join(assembly.directory, "validation-report.json"), "utf8"),
      );
      expect(report.pluginReports.flatMap((r) => r.violations ?? [])).toEqual([]);
    },
    SLOW,
  );

  it("leaves no CDK warning or error annotation on either stack", () => {
    const { stacks } = synthStage({ config: { stage: "prod" } });

    for (const stack of [stacks.stateful, stacks.stateless]) {
      expect(Annotations.fromStack(stack).findError("*", Match.anyValue()), stack.stackName).toEqual([]);
      expect(Annotations.fromStack(stack).findWarning("*", Match.anyValue()), stack.stackName).toEqual([]);
    }
  });

  it("acknowledges only the public routes, the dead-letter queues, the run-time-named wildcards and SMS", () => {
    const { app, stacks } = synthStage();
    const { stateful, stateless } = stacks;
    const wildcards = [
      "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/isp-billing-dev/*]",
      "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sqs:<AWS::Region>:<AWS::AccountId>:isp-dev-*]",
    ];
    const subscriberChangers = [
      stateless.lifecycle.lifecycle,
      stateless.lifecycle.sweep,
      stateless.agentEvents,
      stateless.paymentSweep.sweep,
      ...[...SUBSCRIBER_CHANGING_API_FUNCTIONS].map((name) => stateless.functions.get(name)),
    ];
    const messageSenders = [
      stateless.lifecycle.lifecycle,
      stateless.lifecycle.sweep,
      stateless.paymentSweep.sweep,
      ...[...SUBSCRIBER_MESSAGING_API_FUNCTIONS].map((name) => stateless.functions.get(name)),
    ];
    const expected = [
      ...[...stateless.api.publicRoutes.values()].map((r) => ({
        path: r.node.path,
        ids: ["AwsSolutions-APIG4"],
      })),
      ...[
        stateful.schedulerDeadLetterQueue,
        stateful.lifecycleFailureQueue,
        stateful.outboundEvents.streamFailureQueue,
        stateful.siteCommandDeadLetterQueue,
      ].map((q) => ({
        path: q.node.path,
        ids: ["AwsSolutions-SQS3"],
      })),
      ...subscriberChangers.flatMap((lambda) =>
        wildcards.map((id) => ({ path: lambda?.role.node.path ?? "missing", ids: [id] })),
      ),
      // Frontend users: MFA optional, and the Essentials plan in dev (infra/constructs/frontend-sign-in.ts).
      ...["AwsSolutions-COG2", "AwsSolutions-COG8"].map((id) => ({
        path: stateful.frontendUsers?.userPool.node.path ?? "missing",
        ids: [id],
      })),
      // SMS to a phone number has no ARN: "*" on the functions that send reminders and receipts.
      ...messageSenders.map((lambda) => ({
        path: lambda?.role.node.path ?? "missing",
        ids: ["AwsSolutions-IAM5[Resource::*]"],
      })),
    ];

    expect(sortByPath(acknowledgements(app))).toEqual(sortByPath(expected));
  });

  it(
    "fails synthesis when a subscriber-changing role gets a wildcard wider than the acknowledged ones",
    () => {
      const widen = (app: App) => {
        const lifecycle = app.node.findAll().find((c) => c instanceof SubscriberLifecycle);
        if (!(lifecycle instanceof SubscriberLifecycle)) throw new Error("no SubscriberLifecycle");
        lifecycle.lifecycle.role.addToPrincipalPolicy(
          new PolicyStatement({
            actions: ["sqs:SendMessage"],
            resources: [
              Stack.of(lifecycle).formatArn({
                service: "sqs",
                resource: "isp-*",
                arnFormat: ArnFormat.NO_RESOURCE_NAME,
              }),
            ],
          }),
        );
      };

      expect(() =>
        synthStage({
          beforeSynth: (app) => {
            widen(app);
            addAwsSolutionsChecks(app);
          },
        }),
      ).toThrow(
        /AwsSolutions-IAM5\[Resource::arn:<AWS::Partition>:sqs:<AWS::Region>:<AWS::AccountId>:isp-\*\]/,
      );
    },
    SLOW,
  );

  it(
    "fails synthesis when an operation is made public without a written reason",
    () => {
      const meta = apiFunctions.find((spec) => spec.name === "meta");
      const health = meta?.operations.find((op) => op.path === "/v1/health");
      if (!health) throw new Error("the catalog has no GET /v1/health");
      const leaky: ApiFunctionSpec = {
        name: "leaky",
        entry: "functions/api/meta.ts",
        operations: [{ ...health, id: "status", path: "/v1/status" }],
      };

      expect(() => synthWithNag({ apiFunctions: [...apiFunctions, leaky] })).toThrow(/AwsSolutions-APIG4/);
    },
    SLOW,
  );
});
