/**
 * The anomaly score scale shared by the reference level channel: s = L / (L + 4/9) with
 * L = −log10(p), p an estimated per-point false-alarm probability. s = 0.9 ⇔ p = 1e-4 (one normal
 * point in 10,000 scores that high), s = 0.818 ⇔ p = 0.01, s = 0.947 ⇔ p = 1e-8, p = 0.5 → 0.40.
 */
export function pToScore(p: number): number {
  if (!(p < 1)) return 0;
  const l = -Math.log10(Math.max(p, 1e-300));
  return l / (l + 4 / 9);
}

/** Inverse of {@link pToScore}: the per-point false-alarm probability a score stands for. */
export function scoreToP(score: number): number {
  if (!(score > 0)) return 1;
  if (score >= 1) return 0;
  return 10 ** (-(4 / 9) * (score / (1 - score)));
}

// Acklam's rational approximation of the normal quantile (coefficients hoisted: no arrays per call).
const QA0 = -3.969683028665376e1, QA1 = 2.209460984245205e2, QA2 = -2.759285104469687e2, QA3 = 1.38357751867269e2, QA4 = -3.066479806614716e1, QA5 = 2.506628277459239;
const QB0 = -5.447609879822406e1, QB1 = 1.615858368580409e2, QB2 = -1.556989798598866e2, QB3 = 6.680131188771972e1, QB4 = -1.328068155288572e1;
const QC0 = -7.784894002430293e-3, QC1 = -3.223964580411365e-1, QC2 = -2.400758277161838, QC3 = -2.549732539343734, QC4 = 4.374664141464968, QC5 = 2.938163982698783;
const QD0 = 7.784695709041462e-3, QD1 = 3.224671290700398e-1, QD2 = 2.445134137142996, QD3 = 3.754408661907416;

/** Standard normal quantile Φ⁻¹(p) (Acklam's rational approximation, relative error < 1.2e-9: enough for a CUSUM increment). */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  let x: number;
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((QC0 * q + QC1) * q + QC2) * q + QC3) * q + QC4) * q + QC5) / ((((QD0 * q + QD1) * q + QD2) * q + QD3) * q + 1);
  } else if (p <= 1 - 0.02425) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((QA0 * r + QA1) * r + QA2) * r + QA3) * r + QA4) * r + QA5) * q) / (((((QB0 * r + QB1) * r + QB2) * r + QB3) * r + QB4) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((QC0 * q + QC1) * q + QC2) * q + QC3) * q + QC4) * q + QC5) / ((((QD0 * q + QD1) * q + QD2) * q + QD3) * q + 1);
  }
  return x;
}

export interface ReferenceLevelOptions {
  /** CUSUM allowance k in standard deviations of the standardised reference scores (default 0.5: tuned to a one-σ shift). */
  allowance?: number;
  /** Share of the reference in each fitted tail (default 0.02, at least `minTail` points). */
  tailShare?: number;
  /** Fewest points in a fitted tail (default 20). */
  minTail?: number;
  /** Per-point probability at which the CUSUM statistics are capped, so an alarm clears a few points after a shift ends (default 1e-5). */
  capP?: number;
  /** |z| limit of one point's CUSUM increment, so one extreme point cannot hold an alarm for long (default 4). */
  clip?: number;
  /** Lags of the reference's autocorrelation used to inflate the CUSUM's variance (default 20). */
  lags?: number;
}

/** Φ⁻¹(0.75): the reference's upper quartile as a normal score. */
const QUARTILE_Z = 0.6744897501960817;

/** Fewest reference values a {@link ReferenceLevel} accepts. */
export const MIN_LEVEL_REFERENCE = 30;

/** Siegmund's approximation of the in-control average run length of a one-sided CUSUM with allowance k and limit h (unit-variance normal increments). */
function cusumArl(k: number, h: number): number {
  const b = h + 1.166;
  const x = 2 * k * b;
  return (Math.exp(x) - x - 1) / (2 * k * k);
}

