/**
 * Monte Carlo p-values that can reach the level they are judged at, without spending
 * permutations where the answer is clear: Besag and Clifford's sequential scheme (Besag &
 * Clifford 1991, "Sequential Monte Carlo p-values", Biometrika 78:301–304). Permutations are
 * drawn until `stopAfter` (h) of them reach the observed statistic, or `maxPermutations` (B) are
 * drawn. Stopped at L draws with h exceedances, p = h / L; otherwise p = (1 + E) / (1 + B). Both
 * are valid p-values (P(p ≤ u) ≤ u); the smallest is 1 / (1 + B).
 */

export interface SequentialPermutations {
  /** Largest number of permutations drawn (B). */
  maxPermutations: number;
  /** Stop once this many permutations reach the observed statistic (h; default 10). */
  stopAfter?: number;
}

/** Default h: ten exceedances give a p-value estimate with about 30 % relative error, enough to say "not close". */
export const SEQUENTIAL_STOP_AFTER = 10;

/** The p-value after `drawn` permutations with `exceed` at or above the observed statistic. */
export function sequentialPValue(exceed: number, drawn: number, stopAfter: number, stopped: boolean): number {
  return stopped ? stopAfter / drawn : (1 + exceed) / (1 + drawn);
}

/**
 * Permutations a test needs so that its smallest p-value, 1 / (1 + B), is at most half of
 * `level`: B = ⌈2 / level⌉ − 1 (39 at 0.05; 359 at 0.05 / 9). At least `minimum`.
 */
export function permutationsForLevel(level: number, minimum = 0): number {
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be in (0, 1), got ${level}`);
  return Math.max(Math.floor(minimum), Math.ceil(2 / level) - 1);
}

/** The smallest p-value a Monte Carlo test with `permutations` draws can produce. */
export function permutationFloor(permutations: number): number {
  return 1 / (1 + Math.max(0, permutations));
}
