/**
 * Fault injection shared by the API and REST servers. Commands are named the API way
 * ("/ppp/active/remove"); the REST server maps GET/PATCH/PUT/DELETE to print/set/add/remove.
 *
 * - `stall`: accept the command and never answer (API: the connection stays open; REST: the
 *   request hangs until the client gives up or the server closes).
 * - `drop`: reset the connection (TCP RST) as soon as the command arrives.
 * - `fatal`: API `!fatal <message>` then close; REST treats it as `drop`.
 * - `trap`: refuse with `message` (API `!trap`, REST 400).
 * - `http-500`: REST 500 with `message`; the API answers with `!trap`.
 */
export type FaultAction = "stall" | "drop" | "fatal" | "trap" | "http-500";

export interface FaultRule {
  /** Exact command, a pattern, or "*" for any command (login included on the API). */
  readonly command: string | RegExp;
  readonly action: FaultAction;
  /** How many matching commands the rule hits before it expires. @default 1 */
  readonly times?: number;
  readonly message?: string;
}

interface ActiveRule extends FaultRule {
  remaining: number;
}

export class FaultPlan {
  /** RouterOS 7.18+: a print with no rows answers `!empty` before `!done` (API only). */
  emptyReplies = false;
  /** Refuse every login (API `/login` trap, REST 401). */
  rejectLogin = false;
  /**
   * "ACK but ignore": removes of /ppp/active and /ip/hotspot/active report success but the session
   * stays, the drift a verifying agent must notice.
   */
  ackButIgnoreActiveRemoves = false;
  private rules: ActiveRule[] = [];

  inject(rule: FaultRule): this {
    const times = rule.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new RangeError("times must be a positive integer");
    this.rules.push({ ...rule, remaining: times });
    return this;
  }

  stall(command: string | RegExp, times = 1): this {
    return this.inject({ command, action: "stall", times });
  }

  drop(command: string | RegExp, times = 1): this {
    return this.inject({ command, action: "drop", times });
  }

  /** The first live rule matching `command`, consumed by one use. */
  take(command: string): FaultRule | undefined {
    const rule = this.rules.find((r) =>
      typeof r.command === "string" ? r.command === "*" || r.command === command : r.command.test(command),
    );
    if (!rule) return undefined;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.rules = this.rules.filter((r) => r !== rule);
    return rule;
  }

  get pending(): number {
    return this.rules.length;
  }

  clear(): void {
    this.rules = [];
    this.emptyReplies = false;
    this.rejectLogin = false;
    this.ackButIgnoreActiveRemoves = false;
  }
}
