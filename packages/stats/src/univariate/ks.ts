/**
 * Two-sample Kolmogorov–Smirnov test, two-sided, matching `scipy.stats.ks_2samp`.
 */
import { clipPValue, kolmogorovFiniteSf, logGamma } from './special.js';
import { sortedFinite } from './sorting.js';

export interface Ks2SampOptions {
  /**
   * `auto` (default): exact when both samples have at most 10 000 values, asymptotic otherwise
   * (scipy's MAX_AUTO_N rule). `exact` falls back to `asymp` when lcm(n1, n2) is too large for
   * scipy's lattice (n1/g ≥ (2³¹−1)/(n2/g)), as scipy does.
   */
  method?: 'auto' | 'exact' | 'asymp';
}

export interface Ks2SampResult {
  /** D = sup |F₁ − F₂|; under `exact` it is rounded onto the lattice h/lcm(n1, n2), as scipy. */
  statistic: number;
  /** Two-sided p-value, never 0 (clipped to Number.MIN_VALUE). */
  pValue: number;
  method: 'exact' | 'asymp';
}

const MAX_AUTO_N = 10000;
const INT32_MAX = 2147483647;

/**
 * D statistic of two sorted samples by a merge walk over the pooled values. All copies of a tied
 * value are stepped over together before the ECDFs are compared, which is what scipy's
 * searchsorted(side='right') formulation does.
 */
export function ksStatisticSorted(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let d = 0;
  // The ECDFs i/n1 and j/n2, recomputed only for the side that moved (the same quotients).
  let fi = 0;
  let fj = 0;
  while (i < n1 && j < n2) {
    const x = a[i]!;
    const y = b[j]!;
    if (x < y) {
      i++;
      while (i < n1 && a[i]! === x) i++;
      fi = i / n1;
    } else if (y < x) {
      j++;
      while (j < n2 && b[j]! === y) j++;
      fj = j / n2;
    } else {
      i++;
      j++;
      while (i < n1 && a[i]! === x) i++;
      while (j < n2 && b[j]! === x) j++;
      fi = i / n1;
      fj = j / n2;
    }
    const diff = fi > fj ? fi - fj : fj - fi;
    if (diff > d) d = diff;
  }
  // After one sample is exhausted the other's ECDF only rises toward 1, shrinking the gap.
  return d;
}

function logChoose(n: number, k: number): number {
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Pr(D_{n,n} ≥ h/n): Horner-like alternating sum of binomial ratios (scipy `_compute_prob_outside_square`). */
function probOutsideSquare(n: number, h: number): number {
  let P = 0;
  let k = Math.floor(n / h);
  while (k >= 0) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    P = p1 * (1 - P);
    k--;
  }
  return 2 * P;
}

/**
 * Pr(D_{m,n} ≥ h/lcm) by lattice paths (Hodges 1958): a uniformly random monotone path from (0,0)
 * to (m,n) and the band |x·n/g − y·m/g| < h. The recursion keeps path counts divided by C(x+y, y),
 * A(x,y) = (x·A(x−1,y) + y·A(x,y−1))/(x+y), so nothing overflows; the probability is summed over
 * the first point where a path leaves the band, A_exit(x,y)·C(x+y,x)·C(m+n−x−y, m−x)/C(m+n,m), a sum
 * of positive terms, so tiny p-values keep their relative accuracy (1 − A(m,n) would cancel).
 */
