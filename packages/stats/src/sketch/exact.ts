/**
 * Exact batch quantiles: linear interpolation between order statistics, Hyndman and Fan (1996)
 * type 7 (the default of R, NumPy and Excel's PERCENTILE.INC): with the values sorted ascending as
 * x[0..n-1], Q(p) = x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]) where h = (n − 1)·p. When h is an
 * integer (e.g. p = 0, 1, or the median of an odd n) Q(p) is exactly the order statistic x[h].
 */
import { quantileSorted } from '../univariate/quantile.js';

/** Type-7 quantiles of values already sorted ascending (NaN for an empty array); one rule with univariate's `quantileSorted`. */
export function sortedQuantiles(sorted: ArrayLike<number>, ps: readonly number[]): number[] {
  return ps.map((p) => {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`quantile probability must be in [0, 1], got ${p}`);
    return quantileSorted(sorted, p);
  });
}

/** Type-7 quantiles of unsorted values (copied, then sorted; NaN values are dropped). */
export function exactQuantiles(values: ArrayLike<number>, ps: readonly number[]): number[] {
  return sortedQuantiles(sortedCopy(values), ps);
}

/** An ascending Float64Array copy of the values, NaN dropped. */
export function sortedCopy(values: ArrayLike<number>): Float64Array {
  const copy = new Float64Array(values.length);
  let k = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v === v) copy[k++] = v;
  }
  return copy.subarray(0, k).sort();
}

/**
 * The exact normalised rank interval of `value` in sorted data: [#(x < value), #(x ≤ value)] / n.
 * A quantile estimate for p has rank error max(0, lo − p, p − hi).
 */
export function rankInterval(sorted: ArrayLike<number>, value: number): [number, number] {
  const n = sorted.length;
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  const below = lo;
  hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  return [below / n, lo / n];
}

/** Rank error of an estimate `value` of the p-quantile of sorted data (0 when its rank interval contains p). */
export function rankError(sorted: ArrayLike<number>, p: number, value: number): number {
  const [lo, hi] = rankInterval(sorted, value);
  return Math.max(0, lo - p, p - hi);
}
