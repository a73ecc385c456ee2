/** How the records of one time bucket become the bucket's value. */
export type BucketValue = 'count' | 'sum' | 'mean' | 'max' | 'p95';

export interface AggregateSettings {
  /** Bucket width in milliseconds; buckets are [k·everyMs, (k+1)·everyMs) from the Unix epoch. */
  everyMs: number;
  value: BucketValue;
  /** count/sum: empty buckets between the first and last record are 0 (true) or left out (false).
   * mean/max/p95 always leave empty buckets out (they have no value). */
  fillEmpty: boolean;
  /** Leave out the first and last bucket: they lie only partly inside the data's time range, so a
   * count or sum there reads as a spurious drop. */
  trimEdges: boolean;
}

/** Most buckets one dataset may span: a guard against `every: 1ms` over a year of data. */
export const MAX_BUCKETS = 5_000_000;



/** The bucketed series of one dataset. */
export interface BucketSeries {
  /** Bucket start (epoch ms) per kept bucket, in time order. */
  starts: Float64Array;
  /** Row-major bucket values, `dimension` per bucket. */
  values: Float64Array;
  /** Records aggregated into each bucket. */
  records: Int32Array;
  count: number;
  dimension: number;
  /** Empty buckets between the first and last record: filled with 0 or left out. */
  emptyFilled: number;
  emptyLeftOut: number;
  /** Edge buckets left out by `trimEdges`, and the records in them. */
  trimmed: number;
  trimmedRecords: number;
}

/** Type-7 quantile of sorted `xs[0..n)` (Hyndman and Fan 1996, the R / NumPy default). */
function sortedQuantile(xs: Float64Array, n: number, p: number): number {
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return xs[lo]! + (h - lo) * (xs[hi]! - xs[lo]!);
}

/**
 * Aggregate time-sorted rows into epoch-aligned buckets of `everyMs`. `values` holds `d` numbers
 * per row (row-major); `d` may be 0 for `count`. The series spans the bucket of the first row to
 * the bucket of the last; `count` gives one value per bucket, the other aggregates one per field.
 * Throws a RangeError when the span exceeds {@link MAX_BUCKETS}.
 */
export function bucketize(timestamps: Float64Array, values: Float64Array, n: number, d: number, s: AggregateSettings): BucketSeries {
  const dimension = s.value === 'count' ? 1 : d;
  if (n === 0) {
    return { starts: new Float64Array(0), values: new Float64Array(0), records: new Int32Array(0), count: 0, dimension, emptyFilled: 0, emptyLeftOut: 0, trimmed: 0, trimmedRecords: 0 };
  }
  const first = Math.floor(timestamps[0]! / s.everyMs);
  const last = Math.floor(timestamps[n - 1]! / s.everyMs);
  const span = last - first + 1;
  if (span > MAX_BUCKETS) {
    throw new RangeError(`the records span ${span} buckets of ${s.everyMs} ms (at most ${MAX_BUCKETS})`);
  }
  const fill = s.fillEmpty && (s.value === 'count' || s.value === 'sum');
  // rows are sorted by time, so every bucket is one contiguous run of rows
  let nonEmpty = 0;
  {
    let prev = NaN;
    for (let r = 0; r < n; r++) {
      const b = Math.floor(timestamps[r]! / s.everyMs);
      if (b !== prev) nonEmpty++;
      prev = b;
    }
  }
  const count = fill ? span : nonEmpty;
  const starts = new Float64Array(count);
  const out = new Float64Array(count * dimension);
  const records = new Int32Array(count);
  const scratch = s.value === 'p95' ? new Float64Array(n) : undefined;
  let k = 0;
  let nextBucket = first;
  let r = 0;
  while (r < n) {
    const b = Math.floor(timestamps[r]! / s.everyMs);
    let end = r + 1;
    while (end < n && Math.floor(timestamps[end]! / s.everyMs) === b) end++;
    if (fill) {
      for (; nextBucket < b; nextBucket++, k++) starts[k] = nextBucket * s.everyMs; // values and records stay 0
    }
    nextBucket = b + 1;
    starts[k] = b * s.everyMs;
    records[k] = end - r;
    if (s.value === 'count') {
      out[k] = end - r;
    } else {
      for (let j = 0; j < d; j++) {
        let acc = s.value === 'max' ? -Infinity : 0;
        if (scratch) {
          const m = end - r;
          for (let i = 0; i < m; i++) scratch[i] = values[(r + i) * d + j]!;
          const view = scratch.subarray(0, m).sort();
          acc = sortedQuantile(view, m, 0.95);
        } else {
          for (let i = r; i < end; i++) {
            const v = values[i * d + j]!;
            acc = s.value === 'max' ? Math.max(acc, v) : acc + v;
          }
          if (s.value === 'mean') acc /= end - r;
        }
        out[k * dimension + j] = acc;
      }
    }
    k++;
    r = end;
  }
  const empty = { emptyFilled: fill ? span - nonEmpty : 0, emptyLeftOut: fill ? 0 : span - nonEmpty };
  if (!s.trimEdges) return { starts, values: out, records, count, dimension, ...empty, trimmed: 0, trimmedRecords: 0 };
  // first and last bucket are non-empty by construction (they hold the first and last row)
  const from = 1;
  const to = Math.max(from, count - 1);
  return {
    starts: starts.subarray(from, to), values: out.subarray(from * dimension, to * dimension), records: records.subarray(from, to),
    count: to - from, dimension, ...empty,
    trimmed: Math.min(count, 2),
    trimmedRecords: records[0]! + (count > 1 ? records[count - 1]! : 0),
  };
}
