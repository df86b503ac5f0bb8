interface Waiter {
  readonly resolve: (identifier: number) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The 256 Identifiers of one destination. A request holds its Identifier until it settles, so at
 * most 256 can be outstanding; further requests wait in order. Identifiers rotate rather than
 * being reused at once, so a late reply to an old request meets a different request authenticator.
 */
export class IdentifierPool {
  readonly #inUse = new Set<number>();
  readonly #waiters: Waiter[] = [];
  #next: number;

  constructor(start: number) {
    this.#next = start & 0xff;
  }

  get idle(): boolean {
    return this.#inUse.size === 0 && this.#waiters.length === 0;
  }

  get outstanding(): number {
    return this.#inUse.size;
  }

  acquire(signal?: AbortSignal): Promise<number> {
    const free = this.#take();
    if (free !== undefined) return Promise.resolve(free);
    return new Promise<number>((resolve, reject) => {
      const onAbort = () => {
        const index = this.#waiters.indexOf(waiter);
        if (index >= 0) this.#waiters.splice(index, 1);
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        resolve: (id) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(id);
        },
        reject: (error) => {
          signal?.removeEventListener("abort", onAbort);
          reject(error);
        },
      };
      this.#waiters.push(waiter);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  release(identifier: number): void {
    if (!this.#inUse.delete(identifier)) return;
    const waiter = this.#waiters.shift();
    if (waiter === undefined) return;
    const next = this.#take();
    if (next !== undefined) waiter.resolve(next);
  }

  rejectWaiters(error: unknown): void {
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
  }

  #take(): number | undefined {
    for (let i = 0; i < 256; i += 1) {
      const candidate = (this.#next + i) & 0xff;
      if (!this.#inUse.has(candidate)) {
        this.#inUse.add(candidate);
        this.#next = (candidate + 1) & 0xff;
        return candidate;
      }
    }
    return undefined;
  }
}
