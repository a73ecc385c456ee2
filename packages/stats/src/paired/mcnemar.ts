/**
 * McNemar's test for paired yes/no outcomes, as statsmodels `mcnemar`: with few discordant pairs
 * the exact two-sided binomial test of b against Binomial(b + c, ½) (`exact=True`); otherwise the
 * chi-square statistic with continuity correction (|b − c| − 1)² / (b + c) on 1 degree of freedom.
 */
import { chiSquareSf, logGamma } from '../univariate/special.js';

export interface McNemarOptions {
  /** Use the exact binomial test up to this many discordant pairs (default 25), the chi-square above. */
  exactUpTo?: number;
}

export interface McNemarResult {
  /** Pairs with outcome yes in the first member and no in the second. */
  b: number;
  /** Pairs with outcome no in the first member and yes in the second. */
  c: number;
  /** min(b, c) for the exact test, the chi-square statistic otherwise. */
  statistic: number;
  pValue: number;
  method: 'exact' | 'chi-square';
}

/** P(X ≤ k) for X ~ Binomial(n, p), summed in log space. */
export function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  const lp = Math.log(p), lq = Math.log1p(-p), lnf = logGamma(n + 1);
  let total = 0;
  for (let i = 0; i <= k; i++) total += Math.exp(lnf - logGamma(i + 1) - logGamma(n - i + 1) + i * lp + (n - i) * lq);
  return Math.min(1, total);
}

/** McNemar's test from the two discordant counts. */
export function mcnemarTest(b: number, c: number, options: McNemarOptions = {}): McNemarResult {
  if (!(b >= 0 && c >= 0 && Number.isInteger(b) && Number.isInteger(c))) throw new RangeError(`mcnemarTest: counts must be non-negative integers (got b=${b}, c=${c})`);
  const n = b + c;
  if (n === 0) return { b, c, statistic: 0, pValue: 1, method: 'exact' };
  if (n <= (options.exactUpTo ?? 25)) {
    const k = Math.min(b, c);
    return { b, c, statistic: k, pValue: Math.min(1, 2 * binomialCdf(k, n, 0.5)), method: 'exact' };
  }
  const statistic = (Math.abs(b - c) - 1) ** 2 / n;
  return { b, c, statistic, pValue: chiSquareSf(statistic, 1), method: 'chi-square' };
}

/** McNemar's test on paired 0/1 outcomes (`first[i]`, `second[i]` of pair i). */
export function mcnemarPaired(first: ArrayLike<number>, second: ArrayLike<number>, options: McNemarOptions = {}): McNemarResult {
  if (first.length !== second.length) throw new RangeError('mcnemarPaired: the two outcome arrays must have the same length');
  let b = 0, c = 0;
  for (let i = 0; i < first.length; i++) {
    const x = first[i]!, y = second[i]!;
    if ((x !== 0 && x !== 1) || (y !== 0 && y !== 1)) throw new RangeError(`mcnemarPaired: pair ${i} has outcomes ${x}, ${y}; outcomes must be 0 or 1`);
    if (x === 1 && y === 0) b++;
    else if (x === 0 && y === 1) c++;
  }
  return mcnemarTest(b, c, options);
}
