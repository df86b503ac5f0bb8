import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import { Grant, type IGrantable } from "aws-cdk-lib/aws-iam";
import { GLOBAL_INDEXES } from "../../shared/adapters/dynamodb/table-definition.js";

/**
 * What a function does with the table. `TransactWriteItems` has no IAM action of its own: each
 * item in it is authorised as its Put/Update/Delete/ConditionCheck action.
 */
export type TableAccess = "api" | "authenticate" | "agent";

export const ITEM_ACTIONS: Record<TableAccess, readonly string[]> = {
  api: [
    "dynamodb:GetItem",
    // Hot paths read a few items in one consistent BatchGetItem (adapters/dynamodb/batch-get.ts).
    "dynamodb:BatchGetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:Query",
  ],
  authenticate: ["dynamodb:GetItem"],
  // Edge-agent routes: read a code or a token's record, redeem a code in a transaction.
  agent: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem"],
};

const INDEX_ACTIONS: Record<TableAccess, readonly string[]> = {
  api: ["dynamodb:Query"],
  authenticate: [],
  agent: [],
};

/**
 * Grants exactly the actions the handlers use, instead of `grantReadWriteData` (which adds Scan,
 * batch operations and `index/*`). Scan is absent on purpose: no request path may scan. Index ARNs
 * are named one by one from the shared table definition, so no statement needs a wildcard.
 */
export function grantTableAccess(table: ITable, grantee: IGrantable, access: TableAccess): void {
  Grant.addToPrincipal({ grantee, actions: [...ITEM_ACTIONS[access]], resourceArns: [table.tableArn] });
  const indexActions = INDEX_ACTIONS[access];
  if (indexActions.length > 0) {
    Grant.addToPrincipal({
      grantee,
      actions: [...indexActions],
      resourceArns: GLOBAL_INDEXES.map((index) => `${table.tableArn}/index/${index.indexName}`),
    });
  }
}