/**
 * The level of a series against a frozen reference distribution (what "normal" looked like), so a
 * sustained shift keeps scoring for as long as it lasts instead of being learned as the new normal.
 * Two channels, each an estimated per-point false-alarm probability p:
 *
 * 1. Point: the two-sided tail probability of the value under the reference, 2·min(P(Y ≥ x), P(Y ≤ x)):
 *    empirical (with +1 smoothing) in the body; beyond the outer `tailShare` of each side an
 *    exponential tail fitted to the excesses (peaks over threshold with shape 0, as SPOT, Siffer et
 *    al. 2017), on the log scale when every reference value is positive (a heavy-tailed latency's
 *    log has a light tail, so the fit stays conservative).
 * 2. Sustained shift: each value's reference quantile as a normal score z = Φ⁻¹(mid-rank PIT),
 *    standardised by the reference's own mean and sd of z and divided by √(long-run variance
 *    factor) of its autocorrelation (Bartlett weights, `lags` lags), feeds an upper and a lower
 *    CUSUM (Page 1954) with allowance k; S is mapped to p = 2 / ARL₀(S) by Siegmund's
 *    approximation. S is capped at ARL₀ = 2/capP, so an alarm clears a few points after a shift ends.
 *    The upper S is charged only to a point above the reference's upper quartile (the lower S to
 *    one below the lower quartile): an ordinary value inside a shifted period is not an anomaly.
 *
 * The level p is 2·min(p_point, p_cusum) (Bonferroni over the two channels), reported as a score
 * with {@link pToScore}: 0.9 ⇔ p = 1e-4.
 */
export class ReferenceLevel {
  private readonly sorted: Float64Array;
  /** Whether the reference was modelled on the log scale (every value positive). */
  readonly logScale: boolean;
  private readonly n: number;
  private readonly k: number;
  private readonly cap: number;
  private readonly clip: number;
  private readonly zMean: number;
  private readonly zScale: number;
  private readonly upperU: number;
  private readonly upperBeta: number;
  private readonly lowerU: number;
  private readonly lowerBeta: number;
  private readonly tailCount: number;
  private up = 0;
  private down = 0;
  /** The point channel's p of the last value. */
  lastPointP = 1;
  /** The CUSUM channel's p of the last value. */
  lastShiftP = 1;
  /** The long-run variance factor estimated on the reference (≥ 1). */
  readonly varianceFactor: number;

  constructor(reference: ArrayLike<number>, options: ReferenceLevelOptions = {}) {
    const values: number[] = [];
    for (let i = 0; i < reference.length; i++) if (Number.isFinite(reference[i]!)) values.push(reference[i]!);
    if (values.length < MIN_LEVEL_REFERENCE) throw new RangeError(`ReferenceLevel: needs at least ${MIN_LEVEL_REFERENCE} finite reference values, got ${values.length}`);
    this.logScale = values.every((v) => v > 0);
    const ys = Float64Array.from(values, (v) => this.transform(v));
    this.sorted = Float64Array.from(ys).sort();
    const n = (this.n = ys.length);
    this.k = options.allowance ?? 1;
    this.clip = options.clip ?? 4;
    const minTail = options.minTail ?? 20;
    const tail = Math.min(Math.floor(n / 4), Math.max(minTail, Math.floor((options.tailShare ?? 0.02) * n)));
    this.tailCount = tail;
    const s = this.sorted;
    const range = s[n - 1]! - s[0]!;
    const floor = Math.max(range * 1e-3, 1e-9 * Math.max(1, Math.abs(s[n - 1]!)));
    this.upperU = s[n - 1 - tail]!;
    let sumU = 0;
    for (let i = n - tail; i < n; i++) sumU += s[i]! - this.upperU;
    this.upperBeta = Math.max(sumU / tail, floor);
    this.lowerU = s[tail]!;
    let sumL = 0;
    for (let i = 0; i < tail; i++) sumL += this.lowerU - s[i]!;
    this.lowerBeta = Math.max(sumL / tail, floor);

    // In-sample normal scores of the reference: their mean, sd and autocorrelation.
    const z = Float64Array.from(ys, (y) => this.rawZ(y));
    let mean = 0;
    for (const v of z) mean += v;
    mean /= n;
    let v0 = 0;
    for (const v of z) v0 += (v - mean) ** 2;
    v0 /= n;
    this.zMean = mean;
    const sd = Math.sqrt(v0) || 1;
    const lags = Math.min(options.lags ?? 20, Math.floor(n / 10));
    let factor = 1;
    if (v0 > 0) {
      for (let j = 1; j <= lags; j++) {
        let c = 0;
        for (let i = j; i < n; i++) c += (z[i]! - mean) * (z[i - j]! - mean);
        factor += 2 * (1 - j / (lags + 1)) * (c / n / v0);
      }
    }
    this.varianceFactor = Math.min(20, Math.max(1, factor));
    this.zScale = sd * Math.sqrt(this.varianceFactor);
    // Cap: the S whose two-sided p is capP (bisection on the monotone ARL).
    const capP = options.capP ?? 1e-7;
    let lo = 0;
    let hi = 100;
    for (let it = 0; it < 60; it++) {
      const mid = (lo + hi) / 2;
      if (2 / cusumArl(this.k, mid) > capP) lo = mid;
      else hi = mid;
    }
    this.cap = hi;
  }

