import { describe, expect, it } from 'vitest';
import { createRandom } from '../random.js';
import { classifierTest } from './classifier.js';
import { centroidTest } from './centroid.js';
import { matrixFromRows } from './matrix.js';
import { mmdTest, mmdTestSequential } from './mmd.js';
import { permutationFloor, permutationsForLevel, sequentialPValue } from './sequential.js';

const sample = (n: number, d: number, seed: number, shift = 0) => {
  const r = createRandom(seed);
  return matrixFromRows(Array.from({ length: n }, () => Array.from({ length: d }, (_, j) => r.normal() + (j === 0 ? shift : 0))));
};

describe('Besag–Clifford sequential permutation p-values', () => {
  it('sizes permutations so the floor is at most half the level', () => {
    expect(permutationsForLevel(0.05)).toBe(39);
    expect(permutationsForLevel(0.05 / 9)).toBe(359);
    expect(permutationsForLevel(0.05, 100)).toBe(100);
    expect(permutationFloor(359)).toBeLessThanOrEqual(0.05 / 9 / 2);
    expect(sequentialPValue(10, 40, 10, true)).toBe(0.25);
    expect(sequentialPValue(0, 99, 10, false)).toBe(0.01);
    expect(() => permutationsForLevel(5)).toThrow(/level must be in \(0, 1\)/);
  });

  it('MMD: stops after h exceedances on a null pair, spends the whole budget on a clear shift', () => {
    const x = sample(60, 4, 1), same = sample(60, 4, 2), shifted = sample(60, 4, 3, 1.5);
    const nul = mmdTestSequential(x, same, { permutations: 20, maxPermutations: 2000, stopAfter: 10, seed: 5 });
    expect(nul.permutations).toBeLessThan(200);
    expect(nul.pValue!).toBeGreaterThan(0.05);
    const alt = mmdTestSequential(x, shifted, { permutations: 20, maxPermutations: 500, stopAfter: 10, seed: 5 });
    expect(alt.permutations).toBe(500);
    expect(alt.pValue).toBeCloseTo(1 / 501, 12);
    // The first batch is exactly mmdTest's: the same statistic and bandwidth.
    const plain = mmdTest(x, shifted, { permutations: 20, seed: 5 });
    expect(alt.statistic).toBe(plain.statistic);
    expect(alt.sigma2).toBe(plain.sigma2);
  });

  it('MMD sequential p-values are calibrated under the null (rejection rate ≤ alpha + noise)', () => {
    let rejections = 0;
    const runs = 60;
    for (let s = 0; s < runs; s++) {
      const r = mmdTestSequential(sample(30, 3, 100 + s), sample(30, 3, 500 + s), { permutations: 20, maxPermutations: 200, seed: s });
      if (r.pValue! < 0.1) rejections++;
    }
    expect(rejections / runs).toBeLessThan(0.22);
  });

  it('classifier and centroid accept the same sequential budget', () => {
    const x = sample(80, 4, 1), same = sample(80, 4, 2);
    const c = classifierTest(x, same, { sequential: { maxPermutations: 400, stopAfter: 5 }, seed: 3 });
    expect(c.permutations).toBeLessThan(400);
    const b = centroidTest(x, sample(80, 4, 4, 3), { sequential: { maxPermutations: 300 }, seed: 3 });
    expect(b.bootstraps).toBe(300);
    expect(b.pValue).toBeCloseTo(1 / 301, 12);
  });
});
