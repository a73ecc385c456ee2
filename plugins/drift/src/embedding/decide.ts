import type { DetectorResult } from '@vigia/core';

/** pass / warn / fail from a p-value at `alpha` and an effect that must reach `minEffect` to fail. */
export function decide(pValue: number, alpha: number, effect: number, minEffect: number | undefined): DetectorResult['status'] {
  if (!(pValue < alpha)) return 'pass';
  return minEffect !== undefined && effect < minEffect ? 'warn' : 'fail';
}

export function fmt(x: number): string {
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e4 || a < 1e-3 ? x.toExponential(2) : x.toPrecision(3);
}

/** `p=0.0123`, `p=3.2e-5`, or `p<1e-300` at the floating-point floor. */
export function formatP(p: number): string {
  return p < 1e-300 ? 'p<1e-300' : `p=${fmt(p)}`;
}
