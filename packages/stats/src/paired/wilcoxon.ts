/**
 * Wilcoxon signed-rank test on paired differences, as `scipy.stats.wilcoxon(d, zero_method,
 * correction=False, method='auto')`: the exact null distribution of R+ when n ≤ 50 and there are no
 * ties and no zeros; an exact enumeration of all 2^n sign flips (mid-ranks kept) when ties or zeros
 * are present and n ≤ 13; otherwise the normal approximation with the tie correction
 * Σ(t³ − t)/48 and, for Pratt's zero handling, Cureton's (1967) adjustment of mean and variance.
 */
import { normalSf } from '../univariate/special.js';

export interface WilcoxonOptions {
  /** `wilcox` (default, as scipy) drops zero differences; `pratt` ranks them, then ignores their ranks. */
  zeroMethod?: 'wilcox' | 'pratt';
  /** `auto` (default) as described above, or force `exact` (no ties/zeros only) or `asymptotic`. */
  method?: 'auto' | 'exact' | 'asymptotic';
}

export interface WilcoxonResult {
  /** min(R+, R−), the two-sided statistic scipy reports. */
  statistic: number;
  rPlus: number;
  rMinus: number;
  /** Number of non-zero differences. */
  n: number;
  zeros: number;
  /** Normal deviate of R+ (NaN unless the asymptotic method was used). */
  z: number;
  pValue: number;
  method: 'exact' | 'enumeration' | 'asymptotic';
  /** Matched-pairs rank-biserial correlation (R+ − R−) / (R+ + R−), in [−1, 1]; 0 when every difference is 0. */
  rankBiserial: number;
}

/** Average ranks (1-based) of `values`; also returns the sizes of tie groups. */
export function averageRanks(values: ArrayLike<number>): { ranks: Float64Array; tieSizes: number[] } {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const ranks = new Float64Array(n);
  const tieSizes: number[] = [];
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && values[order[j + 1]!] === values[order[i]!]) j++;
    const r = (i + j + 2) / 2;
    for (let k = i; k <= j; k++) ranks[order[k]!] = r;
    tieSizes.push(j - i + 1);
    i = j + 1;
  }
  return { ranks, tieSizes };
}

const exactCache = new Map<number, Float64Array>();

/** Null probabilities P(R+ = k), k = 0 … n(n+1)/2, for n untied non-zero differences. */
export function wilcoxonExactPmf(n: number): Float64Array {
  const cached = exactCache.get(n);
  if (cached) return cached;
  const max = (n * (n + 1)) / 2;
  const counts = new Float64Array(max + 1);
  counts[0] = 1;
  for (let r = 1; r <= n; r++) for (let k = max; k >= r; k--) counts[k] += counts[k - r]!;
  const total = 2 ** n;
  for (let k = 0; k <= max; k++) counts[k] /= total;
  exactCache.set(n, counts);
  return counts;
}

export function wilcoxonSignedRank(differences: ArrayLike<number>, options: WilcoxonOptions = {}): WilcoxonResult {
  const zeroMethod = options.zeroMethod ?? 'wilcox';
  const method = options.method ?? 'auto';
  const all: number[] = [];
  for (let i = 0; i < differences.length; i++) {
    const v = differences[i]!;
    if (!Number.isFinite(v)) throw new RangeError(`wilcoxonSignedRank: difference ${i} is ${v}; differences must be finite`);
    all.push(v);
  }
  const zeros = all.filter((v) => v === 0).length;
  const used = zeroMethod === 'wilcox' ? all.filter((v) => v !== 0) : all;
  const { ranks, tieSizes } = averageRanks(used.map(Math.abs));
  let rPlus = 0, rMinus = 0;
  used.forEach((v, i) => {
    if (v > 0) rPlus += ranks[i]!;
    else if (v < 0) rMinus += ranks[i]!;
  });
  const nonZero = all.length - zeros;
  const rankBiserial = rPlus + rMinus > 0 ? (rPlus - rMinus) / (rPlus + rMinus) : 0;
  const base = { statistic: Math.min(rPlus, rMinus), rPlus, rMinus, n: nonZero, zeros, rankBiserial };
  if (nonZero === 0) return { ...base, z: NaN, pValue: 1, method: 'exact' };

  const hasTies = tieSizes.some((t) => t > 1);
  // Untied, zero-free: the exact distribution of R+.
  if ((method === 'exact' || (method === 'auto' && all.length <= 50)) && !hasTies && zeros === 0) {
    const pmf = wilcoxonExactPmf(nonZero);
    let cdf = 0, sf = 0;
    for (let k = 0; k < pmf.length; k++) {
      if (k <= Math.ceil(rPlus)) cdf += pmf[k]!;
      if (k >= Math.floor(rPlus)) sf += pmf[k]!;
    }
    return { ...base, z: NaN, pValue: Math.min(1, 2 * Math.min(cdf, sf)), method: 'exact' };
  }
  if (method === 'exact') throw new RangeError('wilcoxonSignedRank: the exact method needs differences without ties or zeros; use method auto or asymptotic');
  // Ties or zeros with a small sample: every sign assignment of the (mid-)ranks, as scipy's permutation test.
  if (method === 'auto' && all.length <= 13) {
    const signed = used.map((v, i) => (v === 0 ? 0 : ranks[i]!));
    const m = signed.length;
    let less = 0, greater = 0;
    const eps = 1e-9 * Math.max(1, rPlus);
    for (let mask = 0; mask < 1 << m; mask++) {
      let s = 0;
      for (let i = 0; i < m; i++) if (mask & (1 << i)) s += signed[i]!;
      if (s <= rPlus + eps) less++;
      if (s >= rPlus - eps) greater++;
    }
    const total = 2 ** m;
    return { ...base, z: NaN, pValue: Math.min(1, 2 * Math.min(less / total, greater / total)), method: 'enumeration' };
  }
  const count = used.length;
  let mean = (count * (count + 1)) / 4;
  let variance = count * (count + 1) * (2 * count + 1);
  let tieCorrection = 0;
  if (zeroMethod === 'pratt' && zeros > 0) {
    mean -= (zeros * (zeros + 1)) / 4;
    variance -= zeros * (zeros + 1) * (2 * zeros + 1);
    // The zeros form the first tie group (smallest |d|); they are left out of the tie correction.
    tieSizes[0] = 0;
  }
  for (const t of tieSizes) tieCorrection += t * t * t - t;
  const se = Math.sqrt((variance - tieCorrection / 2) / 24);
  const z = (rPlus - mean) / se;
  return { ...base, z, pValue: Math.min(1, 2 * normalSf(Math.abs(z))), method: 'asymptotic' };
}
