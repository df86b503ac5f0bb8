import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, inject, it } from "vitest";
import { createLocalDocumentClient } from "../../../shared/adapters/dynamodb/client.js";
import { createDynamoRepositories } from "../../../shared/adapters/dynamodb/repositories.js";
import { PROJECT_ROOT } from "../../../shared/local/dynamodb-local.js";
import { authenticate } from "../../../shared/services/api-keys.js";

const run = promisify(execFile);
const cli = (args: string[], env: Record<string, string>) =>
  run(process.execPath, ["--import", "tsx", join(PROJECT_ROOT, "shared/cli/create-tenant.ts"), ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
  });

describe("create-tenant CLI", () => {
  const env = { TABLE_NAME: inject("tableName"), DYNAMODB_ENDPOINT: inject("dynamoEndpoint") };

  it("creates a tenant whose printed owner key authenticates", async () => {
    const { stdout } = await cli(["Padma Net", "Asia/Kolkata", "INR"], env);
    const token = /owner key: (\S+)/.exec(stdout)?.[1] ?? "";
    const repos = createDynamoRepositories(createLocalDocumentClient(env.DYNAMODB_ENDPOINT), env.TABLE_NAME);
    const auth = await authenticate(repos, token);
    expect(auth.ok).toBe(true);
    if (auth.ok) {
      expect(auth.caller.role).toBe("owner");
      expect((await repos.tenants.get(auth.caller.tenantId))?.timeZone).toBe("Asia/Kolkata");
    }
  });

  it("names each bad argument and exits 2 without writing", async () => {
    const error = await cli(["Padma Net", "Mars/Olympus", "XYZ"], env).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(error).toMatchObject({ code: 2 });
    expect((error as { stderr: string }).stderr).toMatch(/timeZone: must be an IANA time zone/);
    expect((error as { stderr: string }).stderr).toMatch(/currency:/);
  });
});