  private transform(x: number): number {
    return this.logScale ? (x > 0 ? Math.log(x) : -Infinity) : x;
  }

  /** P(Y ≥ y) (upper) under the reference, on the transformed scale. */
  private upperP(y: number): number {
    const n = this.n;
    if (y > this.upperU) return ((this.tailCount + 1) / (n + 1)) * Math.exp(-(y - this.upperU) / this.upperBeta);
    return (n - lowerBound(this.sorted, y) + 1) / (n + 1);
  }

  /** P(Y ≤ y) (lower) under the reference. */
  private lowerP(y: number): number {
    const n = this.n;
    if (y < this.lowerU) return ((this.tailCount + 1) / (n + 1)) * Math.exp(-(this.lowerU - y) / this.lowerBeta);
    return (upperBound(this.sorted, y) + 1) / (n + 1);
  }

  /** Normal score of the mid-rank PIT: Φ⁻¹(P(Y < y) + P(Y = y)/2), from the smaller tail for accuracy. */
  private rawZ(y: number, pu = this.upperP(y), pl = this.lowerP(y)): number {
    const upperMass = (pu + (1 - pl)) / 2;
    const lowerMass = (pl + (1 - pu)) / 2;
    return upperMass < lowerMass ? -normalQuantile(Math.max(upperMass, 1e-300)) : normalQuantile(Math.max(lowerMass, 1e-300));
  }

  /** Score `value` (then update the CUSUM state): {@link pToScore} of the level's p. */
  update(value: number): number {
    const y = this.transform(value);
    // upperP and lowerP, with one binary search: the first index above y is found from the first
    // at or above it (they differ only by a run of values equal to y)
    const n = this.n;
    let pu: number;
    let lb = -1;
    if (y > this.upperU) pu = ((this.tailCount + 1) / (n + 1)) * Math.exp(-(y - this.upperU) / this.upperBeta);
    else {
      lb = lowerBound(this.sorted, y);
      pu = (n - lb + 1) / (n + 1);
    }
    let pl: number;
    if (y < this.lowerU) pl = ((this.tailCount + 1) / (n + 1)) * Math.exp(-(this.lowerU - y) / this.lowerBeta);
    else pl = ((lb >= 0 ? upperBoundFrom(this.sorted, y, lb) : upperBound(this.sorted, y)) + 1) / (n + 1);
    this.lastPointP = Math.min(1, 2 * Math.min(pu, pl));
    const z = this.rawZ(y, pu, pl);
    let w = (z - this.zMean) / this.zScale;
    if (w > this.clip) w = this.clip;
    else if (w < -this.clip) w = -this.clip;
    this.up = Math.min(this.cap, Math.max(0, this.up + w - this.k));
    this.down = Math.min(this.cap, Math.max(0, this.down - w - this.k));
    // A shift is charged only to points outside the reference's interquartile range on its side:
    // an ordinary value inside a shifted period is not itself an anomaly.
    const s = z > QUARTILE_Z ? this.up : z < -QUARTILE_Z ? this.down : 0;
    this.lastShiftP = Math.min(1, 2 / cusumArl(this.k, s));
    return pToScore(Math.min(1, 2 * Math.min(this.lastPointP, this.lastShiftP)));
  }

  /** The CUSUM statistics (upper, lower) after the last update. */
  get cusum(): [number, number] {
    return [this.up, this.down];
  }
}

/** First index with sorted[i] >= y. */
function lowerBound(sorted: Float64Array, y: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < y) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index with sorted[i] > y. */
function upperBound(sorted: Float64Array, y: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= y) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index with sorted[i] > y, given `from` with every value before it < y (a lower bound of y). */
function upperBoundFrom(sorted: Float64Array, y: number, from: number): number {
  const n = sorted.length;
  let lo = from;
  let hi = from;
  let step = 1;
  // gallop over the run of values equal to y: every index below lo holds a value ≤ y
  while (hi < n && sorted[hi]! <= y) {
    lo = hi + 1;
    hi = lo + step;
    step *= 2;
  }
  if (hi > n) hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! <= y) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
