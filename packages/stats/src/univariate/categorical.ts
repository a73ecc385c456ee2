/**
 * Tests and distances on category counts: Pearson's chi-square on contingency tables, total
 * variation, Jensen–Shannon, Cramér's V, and a helper that aligns two string samples into counts.
 */
import { chiSquareSf } from './special.js';

export interface ChiSquareResult {
  statistic: number;
  /** P(χ²_dof > statistic); never 0 (clipped to Number.MIN_VALUE, see chiSquareLogSf for the log). */
  pValue: number;
  dof: number;
}

/**
 * Pearson's chi-square test of independence on an r×c table of counts, without continuity
 * correction: `scipy.stats.chi2_contingency(table, correction=False)`. Columns and rows whose total
 * is 0 are dropped first (scipy raises on them, as their expected frequency is 0); dof =
 * (r' − 1)(c' − 1) over what is left, and a table left with one row or column gives statistic 0,
 * p-value 1.
 */
export function chiSquareContingency(table: readonly ArrayLike<number>[]): ChiSquareResult {
  const r = table.length;
  const c = r ? table[0]!.length : 0;
  const rowSum = new Float64Array(r);
  const colSum = new Float64Array(c);
  let total = 0;
  for (let i = 0; i < r; i++) {
    const row = table[i]!;
    if (row.length !== c) throw new RangeError('chiSquareContingency: rows must have the same length');
    for (let j = 0; j < c; j++) {
      const v = row[j]!;
      if (!(v >= 0) || !Number.isFinite(v)) throw new RangeError(`chiSquareContingency: count [${i}][${j}] is ${v}; counts must be finite and ≥ 0`);
      rowSum[i] += v;
      colSum[j] += v;
      total += v;
    }
  }
  let rows = 0;
  let cols = 0;
  for (let i = 0; i < r; i++) if (rowSum[i]! > 0) rows++;
  for (let j = 0; j < c; j++) if (colSum[j]! > 0) cols++;
  const dof = Math.max(0, (rows - 1) * (cols - 1));
  if (dof === 0) return { statistic: 0, pValue: 1, dof: 0 };
  let stat = 0;
  for (let i = 0; i < r; i++) {
    if (rowSum[i] === 0) continue;
    const row = table[i]!;
    for (let j = 0; j < c; j++) {
      if (colSum[j] === 0) continue;
      const e = (rowSum[i]! * colSum[j]!) / total;
      const d = row[j]! - e;
      stat += (d * d) / e;
    }
  }
  return { statistic: stat, pValue: chiSquareSf(stat, dof), dof };
}

/**
 * Chi-square test of homogeneity of two count vectors over the same categories: the 2×k
 * contingency [ref; cur] without continuity correction (Pearson 1900), as scipy `chi2_contingency`.
 */
export function chiSquareTest(ref: ArrayLike<number>, cur: ArrayLike<number>): ChiSquareResult {
  if (ref.length !== cur.length) throw new RangeError(`chiSquareTest: count vectors differ in length (${ref.length} vs ${cur.length})`);
  return chiSquareContingency([ref, cur]);
}

/** Cramér's V of a 2×k table from its chi-square statistic: √(χ² / (N·(min(r, c) − 1))) with r = 2. */
export function cramersV(ref: ArrayLike<number>, cur: ArrayLike<number>): number {
  const { statistic, dof } = chiSquareTest(ref, cur);
  if (dof === 0) return 0;
  let total = 0;
  for (let i = 0; i < ref.length; i++) total += ref[i]! + cur[i]!;
  return Math.sqrt(statistic / total);
}

function normalize(counts: ArrayLike<number>): Float64Array {
  let s = 0;
  for (let i = 0; i < counts.length; i++) s += counts[i]!;
  const out = new Float64Array(counts.length);
  if (s > 0) for (let i = 0; i < counts.length; i++) out[i] = counts[i]! / s;
  return out;
}

/** Total variation distance ½Σ|p − q| between the normalized count vectors, in [0, 1]. */
export function totalVariation(ref: ArrayLike<number>, cur: ArrayLike<number>): number {
  const p = normalize(ref);
  const q = normalize(cur);
  let s = 0;
  for (let i = 0; i < p.length; i++) s += Math.abs(p[i]! - q[i]!);
  return s / 2;
}

/**
 * Jensen–Shannon distance (the square root of the JS divergence, log base 2, so in [0, 1]) between
 * two normalized count vectors: `scipy.spatial.distance.jensenshannon(p, q, base=2)`. Empty
 * categories need no smoothing (0·log 0 = 0).
 */
export function jensenShannonDistance(p0: ArrayLike<number>, q0: ArrayLike<number>): number {
  if (p0.length !== q0.length) throw new RangeError('jensenShannonDistance: vectors differ in length');
  const p = normalize(p0);
  const q = normalize(q0);
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    const m = (p[i]! + q[i]!) / 2;
    if (p[i]! > 0) s += p[i]! * Math.log(p[i]! / m);
    if (q[i]! > 0) s += q[i]! * Math.log(q[i]! / m);
  }
  const div = s / 2 / Math.LN2;
  return Math.sqrt(Math.max(0, div));
}

/** Jensen–Shannon distance (base 2) between category count vectors; see {@link jensenShannonDistance}. */
export function jensenShannonCategorical(ref: ArrayLike<number>, cur: ArrayLike<number>): number {
  return jensenShannonDistance(ref, cur);
}

export interface AlignedCounts {
  /** Categories: those of the reference in first-seen order, then those seen only in current. */
  categories: string[];
  reference: Float64Array;
  current: Float64Array;
  /** Categories that occur in current but not in the reference. */
  unseenInReference: string[];
}

/**
 * Count two samples of category labels over the union of their categories, so categories that
 * never occur in the reference are counted (a new category is drift, not noise to drop).
 */
export function alignCategoryCounts(reference: readonly string[], current: readonly string[]): AlignedCounts {
  const index = new Map<string, number>();
  const refCounts: number[] = [];
  const curCounts: number[] = [];
  const slot = (v: string): number => {
    let i = index.get(v);
    if (i === undefined) {
      i = index.size;
      index.set(v, i);
      refCounts.push(0);
      curCounts.push(0);
    }
    return i;
  };
  for (const v of reference) refCounts[slot(v)]!++;
  const nRefCategories = index.size;
  for (const v of current) curCounts[slot(v)]!++;
  const categories = [...index.keys()];
  return {
    categories,
    reference: Float64Array.from(refCounts),
    current: Float64Array.from(curCounts),
    unseenInReference: categories.slice(nRefCategories),
  };
}
