/**
 * Multiple-testing corrections returning adjusted p-values in the input order. NaN entries stay
 * NaN and do not count toward the number of tests.
 */

/** Bonferroni: min(1, p·m), m = number of (non-NaN) p-values. */
export function bonferroni(p: readonly number[]): number[] {
  const m = p.filter((x) => !Number.isNaN(x)).length;
  return p.map((x) => (Number.isNaN(x) ? NaN : Math.min(1, x * m)));
}

/**
 * Benjamini–Hochberg (1995) step-up adjusted p-values, as statsmodels `multipletests(method='fdr_bh')`:
 * sorted ascending, q_(i) = min_{j ≥ i} p_(j)·m/j, capped at 1, so they are monotone in p.
 */
export function benjaminiHochberg(p: readonly number[]): number[] {
  const idx: number[] = [];
  for (let i = 0; i < p.length; i++) if (!Number.isNaN(p[i]!)) idx.push(i);
  idx.sort((a, b) => p[a]! - p[b]!);
  const m = idx.length;
  const out = p.map(() => NaN);
  let running = 1;
  for (let r = m - 1; r >= 0; r--) {
    const i = idx[r]!;
    const q = (p[i]! * m) / (r + 1);
    if (q < running) running = q;
    out[i] = running;
  }
  return out;
}
