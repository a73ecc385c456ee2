import { describe, expect, it } from 'vitest';
import { createRandom } from '../random.js';
import { dumpState, loadState } from '../state.js';
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
    // blockSize 0: one flat array; 2, 4, 16: block lists small enough to split, drop emptied
    // blocks and rebuild all the time; undefined: the default for the capacity.
    for (const [capacity, blockSize] of [[1, undefined], [2, undefined], [3, undefined], [7, undefined], [64, undefined], [1, 2], [7, 2], [64, 4], [300, 16], [64, 0], [300, 0]] as const) {
      const w = new SortedWindow(capacity, blockSize);
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
        let differ = -1;
        for (let k = 0; k < got.length && differ < 0; k++) if (!Object.is(got[k], ref.sorted[k])) differ = k;
        expect(differ, `capacity ${capacity}, blocks ${blockSize}, step ${t}: first index that differs`).toBe(-1);
        if (t % 7 !== 0) continue;
        const naive = Float64Array.from(seen.slice(-capacity)).sort();
        // And numerically the last `capacity` values, sorted (=== takes −0 and 0 as equal).
        expect(got.every((x, k) => x === naive[k])).toBe(true);
      }
    }
  });

  /** Median and MAD from a plain sorted copy, as the definitions say. */
  const naiveStats = (values: number[]) => {
    const a = Float64Array.from(values).sort();
    const n = a.length;
    const med = n & 1 ? a[n >> 1]! : 0.5 * (a[n / 2 - 1]! + a[n / 2]!);
    const d = a.map((x) => Math.abs(x - med)).sort();
    return { med, mad: n & 1 ? d[n >> 1]! : 0.5 * (d[n / 2 - 1]! + d[n / 2]!) };
  };

  it('gives the median, MAD, rank (also as pushRank) and max of the last values in both layouts, through level shifts and ties', () => {
    const r = createRandom(11);
    for (const blockSize of [0, 4, 32]) {
      const w = new SortedWindow(500, blockSize);
      const seen: number[] = [];
      for (let t = 0; t < 6000; t++) {
        // a level shift every 1,500 points (one end of the order gets all inserts), ties, outliers
        const level = Math.floor(t / 1500) * (t % 3000 < 1500 ? 40 : -25);
        const u = r.next();
        const v = u < 0.2 ? level : u < 0.22 ? level + 1e4 : level + Math.round(r.normal() * 8) / 4;
        const before = t % 5 === 0 ? w.countBelow(v) : -1;
        const below = w.pushRank(v);
        if (before >= 0) expect(below).toBe(before);
        seen.push(v);
        if (t % 37 !== 0 && t < 5900) continue;
        const last = seen.slice(-500);
        const { med, mad } = naiveStats(last);
        expect(w.median(), `blocks ${blockSize}, step ${t}`).toBe(med);
        expect(w.mad(), `blocks ${blockSize}, step ${t}`).toBe(mad);
        expect(w.max()).toBe(Math.max(...last));
        const probe = level + r.normal() * 4;
        expect(w.countBelow(probe)).toBe(last.filter((x) => x < probe).length);
      }
    }
  });

  it('continues exactly after a snapshot restore, also from the earlier layout that stored the sorted copy', () => {
    const r = createRandom(3);
    for (const blockSize of [0, 8]) {
      const live = new SortedWindow(200, blockSize);
      const values = Array.from({ length: 1500 }, () => Math.round(r.normal() * 6) / 2);
      values.slice(0, 700).forEach((v) => live.push(v));
      const dump = dumpState(live);
      const restored = loadState(dump, new SortedWindow(200, blockSize)) as SortedWindow;
      // the earlier layout: the same state plus the flat sorted copy
      const older = dumpState(live) as { $o: Record<string, unknown> };
      older.$o.sorted = dumpState(live.toSortedArray());
      const fromOlder = loadState(older as never, new SortedWindow(200, blockSize)) as SortedWindow;
      for (const v of values.slice(700)) {
        for (const w of [live, restored, fromOlder]) w.push(v);
        for (const w of [restored, fromOlder]) {
          // + 0: a rebuilt window orders −0 before 0 (which came first is not in the state), so a
          // zero median or MAD may differ in sign only
          expect(w.median() + 0).toBe(live.median() + 0);
          expect(w.mad() + 0).toBe(live.mad() + 0);
          expect(w.countBelow(v)).toBe(live.countBelow(v));
        }
      }
      expect(Object.keys(fromOlder)).not.toContain('sorted');
      expect(Object.keys((dumpState(fromOlder) as { $o: object }).$o)).toEqual(Object.keys((dump as { $o: object }).$o));
    }
  });
});
