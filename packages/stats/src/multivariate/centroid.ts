/** Cosine distance between sample means, with a bootstrap null drawn from the reference alone. */
import { SEQUENTIAL_STOP_AFTER, sequentialPValue, type SequentialPermutations } from './sequential.js';
import { createRandom, type Random } from '../random.js';
import { empiricalQuantile, type Matrix } from './matrix.js';

function meanOfRows(x: Matrix, rows?: Int32Array): Float64Array {
  const d = x.cols, out = new Float64Array(d);
  const count = rows ? rows.length : x.rows;
  for (let r = 0; r < count; r++) {
    const o = (rows ? rows[r]! : r) * d;
    for (let j = 0; j < d; j++) out[j] += x.data[o + j]!;
  }
  for (let j = 0; j < d; j++) out[j] /= Math.max(1, count);
  return out;
}

/** 1 − cos(a, b); 0 when either vector is zero. */
export function cosineDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0, aa = 0, bb = 0;
  for (let j = 0; j < a.length; j++) { ab += a[j]! * b[j]!; aa += a[j]! * a[j]!; bb += b[j]! * b[j]!; }
  return aa > 0 && bb > 0 ? 1 - ab / Math.sqrt(aa * bb) : 0;
}

export interface CentroidTestResult {
  /** Cosine distance between the reference and current means. */
  distance: number;
  /** The (1 − alpha) quantile of the bootstrap null distances. */
  threshold: number;
  /** (1 + #{bootstrap ≥ observed}) / (1 + B). */
  pValue: number;
  bootstraps: number;
}

/**
 * Bootstrap null: draw m and n rows with replacement from the reference (two samples from the
 * reference distribution, sized as the real ones) and take the cosine distance between their means.
 */
export function centroidTest(x: Matrix, y: Matrix, options: { bootstraps?: number; alpha?: number; random?: Random; seed?: number; sequential?: SequentialPermutations } = {}): CentroidTestResult {
  const random = options.random ?? createRandom(options.seed ?? 0).next;
  const B = Math.max(1, options.sequential?.maxPermutations ?? options.bootstraps ?? 200);
  const stopAfter = options.sequential ? Math.max(1, Math.floor(options.sequential.stopAfter ?? SEQUENTIAL_STOP_AFTER)) : Infinity;
  const alpha = options.alpha ?? 0.05;
  const m = x.rows, n = y.rows;
  const distance = cosineDistance(meanOfRows(x), meanOfRows(y));
  const nulls = new Float64Array(B);
  const a = new Int32Array(m), b = new Int32Array(n);
  let exceed = 0, drawn = 0;
  for (let t = 0; t < B && exceed < stopAfter; t++) {
    drawn++;
    for (let i = 0; i < m; i++) a[i] = Math.floor(random() * m);
    for (let i = 0; i < n; i++) b[i] = Math.floor(random() * m);
    nulls[t] = cosineDistance(meanOfRows(x, a), meanOfRows(x, b));
    if (nulls[t]! >= distance) exceed++;
  }
  const drawnNulls = nulls.subarray(0, drawn);
  return { distance, threshold: empiricalQuantile(drawnNulls, 1 - alpha), pValue: sequentialPValue(exceed, drawn, stopAfter, exceed >= stopAfter), bootstraps: drawn };
}
