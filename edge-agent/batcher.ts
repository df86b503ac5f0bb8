/* Batching of single deletes and visibility changes into SQS batch calls. */

interface Pending<T> {
  readonly item: T;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Groups single deletes or visibility changes into SQS batch calls of up to 10, sent when 10 are
 * waiting or `flushMs` after the first. `send` returns one error (or undefined) per item.
 */
export class Batcher<T> {
  private pending: Pending<T>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly active = new Set<Promise<void>>();

  constructor(
    private readonly flushMs: number,
    private readonly send: (items: readonly T[]) => Promise<readonly (Error | undefined)[]>,
  ) {}

  add(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= 10) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.flushMs);
    });
  }

  /** Sends everything waiting and resolves once every call in flight has settled. */
  async drain(): Promise<void> {
    this.flush();
    while (this.active.size > 0) await Promise.allSettled([...this.active]);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, 10);
      const call = this.sendBatch(batch);
      this.active.add(call);
      void call.finally(() => this.active.delete(call));
    }
  }

  private async sendBatch(batch: readonly Pending<T>[]): Promise<void> {
    try {
      const errors = await this.send(batch.map((p) => p.item));
      batch.forEach((p, i) => {
        const error = errors[i];
        if (error === undefined) p.resolve();
        else p.reject(error);
      });
    } catch (error) {
      for (const p of batch) p.reject(error);
    }
  }
}
