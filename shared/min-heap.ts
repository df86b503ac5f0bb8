/**
 * A binary min-heap: O(log n) push and pop, O(1) peek. `before(a, b)` is true when a comes first.
 * Shared by the local scheduler (next schedule due) and the local SQS (next message due, expiring).
 */
export class MinHeap<T> {
  private items: T[] = [];

  constructor(private readonly before: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent] as T;
      if (!this.before(item, p)) break;
      items[i] = p;
      i = parent;
    }
    items[i] = item;
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && this.before(items[right] as T, items[left] as T) ? right : left;
      const c = items[child] as T;
      if (!this.before(c, last)) break;
      items[i] = c;
      i = child;
    }
    items[i] = last;
    return top;
  }

  /** Replaces the contents (a sorted array is a valid heap). */
  rebuild(items: Iterable<T>): void {
    this.items = [...items].sort((a, b) => (this.before(a, b) ? -1 : this.before(b, a) ? 1 : 0));
  }

  /** Keeps only the items `keep` accepts (drops stale entries left by lazy deletion). */
  retain(keep: (item: T) => boolean): void {
    this.rebuild(this.items.filter(keep));
  }

  clear(): void {
    this.items = [];
  }
}
