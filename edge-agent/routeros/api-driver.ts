import type { TlsOptions } from "node:tls";
import { ApiSession } from "./api-session.js";
import type { RouterDriver, RouterRow, RouterTransport, SuspensionPolicy } from "./driver.js";
import { RouterConnectionError, type RouterError } from "./errors.js";
import { SubscriberDriver } from "./subscriber-driver.js";

export interface ApiClientOptions {
  readonly host: string;
  /** @default 8728, or 8729 with `tls` */
  readonly port?: number;
  readonly username: string;
  readonly password: string;
  /** Use API-SSL. The router needs a certificate, or only anonymous DH ciphers work. */
  readonly tls?: TlsOptions;
  /** @default 10_000 */
  readonly commandTimeoutMs?: number;
  /** Covers TCP connect and login. @default 10_000 */
  readonly connectTimeoutMs?: number;
  /** @default 60 */
  readonly idleTimeoutSec?: number;
  /** Called when a library/protocol fault was caught and the connection dropped (for logs/metrics). */
  readonly onFault?: (err: RouterError) => void;
}

/**
 * RouterOS API client on node-routeros, hardened: one connection at a time, opened lazily, replaced
 * after any failure, every call bounded by a timeout, every failure a typed RouterError.
 */
export class RouterApiClient {
  readonly router: string;
  private session: ApiSession | undefined;
  private opening: Promise<ApiSession> | undefined;
  private closed = false;
  private readonly commandTimeoutMs: number;

  constructor(private readonly options: ApiClientOptions) {
    const port = options.port ?? (options.tls ? 8729 : 8728);
    this.router = `${options.host}:${port}`;
    this.commandTimeoutMs = options.commandTimeoutMs ?? 10_000;
  }

  async exec(command: string, words: readonly string[] = []): Promise<RouterRow[]> {
    const session = await this.ready();
    return session.run(command, words, this.commandTimeoutMs);
  }

  async close(): Promise<void> {
    this.closed = true;
    const opening = this.opening;
    this.session?.kill(new RouterConnectionError("client closed", { router: this.router }));
    if (opening)
      await opening.then(
        (s) => s.kill(new RouterConnectionError("client closed", { router: this.router })),
        () => {},
      );
  }

  private ready(): Promise<ApiSession> {
    if (this.closed)
      return Promise.reject(new RouterConnectionError("client closed", { router: this.router }));
    if (this.session?.alive) return Promise.resolve(this.session);
    this.opening ??= ApiSession.open({
      host: this.options.host,
      port: this.options.port ?? (this.options.tls ? 8729 : 8728),
      username: this.options.username,
      password: this.options.password,
      connectTimeoutMs: this.options.connectTimeoutMs ?? 10_000,
      idleTimeoutSec: this.options.idleTimeoutSec ?? 60,
      ...(this.options.tls && { tls: this.options.tls }),
      ...(this.options.onFault && { onFault: this.options.onFault }),
    })
      .then((session) => {
        this.session = session;
        return session;
      })
      .finally(() => {
        this.opening = undefined;
      });
    return this.opening;
  }
}

/** print/set/add/remove as API sentences. */
export class ApiTransport implements RouterTransport {
  constructor(private readonly client: RouterApiClient) {}

  print(menu: string, where: Readonly<Record<string, string>> = {}, proplist?: readonly string[]) {
    const words = Object.entries(where).map(([k, v]) => `?${k}=${v}`);
    if (proplist) words.unshift(`=.proplist=${proplist.join(",")}`);
    return this.client.exec(`${menu}/print`, words);
  }

  async set(menu: string, id: string, values: Readonly<Record<string, string>>): Promise<void> {
    await this.client.exec(`${menu}/set`, [`=.id=${id}`, ...attributes(values)]);
  }

  async add(menu: string, values: Readonly<Record<string, string>>): Promise<string> {
    const [done] = await this.client.exec(`${menu}/add`, attributes(values));
    const id = done?.ret;
    if (id === undefined) {
      throw new RouterConnectionError("add returned no id", {
        router: this.client.router,
        command: `${menu}/add`,
      });
    }
    return id;
  }

  async remove(menu: string, id: string): Promise<void> {
    await this.client.exec(`${menu}/remove`, [`=.id=${id}`]);
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

const attributes = (values: Readonly<Record<string, string>>) =>
  Object.entries(values).map(([k, v]) => `=${k}=${v}`);

export interface ApiDriverOptions extends ApiClientOptions {
  readonly policy: SuspensionPolicy;
}

export function createApiDriver(options: ApiDriverOptions): RouterDriver {
  const client = new RouterApiClient(options);
  return new SubscriberDriver(new ApiTransport(client), options.policy, client.router);
}
