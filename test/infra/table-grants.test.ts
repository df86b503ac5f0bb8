import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ITEM_ACTIONS } from "../../infra/constructs/table-access.js";

/*
 * The functions' table grants name actions one by one, so a new kind of DynamoDB call in the
 * adapters or services must come with its grant, or it is denied once deployed (DynamoDB Local
 * checks no IAM). This reads the source for every document-client command the deployed code sends
 * and demands the IAM action each needs in the `api` grant.
 */

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DEPLOYED = ["shared/adapters/dynamodb", "shared/services", "functions"];
/** Table setup, used by local tools and tests only, never by a function. */
const SETUP_ONLY = new Set(["CreateTable", "DescribeTable", "UpdateTable", "UpdateTimeToLive"]);
/** The IAM actions a command needs; a transaction is authorised per item as Put/Update/Delete/ConditionCheck. */
const ACTIONS: Record<string, readonly string[]> = {
  Get: ["dynamodb:GetItem"],
  Put: ["dynamodb:PutItem"],
  Update: ["dynamodb:UpdateItem"],
  Delete: ["dynamodb:DeleteItem"],
  Query: ["dynamodb:Query"],
  BatchGet: ["dynamodb:BatchGetItem"],
  BatchWrite: ["dynamodb:BatchWriteItem"],
  TransactGet: ["dynamodb:GetItem"],
  TransactWrite: [
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:ConditionCheckItem",
  ],
};

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => join(e.parentPath, e.name));
}

function commandsSent(): Map<string, string[]> {
  const used = new Map<string, string[]>();
  for (const file of DEPLOYED.flatMap(sources)) {
    const text = readFileSync(file, "utf8");
    if (!text.includes("@aws-sdk/lib-dynamodb") && !text.includes("@aws-sdk/client-dynamodb")) continue;
    for (const match of text.matchAll(/new (\w+)Command\(/g)) {
      const name = match[1] as string;
      used.set(name, [...(used.get(name) ?? []), file.slice(ROOT.length)]);
    }
  }
  return used;
}

describe("table grants", () => {
  it("grant every DynamoDB action the deployed code's commands need, and the code never scans", () => {
    const used = commandsSent();
    expect(used.size).toBeGreaterThan(5);
    const missing: string[] = [];
    for (const [command, files] of used) {
      if (SETUP_ONLY.has(command)) continue;
      const needs = ACTIONS[command];
      if (!needs) {
        missing.push(`${command} (in ${files[0]}): unknown to this test; add its IAM actions`);
        continue;
      }
      for (const action of needs) {
        if (!ITEM_ACTIONS.api.includes(action)) missing.push(`${action} for ${command} (in ${files[0]})`);
      }
    }
    expect(missing).toEqual([]);
    expect(used.has("Scan")).toBe(false);
  });
});
