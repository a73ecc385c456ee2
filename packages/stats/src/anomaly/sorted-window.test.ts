import { describe, expect, it } from 'vitest';
import { createRandom } from '../random.js';
import { SortedWindow } from './sorted-window.js';

/** The previous eviction (close the gap, then open one for the new value), kept as the reference. */
class TwoStepWindow {
  private readonly ring: Float64Array;
  readonly sorted: Float64Array;
  count = 0;
  private head = 0;
  constructor(readonly capacity: number) {
    this.ring = new Float64Array(capacity);
    this.sorted = new Float64Array(capacity);
  }
  private countBelow(v: number): number {
    let lo = 0, hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.sorted[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
  push(v: number): void {
    const a = this.sorted;
    if (this.count === this.capacity) {
      const i = this.countBelow(this.ring[this.head]!);
      a.copyWithin(i, i + 1, this.count);
      this.count--;
    }
    const j = this.countBelow(v);
    a.copyWithin(j + 1, j, this.count);
    a[j] = v;
    this.count++;
    this.ring[this.head] = v;
    this.head = this.head + 1 === this.capacity ? 0 : this.head + 1;
  }
}

describe('SortedWindow', () => {
  it('holds the last `capacity` values sorted, bit for bit as the two-step eviction did (ties, ±0, repeats)', () => {
    const r = createRandom(5);
    for (const capacity of [1, 2, 3, 7, 64]) {
      const w = new SortedWindow(capacity);
      const ref = new TwoStepWindow(capacity);
      const seen: number[] = [];
      for (let t = 0; t < 2000; t++) {
        const u = r.next();
        const v = u < 0.1 ? 0 : u < 0.15 ? -0 : u < 0.2 ? 1e6 : Math.round(r.normal() * 4) / 2;
        w.push(v);
        ref.push(v);
        seen.push(v);
        const got = w.toSortedArray();
        expect(got.length).toBe(ref.count);
        for (let k = 0; k < got.length; k++) expect(Object.is(got[k], ref.sorted[k]), `capacity ${capacity}, step ${t}, index ${k}`).toBe(true);
        const naive = Float64Array.from(seen.slice(-capacity)).sort();
        // And numerically the last `capacity` values, sorted (=== takes −0 and 0 as equal).
        expect(got.every((x, k) => x === naive[k])).toBe(true);
      }
    }
  });
});
