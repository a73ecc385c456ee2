/**
 * Seeded randomness: the generator lives in @vigia/random (shared with @vigia/core); the
 * routines built on it are here.
 */
import type { Random } from '@vigia/random';

export { createRandom, hashString, type Random, type SeededRandom } from '@vigia/random';

/** Fisher–Yates shuffle in place. */
export function shuffleInPlace<T>(items: T[] | Float64Array | Int32Array | Uint32Array, random: Random): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = items[i]!;
    items[i] = items[j]!;
    items[j] = tmp as never;
  }
}

/** Indices of a seeded sample of `k` out of `n` without replacement, in increasing order. */
export function sampleIndices(n: number, k: number, random: Random): Int32Array {
  if (k >= n) return Int32Array.from({ length: n }, (_, i) => i);
  const reservoir = new Int32Array(k);
  for (let i = 0; i < k; i++) reservoir[i] = i;
  for (let i = k; i < n; i++) {
    const j = Math.floor(random() * (i + 1));
    if (j < k) reservoir[j] = i;
  }
  return reservoir.sort();
}
