/**
 * Randomisation tests for paired and blocked designs, and a percentile bootstrap.
 *
 * - {@link signFlipTest}: paired differences, H0 "each difference is symmetric about 0"; every 2^n
 *   sign assignment when n ≤ 16, else seeded Monte Carlo with p = (1 + #{|T*| ≥ |T|}) / (1 + B).
 * - {@link blockPermutationTest}: blocks of exchangeable members (a counterfactual set); in each block
 *   one member is the "observed" one, and under H0 it could have been any member. The statistic is
 *   the mean over blocks of that member's contrast; the null draws a member uniformly per block.
 */
import type { Random } from '../random.js';

export interface PermutationOptions {
  /** Monte Carlo resamples when exact enumeration is too large (default 9999). */
  permutations?: number;
  random: Random;
}

export interface PermutationResult {
  statistic: number;
  pValue: number;
  /** `exact` when every assignment was enumerated. */
  method: 'exact' | 'monte-carlo';
  permutations: number;
}

/** Two-sided sign-flip test of the mean of paired differences. */
export function signFlipTest(differences: ArrayLike<number>, options: PermutationOptions): PermutationResult {
  const n = differences.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += differences[i]!;
  const observed = n ? sum / n : 0;
  if (n === 0) return { statistic: 0, pValue: 1, method: 'exact', permutations: 0 };
  const target = Math.abs(sum) * (1 - 1e-12) - 1e-12;
  if (n <= 16) {
    let hits = 0;
    const total = 1 << n;
    for (let mask = 0; mask < total; mask++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += mask & (1 << i) ? -differences[i]! : differences[i]!;
      if (Math.abs(s) >= target) hits++;
    }
    return { statistic: observed, pValue: hits / total, method: 'exact', permutations: total };
  }
  const b = options.permutations ?? 9999;
  let hits = 0;
  for (let r = 0; r < b; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += options.random() < 0.5 ? -differences[i]! : differences[i]!;
    if (Math.abs(s) >= target) hits++;
  }
  return { statistic: observed, pValue: (1 + hits) / (1 + b), method: 'monte-carlo', permutations: b };
}

/**
 * Two-sided randomisation test over blocks: `contrasts[s][j]` is the contrast member j of block s
 * would have if it were the observed one; `observed[s]` is the index of the actual member.
 */
export function blockPermutationTest(contrasts: readonly ArrayLike<number>[], observed: ArrayLike<number>, options: PermutationOptions): PermutationResult {
  const m = contrasts.length;
  if (m === 0) return { statistic: 0, pValue: 1, method: 'exact', permutations: 0 };
  let sum = 0;
  for (let s = 0; s < m; s++) sum += contrasts[s]![observed[s]!]!;
  const target = Math.abs(sum) * (1 - 1e-12) - 1e-12;
  const b = options.permutations ?? 9999;
  let hits = 0;
  for (let r = 0; r < b; r++) {
    let t = 0;
    for (let s = 0; s < m; s++) {
      const c = contrasts[s]!;
      t += c[Math.floor(options.random() * c.length)]!;
    }
    if (Math.abs(t) >= target) hits++;
  }
  return { statistic: sum / m, pValue: (1 + hits) / (1 + b), method: 'monte-carlo', permutations: b };
}

export interface BootstrapCi {
  low: number;
  high: number;
  level: number;
  resamples: number;
}

/**
 * Percentile bootstrap interval of `statistic` over `n` units resampled with replacement (seeded).
 * `statistic` receives the resampled unit indices; NaN replicates are dropped.
 */
export function bootstrapCi(n: number, statistic: (indices: Int32Array) => number, options: { resamples?: number; level?: number; random: Random }): BootstrapCi {
  const resamples = options.resamples ?? 1000;
  const level = options.level ?? 0.95;
  const values: number[] = [];
  const idx = new Int32Array(n);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) idx[i] = Math.floor(options.random() * n);
    const v = statistic(idx);
    if (!Number.isNaN(v)) values.push(v);
  }
  if (values.length === 0 || n === 0) return { low: NaN, high: NaN, level, resamples };
  values.sort((a, b) => a - b);
  const q = (p: number) => {
    const h = (values.length - 1) * p;
    const lo = Math.floor(h);
    return values[lo]! + (h - lo) * ((values[Math.min(lo + 1, values.length - 1)]!) - values[lo]!);
  };
  const tail = (1 - level) / 2;
  return { low: q(tail), high: q(1 - tail), level, resamples };
}
