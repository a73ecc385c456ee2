/**
 * Quantiles by linear interpolation between order statistics: Hyndman and Fan (1996) type 7, the
 * default of numpy (`method='linear'`) and R. For sorted x of length n and p in [0, 1]:
 * h = (n − 1)·p, q = x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋ + 1] − x[⌊h⌋]). p = 0 gives the minimum, p = 1 the
 * maximum; an empty sample gives NaN.
 */
import { sortedFinite } from './sorting.js';

/** The p-quantile (type 7) of a sample already sorted ascending. */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0 || Number.isNaN(p)) return NaN;
  if (p < 0 || p > 1) throw new RangeError(`quantileSorted: p must be in [0, 1], got ${p}`);
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  if (lo >= n - 1) return sorted[n - 1]!;
  const frac = h - lo;
  const a = sorted[lo]!;
  const b = sorted[lo + 1]!;
  // numpy's lerp: exact at both ends and monotone.
  return frac >= 0.5 ? b - (b - a) * (1 - frac) : a + (b - a) * frac;
}

/** Several quantiles (type 7) of an unsorted sample; sorts one copy. Non-finite values are rejected. */
export function quantiles(values: ArrayLike<number>, ps: readonly number[]): number[] {
  const sorted = sortedFinite(values, 'quantiles');
  return ps.map((p) => quantileSorted(sorted, p));
}
