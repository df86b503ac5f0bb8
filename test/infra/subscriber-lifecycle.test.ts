import type { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { apiFunctions } from "../../functions/api/catalog.js";
import { SCHEDULE_ACTIONS, SITE_QUEUE_ACTIONS } from "../../infra/constructs/lifecycle-access.js";
import { SWEEP_RATE } from "../../infra/constructs/subscriber-lifecycle.js";
import { SUBSCRIBER_CHANGING_API_FUNCTIONS } from "../../infra/stateless-stack.js";
import { SqsSiteQueue } from "../../shared/adapters/queue/sqs-site-queue.js";
import { EventBridgeSubscriberScheduler } from "../../shared/adapters/scheduler/eventbridge-scheduler.js";
import { loadApiConfig } from "../../shared/config.js";
import { deployedEnvironment, FAKE, flatten } from "./deployed.js";
import {
  asArray,
  field,
  iamStatements,
  type Json,
  resourcesOfType,
  rolesWithStatement,
  type Synthesized,
  statementsOfRole,
  synthStage,
} from "./synth.js";

const REQUIRED_ENV = [
  "TABLE_NAME",
  "SITE_QUEUE_PREFIX",
  "SITE_DLQ_ARN",
  "SCHEDULE_GROUP",
  "LIFECYCLE_FUNCTION_ARN",
  "SCHEDULER_ROLE_ARN",
  "SCHEDULER_DLQ_ARN",
];
const LOCAL_ONLY_ENV = [
  "DYNAMODB_ENDPOINT",
  "SQS_ENDPOINT",
  "SCHEDULER_ENDPOINT",
  "SCHEDULER_MIN_LEAD_SECONDS",
];

describe("subscriber lifecycle on AWS", () => {
  let dev: Synthesized;
  let prod: Synthesized;

  beforeAll(() => {
    dev = synthStage({ config: { stage: "dev" } });
    prod = synthStage({ config: { stage: "prod" } });
  });

  const ref = (synth: Synthesized, value: string) => synth.stacks.stateless.resolve(value);
  const lifecycleOf = (synth: Synthesized) => synth.stacks.stateless.lifecycle;
  /** The one schedule targeting the sweep (the ops group holds the payment sweep's too). */
  const sweepScheduleOf = (synth: Synthesized) => {
    const target = JSON.stringify(ref(synth, lifecycleOf(synth).sweep.function.functionArn));
    const schedules = resourcesOfType(synth.stateless, "AWS::Scheduler::Schedule").filter(
      (s) => JSON.stringify(field(s.properties.Target, "Arn")) === target,
    );
    expect(schedules).toHaveLength(1);
    return schedules[0];
  };

  describe("configuration", () => {
    it("gives every function, the authorizer included, all the variables loadApiConfig requires", () => {
      const functions = resourcesOfType(dev.stateless, "AWS::Lambda::Function");

      expect(functions).toHaveLength(apiFunctions.length + 8);
      for (const fn of functions) {
        const env = environmentOf(fn.properties);
        expect(env.SCHEDULE_GROUP, fn.logicalId).toBe("isp-billing-dev");
        expect(env.SITE_QUEUE_PREFIX, fn.logicalId).toBe("isp-dev");
        for (const name of REQUIRED_ENV) expect(env[name], `${fn.logicalId} ${name}`).toBeDefined();
        for (const name of LOCAL_ONLY_ENV) expect(env[name], `${fn.logicalId} ${name}`).toBeUndefined();
      }
    });

    it.each([
      ["environment-agnostic", {}],
      ["pinned to an account", { account: FAKE.account, region: FAKE.region }],
    ])("passes the handlers' own validation once deployed (%s)", (_, pinned) => {
      const synth = synthStage({ config: { stage: "prod", ...pinned } });
      const [fn] = resourcesOfType(synth.stateless, "AWS::Lambda::Function");
      const env = deployedEnvironment(synth, environmentOf(fn?.properties ?? {}));

      const config = loadApiConfig(env);
      expect(config.SITE_QUEUE_PREFIX).toBe(synth.stacks.stateful.siteQueuePrefix);
      expect(config.SCHEDULE_GROUP).toBe(synth.stacks.stateful.scheduleGroupName);
      expect(
        () =>
          new SqsSiteQueue({ prefix: config.SITE_QUEUE_PREFIX, deadLetterTargetArn: config.SITE_DLQ_ARN }),
      ).not.toThrow();
      expect(
        () =>
          new EventBridgeSubscriberScheduler({
            groupName: config.SCHEDULE_GROUP,
            targetArn: config.LIFECYCLE_FUNCTION_ARN,
            roleArn: config.SCHEDULER_ROLE_ARN,
            deadLetterArn: config.SCHEDULER_DLQ_ARN,
          }),
      ).not.toThrow();
    });

    it("names the lifecycle function as the ARN every function is given", () => {
      const { lifecycle, environment } = lifecycleOf(dev);
      const [fn] = resourcesOfType(dev.stateless, "AWS::Lambda::Function").filter(
        (f) => f.logicalId === logicalIdOf(ref(dev, lifecycle.function.functionName)),
      );
      const name = String(fn?.properties.FunctionName);
      const arn = deployedEnvironment(dev, { arn: ref(dev, environment.LIFECYCLE_FUNCTION_ARN ?? "") }).arn;

      expect(name).toBe("isp-billing-dev-lifecycle");
      expect(arn).toBe(`arn:aws:lambda:${FAKE.region}:${FAKE.account}:function:${name}`);
    });
  });

  describe("schedules", () => {
    it("lets only EventBridge Scheduler, for this account's subscriber group, assume the scheduler role", () => {
      const role = roleById(dev.stateless, logicalIdOf(ref(dev, lifecycleOf(dev).schedulerRole.roleName)));

      expect(role?.AssumeRolePolicyDocument).toEqual({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Action: "sts:AssumeRole",
            Principal: { Service: "scheduler.amazonaws.com" },
            Condition: {
              StringEquals: {
                "aws:SourceAccount": { Ref: "AWS::AccountId" },
                "aws:SourceArn": {
                  "Fn::Join": [
                    "",
                    [
                      "arn:",
                      { Ref: "AWS::Partition" },
                      ":scheduler:",
                      { Ref: "AWS::Region" },
                      ":",
                      { Ref: "AWS::AccountId" },
                      ":schedule-group/isp-billing-dev",
                    ],
                  ],
                },
              },
            },
          },
        ],
      });
    });

    it("lets the scheduler role invoke only the lifecycle function and send only to the scheduler DLQ", () => {
      const { schedulerRole, lifecycle } = lifecycleOf(dev);
      const statements = statementsOfRole(dev.stateless, ref(dev, schedulerRole.roleName));

      expect(statements).toEqual([
        {
          Effect: "Allow",
          Action: "lambda:InvokeFunction",
          Resource: ref(dev, lifecycle.function.functionArn),
        },
        {
          Effect: "Allow",
          Action: "sqs:SendMessage",
          Resource: ref(dev, dev.stacks.stateful.schedulerDeadLetterQueue.queueArn),
        },
      ]);
      expect(
        roleById(dev.stateless, logicalIdOf(ref(dev, schedulerRole.roleName)))?.Policies,
      ).toBeUndefined();
    });

    it("runs the sweep on a fixed rate, flexible window off, with retries and the scheduler DLQ", () => {
      const { sweep } = lifecycleOf(dev);
      const schedule = sweepScheduleOf(dev);

      expect(schedule?.properties).toMatchObject({
        GroupName: "isp-billing-dev-ops",
        ScheduleExpression: `rate(${SWEEP_RATE.toMinutes()} minutes)`,
        FlexibleTimeWindow: { Mode: "OFF" },
        State: "ENABLED",
        Target: {
          Arn: ref(dev, sweep.function.functionArn),
          DeadLetterConfig: { Arn: ref(dev, dev.stacks.stateful.schedulerDeadLetterQueue.queueArn) },
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: SWEEP_RATE.toSeconds() },
        },
      });
      expect(SWEEP_RATE.toMinutes()).toBeLessThanOrEqual(5);
    });

    it("keeps the sweep schedule out of the subscribers' group, with a role that can only invoke the sweep", () => {
      const { sweep } = lifecycleOf(dev);
      const schedule = sweepScheduleOf(dev);
      const roleArn = asArray(field(field(schedule?.properties.Target, "RoleArn"), "Fn::GetAtt"));
      const roleRef = { Ref: roleArn[0] };

      expect(schedule?.properties.GroupName).not.toBe(dev.stacks.stateful.scheduleGroupName);
      dev.stateless.hasResourceProperties("AWS::Scheduler::ScheduleGroup", { Name: "isp-billing-dev-ops" });
      expect(statementsOfRole(dev.stateless, roleRef)).toEqual([
        { Effect: "Allow", Action: "lambda:InvokeFunction", Resource: ref(dev, sweep.function.functionArn) },
        {
          Effect: "Allow",
          Action: "sqs:SendMessage",
          Resource: ref(dev, dev.stacks.stateful.schedulerDeadLetterQueue.queueArn),
        },
      ]);
    });

    it("retries failed lifecycle fires and keeps what still fails; drops failed sweep ticks", () => {
      const { lifecycle, sweep } = lifecycleOf(dev);
      const configs = new Map(
        resourcesOfType(dev.stateless, "AWS::Lambda::EventInvokeConfig").map((c) => [
          JSON.stringify(c.properties.FunctionName),
          c.properties,
        ]),
      );

      expect(configs.get(JSON.stringify(ref(dev, lifecycle.function.functionName)))).toEqual({
        FunctionName: ref(dev, lifecycle.function.functionName),
        Qualifier: "$LATEST",
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: 3600,
        DestinationConfig: {
          OnFailure: { Destination: ref(dev, dev.stacks.stateful.lifecycleFailureQueue.queueArn) },
        },
      });
      expect(configs.get(JSON.stringify(ref(dev, sweep.function.functionName)))).toMatchObject({
        MaximumRetryAttempts: 0,
        MaximumEventAgeInSeconds: SWEEP_RATE.toSeconds(),
      });
    });
  });

  describe("grants", () => {
    const changers = (synth: Synthesized) => {
      const { stateless } = synth.stacks;
      const lambdas = [
        stateless.lifecycle.lifecycle,
        stateless.lifecycle.sweep,
        stateless.agentEvents,
        stateless.paymentSweep.sweep,
        ...[...SUBSCRIBER_CHANGING_API_FUNCTIONS].map((name) => stateless.functions.get(name)),
      ];
      return lambdas.map((l) => (l ? logicalIdOf(stateless.resolve(l.role.roleName)) : "missing")).sort();
    };

    it("lets exactly the lifecycle, the sweeps, the agent-events consumer and the subscriber-changing APIs change schedules and site queues", () => {
      const allows = (action: string) => (s: Json) => asArray(field(s, "Action")).includes(action);
      const onSiteQueues = (s: Json) => flatten(field(s, "Resource")).endsWith(":isp-dev-*");

      expect([...SUBSCRIBER_CHANGING_API_FUNCTIONS]).toEqual(["subscribers", "sites", "payments", "pay"]);
      for (const action of [...SCHEDULE_ACTIONS, "iam:PassRole", "sqs:CreateQueue"]) {
        expect(rolesWithStatement(dev.stateless, allows(action)), action).toEqual(changers(dev));
      }
      expect(rolesWithStatement(dev.stateless, onSiteQueues)).toEqual(changers(dev));
    });

    it("scopes schedule actions to the subscriber group and queue actions to the site-queue prefix", () => {
      for (const [synth, group, prefix] of [
        [dev, "isp-billing-dev", "isp-dev"],
        [prod, "isp-billing-prod", "isp-prod"],
      ] as const) {
        const statements = iamStatements(synth.stateless);
        const withAction = (action: string) =>
          statements.filter((s) => asArray(field(s, "Action")).includes(action));

        expect(withAction("scheduler:CreateSchedule")).toHaveLength(changers(synth).length);
        expect(withAction("sqs:CreateQueue")).toHaveLength(changers(synth).length);
        for (const s of withAction("scheduler:CreateSchedule")) {
          expect(asArray(field(s, "Action")).sort()).toEqual([...SCHEDULE_ACTIONS].sort());
          expect(flatten(field(s, "Resource"))).toBe(
            `arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${group}/*`,
          );
        }
        for (const s of withAction("sqs:CreateQueue")) {
          expect(asArray(field(s, "Action")).sort()).toEqual([...SITE_QUEUE_ACTIONS].sort());
          expect(flatten(field(s, "Resource"))).toBe(
            `arn:<AWS::Partition>:sqs:<AWS::Region>:<AWS::AccountId>:${prefix}-*`,
          );
        }
      }
    });

    it("passes only the scheduler role, and only to EventBridge Scheduler", () => {
      const passRole = iamStatements(dev.stateless).filter((s) =>
        asArray(field(s, "Action")).includes("iam:PassRole"),
      );

      expect(passRole).toHaveLength(changers(dev).length);
      for (const statement of passRole) {
        expect(statement).toEqual({
          Effect: "Allow",
          Action: "iam:PassRole",
          Resource: ref(dev, lifecycleOf(dev).schedulerRole.roleArn),
          Condition: { StringEquals: { "iam:PassedToService": "scheduler.amazonaws.com" } },
        });
      }
    });

    it("gives the authorizer and the other API functions no schedule, queue or PassRole grant", () => {
      const { stateless } = dev.stacks;
      const others = [
        stateless.authorizer,
        ...apiFunctions
          .filter((s) => !SUBSCRIBER_CHANGING_API_FUNCTIONS.has(s.name))
          .map((s) => stateless.functions.get(s.name)),
      ];

      expect(others).toHaveLength(apiFunctions.length + 1 - SUBSCRIBER_CHANGING_API_FUNCTIONS.size);
      for (const lambda of others) {
        const actions = statementsOfRole(dev.stateless, ref(dev, lambda?.role.roleName ?? "")).flatMap((s) =>
          asArray(field(s, "Action")).map(String),
        );
        expect(
          actions.filter((a) => /^(scheduler|sqs|iam|lambda):/.test(a)),
          lambda?.node.path,
        ).toEqual([]);
      }
    });
  });
});

/** The logical id in a resolved `{ Ref }`. */
function logicalIdOf(reference: unknown): string {
  const id = field(reference as Json, "Ref");
  if (typeof id !== "string") throw new Error(`not a Ref: ${JSON.stringify(reference)}`);
  return id;
}

function roleById(template: Template, logicalId: string): Record<string, Json> | undefined {
  return resourcesOfType(template, "AWS::IAM::Role").find((r) => r.logicalId === logicalId)?.properties;
}

function environmentOf(properties: Record<string, Json>): Record<string, Json> {
  const variables = field(properties.Environment, "Variables");
  return variables !== null && typeof variables === "object" && !Array.isArray(variables) ? variables : {};
}
