import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { ConflictError } from "../../domain/errors.js";

type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

export interface GuardedItem {
  readonly item: TransactItem;
  /** The error to raise when this item's condition is what cancelled the transaction. */
  readonly onConditionFailed?: () => Error;
  /**
   * When several conditions fail together, the highest precedence explains the cancellation. An
   * idempotency claim outranks everything: a replayed create also collides on its other guards.
   */
  readonly precedence?: number;
}

const MAX_CONFLICT_RETRIES = 4;

/**
 * Runs a TransactWriteItems and turns a cancellation into the error of the first item whose
 * condition failed. Conflicts with another in-flight transaction are retried with jittered backoff.
 */
export async function transact(doc: DynamoDBDocumentClient, items: readonly GuardedItem[]): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await doc.send(new TransactWriteCommand({ TransactItems: items.map((g) => g.item) }));
      return;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      const failed = reasons
        .map((r, index) => ({
          index,
          failed: r.Code === "ConditionalCheckFailed",
          precedence: items[index]?.precedence ?? 0,
        }))
        .filter((r) => r.failed)
        .sort((x, y) => y.precedence - x.precedence)[0];
      if (failed) {
        const guard = items[failed.index]?.onConditionFailed;
        throw guard
          ? guard()
          : new ConflictError("The change conflicts with the stored state", { cause: error });
      }
      const conflict = reasons.some((r) => r.Code === "TransactionConflict");
      if (!conflict || attempt >= MAX_CONFLICT_RETRIES) {
        throw new ConflictError("A concurrent change is in progress; retry", { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt * (0.5 + Math.random())));
    }
  }
}
