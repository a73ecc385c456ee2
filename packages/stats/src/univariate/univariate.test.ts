import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  alignCategoryCounts, benjaminiHochberg, binnedShares, bonferroni, chiSquareContingency, chiSquareLogSf, chiSquareSf,
  chiSquareTest, cohensD, cramersV, cramerVonMises2Samp, energyDistance, jensenShannonCategorical, jensenShannonNumeric,
  kolmogorovFiniteSf, kolmogorovSf, ks2Samp, normalCdf, normalSf, psi, quantiles, quantileSorted, referenceQuantileEdges,
  smirnovSf, totalVariation, wasserstein1, wassersteinNormalized,
} from './index.js';

// Expected values come from scipy (see packages/stats/scripts/gen-univariate-fixtures.py).
const fixture = JSON.parse(readFileSync(new URL('../../test/fixtures/univariate.json', import.meta.url), 'utf8'));

/** |actual − expected| ≤ rel·|expected| (+ abs for expected values at 0). */
function close(actual: number, expected: number | null, rel: number, abs = 0): void {
  if (expected === null) throw new Error('fixture value is null');
  const tol = rel * Math.abs(expected) + abs;
  if (!(Math.abs(actual - expected) <= tol)) {
    throw new Error(`expected ${expected}, got ${actual} (|diff| ${Math.abs(actual - expected)} > ${tol})`);
  }
}

const STAT = 1e-9;
const PVAL = 0.01;

describe('ks2Samp', () => {
  for (const c of fixture.ks) {
    it(`${c.name} (${c.a.length} vs ${c.b.length}, ${c.method})`, () => {
      const r = ks2Samp(c.a, c.b, { method: c.method });
      expect(r.method).toBe(c.expectedMethod);
      close(r.statistic, c.statistic, STAT, 1e-15);
      // scipy returns exactly 0 beyond double range; we clip to the smallest double.
      if (c.pValue === 0) expect(r.pValue).toBe(Number.MIN_VALUE);
      else close(r.pValue, c.pValue, PVAL);
    });
  }
  it('is symmetric and rejects empty or non-finite samples', () => {
    const a = [1, 2, 3, 4, 5.5];
    const b = [2.5, 3, 7, 8];
    expect(ks2Samp(a, b)).toEqual(ks2Samp(b, a));
    expect(() => ks2Samp([], b)).toThrow(/empty/);
    expect(() => ks2Samp([1, NaN], b)).toThrow(/not a finite number/);
  });
  it('gives D = 0 and p = 1 for identical samples', () => {
    const r = ks2Samp([1, 2, 2, 3], [3, 2, 1, 2]);
    expect(r.statistic).toBe(0);
    expect(r.pValue).toBe(1);
  });
});

describe('Kolmogorov distributions', () => {
  it('kstwo.sf over every method regime', () => {
    for (const c of fixture.kstwo) {
      if (c.sf === 0) expect(kolmogorovFiniteSf(c.n, c.x)).toBeLessThan(1e-150);
      else close(kolmogorovFiniteSf(c.n, c.x), c.sf, 1e-6, 1e-14);
    }
  });
  it('kstwobign.sf', () => {
    for (const c of fixture.kstwobign) close(kolmogorovSf(c.x), c.sf, 1e-10, 1e-16);
  });
  it('smirnov', () => {
    for (const c of fixture.smirnov) close(smirnovSf(c.n, c.x), c.sf, 1e-9, 1e-300);
  });
});

describe('chi-square', () => {
  it('chiSquareSf and chiSquareLogSf equal scipy chi2.sf / logsf', () => {
    for (const c of fixture.chi2Sf) {
      // scipy's logsf is log(sf) and gives -inf (null in JSON) once sf underflows; ours stays finite.
      if (c.logSf === null) expect(chiSquareLogSf(c.x, c.dof)).toBeLessThan(-700);
      else close(chiSquareLogSf(c.x, c.dof), c.logSf, 1e-9, 1e-12);
      if (c.sf === 0) {
        // scipy underflows to 0; ours is the (possibly subnormal) true value, at least Number.MIN_VALUE.
        expect(chiSquareSf(c.x, c.dof)).toBeGreaterThan(0);
        expect(chiSquareSf(c.x, c.dof)).toBeLessThan(1e-300);
      }
      else close(chiSquareSf(c.x, c.dof), c.sf, 1e-8);
    }
  });
  for (const c of fixture.chi2Tables) {
    it(`chi2_contingency(correction=False) ${c.name}`, () => {
      const r = c.table.length === 2 ? chiSquareTest(c.table[0], c.table[1]) : chiSquareContingency(c.table);
      expect(r.dof).toBe(c.dof);
      close(r.statistic, c.statistic, STAT, 1e-12);
      if (c.pValue === 0) {
        expect(r.pValue).toBe(Number.MIN_VALUE);
        if (c.logSf === null) expect(chiSquareLogSf(r.statistic, r.dof)).toBeLessThan(-700);
        else close(chiSquareLogSf(r.statistic, r.dof), c.logSf, 1e-9);
      } else close(r.pValue, c.pValue, 1e-8);
      if (c.tvd !== undefined) {
        close(totalVariation(c.table[0], c.table[1]), c.tvd, STAT, 1e-15);
        close(jensenShannonCategorical(c.table[0], c.table[1]), c.jensenShannon, STAT, 1e-12);
        close(cramersV(c.table[0], c.table[1]), c.cramersV, STAT, 1e-12);
      }
    });
  }
  it('aligns string samples, counting categories unseen in the reference', () => {
    const c = fixture.categorical;
    const aligned = alignCategoryCounts(c.reference, c.current);
    expect(aligned.categories).toEqual(c.categories);
    expect([...aligned.reference]).toEqual(c.referenceCounts);
    expect([...aligned.current]).toEqual(c.currentCounts);
    expect(aligned.unseenInReference).toEqual(['e']);
    const r = chiSquareTest(aligned.reference, aligned.current);
    close(r.statistic, c.statistic, STAT);
    close(r.pValue, c.pValue, 1e-8);
    expect(r.dof).toBe(c.dof);
    close(totalVariation(aligned.reference, aligned.current), c.tvd, STAT);
    close(jensenShannonCategorical(aligned.reference, aligned.current), c.jensenShannon, STAT);
  });
  it('rejects negative counts and mismatched lengths', () => {
    expect(() => chiSquareTest([1, -1], [2, 3])).toThrow(/≥ 0/);
    expect(() => chiSquareTest([1, 2], [2])).toThrow(/differ in length/);
  });
});

