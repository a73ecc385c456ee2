import { describe, expect, it } from 'vitest';
import { createRandom } from '../random.js';
import { fitPca } from './pca.js';
import { selectKth, type Matrix } from './matrix.js';

const random = createRandom(11);

function matrix(rows: number, cols: number, f: (i: number, j: number) => number): Matrix {
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[i * cols + j] = f(i, j);
  return { rows, cols, data };
}

/** Largest |difference| of the variances (relative to the first) and of the loadings. */
function differences(x: Matrix, k: number): { variance: number; loading: number; leadingRows: number } {
  const full = fitPca(x, k), leading = fitPca(x, k, { method: 'leading' });
  let variance = 0, loading = 0;
  for (let c = 0; c < full.variances.length; c++) variance = Math.max(variance, Math.abs(full.variances[c]! - leading.variances[c]!) / full.variances[0]!);
  for (let t = 0; t < full.components.data.length; t++) loading = Math.max(loading, Math.abs(full.components.data[t]! - leading.components.data[t]!));
  expect(Math.abs(leading.totalVariance - full.totalVariance) / full.totalVariance).toBeLessThan(1e-13);
  expect(Array.from(leading.mean)).toEqual(Array.from(full.mean));
  return { variance, loading, leadingRows: leading.components.rows };
}

describe('fitPca, leading components by Lanczos', () => {
  it('agrees with the full eigendecomposition on a flat (Marchenko–Pastur) spectrum, the slowest to converge', () => {
    const { variance, loading, leadingRows } = differences(matrix(600, 192, () => random.normal()), 10);
    expect(leadingRows).toBe(10);
    expect(variance).toBeLessThan(1e-12);
    expect(loading).toBeLessThan(1e-9);
  });

  it('agrees on a decaying spectrum like embeddings\', with a shifted mean', () => {
    const { variance, loading } = differences(matrix(500, 256, (_, j) => 3 + random.normal() / (1 + 0.05 * j)), 10);
    expect(variance).toBeLessThan(1e-12);
    expect(loading).toBeLessThan(1e-9);
  });

  it('finds a repeated leading eigenvalue as often as it occurs (or falls back to the full method)', () => {
    // Four dimensions of ±3 over all sign patterns: one eigenvalue of multiplicity 4 on top.
    const x = matrix(800, 96, (i, j) => (j < 4 ? ((i >> j) & 1 ? 3 : -3) : 0.1 * random.normal()));
    const leading = fitPca(x, 6, { method: 'leading' }), full = fitPca(x, 6);
    for (let c = 0; c < 6; c++) expect(leading.variances[c]).toBeCloseTo(full.variances[c]!, 9);
    expect(leading.variances[3]! / leading.variances[4]!).toBeGreaterThan(100);
  });

  it('handles fewer rows than dimensions (a rank-deficient covariance)', () => {
    const { variance, loading } = differences(matrix(40, 128, () => random.normal()), 8);
    expect(variance).toBeLessThan(1e-12);
    expect(loading).toBeLessThan(1e-9);
  });

  it('keeps the full method, bit for bit, for few dimensions or many components', () => {
    const small = matrix(100, 32, () => random.normal());
    expect(fitPca(small, 5, { method: 'leading' })).toEqual(fitPca(small, 5));
    const many = matrix(300, 64, () => random.normal());
    expect(fitPca(many, 40, { method: 'leading' })).toEqual(fitPca(many, 40));
  });
});

describe('selectKth', () => {
  it('gives the k-th smallest value exactly, on large inputs with ties, sorted runs and outliers', () => {
    const r = createRandom(5);
    const n = 200_003;
    const cases: Record<string, Float64Array> = {
      normal: Float64Array.from({ length: n }, () => r.normal()),
      ties: Float64Array.from({ length: n }, () => Math.floor(r.next() * 7)),
      sorted: Float64Array.from({ length: n }, (_, i) => i * 0.5),
      descending: Float64Array.from({ length: n }, (_, i) => -i),
      outliers: Float64Array.from({ length: n }, (_, i) => (i % 1000 === 0 ? 1e300 : r.next())),
      // the strided sample sees only one value: the bracket misses and quickselect takes over
      strided: Float64Array.from({ length: n }, (_, i) => (i % 24 === 12 ? 5 : r.next())),
    };
    for (const [label, values] of Object.entries(cases)) {
      const sorted = Float64Array.from(values).sort();
      for (const k of [0, 1, (n - 1) >> 1, n - 2, n - 1, 12_345]) expect(selectKth(Float64Array.from(values), k), `${label}, k=${k}`).toBe(sorted[k]);
    }
  });
});
