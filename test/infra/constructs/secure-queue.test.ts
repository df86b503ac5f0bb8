import { App, Stack, Validations } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { SecureQueue } from "../../../infra/constructs/secure-queue.js";
import { resourcesOfType } from "../synth.js";

const REASON = "the DLQ of a thing that may fail to deliver";

function build(role: ConstructorParameters<typeof SecureQueue>[2]["role"]) {
  const stack = new Stack(new App(), "Queues");
  const queue = new SecureQueue(stack, "Work", { role });
  return { queue, template: Template.fromStack(stack) };
}

describe("SecureQueue", () => {
  it("gives a work queue its own encrypted, TLS-only dead-letter queue after a bounded receive count", () => {
    const { queue, template } = build({ kind: "work", maxReceiveCount: 3 });
    const dlq = queue.deadLetterQueue;
    const dlqId = dlq ? dlq.stack.resolve(dlq.queueUrl).Ref : undefined;

    expect(dlqId).toEqual(expect.any(String));
    template.hasResourceProperties("AWS::SQS::Queue", {
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: { "Fn::GetAtt": [dlqId, "Arn"] }, maxReceiveCount: 3 },
    });
    expect(resourcesOfType(template, "AWS::SQS::Queue")).toHaveLength(2);
    expect(resourcesOfType(template, "AWS::SQS::QueuePolicy")).toHaveLength(2);
  });

  it("acknowledges AwsSolutions-SQS3 on a dead-letter queue, with whose dead letters it holds", () => {
    const { queue, template } = build({ kind: "dead-letter", deadLetterFor: REASON });
    const acknowledged = queue.queue.node.metadata.filter(
      (m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY,
    );

    expect(queue.deadLetterQueue).toBeUndefined();
    expect(resourcesOfType(template, "AWS::SQS::Queue")).toHaveLength(1);
    expect(JSON.stringify(acknowledged)).toContain("AwsSolutions-SQS3");
    expect(JSON.stringify(acknowledged)).toContain(REASON);
  });

  it.each([0, 1001, 2.5])("refuses a maxReceiveCount of %s at synth time", (maxReceiveCount) => {
    expect(() => build({ kind: "work", maxReceiveCount })).toThrow(/maxReceiveCount/);
  });

  it("refuses a dead-letter queue without a real reason", () => {
    expect(() => build({ kind: "dead-letter", deadLetterFor: "dlq" })).toThrow(/whose dead letters/);
  });
});
