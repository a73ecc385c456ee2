/**
 * The small statistics of repeat sampling: pass^k and pass@k estimators, Wilson intervals,
 * semantic entropy, and a paired Wilcoxon signed-rank test.
 */
import { normalCdf, normalSf } from '@vigia/stats';

/** C(a, k) / C(b, k) for 0 ≤ a ≤ b, as a product (no overflow): Π_{i<k} (a − i) / (b − i). */
export function binomialRatio(a: number, b: number, k: number): number {
  if (k < 0 || k > b) throw new RangeError(`k must be between 0 and ${b}, got ${k}`);
  if (a < k) return 0;
  let r = 1;
  for (let i = 0; i < k; i++) r *= (a - i) / (b - i);
  return r;
}

/** pass^k of one task with c passes in n samples: the chance that k samples drawn without replacement all pass, C(c,k)/C(n,k) (Yao et al. 2024, τ-bench). */
export function passHatK(n: number, c: number, k: number): number {
  return binomialRatio(c, n, k);
}

/** pass@k of one task: the chance that at least one of k samples passes, 1 − C(n−c,k)/C(n,k) (Chen et al. 2021, unbiased estimator). */
export function passAtK(n: number, c: number, k: number): number {
  return 1 - binomialRatio(n - c, n, k);
}

/** Wilson score interval for a binomial proportion x/n at confidence 1 − alpha (Wilson 1927). */
export function wilsonInterval(x: number, n: number, alpha = 0.05): [number, number] {
  if (n <= 0) return [0, 1];
  const z = normalQuantile(1 - alpha / 2);
  const p = x / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At x = 0 or x = n the bound is exactly 0 or 1; rounding would leave a tiny residue.
  return [x <= 0 ? 0 : Math.max(0, centre - half), x >= n ? 1 : Math.min(1, centre + half)];
}

/** Standard normal quantile (Acklam's rational approximation, refined by one Newton step). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`p must be in (0, 1), got ${p}`);
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  let x: number;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  } else if (p <= 1 - lo) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  const e = normalCdf(x) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/** Shannon entropy (nats) of a distribution given by non-negative weights (normalised here). */
export function entropy(weights: readonly number[]): number {
  let total = 0;
  for (const w of weights) total += w;
  if (!(total > 0)) return 0;
  let h = 0;
  for (const w of weights) {
    if (w > 0) {
      const p = w / total;
      h -= p * Math.log(p);
    }
  }
  return h;
}

/**
 * Semantic entropy over clusters (Kuhn, Gal & Farquhar 2023). Discrete: from the share of samples
 * in each cluster. Probability-weighted: each cluster's probability is the sum of its samples'
 * sequence probabilities exp(log p), renormalised over the clusters (computed stably in log space).
 */
export function semanticEntropy(clusterOf: readonly number[], sequenceLogprobs?: readonly number[]): { discrete: number; weighted: number | null } {
  const k = clusterOf.reduce((m, c) => Math.max(m, c + 1), 0);
  const counts = new Array<number>(k).fill(0);
  for (const c of clusterOf) counts[c]!++;
  const discrete = entropy(counts);
  if (!sequenceLogprobs || sequenceLogprobs.length !== clusterOf.length || sequenceLogprobs.some((x) => !Number.isFinite(x))) return { discrete, weighted: null };
  const max = Math.max(...sequenceLogprobs);
  const mass = new Array<number>(k).fill(0);
  clusterOf.forEach((c, i) => (mass[c]! += Math.exp(sequenceLogprobs[i]! - max)));
  return { discrete, weighted: entropy(mass) };
}

export interface WilcoxonResult {
  /** W+: the sum of the ranks of the positive differences. */
  statistic: number;
  /** One-sided p-value for "the differences tend to be positive". */
  pValue: number;
  /** Pairs with a non-zero difference (zeros are dropped, Wilcoxon's method). */
  n: number;
  /** Matched-pairs rank-biserial correlation, in [−1, 1]. */
  effectSize: number;
  method: 'exact' | 'normal';
}

/**
 * Wilcoxon signed-rank test on paired differences, one-sided (greater). Zero differences are
 * dropped; ties get average ranks. Exact null distribution for n ≤ 50 without ties, else the normal
 * approximation with tie correction and continuity correction (as scipy.stats.wilcoxon).
 */
export function wilcoxonSignedRank(differences: readonly number[]): WilcoxonResult {
  const d = differences.filter((x) => x !== 0 && Number.isFinite(x));
  const n = d.length;
  if (n === 0) return { statistic: 0, pValue: 1, n: 0, effectSize: 0, method: 'exact' };
  const order = d.map((x, i) => [Math.abs(x), i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(n);
  let tieTerm = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && order[j + 1]![0] === order[i]![0]) j++;
    const rank = (i + j + 2) / 2;
    for (let t = i; t <= j; t++) ranks[order[t]![1]] = rank;
    const size = j - i + 1;
    if (size > 1) tieTerm += size * size * size - size;
    i = j + 1;
  }
  let wPlus = 0;
  for (let i = 0; i < n; i++) if (d[i]! > 0) wPlus += ranks[i]!;
  const total = (n * (n + 1)) / 2;
  const effectSize = (2 * wPlus - total) / total;
  if (n <= 50 && tieTerm === 0) {
    // Count subsets of {1..n} by rank sum: P(W+ ≥ w) under the null.
    const counts = new Float64Array(total + 1);
    counts[0] = 1;
    for (let r = 1; r <= n; r++) for (let s = total; s >= r; s--) counts[s]! += counts[s - r]!;
    let tail = 0;
    for (let s = Math.ceil(wPlus); s <= total; s++) tail += counts[s]!;
    return { statistic: wPlus, pValue: Math.min(1, tail / 2 ** n), n, effectSize, method: 'exact' };
  }
  const mean = total / 2;
  const variance = (n * (n + 1) * (2 * n + 1)) / 24 - tieTerm / 48;
  const z = variance > 0 ? (wPlus - mean - 0.5) / Math.sqrt(variance) : 0;
  return { statistic: wPlus, pValue: Math.min(1, normalSf(z)), n, effectSize, method: 'normal' };
}
