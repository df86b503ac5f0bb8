import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MinHeap } from "../../../../shared/min-heap.js";

describe("MinHeap", () => {
  it("pops in ascending order whatever the push order, with rebuilds in between", () => {
    fc.assert(
      fc.property(fc.array(fc.integer()), fc.array(fc.integer()), (first, second) => {
        const heap = new MinHeap<number>((a, b) => a < b);
        for (const n of first) heap.push(n);
        heap.rebuild([...first].reverse());
        for (const n of second) heap.push(n);
        const popped: number[] = [];
        for (let n = heap.pop(); n !== undefined; n = heap.pop()) popped.push(n);
        expect(popped).toEqual([...first, ...second].sort((a, b) => a - b));
        expect(heap.size).toBe(0);
      }),
    );
  });
});
