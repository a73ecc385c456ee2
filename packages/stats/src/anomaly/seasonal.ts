import { zToScore, type StreamingScorer } from './robust-z.js';

export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;

export interface DetectedPeriod {
  /** Period in milliseconds (one day or one week). */
  periodMs: number;
  /** Period in grid steps. */
  lag: number;
  /** Autocorrelation of the gridded series at that lag. */
  acf: number;
}

/** Median of positive successive differences: the sampling step of the timestamp grid. */
export function medianStep(timestamps: ArrayLike<number>): number {
  const d: number[] = [];
  for (let i = 1; i < timestamps.length; i++) {
    const s = timestamps[i]! - timestamps[i - 1]!;
    if (s > 0) d.push(s);
  }
  if (d.length === 0) return NaN;
  d.sort((a, b) => a - b);
  return d[d.length >> 1]!;
}

/**
 * Daily and weekly periods present in a series: the values are put on the regular grid of the
 * median sampling step (bucket means, gaps carried forward), and a candidate period is kept when
 * the sample autocorrelation at its lag is at least `minAcf` (Box and Jenkins; the usual ACF
 * period test). Needs at least two full periods. Strongest first.
 */
export function detectPeriods(values: ArrayLike<number>, timestamps: ArrayLike<number>, options: { minAcf?: number; maxGrid?: number } = {}): DetectedPeriod[] {
  const minAcf = options.minAcf ?? 0.3;
  const n = values.length;
  if (n < 4 || timestamps.length !== n) return [];
  const step = medianStep(timestamps);
  if (!Number.isFinite(step) || step <= 0) return [];
  const t0 = timestamps[0]!;
  const size = Math.min(options.maxGrid ?? 200_000, Math.floor((timestamps[n - 1]! - t0) / step) + 1);
  const sum = new Float64Array(size);
  const cnt = new Uint32Array(size);
  for (let i = 0; i < n; i++) {
    const g = Math.round((timestamps[i]! - t0) / step);
    if (g >= 0 && g < size) {
      sum[g] += values[i]!;
      cnt[g]!++;
    }
  }
  const grid = new Float64Array(size);
  let last = values[0]!;
  let mean = 0;
  for (let g = 0; g < size; g++) {
    if (cnt[g]! > 0) last = sum[g]! / cnt[g]!;
    grid[g] = last;
    mean += last;
  }
  mean /= size;
  let denom = 0;
  for (let g = 0; g < size; g++) denom += (grid[g]! - mean) ** 2;
  if (denom === 0) return [];
  const found: DetectedPeriod[] = [];
  for (const periodMs of [DAY_MS, WEEK_MS]) {
    const lag = Math.round(periodMs / step);
    if (lag < 2 || 2 * lag > size) continue;
    let num = 0;
    for (let g = lag; g < size; g++) num += (grid[g]! - mean) * (grid[g - lag]! - mean);
    const acf = num / denom;
    if (acf >= minAcf) found.push({ periodMs, lag, acf });
  }
  return found.sort((a, b) => b.acf - a.acf);
}

export interface SeasonalOptions {
  /** The period in milliseconds (from {@link detectPeriods}). */
  periodMs: number;
  /** Sampling step in milliseconds; the phase is binned at this resolution (max 10,080 bins). */
  stepMs: number;
  /** Weight of a new point in its phase bin's running mean and deviation (default 0.1). */
  alpha?: number;
}

/**
 * Seasonal baseline: for each phase of the period (time of day, or of week), exponentially weighted
 * mean and mean absolute deviation of the values seen at that phase (Holt-Winters-style seasonal
 * indices without trend). z = (x − mean_phase) / (1.2533·MAD_phase), floored at 1% of the range;
 * score = |z| / (|z| + 1). Memory: 3 doubles per phase bin.
 */
export class SeasonalBaseline implements StreamingScorer {
  private readonly bins: number;
  private readonly binMs: number;
  private readonly periodMs: number;
  private readonly alpha: number;
  private readonly mean: Float64Array;
  private readonly dev: Float64Array;
  private readonly seen: Uint32Array;
  private lo = Infinity;
  private hi = -Infinity;
  lastZ = 0;

  constructor(options: SeasonalOptions) {
    this.periodMs = options.periodMs;
    this.bins = Math.max(1, Math.min(10_080, Math.round(options.periodMs / Math.max(1, options.stepMs))));
    this.binMs = this.periodMs / this.bins;
    this.alpha = options.alpha ?? 0.1;
    this.mean = new Float64Array(this.bins);
    this.dev = new Float64Array(this.bins);
    this.seen = new Uint32Array(this.bins);
  }

  private bin(timestamp: number): number {
    const phase = ((timestamp % this.periodMs) + this.periodMs) % this.periodMs;
    return Math.min(this.bins - 1, Math.floor(phase / this.binMs));
  }

  z(value: number, timestamp: number): number {
    const b = this.bin(timestamp);
    if (this.seen[b]! < 2) return 0;
    // mean absolute deviation · sqrt(pi/2) estimates sigma for normal data
    const scale = Math.max(1.2533 * this.dev[b]!, 0.01 * (this.hi - this.lo), 1e-12);
    return (value - this.mean[b]!) / scale;
  }

  learn(value: number, timestamp = 0): void {
    const b = this.bin(timestamp);
    if (this.seen[b] === 0) this.mean[b] = value;
    else {
      const a = this.alpha;
      this.dev[b] = (1 - a) * this.dev[b]! + a * Math.abs(value - this.mean[b]!);
      this.mean[b] = (1 - a) * this.mean[b]! + a * value;
    }
    this.seen[b]!++;
    if (value < this.lo) this.lo = value;
    if (value > this.hi) this.hi = value;
  }

  update(value: number, timestamp = 0): number {
    this.lastZ = this.z(value, timestamp);
    this.learn(value, timestamp);
    return zToScore(this.lastZ);
  }
}

