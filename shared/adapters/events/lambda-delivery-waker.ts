import { InvokeCommand, LambdaClient, type LambdaClientConfig } from "@aws-sdk/client-lambda";
import type { DeliveryWaker } from "../../ports/outbound-events.js";

export interface LambdaDeliveryWakerOptions {
  /** The webhook delivery function (its name or ARN). */
  readonly functionName: string;
  readonly client?: LambdaClient;
  readonly clientConfig?: LambdaClientConfig;
}

export class DeliveryWakeError extends Error {
  constructor(
    message: string,
    readonly functionName: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "DeliveryWakeError";
  }
}

/** The payload a woken drain sees: it long-polls its first receive for the jobs just queued. */
export const WAKE_EVENT = { wake: true } as const;

/**
 * Wakes the delivery function with an asynchronous invocation: Lambda queues the event and answers
 * at once (202), so the publisher never waits for the deliveries themselves.
 */
export class LambdaDeliveryWaker implements DeliveryWaker {
  private readonly client: LambdaClient;

  constructor(private readonly options: LambdaDeliveryWakerOptions) {
    this.client = options.client ?? new LambdaClient(options.clientConfig ?? {});
  }

  async wake(): Promise<void> {
    try {
      await this.client.send(
        new InvokeCommand({
          FunctionName: this.options.functionName,
          InvocationType: "Event",
          Payload: new TextEncoder().encode(JSON.stringify(WAKE_EVENT)),
        }),
      );
    } catch (error) {
      throw new DeliveryWakeError(`Could not wake ${this.options.functionName}`, this.options.functionName, {
        cause: error,
      });
    }
  }
}
