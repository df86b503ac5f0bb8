import type {
  EdgeCommand,
  EdgeCommandOutcome,
  EdgeCommandResult,
} from "../shared/domain/schemas/edge-command.js";
import type { AppliedVersionStore } from "./applied-versions.js";
import type { AgentConfig, NasConfig } from "./config.js";
import { EnforcementFailure, toFailure } from "./enforce/failure.js";
import { closeNasHandle, createNasHandle, type NasHandle } from "./enforce/nas-handle.js";
import { runRound } from "./enforce/round.js";
import { mismatches } from "./enforce/verify.js";
import { sleep, waitUntil } from "./enforce/wait.js";
import type { RouterSubscriberState } from "./routeros/driver.js";

/** Structured log sink; context carries ids and outcomes, never secrets or whole commands. */
export interface EnforcerLogger {
  info(message: string, context: Readonly<Record<string, unknown>>): void;
  warn(message: string, context: Readonly<Record<string, unknown>>): void;
}

export interface EnforcerOptions {
  readonly config: Pick<AgentConfig, "tenantId" | "siteId" | "nas">;
  /** Skips commands not newer than the last applied version and records applied ones durably. */
  readonly versions?: AppliedVersionStore;
  /** Act-and-verify rounds before a command fails. @default 3 */
  readonly maxRounds?: number;
  /** Pause before the second round, doubling after. @default 250 */
  readonly backoffMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
  readonly logger?: EnforcerLogger;
}

/** The result to report, plus whether a failure may succeed when the command is tried again. */
export interface EnforcementResult extends EdgeCommandResult {
  readonly retryable: boolean;
}

const MAX_REASON = 500;
const SILENT: EnforcerLogger = { info: () => {}, warn: () => {} };

/**
 * Makes a router match one EdgeCommand's desired state (decisions 3 and 5): waits for `notBefore`,
 * applies the state through the NAS's method, reads it back and re-applies up to `maxRounds`
 * times. Router-side trouble becomes a `failed` result; only aborts and misuse throw. Commands for
 * one subscriber run one at a time, so two versions never interleave on the router.
 */
export class Enforcer {
  private readonly handles = new Map<string, NasHandle>();
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly now: () => number;
  private readonly logger: EnforcerLogger;
  private readonly maxRounds: number;
  private readonly backoffMs: number;
  private closed = false;

  constructor(private readonly options: EnforcerOptions) {
    this.now = options.now ?? Date.now;
    this.logger = options.logger ?? SILENT;
    this.maxRounds = options.maxRounds ?? 3;
    this.backoffMs = options.backoffMs ?? 250;
    if (!Number.isInteger(this.maxRounds) || this.maxRounds < 1)
      throw new RangeError("maxRounds must be >= 1");
  }

  async apply(
    command: EdgeCommand,
    signal: AbortSignal = new AbortController().signal,
  ): Promise<EnforcementResult> {
    if (this.closed) throw new Error("the enforcer is closed");
    signal.throwIfAborted();
    const nas = this.nasFor(command);
    if (typeof nas === "string") return this.result(command, "failed", nas, false);
    if (this.isStale(command)) return this.skip(command);
    await waitUntil(Date.parse(command.notBefore), signal, this.now);
    const result = await this.serialised(command.subscriberId, async () => {
      // A newer version may have landed while this one waited for its instant.
      if (this.isStale(command)) return this.skip(command);
      if (this.closed) return this.result(command, "failed", "the agent is shutting down", true);
      const enforced = await this.enforce(this.handleFor(nas), command, signal);
      const { versions } = this.options;
      if (versions === undefined || enforced.outcome === "failed") return enforced;
      try {
        await versions.record(command.subscriberId, command.version);
      } catch {
        return this.result(command, "failed", "the router was changed but the state file write failed", true);
      }
      return enforced;
    });
    if (result.outcome !== "failed") {
      const { commandId, subscriberId, version } = command;
      this.logger.info("edge command done", {
        commandId,
        subscriberId,
        version,
        nasId: nas.id,
        outcome: result.outcome,
      });
    }
    return result;
  }

  /** Closes every driver connection and RADIUS socket. */
  async close(): Promise<void> {
    this.closed = true;
    const handles = [...this.handles.values()];
    this.handles.clear();
    await Promise.all(handles.map(closeNasHandle));
  }

