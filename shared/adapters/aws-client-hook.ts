import type { SchedulerClient } from "@aws-sdk/client-scheduler";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/**
 * One optional observer of the AWS SDK clients that functions/deps.ts builds, for benches and tests
 * that want to see every call (bench/cost-model.ts adds counting middleware through
 * shared/local/aws-call-counter.ts). Nothing is registered in Lambda, so there the clients are
 * returned untouched.
 */
export type ObservedAwsClient =
  | { readonly kind: "dynamodb"; readonly client: DynamoDBDocumentClient }
  | { readonly kind: "sqs"; readonly client: SQSClient }
  | { readonly kind: "scheduler"; readonly client: SchedulerClient };

let observer: ((observed: ObservedAwsClient) => void) | undefined;

/** Registers (or, with undefined, removes) the observer; it sees clients created from now on. */
export function observeAwsClients(next: ((observed: ObservedAwsClient) => void) | undefined): void {
  observer = next;
}

/** Shows a new client to the observer, if any, and returns it. */
export function observed<C extends ObservedAwsClient>(created: C): C["client"] {
  observer?.(created);
  return created.client;
}
