import { createDocumentClient } from "../adapters/dynamodb/client.js";
import { createDynamoRepositories } from "../adapters/dynamodb/repositories.js";
import { systemClock } from "../domain/clock.js";
import { CreateTenantSchema } from "../domain/schemas/tenant.js";
import { createTenant } from "../services/tenants.js";

/**
 * Operator CLI: onboard an ISP and print its first owner key (shown once).
 *   TABLE_NAME=<table> [DYNAMODB_ENDPOINT=http://127.0.0.1:8000] npx tsx shared/cli/create-tenant.ts "<name>" [timeZone] [currency]
 */
const USAGE =
  'usage: TABLE_NAME=<table> npx tsx shared/cli/create-tenant.ts "<ISP name>" [time zone, default Asia/Dhaka] [currency, default BDT]';

async function main(argv: string[]): Promise<number> {
  const [name, timeZone, currency] = argv;
  const table = process.env.TABLE_NAME;
  if (!name || !table) {
    process.stderr.write(`${!table ? "TABLE_NAME is not set.\n" : "The ISP name is missing.\n"}${USAGE}\n`);
    return 2;
  }
  const input = CreateTenantSchema.safeParse({
    name,
    ...(timeZone ? { timeZone } : {}),
    ...(currency ? { currency } : {}),
  });
  if (!input.success) {
    for (const issue of input.error.issues)
      process.stderr.write(`${issue.path.join(".") || "input"}: ${issue.message}\n`);
    return 2;
  }
  const endpoint = process.env.DYNAMODB_ENDPOINT;
  const doc = createDocumentClient(
    endpoint
      ? { endpoint, region: "local", credentials: { accessKeyId: "local", secretAccessKey: "local" } }
      : {},
  );
  const { tenant, ownerToken } = await createTenant(
    { repos: createDynamoRepositories(doc, table), clock: systemClock },
    input.data,
  );
  process.stdout.write(
    `tenant:    ${tenant.id} (${tenant.name}, ${tenant.timeZone}, ${tenant.currency})\nowner key: ${ownerToken}\n`,
  );
  process.stdout.write("Store the key now: it is not stored anywhere in readable form.\n");
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`create-tenant failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
