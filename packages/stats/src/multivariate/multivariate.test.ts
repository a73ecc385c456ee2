import { describe, expect, it } from 'vitest';
import { createRandom } from '../random.js';
import {
  centroidTest, chooseK, classifierTest, fitPca, kMeans, lowerMedian, matrixFromRows, medianBandwidth, mmd2UnbiasedDirect,
  fitLogistic, logisticScores, mmdTest, pcaKsTest, pcaProject, rocAuc, type Matrix,
} from './index.js';

function gaussian(n: number, d: number, seed: number, shift: (j: number) => number = () => 0): Matrix {
  const r = createRandom(seed);
  return matrixFromRows(Array.from({ length: n }, () => Array.from({ length: d }, (_, j) => r.normal() + shift(j))));
}

describe('mmdTest', () => {
  it('equals the direct O(n²) unbiased MMD² formula (1e-9 relative), blocked or not', () => {
    const x = gaussian(31, 6, 1), y = gaussian(24, 6, 2, (j) => (j < 2 ? 0.4 : 0));
    for (const blockRows of [4, 7, 256]) {
      const r = mmdTest(x, y, { permutations: 20, seed: 3, blockRows });
      const direct = mmd2UnbiasedDirect(x, y, r.sigma2);
      expect(Math.abs(r.statistic - direct)).toBeLessThanOrEqual(1e-9 * Math.abs(direct));
    }
    const fixed = mmdTest(x, y, { permutations: 0, sigma2: 0.7 });
    expect(fixed.statistic).toBeCloseTo(mmd2UnbiasedDirect(x, y, 0.7), 12);
    expect(fixed.pValue).toBeNull();
  });

  it('uses σ² = ½ · lower median of squared cross distances', () => {
    const x = gaussian(10, 3, 4), y = gaussian(9, 3, 5);
    const d2: number[] = [];
    for (let i = 0; i < 10; i++) for (let j = 0; j < 9; j++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += (x.data[i * 3 + k]! - y.data[j * 3 + k]!) ** 2;
      d2.push(s);
    }
    expect(medianBandwidth(x, y)).toBeCloseTo(lowerMedian(d2) / 2, 10);
    expect(mmdTest(x, y, { permutations: 5 }).sigma2).toBeCloseTo(lowerMedian(d2) / 2, 10);
  });

  it('each permuted statistic is the MMD² of that split (checked through the null mean)', () => {
    const x = gaussian(12, 4, 6), y = gaussian(10, 4, 7);
    const r = mmdTest(x, y, { permutations: 30, seed: 9 });
    // Recompute the permutations with the same seeded shuffles.
    const pooled = [...Array.from({ length: 12 }, (_, i) => Array.from(x.data.subarray(i * 4, i * 4 + 4))), ...Array.from({ length: 10 }, (_, i) => Array.from(y.data.subarray(i * 4, i * 4 + 4)))];
    const rng = createRandom(9);
    const order = Int32Array.from({ length: 22 }, (_, i) => i);
    let sum = 0;
    for (let p = 0; p < 30; p++) {
      for (let i = order.length - 1; i > 0; i--) { const j = Math.floor(rng.next() * (i + 1)); const t = order[i]!; order[i] = order[j]!; order[j] = t; }
      const a = matrixFromRows(Array.from(order.subarray(0, 12), (i) => pooled[i]!));
      const b = matrixFromRows(Array.from(order.subarray(12), (i) => pooled[i]!));
      sum += mmd2UnbiasedDirect(a, b, r.sigma2);
    }
    expect(r.nullMean!).toBeCloseTo(sum / 30, 10);
  });

  it('has a p-value that is never 0 and detects a clear shift', () => {
    const x = gaussian(80, 8, 10), y = gaussian(80, 8, 11, () => 1);
    const r = mmdTest(x, y, { permutations: 50 });
    expect(r.pValue).toBeCloseTo(1 / 51, 12);
    const same = mmdTest(gaussian(80, 8, 12), gaussian(80, 8, 13), { permutations: 50 });
    expect(same.pValue!).toBeGreaterThan(0.05);
  });

  it('is reproducible for a seed', () => {
    const x = gaussian(40, 5, 14), y = gaussian(40, 5, 15, () => 0.2);
    expect(mmdTest(x, y, { seed: 1 }).pValue).toBe(mmdTest(x, y, { seed: 1 }).pValue);
  });
});

describe('pca', () => {
  it('recovers the dominant axis and its variance', () => {
    const r = createRandom(20);
    const x = matrixFromRows(Array.from({ length: 2000 }, () => { const t = r.normal() * 3; return [t, t, r.normal() * 0.1]; }));
    const pca = fitPca(x, 2);
    expect(Math.abs(pca.components.data[0]!)).toBeCloseTo(Math.SQRT1_2, 2);
    const p = pcaProject(pca, x);
    expect(p.cols).toBe(2);
    // The first variance is the sample variance of the first coordinate (projections are centred), ≈ 2·9.
    let ss = 0;
    for (let i = 0; i < 2000; i++) ss += p.data[i * 2]! ** 2;
    expect(pca.variances[0]!).toBeCloseTo(ss / 1999, 8);
    expect(pca.variances[0]! / pca.totalVariance).toBeGreaterThan(0.99);
  });
  it('pca-ks flags a shift along one component and not a null pair', () => {
    const shifted = pcaKsTest(gaussian(300, 6, 21), gaussian(300, 6, 22, (j) => (j === 0 ? 0.6 : 0)), { components: 6 });
    expect(shifted.pValue).toBeLessThan(0.01);
    expect(pcaKsTest(gaussian(300, 6, 23), gaussian(300, 6, 24), { components: 6 }).pValue).toBeGreaterThan(0.05);
  });
});

