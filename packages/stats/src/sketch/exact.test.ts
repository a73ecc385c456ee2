import { describe, expect, it } from 'vitest';
import { exactQuantiles, rankError, rankInterval, sortedQuantiles } from './exact.js';
import { BucketHistogram } from './histogram.js';

describe('exact quantiles (type 7)', () => {
  it('equal the order statistics where (n−1)p is an integer', () => {
    const xs = [9, 2, 7, 4, 5, 1, 8, 3, 6]; // n = 9: p = k/8 hits x[k]
    const sorted = [...xs].sort((a, b) => a - b);
    for (let k = 0; k <= 8; k++) expect(exactQuantiles(xs, [k / 8])[0]).toBe(sorted[k]);
  });
  it('interpolate linearly between order statistics otherwise (as numpy.percentile)', () => {
    // numpy.percentile([1, 2, 3, 4], [10, 50, 95]) = [1.3, 2.5, 3.85]
    const q = exactQuantiles([4, 1, 3, 2], [0.1, 0.5, 0.95]);
    expect(q[0]).toBeCloseTo(1.3, 12);
    expect(q[1]).toBeCloseTo(2.5, 12);
    expect(q[2]).toBeCloseTo(3.85, 12);
    expect(sortedQuantiles([], [0.5])[0]).toBeNaN();
    expect(() => sortedQuantiles([1], [1.5])).toThrow('in [0, 1]');
  });
  it('rank interval and error', () => {
    const sorted = [1, 2, 2, 2, 3];
    expect(rankInterval(sorted, 2)).toEqual([0.2, 0.8]);
    expect(rankError(sorted, 0.5, 2)).toBe(0);
    expect(rankError(sorted, 0.9, 2)).toBeCloseTo(0.1);
  });
});

describe('BucketHistogram', () => {
  it('counts values in (prev, bound] buckets with an overflow bucket, and merges', () => {
    const h = new BucketHistogram([1, 2, 4]);
    h.addAll([0.5, 1, 1.5, 2, 3, 4, 5, 100]);
    expect(h.toJSON()).toEqual({ bounds: [1, 2, 4], counts: [2, 2, 2, 2], sum: 117, count: 8, min: 0.5, max: 100 });
    const g = new BucketHistogram([1, 2, 4]);
    g.add(0);
    h.merge(g);
    expect(h.toJSON().counts).toEqual([3, 2, 2, 2]);
    expect(h.toJSON().min).toBe(0);
    expect(() => h.merge(new BucketHistogram([1, 3]))).toThrow('bounds differ');
    expect(() => new BucketHistogram([2, 1])).toThrow('strictly increasing');
  });
});
