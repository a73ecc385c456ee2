import { describe, expect, it } from 'vitest';
import { createRandom } from '../random.js';
import {
  cramerVonMises2SampFromRanks, cramerVonMises2SampSorted, ks2SampFromStatistic, ks2SampSorted, ksStatisticSorted, sortedFinite,
  sortedPairStatistics, wasserstein1Sorted,
} from './index.js';

describe('sortedPairStatistics (one merge walk for KS D, Wasserstein-1 and the CvM rank sums)', () => {
  const random = createRandom(5);
  const samples: [string, () => number][] = [
    ['continuous', () => random.normal()],
    ['heavy ties', () => Math.round(3 * random.normal())],
    ['two values', () => (random.next() < 0.3 ? 0 : 1)],
    ['mixed signs and zeros', () => (random.next() < 0.2 ? (random.next() < 0.5 ? -0 : 0) : random.normal() * 1e-3)],
  ];
  it('gives bit-identical values to the separate routines (equal and unequal sizes, ties, one side exhausted first)', () => {
    for (const [label, draw] of samples) {
      for (const [n1, n2] of [[2, 3], [7, 7], [50, 13], [1000, 2500], [3000, 3000]] as const) {
        const u = sortedFinite(Float64Array.from({ length: n1 }, draw), label);
        const v = sortedFinite(Float64Array.from({ length: n2 }, () => draw() + (label === 'continuous' ? 0.3 : 0)), label);
        const r = sortedPairStatistics(u, v);
        const at = `${label} ${n1} vs ${n2}`;
        expect(r.ks, at).toBe(ksStatisticSorted(u, v));
        expect(r.wasserstein1, at).toBe(wasserstein1Sorted(u, v));
        expect(ks2SampFromStatistic(r.ks, n1, n2), at).toEqual(ks2SampSorted(u, v));
        expect(cramerVonMises2SampFromRanks(r.rankDeviations.x, r.rankDeviations.y, n1, n2), at).toEqual(cramerVonMises2SampSorted(u, v));
      }
    }
  });
  it('refuses an empty sample', () => {
    expect(() => sortedPairStatistics(new Float64Array(0), Float64Array.of(1))).toThrow('samples must not be empty');
  });
});
