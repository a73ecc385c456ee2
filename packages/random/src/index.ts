/**
 * Seeded randomness for every routine in Vigia: xoshiro128** (Blackman and Vigna 2018), seeded
 * through splitmix32, so a run with the same seed gives the same numbers on every platform.
 * A package of its own so that @vigia/core (a component's seeded `ctx.rng`) and @vigia/stats
 * (permutation tests, sampling) share one generator without core depending on the numerics.
 */

/** A uniform generator in [0, 1). Every randomised routine in this package takes one. */
export type Random = () => number;

export interface SeededRandom {
  /** Uniform in [0, 1). Bound, so it can be passed where a {@link Random} is expected. */
  readonly next: Random;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
  /** An independent stream derived from this generator's seed and a label. */
  fork(label: string): SeededRandom;
  readonly seed: number;
}

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** FNV-1a hash of a string, for deriving stream seeds from labels. */
export function hashString(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function createRandom(seed: number): SeededRandom {
  const init = splitmix32(Math.floor(seed) >>> 0);
  let a = init(), b = init(), c = init(), d = init();
  if ((a | b | c | d) === 0) a = 1;
  const next: Random = () => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result / 4294967296;
  };
  let spare: number | undefined;
  return {
    next,
    seed,
    int: (n) => Math.floor(next() * n),
    normal() {
      if (spare !== undefined) {
        const s = spare;
        spare = undefined;
        return s;
      }
      let u = 0;
      while (u === 0) u = next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    fork: (label) => createRandom(hashString(label, Math.floor(seed) >>> 0)),
  };
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/**
 * mulberry32: a small 32-bit generator. The seeded corpora of the descriptors' golden and
 * fast-path tests, the benchmark texts and the synthetic PII set were generated with it, so they
 * keep using it (their recorded digests and figures depend on the exact stream); new code uses
 * {@link createRandom}.
 */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
