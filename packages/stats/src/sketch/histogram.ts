/**
 * Explicit-bucket histogram as OpenTelemetry and Prometheus export it: bucket i counts values in
 * (bounds[i−1], bounds[i]] (upper bound inclusive, Prometheus `le`), plus an overflow bucket
 * (bounds[last], +∞). Constant memory, mergeable, with exact count, sum, min and max.
 */
export interface HistogramData {
  bounds: number[];
  /** bounds.length + 1 counts. */
  counts: number[];
  sum: number;
  count: number;
  min?: number;
  max?: number;
}

export class BucketHistogram {
  readonly bounds: Float64Array;
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  min = Infinity;
  max = -Infinity;

  constructor(bounds: readonly number[]) {
    for (let i = 0; i < bounds.length; i++) {
      if (!Number.isFinite(bounds[i]!) || (i > 0 && !(bounds[i]! > bounds[i - 1]!))) {
        throw new RangeError(`histogram bounds must be finite and strictly increasing, got [${bounds.join(', ')}]`);
      }
    }
    this.bounds = Float64Array.from(bounds);
    this.counts = new Float64Array(bounds.length + 1);
  }

  add(value: number): void {
    if (value !== value) return;
    const bounds = this.bounds;
    let lo = 0;
    let hi = bounds.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (bounds[mid]! < value) lo = mid + 1;
      else hi = mid;
    }
    this.counts[lo]!++;
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  addAll(values: ArrayLike<number>): void {
    for (let i = 0; i < values.length; i++) this.add(values[i]!);
  }

  merge(other: BucketHistogram): void {
    if (other.bounds.length !== this.bounds.length || other.bounds.some((b, i) => b !== this.bounds[i])) {
      throw new RangeError('BucketHistogram.merge: bucket bounds differ');
    }
    for (let i = 0; i < this.counts.length; i++) this.counts[i]! += other.counts[i]!;
    this.count += other.count;
    this.sum += other.sum;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
  }

  /** Plain data (the shape of `MetricValue.histogram`). */
  toJSON(): HistogramData {
    const data: HistogramData = { bounds: Array.from(this.bounds), counts: Array.from(this.counts), sum: this.sum, count: this.count };
    if (this.count > 0) {
      data.min = this.min;
      data.max = this.max;
    }
    return data;
  }
}
