/** Principal component analysis by eigendecomposition of the sample covariance (symmetric QL, eigen.ts). */
import { symmetricEigen } from './eigen.js';
import { columnMeans, gramUpper, type Matrix } from './matrix.js';

export interface Pca {
  /** Mean of the fitted data (length d). */
  readonly mean: Float64Array;
  /** Principal axes as rows (k × d), unit length, by decreasing variance. */
  readonly components: Matrix;
  /** Variance along each component (length k). */
  readonly variances: Float64Array;
  /** Total variance of the fitted data (sum over all d dimensions). */
  readonly totalVariance: number;
}

/** Fit `k` principal components on the rows of `x` (k is capped at min(d, rows − 1)). */
export function fitPca(x: Matrix, k: number): Pca {
  const { rows: n, cols: d } = x;
  if (n < 2) throw new RangeError(`PCA needs at least 2 rows (got ${n})`);
  const mean = columnMeans(x);
  // Centred data, transposed (d × n), so that the covariance is a Gram product of its rows.
  const t = new Float64Array(d * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) t[j * n + i] = x.data[i * d + j]! - mean[j]!;
  const cov = new Float64Array(d * d);
  gramUpper({ rows: d, cols: n, data: t }, 0, d, cov, d);
  const c = new Float64Array(d * d);
  let totalVariance = 0;
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      const v = cov[i * d + j]! / (n - 1);
      c[i * d + j] = v;
      c[j * d + i] = v;
    }
    totalVariance += cov[i * d + i]! / (n - 1);
  }
  const eig = symmetricEigen(c, d);
  const values = Array.from(eig.values);
  // Row idx of eig.vectors is the eigenvector of values[idx].
  const vectors = eig.vectors;
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]).map(([, i]) => i);
  const kk = Math.max(1, Math.min(k, d, n - 1));
  const components = new Float64Array(kk * d);
  const variances = new Float64Array(kk);
  for (let c2 = 0; c2 < kk; c2++) {
    const idx = order[c2]!;
    variances[c2] = Math.max(0, values[idx]!);
    // Sign convention: the largest-magnitude loading is positive, so components are reproducible.
    let maxAbs = 0, sign = 1;
    const row = idx * d;
    for (let j = 0; j < d; j++) {
      const v = vectors[row + j]!;
      if (Math.abs(v) > maxAbs) { maxAbs = Math.abs(v); sign = v < 0 ? -1 : 1; }
    }
    for (let j = 0; j < d; j++) components[c2 * d + j] = sign * vectors[row + j]!;
  }
  return { mean, components: { rows: kk, cols: d, data: components }, variances, totalVariance };
}

/** Coordinates of the rows of `x` on the components of `pca` (rows × k). */
export function pcaProject(pca: Pca, x: Matrix): Matrix {
  const { rows: k, cols: d, data: w } = pca.components;
  if (x.cols !== d) throw new RangeError(`PCA was fitted on ${d} dimensions, got ${x.cols}`);
  const out = new Float64Array(x.rows * k);
  const centred = new Float64Array(d);
  for (let i = 0; i < x.rows; i++) {
    for (let j = 0; j < d; j++) centred[j] = x.data[i * d + j]! - pca.mean[j]!;
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0, o = c * d; j < d; j++) s += centred[j]! * w[o + j]!;
      out[i * k + c] = s;
    }
  }
  return { rows: x.rows, cols: k, data: out };
}

/** The first `k` components of a fitted PCA (views, no copy). */
export function truncatePca(pca: Pca, k: number): Pca {
  const kk = Math.min(k, pca.components.rows);
  const d = pca.components.cols;
  return { ...pca, components: { rows: kk, cols: d, data: pca.components.data.subarray(0, kk * d) }, variances: pca.variances.subarray(0, kk) };
}
