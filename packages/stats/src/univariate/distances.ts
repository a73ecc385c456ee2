/**
 * Distances between two numeric samples: Wasserstein-1, energy distance, PSI and Jensen–Shannon
 * on reference-quantile bins, and Cohen's d.
 */
import { jensenShannonDistance } from './categorical.js';
import { quantileSorted } from './quantile.js';
import { sortedFinite } from './sorting.js';

/**
 * ∫ |F_u − F_v|^p over the pooled sorted values, the CDF-distance form scipy uses
 * (`_cdf_distance`): one merge walk, O(n + m) after sorting, no allocation. Each interval
 * [prev, x) between consecutive distinct pooled values adds |F_u − F_v|^p·(x − prev) with the ECDFs
 * as they stand (right-continuous, after all values < x), summed with Neumaier compensation; the
 * ECDF quotients are recomputed only for the side that moved.
 */
function cdfDistanceSorted(u: Float64Array, v: Float64Array, p: 1 | 2): number {
  const n = u.length;
  const m = v.length;
  let i = 0;
  let j = 0;
  let sum = 0;
  let comp = 0; // Neumaier compensation
  let fu = 0;
  let fv = 0;
  let prev = Math.min(u[0]!, v[0]!);
  const square = p === 2;
  while (i < n || j < m) {
    const a = i < n ? u[i]! : Infinity;
    const b = j < m ? v[j]! : Infinity;
    const x = a <= b ? a : b;
    const diff = fu > fv ? fu - fv : fv - fu;
    const term = (square ? diff * diff : diff) * (x - prev);
    const t = sum + term;
    comp += (sum >= 0 ? sum : -sum) >= (term >= 0 ? term : -term) ? sum - t + term : term - t + sum;
    sum = t;
    if (a === x) {
      i++;
      while (i < n && u[i]! === x) i++;
      fu = i / n;
    }
    if (b === x) {
      j++;
      while (j < m && v[j]! === x) j++;
      fv = j / m;
    }
    prev = x;
  }
  return sum + comp;
}

/** Wasserstein-1 (earth mover's) distance between two samples' empirical distributions: `scipy.stats.wasserstein_distance`. */
export function wasserstein1(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const u = sortedFinite(a, 'wasserstein1: first sample');
  const v = sortedFinite(b, 'wasserstein1: second sample');
  if (!u.length || !v.length) throw new RangeError('wasserstein1: samples must not be empty');
  return cdfDistanceSorted(u, v, 1);
}

/** {@link wasserstein1} on samples already sorted ascending and finite (no copy, no checks beyond emptiness). */
export function wasserstein1Sorted(u: Float64Array, v: Float64Array): number {
  if (!u.length || !v.length) throw new RangeError('wasserstein1: samples must not be empty');
  return cdfDistanceSorted(u, v, 1);
}

/** Population standard deviation (ddof = 0). */
export function stdPopulation(values: ArrayLike<number>): number {
  const n = values.length;
  if (!n) return NaN;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i]!;
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (values[i]! - mean) ** 2;
  return Math.sqrt(ss / n);
}

/**
 * Wasserstein-1 divided by the reference's population standard deviation (ddof = 0), floored at
 * 0.001 as Evidently does, so a constant reference does not divide by zero. Scale-free: 0.1 means
 * the mass moved a tenth of a reference standard deviation on average.
 */
export function wassersteinNormalized(reference: ArrayLike<number>, current: ArrayLike<number>): number {
  return wasserstein1(reference, current) / Math.max(stdPopulation(reference), 0.001);
}

/**
 * Energy distance (Székely and Rizzo 2013) between two samples, `scipy.stats.energy_distance`:
 * √2 · (∫ (F_u − F_v)²)^½.
 */
export function energyDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const u = sortedFinite(a, 'energyDistance: first sample');
  const v = sortedFinite(b, 'energyDistance: second sample');
  if (!u.length || !v.length) throw new RangeError('energyDistance: samples must not be empty');
  return Math.SQRT2 * Math.sqrt(cdfDistanceSorted(u, v, 2));
}

/** {@link energyDistance} on samples already sorted ascending and finite. */
export function energyDistanceSorted(u: Float64Array, v: Float64Array): number {
  if (!u.length || !v.length) throw new RangeError('energyDistance: samples must not be empty');
  return Math.SQRT2 * Math.sqrt(cdfDistanceSorted(u, v, 2));
}

/** Mean and sum of squared deviations of a sample (what {@link cohensD} needs of each side). */
export interface SampleMoments {
  mean: number;
  ss: number;
}

export function sampleMoments(x: ArrayLike<number>): SampleMoments {
  let mean = 0;
  for (let i = 0; i < x.length; i++) mean += x[i]!;
  mean /= x.length;
  let ss = 0;
  for (let i = 0; i < x.length; i++) ss += (x[i]! - mean) ** 2;
  return { mean, ss };
}

