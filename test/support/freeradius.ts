import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createSocket } from "node:dgram";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

/**
 * A real FreeRADIUS 3.x acting as a NAS's CoA/Disconnect receiver on 127.0.0.1, with a generated
 * config in a temp dir (only the dictionaries come from the system). It verifies the Request
 * Authenticator and any Message-Authenticator with the client's secret and silently drops packets
 * that fail. Its policy:
 * - User-Name "nak-<n>"  -> Disconnect-NAK / CoA-NAK with Error-Cause n (e.g. nak-503, nak-401);
 * - anything else         -> Disconnect-ACK / CoA-ACK;
 * - a request Mikrotik-Rate-Limit is echoed in the reply (proves FreeRADIUS parsed the VSA);
 * - a request with a Message-Authenticator gets one in the reply.
 */
export interface FreeRadius {
  readonly port: number;
  readonly secret: string;
  /** The last lines FreeRADIUS printed, for assertion messages. */
  output(): string;
  stop(): Promise<void>;
}

export interface FreeRadiusOptions {
  /** Shared secret of the 127.0.0.1 client. @default random */
  readonly secret?: string;
  /** Run with -xx and keep its verbose log in output(). @default false */
  readonly debug?: boolean;
  readonly startTimeoutMs?: number;
}

export class FreeRadiusHarnessError extends Error {
  override readonly name = "FreeRadiusHarnessError";
}

const INSTALL_HINT = "install it with apt-get install -y freeradius freeradius-utils";
const READY = "Ready to process requests";

function findBinary(): string {
  const override = process.env.FREERADIUS_BIN;
  if (override !== undefined) {
    if (existsSync(override)) return override;
    throw new FreeRadiusHarnessError(`FREERADIUS_BIN=${override} does not exist; ${INSTALL_HINT}`);
  }
  const dirs = ["/usr/sbin", "/usr/local/sbin", ...(process.env.PATH ?? "").split(delimiter)];
  for (const dir of dirs) {
    for (const name of ["freeradius", "radiusd"]) {
      if (dir && existsSync(join(dir, name))) return join(dir, name);
    }
  }
  throw new FreeRadiusHarnessError(`FreeRADIUS (freeradius/radiusd) was not found; ${INSTALL_HINT}`);
}

function firstExisting(candidates: readonly string[], what: string): string {
  const found = candidates.find((path) => existsSync(path));
  if (found === undefined)
    throw new FreeRadiusHarnessError(
      `FreeRADIUS ${what} not found in ${candidates.join(", ")}; ${INSTALL_HINT}`,
    );
  return found;
}

async function freeUdpPort(): Promise<number> {
  const socket = createSocket("udp4");
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(0, "127.0.0.1", () => resolve());
  });
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

function radiusdConf(dir: string, dictdir: string, libdir: string, port: number, secret: string): string {
  return `prefix = /usr
localstatedir = ${dir}
logdir = ${dir}
run_dir = ${dir}
raddbdir = ${dir}
confdir = ${dir}
radacctdir = ${dir}
libdir = ${libdir}
dictdir = ${dictdir}
pidfile = ${dir}/radiusd.pid
name = freeradius
hostname_lookups = no
max_request_time = 5
cleanup_delay = 2
max_requests = 1024
log {
  destination = stdout
  colourise = no
}
security {
  allow_core_dumps = no
}
thread pool {
  start_servers = 1
  max_servers = 2
  min_spare_servers = 1
  max_spare_servers = 2
}
modules {
  always ok {
    rcode = ok
  }
  always reject {
    rcode = reject
  }
}
client agent {
  ipaddr = 127.0.0.1
  secret = "${secret}"
}
listen {
  type = coa
  ipaddr = 127.0.0.1
  port = ${port}
  virtual_server = nas
}
server nas {
  recv-coa {
    if (&Mikrotik-Rate-Limit) {
      update reply {
        &Mikrotik-Rate-Limit := &request:Mikrotik-Rate-Limit
      }
    }
    if (&Message-Authenticator) {
      update reply {
        &Message-Authenticator := 0x00
      }
    }
    if (&User-Name =~ /^nak-([0-9]+)$/) {
      update reply {
        &Error-Cause := "%{1}"
      }
      reject
    }
    ok
  }
  send-coa {
    ok
  }
}
`;
}

/** Starts FreeRADIUS on a free UDP port (retrying if another process took the port first). */
export async function startFreeRadius(options: FreeRadiusOptions = {}): Promise<FreeRadius> {
  const binary = findBinary();
  const dictdir = firstExisting(["/usr/share/freeradius"], "dictionaries");
  const libdir = firstExisting(
    ["/usr/lib/freeradius", "/usr/lib64/freeradius", "/usr/local/lib/freeradius"],
    "modules",
  );
  const secret = options.secret ?? `test-${randomBytes(9).toString("hex")}`;
  if (!/^[\w.-]+$/.test(secret))
    throw new FreeRadiusHarnessError("harness secrets are limited to [A-Za-z0-9_.-]");
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    const dir = await mkdtemp(join(tmpdir(), "freeradius-"));
    try {
      const port = await freeUdpPort();
      await writeFile(join(dir, "radiusd.conf"), radiusdConf(dir, dictdir, libdir, port, secret), {
        mode: 0o600,
      });
      return await launch(binary, dir, port, secret, options);
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      lastError = error;
      if (!(error instanceof FreeRadiusHarnessError && /bind|in use/i.test(error.message))) throw error;
    }
  }
  throw lastError;
}

async function launch(
  binary: string,
  dir: string,
  port: number,
  secret: string,
  options: FreeRadiusOptions,
): Promise<FreeRadius> {
  const args = ["-f", "-l", "stdout", "-d", dir, ...(options.debug ? ["-xx"] : [])];
  const child: ChildProcess = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  // If the test process dies without stop(), do not leave a FreeRADIUS behind.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const stop = async () => {
    process.off("exit", killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
  const ready = await new Promise<boolean>((resolve) => {
    const poll = setInterval(() => {
      if (output.includes(READY)) finish(true);
      else if (Date.now() > deadline) finish(false);
    }, 20);
    const onExit = () => finish(false);
    const finish = (ok: boolean) => {
      clearInterval(poll);
      child.off("exit", onExit);
      child.off("error", onExit);
      resolve(ok);
    };
    child.once("exit", onExit);
    child.once("error", onExit);
  });
  if (!ready) {
    await stop();
    throw new FreeRadiusHarnessError(
      `FreeRADIUS did not become ready on 127.0.0.1:${port}:\n${output.slice(-3000)}`,
    );
  }
  return { port, secret, output: () => output, stop };
}
