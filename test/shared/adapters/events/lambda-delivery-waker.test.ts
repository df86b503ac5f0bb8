import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import {
  DeliveryWakeError,
  LambdaDeliveryWaker,
  WAKE_EVENT,
} from "../../../../shared/adapters/events/lambda-delivery-waker.js";

const lambda = mockClient(LambdaClient);
const FUNCTION = "isp-billing-prod-stateless-OutboundEventsDelivery1A2B";

describe("LambdaDeliveryWaker", () => {
  beforeEach(() => lambda.reset());

  it("invokes the delivery function asynchronously with the wake event", async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });

    await new LambdaDeliveryWaker({ functionName: FUNCTION, client: new LambdaClient({}) }).wake();

    const [input] = lambda.commandCalls(InvokeCommand).map((c) => c.args[0].input);
    expect(input).toMatchObject({ FunctionName: FUNCTION, InvocationType: "Event" });
    expect(JSON.parse(new TextDecoder().decode(input?.Payload as Uint8Array))).toEqual(WAKE_EVENT);
  });

  it("names the function, keeping the SDK's error as the cause", async () => {
    lambda.on(InvokeCommand).rejects(new Error("Rate exceeded"));

    const woken = new LambdaDeliveryWaker({ functionName: FUNCTION, client: new LambdaClient({}) }).wake();

    await expect(woken).rejects.toBeInstanceOf(DeliveryWakeError);
    await expect(woken).rejects.toMatchObject({
      functionName: FUNCTION,
      cause: { message: "Rate exceeded" },
    });
  });
});