/**
 * Cohen's d, (mean(current) − mean(reference)) / pooled sd with sample variances (ddof = 1);
 * 0 when both samples are constant and equal, ±Infinity when constant and different.
 */
export function cohensD(
  reference: ArrayLike<number>, current: ArrayLike<number>,
  referenceMoments: SampleMoments = sampleMoments(reference), currentMoments: SampleMoments = sampleMoments(current),
): number {
  const n1 = reference.length;
  const n2 = current.length;
  const r = referenceMoments;
  const c = currentMoments;
  const diff = c.mean - r.mean;
  const df = n1 + n2 - 2;
  const pooled = df > 0 ? Math.sqrt((r.ss + c.ss) / df) : NaN;
  if (pooled === 0) return diff === 0 ? 0 : diff > 0 ? Infinity : -Infinity;
  return diff / pooled;
}

/**
 * Interior bin edges at the reference's quantiles k/bins (type 7), k = 1..bins−1, duplicates
 * removed (ties can merge bins). The outer bins are open, so current values outside the
 * reference's range are counted.
 */
export function referenceQuantileEdges(reference: ArrayLike<number>, bins: number): Float64Array {
  if (!(bins >= 2) || Math.floor(bins) !== bins) throw new RangeError(`bins must be an integer ≥ 2, got ${bins}`);
  const sorted = sortedFinite(reference, 'referenceQuantileEdges: reference');
  if (!sorted.length) throw new RangeError('referenceQuantileEdges: reference must not be empty');
  const edges: number[] = [];
  for (let k = 1; k < bins; k++) {
    const e = quantileSorted(sorted, k / bins);
    if (!edges.length || e > edges[edges.length - 1]!) edges.push(e);
  }
  return Float64Array.from(edges);
}

/**
 * Counts per bin for right-closed bins (e₀, e₁], (e₁, e₂], … with open outer bins: a value goes
 * to bin i = the number of edges strictly below it (numpy `searchsorted(edges, x, 'left')`).
 */
export function binCounts(values: ArrayLike<number>, edges: Float64Array): Float64Array {
  const counts = new Float64Array(edges.length + 1);
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    let lo = 0;
    let hi = edges.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (edges[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    counts[lo]++;
  }
  return counts;
}

/** Share given to an empty bin in PSI, as Evidently (the log ratio is otherwise infinite). */
export const PSI_EMPTY_BIN_SHARE = 1e-4;

export interface BinnedOptions {
  /** Number of reference-quantile bins (default 10). */
  bins?: number;
}

/** Reference and current proportions over reference-quantile bins. */
export function binnedShares(reference: ArrayLike<number>, current: ArrayLike<number>, bins = 10): { edges: Float64Array; reference: Float64Array; current: Float64Array } {
  const edges = referenceQuantileEdges(reference, bins);
  const r = binCounts(reference, edges);
  const c = binCounts(current, edges);
  if (!current.length) throw new RangeError('current sample must not be empty');
  for (let i = 0; i < r.length; i++) {
    r[i] = r[i]! / reference.length;
    c[i] = c[i]! / current.length;
  }
  return { edges, reference: r, current: c };
}

/** PSI Σ (c − r)·ln(c / r) over share vectors, an empty share replaced by {@link PSI_EMPTY_BIN_SHARE}. */
export function psiFromShares(reference: ArrayLike<number>, current: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < reference.length; i++) {
    const r = reference[i]! === 0 ? PSI_EMPTY_BIN_SHARE : reference[i]!;
    const c = current[i]! === 0 ? PSI_EMPTY_BIN_SHARE : current[i]!;
    s += (c - r) * Math.log(c / r);
  }
  return s;
}

/**
 * Population stability index (Siddiqi 2006) over `bins` reference-quantile bins (default 10), with
 * natural log; empty bins get share 1e-4. Rule of thumb: < 0.1 stable, 0.1–0.2 moderate, > 0.2 shift.
 */
export function psi(reference: ArrayLike<number>, current: ArrayLike<number>, options: BinnedOptions = {}): number {
  const s = binnedShares(reference, current, options.bins ?? 10);
  return psiFromShares(s.reference, s.current);
}

/**
 * Jensen–Shannon distance (base 2, in [0, 1]) between the reference-quantile-binned shares of two
 * numeric samples (default 10 bins), `scipy.spatial.distance.jensenshannon(r, c, base=2)` on them.
 * No epsilon is needed: empty bins contribute 0.
 */
export function jensenShannonNumeric(reference: ArrayLike<number>, current: ArrayLike<number>, options: BinnedOptions = {}): number {
  const s = binnedShares(reference, current, options.bins ?? 10);
  return jensenShannonDistance(s.reference, s.current);
}