  private async enforce(
    handle: NasHandle,
    command: EdgeCommand,
    signal: AbortSignal,
  ): Promise<EnforcementResult> {
    const notes = new Set<string>();
    const remarks = (...extra: string[]) => [...notes, ...extra].join("; ") || undefined;
    let failure: EnforcementFailure | undefined;
    let seen: RouterSubscriberState | undefined;
    let round = 0;
    while (round < this.maxRounds) {
      round += 1;
      if (round > 1) await sleep(this.backoffMs * 2 ** (round - 2), signal);
      try {
        const { expectation, after } = await runRound({ handle, command, signal, now: this.now, notes });
        if (handle.driver === undefined) {
          return this.result(command, "applied", remarks("no read-back path (RADIUS only)"), false);
        }
        if (after === undefined)
          return this.result(command, "applied", remarks("verification disabled"), false);
        seen = after;
        const problems = mismatches(after, expectation);
        if (problems.length === 0) return this.result(command, "verified", remarks(), false, after);
        failure = new EnforcementFailure(problems.join("; "), true, false);
      } catch (error) {
        const known = toFailure(error, signal);
        if (!(known instanceof EnforcementFailure)) throw known;
        failure = known;
        if (known.final) break;
      }
    }
    const why = failure?.message ?? "no round completed";
    const context = {
      commandId: command.commandId,
      subscriberId: command.subscriberId,
      nasId: handle.nas.id,
    };
    this.logger.warn("edge command failed", {
      ...context,
      rounds: round,
      retryable: failure?.retryable ?? true,
      reason: why,
    });
    return this.result(
      command,
      "failed",
      remarks(`after ${round} round(s): ${why}`),
      failure?.retryable ?? true,
      seen,
    );
  }

  /** The NAS the command names, else the only one serving its service; a string says why not. */
  private nasFor(command: EdgeCommand): NasConfig | string {
    const { config } = this.options;
    if (command.tenantId !== config.tenantId || command.siteId !== config.siteId) {
      return "the command is for another tenant or site";
    }
    const serving = config.nas.filter((n) => n.services.includes(command.service));
    if (command.nasId !== undefined) {
      const named = config.nas.find((n) => n.id === command.nasId);
      if (named === undefined) return `NAS ${command.nasId} is not configured on this agent`;
      return serving.includes(named) ? named : `NAS ${command.nasId} does not serve ${command.service}`;
    }
    const [only, ...others] = serving;
    if (only === undefined) return `no configured NAS serves ${command.service}`;
    if (others.length > 0) return `the command names no NAS and ${serving.length} serve ${command.service}`;
    return only;
  }

  private handleFor(nas: NasConfig): NasHandle {
    let handle = this.handles.get(nas.id);
    if (handle === undefined) {
      handle = createNasHandle(nas);
      this.handles.set(nas.id, handle);
    }
    return handle;
  }

  /**
   * Older versions are stale. The same version is stale too, except for a reconcile: the cloud
   * re-sends the current state when a session report shows the router drifted from it, and one
   * version always means one desired state, so applying it again is safe.
   */
  private isStale(command: EdgeCommand): boolean {
    const versions = this.options.versions;
    if (!versions || versions.shouldApply(command.subscriberId, command.version)) return false;
    return !(
      command.reason === "reconcile" && versions.lastApplied(command.subscriberId) === command.version
    );
  }

  /** Acknowledging a stale command is safe only once the version that superseded it is durable. */
  private async skip(command: EdgeCommand): Promise<EnforcementResult> {
    try {
      await this.options.versions?.flush();
    } catch {
      return this.result(command, "failed", "the state file write failed", true);
    }
    const last = this.options.versions?.lastApplied(command.subscriberId);
    return this.result(command, "skipped_stale", `version ${last ?? "?"} already applied`, false);
  }

  private async serialised<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.chains.get(key) ?? Promise.resolve();
    const current = previous.then(task);
    const tail = current.then(
      () => undefined,
      () => undefined,
    );
    this.chains.set(key, tail);
    try {
      return await current;
    } finally {
      if (this.chains.get(key) === tail) this.chains.delete(key);
    }
  }

  private result(
    command: EdgeCommand,
    outcome: EdgeCommandOutcome,
    reason: string | undefined,
    retryable: boolean,
    state?: RouterSubscriberState,
  ): EnforcementResult {
    return {
      commandId: command.commandId,
      subscriberId: command.subscriberId,
      version: command.version,
      outcome,
      ...(reason !== undefined && { reason: reason.slice(0, MAX_REASON) }),
      at: new Date(this.now()).toISOString(),
      ...(state !== undefined && { observed: observed(state) }),
      retryable,
    };
  }
}

function observed(state: RouterSubscriberState): NonNullable<EdgeCommandResult["observed"]> {
  return {
    online: state.online,
    sessions: state.sessions.length,
    disabled: state.disabled,
    ...(state.queueMaxLimit !== undefined && { rateLimit: state.queueMaxLimit.slice(0, 64) }),
    ...(state.profile !== undefined && { profile: state.profile.slice(0, 64) }),
  };
}
