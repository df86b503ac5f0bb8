import { App, Duration, Stack } from "aws-cdk-lib";
import { Code, Function as LambdaFunction, Runtime } from "aws-cdk-lib/aws-lambda";
import { Queue } from "aws-cdk-lib/aws-sqs";
import { describe, expect, it } from "vitest";
import { LambdaScheduleTarget, schedulerExecutionRole } from "../../../infra/constructs/scheduler-target.js";

function fixture() {
  const stack = new Stack(new App(), "Target");
  const fn = new LambdaFunction(stack, "Fn", {
    runtime: Runtime.NODEJS_22_X,
    handler: "index.handler",
    code: Code.fromInline("export const handler = () => {};"),
  });
  const deadLetterQueue = new Queue(stack, "Dlq");
  const role = schedulerExecutionRole(stack, "Role", { description: "test", scheduleGroupName: "group" });
  return { stack, fn, deadLetterQueue, role };
}

describe("LambdaScheduleTarget", () => {
  it("targets the function with the given role, retry policy and DLQ", () => {
    const { stack, fn, deadLetterQueue, role } = fixture();
    const target = new LambdaScheduleTarget(fn, {
      role,
      deadLetterQueue,
      retryAttempts: 3,
      maxEventAge: Duration.minutes(5),
    });

    const { role: boundRole, ...config } = target.bind();

    expect(boundRole).toBe(role);
    expect(stack.resolve(config)).toEqual({
      arn: stack.resolve(fn.functionArn),
      deadLetterConfig: { arn: stack.resolve(deadLetterQueue.queueArn) },
      retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 300 },
    });
  });

  it.each([
    [{ retryAttempts: 186, maxEventAge: Duration.minutes(5) }, /retryAttempts/],
    [{ retryAttempts: -1, maxEventAge: Duration.minutes(5) }, /retryAttempts/],
    [{ retryAttempts: 2, maxEventAge: Duration.seconds(30) }, /maxEventAge/],
    [{ retryAttempts: 2, maxEventAge: Duration.hours(25) }, /maxEventAge/],
  ])("refuses %j at synth time", (limits, message) => {
    const { fn, deadLetterQueue, role } = fixture();

    expect(() => new LambdaScheduleTarget(fn, { role, deadLetterQueue, ...limits })).toThrow(message);
  });
});
