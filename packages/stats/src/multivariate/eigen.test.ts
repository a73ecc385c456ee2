import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { createRandom } from '../random.js';
import { symmetricEigen } from './eigen.js';

/** A random symmetric matrix: a covariance-like product plus some exact ties and zeros. */
function symmetric(n: number, seed: number, rank = n): Float64Array {
  const r = createRandom(seed);
  const x = Array.from({ length: rank * n }, () => r.normal());
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) {
    let s = 0;
    for (let k = 0; k < rank; k++) s += x[k * n + i]! * x[k * n + j]!;
    a[i * n + j] = s;
    a[j * n + i] = s;
  }
  return a;
}

describe('symmetricEigen', () => {
  it.each([[1, 1], [2, 2], [7, 3], [40, 4], [65, 5], [30, 6, 3]])('is bit-identical to ml-matrix (n=%i, seed %i)', (n, seed, rank?: number) => {
    const a = symmetric(n, seed, rank ?? n);
    const ml = new EigenvalueDecomposition(new Matrix(Array.from({ length: n }, (_, i) => Array.from(a.subarray(i * n, (i + 1) * n)))), { assumeSymmetric: true });
    const mine = symmetricEigen(a, n);
    expect(Array.from(mine.values)).toEqual(ml.realEigenvalues);
    const V = ml.eigenvectorMatrix;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(mine.vectors[i * n + j]).toBe(V.get(j, i));
  });

  it('decomposes: A v = λ v, vectors orthonormal', () => {
    const n = 12;
    const a = symmetric(n, 9);
    const { values, vectors } = symmetricEigen(a, n);
    for (let i = 0; i < n; i++) {
      for (let r = 0; r < n; r++) {
        let s = 0;
        for (let c = 0; c < n; c++) s += a[r * n + c]! * vectors[i * n + c]!;
        expect(s).toBeCloseTo(values[i]! * vectors[i * n + r]!, 8);
      }
      let norm = 0;
      for (let c = 0; c < n; c++) norm += vectors[i * n + c]! ** 2;
      expect(norm).toBeCloseTo(1, 12);
    }
    for (let i = 1; i < n; i++) expect(values[i]!).toBeGreaterThanOrEqual(values[i - 1]!);
  });
});

describe('tridiagonalEigen', () => {
  it('gives the eigenpairs of a symmetric tridiagonal matrix as symmetricEigen does (up to sign)', async () => {
    const { tridiagonalEigen } = await import('./eigen.js');
    const n = 60;
    const diagonal = Array.from({ length: n }, (_, i) => Math.sin(i) * 3 + i * 0.1);
    const off = Array.from({ length: n - 1 }, (_, i) => Math.cos(i * 1.7) + 0.5);
    const dense = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      dense[i * n + i] = diagonal[i]!;
      if (i + 1 < n) dense[i * n + i + 1] = dense[(i + 1) * n + i] = off[i]!;
    }
    const a = tridiagonalEigen(diagonal, off, n), b = symmetricEigen(dense, n);
    const byValue = (e: { values: Float64Array }) => Array.from(e.values, (v, i) => [v, i] as const).sort((x, y) => x[0] - y[0]);
    const sa = byValue(a), sb = byValue(b);
    for (let r = 0; r < n; r++) {
      expect(Math.abs(sa[r]![0] - sb[r]![0])).toBeLessThan(1e-12);
      let dot = 0;
      for (let j = 0; j < n; j++) dot += a.vectors[sa[r]![1] * n + j]! * b.vectors[sb[r]![1] * n + j]!;
      expect(Math.abs(Math.abs(dot) - 1)).toBeLessThan(1e-10);
    }
  });
});
