import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createRandom } from '../random.js';
import { blockPermutationTest, bootstrapCi, mcnemarPaired, mcnemarTest, signFlipTest, wilcoxonExactPmf, wilcoxonSignedRank } from './index.js';

// Values from scipy 1.17 (scripts/gen-paired-fixtures.py).
const fixtures = JSON.parse(readFileSync(new URL('./__fixtures__/paired.json', import.meta.url), 'utf8')) as {
  wilcoxon: { name: string; d: number[]; zeroMethod: 'wilcox' | 'pratt'; statistic: number; pValue: number }[];
  mcnemar: { b: number; c: number; pValue: number; method: string }[];
};

describe('wilcoxonSignedRank', () => {
  for (const f of fixtures.wilcoxon) {
    it(`equals scipy.stats.wilcoxon: ${f.name}`, () => {
      const r = wilcoxonSignedRank(f.d, { zeroMethod: f.zeroMethod });
      expect(r.statistic).toBeCloseTo(f.statistic, 9);
      expect(r.pValue).toBeCloseTo(f.pValue, 12);
      expect(Math.abs(r.pValue - f.pValue) / f.pValue).toBeLessThan(1e-9);
    });
  }

  it('has an exact null distribution that sums to 1 and is symmetric', () => {
    const pmf = wilcoxonExactPmf(12);
    expect(pmf.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(pmf[0]).toBeCloseTo(pmf[pmf.length - 1]!, 15);
    expect(pmf[0]).toBe(1 / 4096);
  });

  it('gives p = 1 and a zero effect when every difference is 0, and the rank-biserial sign follows the shift', () => {
    expect(wilcoxonSignedRank([0, 0, 0])).toMatchObject({ pValue: 1, n: 0, rankBiserial: 0 });
    expect(wilcoxonSignedRank([1, 2, 3, 4, -0.5]).rankBiserial).toBeCloseTo((14 - 1) / 15, 12);
  });

  it('rejects non-finite differences', () => {
    expect(() => wilcoxonSignedRank([1, NaN])).toThrow('difference 1 is NaN');
  });
});

describe('mcnemarTest', () => {
  for (const f of fixtures.mcnemar) {
    it(`b=${f.b}, c=${f.c} equals the ${f.method} reference`, () => {
      const r = mcnemarTest(f.b, f.c);
      expect(r.method).toBe(f.method);
      expect(Math.abs(r.pValue - f.pValue) / f.pValue).toBeLessThan(1e-9);
    });
  }

  it('counts discordant pairs from paired outcomes', () => {
    expect(mcnemarPaired([1, 1, 0, 0, 1], [0, 1, 1, 0, 0])).toMatchObject({ b: 2, c: 1 });
    expect(() => mcnemarPaired([2], [0])).toThrow('outcomes must be 0 or 1');
  });
});

describe('permutation tests and bootstrap', () => {
  it('sign-flip test enumerates every assignment for small n', () => {
    // 5 positive differences: only the identity and the all-flipped assignment are as extreme.
    const r = signFlipTest([1, 2, 3, 4, 5], { random: createRandom(1).next });
    expect(r).toMatchObject({ method: 'exact', permutations: 32 });
    expect(r.pValue).toBeCloseTo(2 / 32, 15);
  });

  it('sign-flip and block tests hold their size under H0 (seeded)', () => {
    const random = createRandom(11);
    let flips = 0, blocks = 0;
    const runs = 300;
    for (let k = 0; k < runs; k++) {
      const d = Array.from({ length: 30 }, () => random.normal());
      if (signFlipTest(d, { random: random.next, permutations: 199 }).pValue < 0.05) flips++;
      const contrasts = Array.from({ length: 30 }, () => {
        const x = [random.normal(), random.normal(), random.normal()];
        const s = x[0]! + x[1]! + x[2]!;
        return x.map((v) => v - (s - v) / 2);
      });
      if (blockPermutationTest(contrasts, contrasts.map(() => 0), { random: random.next, permutations: 199 }).pValue < 0.05) blocks++;
    }
    expect(flips / runs).toBeLessThan(0.09);
    expect(blocks / runs).toBeLessThan(0.09);
  });

  it('block test detects a member that is consistently higher', () => {
    const random = createRandom(3);
    const contrasts = Array.from({ length: 40 }, () => {
      const x = [random.normal() + 1, random.normal(), random.normal()];
      const s = x[0]! + x[1]! + x[2]!;
      return x.map((v) => v - (s - v) / 2);
    });
    expect(blockPermutationTest(contrasts, contrasts.map(() => 0), { random: random.next }).pValue).toBeLessThan(0.001);
  });

  it('percentile bootstrap covers the mean of a sample and is reproducible for a seed', () => {
    const xs = Array.from({ length: 200 }, (_, i) => (i % 10) / 10);
    const mean = (idx: Int32Array) => idx.reduce((s, i) => s + xs[i]!, 0) / idx.length;
    const a = bootstrapCi(xs.length, mean, { random: createRandom(5).next });
    const b = bootstrapCi(xs.length, mean, { random: createRandom(5).next });
    expect(a).toEqual(b);
    expect(a.low).toBeLessThan(0.45);
    expect(a.high).toBeGreaterThan(0.45);
    expect(a.high - a.low).toBeLessThan(0.12);
  });
});
