import { describe, expect, it } from 'vitest';
import { createRandom } from '../random.js';
import { KllSketch, kllRankErrorBound } from './kll.js';
import { rankError, sortedCopy } from './exact.js';

const grid = Array.from({ length: 99 }, (_, i) => (i + 1) / 100).concat([0.001, 0.005, 0.995, 0.999]);

function maxRankError(sketch: KllSketch, sorted: Float64Array): number {
  let worst = 0;
  for (const p of grid) worst = Math.max(worst, rankError(sorted, p, sketch.quantile(p)));
  return worst;
}

/** Lognormal latencies, a heavy-tailed shape like real request latencies. */
function lognormalStream(n: number, seed: number): Float64Array {
  const rng = createRandom(seed);
  const xs = new Float64Array(n);
  for (let i = 0; i < n; i++) xs[i] = Math.exp(5 + 0.8 * rng.normal());
  return xs;
}

describe('KllSketch', () => {
  it('is exact while it has not compacted', () => {
    const sketch = new KllSketch({ k: 200 });
    const xs = [5, 1, 4, 2, 3];
    sketch.addAll(xs);
    expect(sketch.quantile(0)).toBe(1);
    expect(sketch.quantile(0.5)).toBe(3);
    expect(sketch.quantile(1)).toBe(5);
    expect(sketch.quantile(0.2)).toBe(1);
    expect(sketch.quantile(0.21)).toBe(2);
    expect(sketch.rank(3)).toBeCloseTo(0.6);
    expect(sketch.n).toBe(5);
  });

  it('keeps every quantile within the documented rank error on 1M streamed values, in constant memory', () => {
    const n = 1_000_000;
    const xs = lognormalStream(n, 7);
    const sketch = new KllSketch({ k: 200, seed: 3 });
    let bytesAt100k = 0;
    for (let i = 0; i < n; i++) {
      sketch.add(xs[i]!);
      if (i === 99_999) bytesAt100k = sketch.byteSize;
    }
    const bytesAt1M = sketch.byteSize;
    const sorted = sortedCopy(xs);
    const worst = maxRankError(sketch, sorted);
    expect(worst).toBeLessThanOrEqual(kllRankErrorBound(200));
    expect(worst).toBeGreaterThan(0); // it really is approximating
    expect(sketch.min).toBe(sorted[0]);
    expect(sketch.max).toBe(sorted[n - 1]);
    // 10× the values, about the same memory (O(k) doubles, not O(n)).
    expect(bytesAt1M).toBeLessThan(32 * 1024);
    expect(bytesAt1M).toBeLessThan(1.5 * bytesAt100k);
    expect(sketch.retainedItems).toBeLessThan(3 * 200 + 8 * sketch.numLevels);
  });

  it('merges: the union of shards stays within the bound', () => {
    const xs = lognormalStream(300_000, 11);
    const shards = [0, 1, 2].map((s) => new KllSketch({ k: 200, seed: 10 + s }));
    for (let i = 0; i < xs.length; i++) shards[i % 3]!.add(xs[i]! * (1 + (i % 3))); // shards differ in scale
    const merged = new KllSketch({ k: 200, seed: 99 });
    for (const shard of shards) merged.merge(shard);
    const all = new Float64Array(xs.length);
    for (let i = 0; i < xs.length; i++) all[i] = xs[i]! * (1 + (i % 3));
    expect(merged.n).toBe(xs.length);
    expect(maxRankError(merged, sortedCopy(all))).toBeLessThanOrEqual(kllRankErrorBound(200));
    expect(() => merged.merge(new KllSketch({ k: 100 }))).toThrow('k differs');
  });

  it('serializes and restores the same answers', () => {
    const sketch = new KllSketch({ k: 64, seed: 5 });
    sketch.addAll(lognormalStream(50_000, 2));
    const bytes = sketch.serialize();
    expect(bytes.byteLength).toBeLessThan(8 * (6 + sketch.numLevels + sketch.retainedItems) + 1);
    const restored = KllSketch.deserialize(bytes);
    expect(restored.n).toBe(sketch.n);
    for (const p of [0, 0.01, 0.5, 0.95, 0.99, 1]) expect(restored.quantile(p)).toBe(sketch.quantile(p));
    restored.add(1e9);
    expect(restored.max).toBe(1e9);
    expect(() => KllSketch.deserialize(new Uint8Array(12))).toThrow('not a serialized KLL sketch');
  });

  it('is deterministic for a seed and validates k', () => {
    const xs = lognormalStream(20_000, 4);
    const a = new KllSketch({ k: 50, seed: 8 });
    const b = new KllSketch({ k: 50, seed: 8 });
    a.addAll(xs);
    b.addAll(xs);
    expect(a.quantiles([0.1, 0.5, 0.9])).toEqual(b.quantiles([0.1, 0.5, 0.9]));
    expect(() => new KllSketch({ k: 4 })).toThrow('k must be');
    expect(new KllSketch().quantile(0.5)).toBeNaN();
  });
});
