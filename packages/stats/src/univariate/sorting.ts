/** Shared helpers: sorted finite copies of samples. */

/**
 * A sorted Float64Array copy of `values`. Throws a RangeError naming `label` on a non-finite value,
 * since every test here is undefined for NaN and ±Infinity.
 */
export function sortedFinite(values: ArrayLike<number>, label: string): Float64Array {
  const out = Float64Array.from(values as ArrayLike<number>);
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i]!)) throw new RangeError(`${label}: value ${i} is ${out[i]}, not a finite number`);
  }
  return out.sort();
}
