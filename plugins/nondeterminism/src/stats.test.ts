import { describe, expect, it } from 'vitest';
import { binomialRatio, normalQuantile, passAtK, passHatK, semanticEntropy, wilcoxonSignedRank, wilsonInterval } from './stats.js';

describe('pass^k and pass@k', () => {
  it('match the binomial formulas on hand-computed cases', () => {
    // n = 10, c = 7: pass^3 = C(7,3)/C(10,3) = 35/120; pass@3 = 1 − C(3,3)/C(10,3) = 119/120.
    expect(passHatK(10, 7, 3)).toBeCloseTo(35 / 120, 14);
    expect(passAtK(10, 7, 3)).toBeCloseTo(119 / 120, 14);
    // k = 1 is the pass rate both ways.
    expect(passHatK(10, 7, 1)).toBeCloseTo(0.7, 14);
    expect(passAtK(10, 7, 1)).toBeCloseTo(0.7, 14);
    // Fewer passes than k: pass^k is 0; fewer failures than k: pass@k is 1.
    expect(passHatK(5, 2, 3)).toBe(0);
    expect(passAtK(5, 3, 3)).toBe(1);
    expect(binomialRatio(4, 4, 4)).toBe(1);
    expect(() => binomialRatio(3, 4, 5)).toThrow(RangeError);
  });
});

describe('Wilson interval', () => {
  it('matches published values', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963985, 8);
    const [lo, hi] = wilsonInterval(0, 10);
    expect(lo).toBe(0);
    expect(hi).toBeCloseTo(0.2775, 4);
    const [a, b] = wilsonInterval(7, 10);
    expect(a).toBeCloseTo(0.3968, 4);
    expect(b).toBeCloseTo(0.8922, 4);
  });
});

describe('semantic entropy', () => {
  it('is the entropy of cluster shares, and of cluster probability mass when log-probabilities are given', () => {
    expect(semanticEntropy([0, 0, 0, 0]).discrete).toBe(0);
    expect(semanticEntropy([0, 1, 2, 3]).discrete).toBeCloseTo(Math.log(4), 14);
    // Shares 2/4, 1/4, 1/4: −(½ ln ½ + 2 · ¼ ln ¼) = 1.5 ln 2.
    expect(semanticEntropy([0, 0, 1, 2]).discrete).toBeCloseTo(1.5 * Math.log(2), 14);
    // Sequence probabilities 0.4, 0.4 (cluster 0) and 0.2 (cluster 1): masses 0.8 / 0.2.
    const weighted = semanticEntropy([0, 0, 1], [Math.log(0.4), Math.log(0.4), Math.log(0.2)]).weighted!;
    expect(weighted).toBeCloseTo(-(0.8 * Math.log(0.8) + 0.2 * Math.log(0.2)), 14);
    expect(semanticEntropy([0, 1], [0, NaN]).weighted).toBeNull();
  });
});

describe('Wilcoxon signed-rank (one-sided, greater)', () => {
  it('exact p-value without ties (scipy.stats.wilcoxon: 0.3125)', () => {
    const r = wilcoxonSignedRank([1, 2, 3, 4, -5]);
    expect(r).toMatchObject({ statistic: 10, n: 5, method: 'exact' });
    expect(r.pValue).toBeCloseTo(10 / 32, 14);
  });

  it('drops zeros and uses the normal approximation with tie and continuity correction when ranks tie', () => {
    const r = wilcoxonSignedRank([1, 1, 2, 2, 3, -1, 0]);
    // Ranks of |d|: 2 2 2 4.5 4.5 6; W+ = 19; var = 6·7·13/24 − (3³−3 + 2³−2)/48 = 22.125.
    expect(r).toMatchObject({ statistic: 19, n: 6, method: 'normal' });
    const z = (19 - 10.5 - 0.5) / Math.sqrt(22.125);
    expect(z).toBeCloseTo(1.7008, 4);
    expect(r.pValue).toBeCloseTo(0.04449, 4);
  });

  it('all-zero differences are no evidence', () => {
    expect(wilcoxonSignedRank([0, 0]).pValue).toBe(1);
  });
});
