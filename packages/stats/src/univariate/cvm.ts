/**
 * Two-sample Cramér–von Mises test, matching `scipy.stats.cramervonmises_2samp`.
 */
import { besselKScaled, clipPValue, logGamma } from './special.js';
import { sortedFinite } from './sorting.js';

export interface CramerVonMisesResult {
  /** Anderson's (1962) T statistic. */
  statistic: number;
  /** Never 0: where scipy's series gives 1 − cdf ≤ 0 this returns Number.MIN_VALUE. */
  pValue: number;
  method: 'exact' | 'asymptotic';
}

/**
 * Limiting cdf of the Cramér–von Mises statistic (Csörgő and Faraway 1996, eq. 1.2), series
 * stopped at the first term below 1e−7 exactly as scipy `_cdf_cvm_inf`.
 */
export function cramerVonMisesCdfInf(x: number): number {
  let tot = 0;
  for (let k = 0; k < 1000; k++) {
    const u = Math.exp(logGamma(k + 0.5) - logGamma(k + 1)) / (Math.pow(Math.PI, 1.5) * Math.sqrt(x));
    const y = 4 * k + 1;
    const q = (y * y) / (16 * x);
    // exp(−q)·K_{1/4}(q) = exp(−2q)·(e^q K_{1/4}(q))
    const z = u * Math.sqrt(y) * Math.exp(-2 * q) * besselKScaled(0.25, q);
    tot += z;
    if (Math.abs(z) < 1e-7) break;
  }
  return tot;
}

/**
 * Σ (midrank − position)² over each sample (1-based midranks in the pooled sorted sample), in one
 * merge walk, summed in the samples' order (the same sums as ranking first, without the arrays).
 */
function rankDeviations(xs: Float64Array, ys: Float64Array): { sx: number; sy: number } {
  const nx = xs.length;
  const ny = ys.length;
  let i = 0;
  let j = 0;
  let rank = 0; // ranks assigned so far
  let sx = 0;
  let sy = 0;
  while (i < nx || j < ny) {
    const v = j >= ny || (i < nx && xs[i]! <= ys[j]!) ? xs[i]! : ys[j]!;
    let ci = i;
    let cj = j;
    while (ci < nx && xs[ci]! === v) ci++;
    while (cj < ny && ys[cj]! === v) cj++;
    const count = ci - i + (cj - j);
    const mid = rank + (count + 1) / 2;
    for (let k = i; k < ci; k++) {
      const e = mid - (k + 1);
      sx += e * e;
    }
    for (let k = j; k < cj; k++) {
      const e = mid - (k + 1);
      sy += e * e;
    }
    rank += count;
    i = ci;
    j = cj;
  }
  return { sx, sy };
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * Exact p-value of U by the frequency-table recursion of Xiao, Gordon and Yakovlev (2006) on
 * Anderson's (1962) lattice (scipy `_pval_cvm_2samp_exact`). Counts stay below C(40, 20) < 2⁵³
 * for the sizes `auto` sends here, so doubles hold them exactly.
 */
function cvmExactPValue(s: number, m: number, n: number): number {
  const lcm = (m / gcd(m, n)) * n;
  const a = lcm / m;
  const b = lcm / n;
  const mn = m * n;
  const zeta = Math.floor((lcm * lcm * (m + n) * (6 * s - mn * (4 * mn - 1))) / (6 * mn * mn));
  let gs: Map<number, number>[] = [new Map([[0, 1]])];
  for (let v = 0; v < m; v++) gs.push(new Map());
  for (let u = 0; u <= n; u++) {
    const next: Map<number, number>[] = [];
    let tmp = new Map<number, number>();
    for (let v = 0; v <= m; v++) {
      const merged = new Map(tmp);
      for (const [val, f] of gs[v]!) merged.set(val, (merged.get(val) ?? 0) + f);
      const res = (a * v - b * u) ** 2;
      tmp = new Map();
      for (const [val, f] of merged) tmp.set(val + res, f);
      next.push(tmp);
    }
    gs = next;
  }
  let hit = 0;
  let total = 0;
  for (const [val, f] of gs[m]!) {
    total += f;
    if (val >= zeta) hit += f;
  }
  return hit / total;
}

/**
 * Two-sample Cramér–von Mises test (Anderson 1962) as `scipy.stats.cramervonmises_2samp`: midranks
 * for ties; `auto` is exact when both samples have at most 20 values, otherwise the normalized
 * statistic is referred to the limiting distribution (Csörgő and Faraway 1996). Each sample needs
 * at least 2 values.
 */
export function cramerVonMises2Samp(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  options: { method?: 'auto' | 'exact' | 'asymptotic' } = {},
): CramerVonMisesResult {
  const xs = sortedFinite(x, 'cramerVonMises2Samp: first sample');
  const ys = sortedFinite(y, 'cramerVonMises2Samp: second sample');
  return cramerVonMises2SampSorted(xs, ys, options);
}

/** {@link cramerVonMises2Samp} on samples already sorted ascending and finite (no copy, no checks). */
export function cramerVonMises2SampSorted(
  xs: Float64Array,
  ys: Float64Array,
  options: { method?: 'auto' | 'exact' | 'asymptotic' } = {},
): CramerVonMisesResult {
  if (xs.length <= 1 || ys.length <= 1) throw new RangeError('cramerVonMises2Samp: each sample needs at least 2 values');
  const { sx, sy } = rankDeviations(xs, ys);
  return cramerVonMises2SampFromRanks(sx, sy, xs.length, ys.length, options);
}

/**
 * {@link cramerVonMises2Samp} from the samples' rank deviations Σ (midrank − position)² (`sx`
 * over the first sample of size `nx`, `sy` over the second; e.g. from
 * {@link sortedPairStatistics}): the same statistic, method choice and p-value.
 */
export function cramerVonMises2SampFromRanks(
  sx: number,
  sy: number,
  nx: number,
  ny: number,
  options: { method?: 'auto' | 'exact' | 'asymptotic' } = {},
): CramerVonMisesResult {
  if (nx <= 1 || ny <= 1) throw new RangeError('cramerVonMises2Samp: each sample needs at least 2 values');
  let method = options.method ?? 'auto';
  if (method === 'auto') method = Math.max(nx, ny) > 20 ? 'asymptotic' : 'exact';
  const u = nx * sx + ny * sy;
  const k = nx * ny;
  const N = nx + ny;
  const t = u / (k * N) - (4 * k - 1) / (6 * N);
  let p: number;
  if (method === 'exact') {
    p = cvmExactPValue(u, nx, ny);
  } else {
    const et = (1 + 1 / N) / 6;
    let vt = (N + 1) * (4 * k * N - 3 * (nx * nx + ny * ny) - 2 * k);
    vt = vt / (45 * N * N * 4 * k);
    const tn = 1 / 6 + (t - et) / Math.sqrt(45 * vt);
    p = tn >= 0.003 ? Math.max(0, 1 - cramerVonMisesCdfInf(tn)) : 1;
  }
  return { statistic: t, pValue: clipPValue(p), method };
}
