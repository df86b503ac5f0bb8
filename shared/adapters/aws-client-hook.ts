import type { SchedulerClient } from "@aws-sdk/client-scheduler";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/**
 * One optional observer of the AWS SDK clients that functions/deps.ts builds, for benches and tests
 * that want to see every call (bench/cost-model.ts adds counting middleware through
 * shared/local/aws-call-counter.ts). Nothing is registered in Lambda, so there the clients are
 * returned with only the SDK's own logging removed (see withoutSdkLogging).
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

/** Removes the SDK's logging from a new client, shows it to the observer, if any, and returns it. */
export function observed<C extends ObservedAwsClient>(created: C): C["client"] {
  withoutSdkLogging(created.client);
  observer?.(created);
  return created.client;
}

/** Anything with an SDK middleware stack: every v3 client (the DynamoDB document client shares its base client's). */
interface WithMiddlewareStack {
  readonly middlewareStack: { remove(toRemove: string): boolean };
}

/**
 * Removes the SDK's logger middleware from a client and returns the client. We never give the SDK
 * a logger (our own logs carry ids, not payloads), yet the middleware runs on every call: its
 * default no-op logger has an `info` method, so each call's input and output are walked through
 * the sensitive-data filter to build a log entry that is thrown away. Measured on DynamoDB Local:
 * about 5 % of the client's CPU per GetItem of a 40-attribute item, more for larger ones.
 */
export function withoutSdkLogging<C extends WithMiddlewareStack>(client: C): C {
  client.middlewareStack.remove("loggerMiddleware");
  return client;
}