describe('distances', () => {
  for (const c of fixture.distances) {
    it(`${c.name} (${c.a.length} vs ${c.b.length})`, () => {
      close(wasserstein1(c.a, c.b), c.wasserstein, STAT);
      close(wassersteinNormalized(c.a, c.b), c.wassersteinNormalized, STAT);
      close(energyDistance(c.a, c.b), c.energy, STAT);
      close(cohensD(c.a, c.b), c.cohensD, STAT);
      for (const bins of [5, 10, 20]) {
        expect([...referenceQuantileEdges(c.a, bins)].length).toBe(c[`edges${bins}`].length);
        [...referenceQuantileEdges(c.a, bins)].forEach((e, i) => close(e, c[`edges${bins}`][i], 1e-12, 1e-12));
        close(psi(c.a, c.b, { bins }), c[`psi${bins}`], STAT, 1e-15);
        close(jensenShannonNumeric(c.a, c.b, { bins }), c[`js${bins}`], STAT, 1e-12);
      }
    });
  }
  it('distances are 0 between a sample and itself', () => {
    const a = [3, 1, 4, 1, 5, 9, 2, 6];
    expect(wasserstein1(a, a)).toBe(0);
    expect(energyDistance(a, a)).toBe(0);
    expect(psi(a, a, { bins: 4 })).toBe(0);
    expect(jensenShannonNumeric(a, a, { bins: 4 })).toBe(0);
  });
  it('counts current values beyond the reference range in the open outer bins', () => {
    const s = binnedShares([1, 2, 3, 4], [-10, 100], 2);
    expect(s.current[0]! + s.current[s.current.length - 1]!).toBe(1);
  });
});

describe('cramerVonMises2Samp', () => {
  for (const c of fixture.cvm) {
    it(`${c.name} (${c.a.length} vs ${c.b.length})`, () => {
      const r = cramerVonMises2Samp(c.a, c.b, { method: c.method });
      close(r.statistic, c.statistic, STAT, 1e-15);
      close(r.pValue, c.pValue, PVAL);
    });
  }
});

describe('quantiles (type 7)', () => {
  for (const c of fixture.quantiles) {
    it(`${c.name}: numpy.quantile(method='linear')`, () => {
      const got = quantiles(c.values, c.ps);
      got.forEach((q, i) => close(q, c.expected[i], 1e-12, 1e-12));
      const sorted = Float64Array.from(c.values as number[]).sort();
      expect(quantileSorted(sorted, 0.5)).toBe(got[c.ps.indexOf(0.5)]);
    });
  }
  it('returns NaN for an empty sample and rejects p outside [0, 1]', () => {
    expect(quantileSorted([], 0.5)).toBeNaN();
    expect(() => quantileSorted([1, 2], 1.5)).toThrow(/\[0, 1\]/);
  });
});

describe('multiple testing', () => {
  for (const c of fixture.multiple) {
    it(`bonferroni and BH (statsmodels fdr_bh) on ${c.p.length} p-values`, () => {
      bonferroni(c.p).forEach((q, i) => close(q, c.bonferroni[i], 1e-12));
      const bh = benjaminiHochberg(c.p);
      bh.forEach((q, i) => close(q, c.bh[i], 1e-12));
      // monotone in p, capped at 1
      const order = c.p.map((_: number, i: number) => i).sort((a: number, b: number) => c.p[a] - c.p[b]);
      for (let k = 1; k < order.length; k++) expect(bh[order[k]]!).toBeGreaterThanOrEqual(bh[order[k - 1]]!);
      for (const q of bh) expect(q).toBeLessThanOrEqual(1);
    });
  }
});

describe('normal distribution', () => {
  it('matches known values', () => {
    close(normalCdf(1.959963984540054), 0.975, 1e-12);
    close(normalSf(5), 2.866515718791939e-7, 1e-10);
    close(normalSf(-1), 0.8413447460685429, 1e-12);
    close(normalCdf(0), 0.5, 1e-15);
  });
});
