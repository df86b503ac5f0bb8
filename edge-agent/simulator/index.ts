import { type Credentials, RouterApiServer } from "./api-server.js";
import { FaultPlan } from "./faults.js";
import { RouterModel, type RouterModelOptions } from "./model.js";
import { RouterRestServer } from "./rest-server.js";

export { type Credentials, parseSentence, RouterApiServer } from "./api-server.js";
export { type CommandRequest, type CommandResult, runCommand } from "./commands.js";
export { type FaultAction, FaultPlan, type FaultRule } from "./faults.js";
export { formatUptime, MENU, type Menu } from "./menus.js";
export { type ChangeListener, type ModelChange, RouterModel, type RouterModelOptions } from "./model.js";
export { NasRadiusServer, type NasRadiusServerOptions, type NasRadiusStats } from "./radius-server.js";
export { RouterRestServer } from "./rest-server.js";
export { seedDemoRouter } from "./seed.js";
export { type Row, TrapError } from "./table.js";

export interface RouterSimulatorOptions extends RouterModelOptions {
  /** API and REST login. @default { username: "admin", password: "" } (a fresh RouterOS) */
  readonly credentials?: Credentials;
}

export interface StartOptions {
  /** 0 picks a free port. */
  readonly apiPort?: number;
  readonly restPort?: number;
  /** @default "127.0.0.1" */
  readonly host?: string;
  /** Which servers to run. @default both */
  readonly api?: boolean;
  readonly rest?: boolean;
}

/**
 * A simulated MikroTik: one model, one fault plan, an API server and a REST server over them.
 *
 *   const sim = new RouterSimulator({ credentials: { username: "billing", password: "s3cret" } });
 *   sim.model.addSecret({ name: "alice", password: "pw" });
 *   sim.model.connectPpp("alice");
 *   const { apiPort, restPort } = await sim.start();
 *   sim.faults.stall("/ppp/active/remove");
 *   await sim.close();
 */
export class RouterSimulator {
  readonly model: RouterModel;
  readonly faults = new FaultPlan();
  readonly api: RouterApiServer;
  readonly rest: RouterRestServer;
  private readonly running: (RouterApiServer | RouterRestServer)[] = [];

  constructor(options: RouterSimulatorOptions = {}) {
    const credentials = options.credentials ?? { username: "admin", password: "" };
    this.model = new RouterModel(options);
    this.api = new RouterApiServer(this.model, this.faults, credentials);
    this.rest = new RouterRestServer(this.model, this.faults, credentials);
  }

  async start(options: StartOptions = {}): Promise<{ apiPort?: number; restPort?: number }> {
    const host = options.host ?? "127.0.0.1";
    const out: { apiPort?: number; restPort?: number } = {};
    if (options.api ?? true) {
      out.apiPort = await this.api.listen(options.apiPort ?? 0, host);
      this.running.push(this.api);
    }
    if (options.rest ?? true) {
      out.restPort = await this.rest.listen(options.restPort ?? 0, host);
      this.running.push(this.rest);
    }
    return out;
  }

  async close(): Promise<void> {
    const servers = this.running.splice(0);
    await Promise.all(servers.map((s) => s.close()));
    this.model.dispose();
  }
}