describe('classifier and AUC', () => {
  it('computes ROC-AUC with ties as ½', () => {
    expect(rocAuc([1, 2, 3, 4], [0, 0, 1, 1]).auc).toBe(1);
    expect(rocAuc([1, 1, 1, 1], [0, 1, 0, 1]).auc).toBe(0.5);
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]).auc).toBe(0.75);
  });
  it('separates shifted samples and not a null pair', () => {
    const drift = classifierTest(gaussian(200, 8, 30), gaussian(200, 8, 31, (j) => (j < 2 ? 0.8 : 0)), { seed: 1 });
    expect(drift.auc).toBeGreaterThan(0.6);
    expect(drift.pValue).toBeCloseTo(1 / 101, 12); // no permuted AUC reaches the observed one
    expect(drift.nullMean).toBeGreaterThan(0.4);
    expect(drift.nullMean).toBeLessThan(0.6);
    const none = classifierTest(gaussian(200, 8, 32), gaussian(200, 8, 33), { seed: 1 });
    expect(none.pValue).toBeGreaterThan(0.05);
  });
  it('fits logistic regression to its optimum (zero penalised gradient)', () => {
    const x = gaussian(120, 5, 34, (j) => j * 0.3), label = Float64Array.from({ length: 120 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    for (let i = 0; i < 120; i += 3) x.data[i * 5] += 1; // make the labels learnable along dim 0
    const lambda = 0.1;
    const model = fitLogistic(x, label, { lambda, tolerance: 1e-10 });
    const rows = Int32Array.from({ length: 120 }, (_, i) => i);
    const s = logisticScores(model, x, rows);
    const grad = new Float64Array(6);
    for (let i = 0; i < 120; i++) {
      const e = 1 / (1 + Math.exp(-s[i]!)) - label[i]!;
      for (let j = 0; j < 5; j++) grad[j] += (e * (x.data[i * 5 + j]! - model.mean[j]!) * model.scale[j]!) / 120;
      grad[5] += e / 120;
    }
    for (let j = 0; j < 5; j++) grad[j] += lambda * model.weights[j]!;
    for (const g of grad) expect(Math.abs(g)).toBeLessThan(1e-7);
    expect(model.weights[0]!).toBeGreaterThan(0.3);
  });
  it('gives an exact permutation p-value, seeded, and roughly uniform p-values under H0', () => {
    const x = gaussian(60, 4, 35), y = gaussian(50, 4, 36);
    const a = classifierTest(x, y, { seed: 3, permutations: 39 }), b = classifierTest(x, y, { seed: 3, permutations: 39 });
    expect(a).toEqual(b);
    expect(a.permutations).toBe(39);
    expect(Math.abs(a.pValue * 40 - Math.round(a.pValue * 40))).toBeLessThan(1e-9); // (1 + k) / (1 + 39)
    expect(a.pValue).toBeGreaterThanOrEqual(1 / 40);
    // 40 null pairs: the share of p ≤ 0.25 is Binomial(40, 0.25) if calibrated (mean 10, 99.9% range 2..20).
    let small = 0;
    for (let k = 0; k < 40; k++) if (classifierTest(gaussian(40, 4, 100 + k), gaussian(40, 4, 200 + k), { seed: k, permutations: 19 }).pValue <= 0.25) small++;
    expect(small).toBeGreaterThanOrEqual(2);
    expect(small).toBeLessThanOrEqual(20);
  });
});

describe('centroid', () => {
  it('reports the cosine distance of the means with a bootstrap threshold', () => {
    const x = gaussian(200, 5, 40, () => 1), y = gaussian(200, 5, 41, (j) => (j === 0 ? 2 : 1));
    const r = centroidTest(x, y, { bootstraps: 99, seed: 2 });
    expect(r.distance).toBeGreaterThan(r.threshold);
    expect(r.pValue).toBeCloseTo(0.01, 12);
    expect(centroidTest(x, gaussian(200, 5, 42, () => 1), { bootstraps: 99 }).pValue).toBeGreaterThan(0.05);
  });
});

describe('kMeans', () => {
  it('finds well-separated clusters and picks their number by silhouette', () => {
    const r = createRandom(50);
    const centres = [[0, 0], [10, 0], [0, 10]];
    const x = matrixFromRows(Array.from({ length: 150 }, (_, i) => centres[i % 3]!.map((c) => c + r.normal() * 0.5)));
    const km = kMeans(x, 3, { seed: 1 });
    expect(new Set(km.assignments).size).toBe(3);
    for (let i = 3; i < 150; i++) expect(km.assignments[i]).toBe(km.assignments[i % 3]);
    expect(chooseK(x, { kMin: 2, kMax: 6, seed: 1 }).k).toBe(3);
  });
});