function probOutsideLattice(m0: number, n0: number, g: number, h: number): number {
  const m = Math.max(m0, n0);
  const n = Math.min(m0, n0);
  const mg = m / g;
  const ng = n / g;
  const logTotal = logChoose(m + n, m);
  const exitWeight = (x: number, y: number, a: number): number =>
    a === 0 ? 0 : a * Math.exp(logChoose(x + y, x) + logChoose(m + n - x - y, m - x) - logTotal);
  // Column over y = 0..n for the current x; entries outside the band are 0.
  const A = new Float64Array(n + 1);
  // x = 0: inside iff y·mg < h.
  let lo = 0;
  let hi = Math.min(n, Math.ceil(h / mg) - 1); // largest y with y·mg < h
  for (let y = 0; y <= hi; y++) A[y] = 1;
  let prob = hi < n ? exitWeight(0, hi + 1, 1) : 0;
  for (let x = 1; x <= m; x++) {
    // Inside: |x·ng − y·mg| < h ⇔ (x·ng − h)/mg < y < (x·ng + h)/mg. Both bounds rise by at most
    // one per column (n ≤ m), so paths leave only at (x, newLo − 1) or (x, newHi + 1).
    const newLo = Math.max(0, Math.floor((x * ng - h) / mg) + 1);
    const newHi = Math.min(n, Math.ceil((x * ng + h) / mg) - 1);
    if (newHi < newLo) return 1;
    const prevAt = (y: number): number => (y >= lo && y <= hi ? A[y]! : 0); // A(x−1, y)
    if (newLo > 0) {
      const y = newLo - 1;
      prob += exitWeight(x, y, (x * prevAt(y)) / (x + y));
    }
    for (let y = lo; y < newLo && y <= hi; y++) A[y] = 0;
    let below = 0; // A(x, y−1)
    for (let y = newLo; y <= newHi; y++) {
      const left = y <= hi ? A[y]! : 0;
      const v = (x * left + y * below) / (x + y);
      A[y] = v;
      below = v;
    }
    if (newHi < n) {
      const y = newHi + 1;
      prob += exitWeight(x, y, (x * prevAt(y) + y * below) / (x + y));
    }
    lo = newLo;
    hi = newHi;
  }
  return Math.min(1, prob);
}

/**
 * Two-sided two-sample Kolmogorov–Smirnov test (Smirnov 1939), as `scipy.stats.ks_2samp`:
 * exact p-values by lattice-path counting (Hodges 1958), asymptotic ones from the finite-n
 * Kolmogorov distribution `kstwo.sf(D, round(n1·n2/(n1+n2)))`. Ties are allowed; the p-value
 * then assumes continuity, as scipy. Inputs must be finite and non-empty.
 */
export function ks2Samp(a: ArrayLike<number>, b: ArrayLike<number>, options: Ks2SampOptions = {}): Ks2SampResult {
  const sa = sortedFinite(a, 'ks2Samp: first sample');
  const sb = sortedFinite(b, 'ks2Samp: second sample');
  return ks2SampSorted(sa, sb, options);
}

/** {@link ks2Samp} on samples already sorted ascending (no copy, no checks). */
export function ks2SampSorted(a: ArrayLike<number>, b: ArrayLike<number>, options: Ks2SampOptions = {}): Ks2SampResult {
  if (a.length === 0 || b.length === 0) throw new RangeError('ks2Samp: samples must not be empty');
  return ks2SampFromStatistic(ksStatisticSorted(a, b), a.length, b.length, options);
}

/**
 * {@link ks2Samp} from the D statistic of samples of sizes `n1` and `n2` (e.g. from
 * {@link sortedPairStatistics}): the same method choice, lattice rounding and p-value.
 */
export function ks2SampFromStatistic(statistic: number, n1: number, n2: number, options: Ks2SampOptions = {}): Ks2SampResult {
  if (n1 === 0 || n2 === 0) throw new RangeError('ks2Samp: samples must not be empty');
  let d = statistic;
  const g = gcd(n1, n2);
  const n1g = n1 / g;
  const n2g = n2 / g;
  let mode: 'exact' | 'asymp';
  const requested = options.method ?? 'auto';
  if (requested === 'auto') mode = Math.max(n1, n2) <= MAX_AUTO_N ? 'exact' : 'asymp';
  else if (requested === 'exact') mode = n1g >= INT32_MAX / n2g ? 'asymp' : 'exact';
  else mode = 'asymp';

  let prob = NaN;
  if (mode === 'exact') {
    const lcm = n1g * n2;
    const h = Math.round(d * lcm);
    d = h / lcm;
    if (h === 0) prob = 1;
    else prob = n1 === n2 ? probOutsideSquare(n1, h) : probOutsideLattice(n1, n2, g, h);
    if (!(prob >= 0 && prob <= 1)) mode = 'asymp';
  }
  if (mode === 'asymp') {
    const en = (n1 * n2) / (n1 + n2);
    prob = kolmogorovFiniteSf(Math.round(en), d);
  }
  return { statistic: d, pValue: clipPValue(prob), method: mode };
}
