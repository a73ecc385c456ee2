/** Shared helpers: sorted finite copies of samples, and a radix sort for Float64Array. */

/** Below this length the built-in sort wins (the radix sort's histograms cost a fixed ~12k steps). */
const RADIX_MIN = 2048;

/** Longest run of equal high words finished by insertion sort; longer runs use the built-in sort. */
const INSERTION_MAX = 24;

/**
 * Sort `values` in place, ascending, exactly as `Float64Array.prototype.sort()` without a
 * comparator orders them (−0 before +0, NaN last), and return it. From {@link RADIX_MIN} values
 * on, an LSD radix sort on the high 32 bits of each value's IEEE-754 pattern (sign, exponent and
 * the top 20 mantissa bits), mapped so that unsigned order is numeric order (negative values:
 * every bit flipped; the others: the sign bit set — so −0 comes before +0): three passes of
 * 11/11/10-bit digits, histograms of all three counted in one read, and a pass skipped when every
 * value has the same digit. Values whose high words tie (they share sign, exponent and 20
 * mantissa bits, so they compare as plain numbers) are then finished in one sweep: runs of up to
 * {@link INSERTION_MAX} by insertion sort, longer ones by the built-in sort. About 2.5× faster
 * than the built-in sort at a million normal values; the moves are 8-byte double copies, so bit
 * patterns are kept.
 */
export function sortFloat64(values: Float64Array): Float64Array {
  const n0 = values.length;
  if (n0 < RADIX_MIN) return values.sort();
  // NaN last, as the built-in sort: move them out of the way first (rare; one read when absent).
  let n = 0;
  for (let i = 0; i < n0; i++) {
    const x = values[i]!;
    if (x === x) values[n++] = x;
  }
  if (n < n0) values.fill(NaN, n);
  const sorted = n === n0 ? values : values.subarray(0, n);
  radixSortHigh(sorted, sorted);
  return values;
}

/** The high word's sort key: unsigned order of keys is numeric order of the values (−0 < +0). */
const keyOf = (hi: number): number => (hi ^ ((hi >> 31) | 0x80000000)) >>> 0;

/**
 * Radix-sort the NaN-free `src` into `out` (the same length; `src` itself for in place, else
 * `src` is left as it was) and return true. With `finiteOnly`, returns false without sorting
 * when the counting read met a non-finite value (±Infinity or NaN), so a caller that refuses
 * them needs no read of its own.
 */
function radixSortHigh(src: Float64Array, out: Float64Array, finiteOnly = false): boolean {
  const n = src.length;
  const us = new Uint32Array(src.buffer, src.byteOffset, 2 * n);
  const c = new Int32Array(2048 * 3);
  let infinite = 0;
  for (let i = 1; i < 2 * n; i += 2) {
    const hi = us[i]!;
    if ((hi & 0x7ff00000) === 0x7ff00000) infinite++;
    const k = keyOf(hi);
    c[k & 0x7ff]!++;
    c[2048 + ((k >>> 11) & 0x7ff)]!++;
    c[4096 + (k >>> 22)]!++;
  }
  if (finiteOnly && infinite > 0) return false;
  const passes: number[] = [];
  for (let p = 0; p < 3; p++) if (toOffsets(c, p * 2048, n)) passes.push(p);
  // Alternate between `out` and one scratch array so that the last pass writes into `out` (in
  // place, with an odd count, the last pass lands in the scratch array and is copied back).
  const scratch = new Float64Array(n);
  let a = src;
  let b = passes.length % 2 === 1 && src !== out ? out : scratch;
  for (const p of passes) {
    scatter(a, new Uint32Array(a.buffer, a.byteOffset, 2 * n), b, c.subarray(p * 2048, p * 2048 + 2048), p * 11, n);
    a = b;
    b = a === out ? scratch : out;
  }
  if (a !== out) out.set(a);
  finishTies(out, new Uint32Array(out.buffer, out.byteOffset, 2 * n), scratch);
  return true;
}

/**
 * Turn the 2,048 digit counts at `c[base…]` into each digit's first output slot (exclusive prefix
 * sums) and return true; return false, leaving them, when one digit holds all `n` values (the
 * pass would not move anything, so it is skipped).
 */
function toOffsets(c: Int32Array, base: number, n: number): boolean {
  for (let d = base; d < base + 2048; d++) {
    const k = c[d]!;
    if (k !== 0) {
      if (k === n) return false;
      break;
    }
  }
  let sum = 0;
  for (let d = base; d < base + 2048; d++) {
    const k = c[d]!;
    c[d] = sum;
    sum += k;
  }
  return true;
}

/** One counting-sort pass on the key's bits `shift` … `shift + 10`. */
function scatter(a: Float64Array, ua: Uint32Array, b: Float64Array, c: Int32Array, shift: number, n: number): void {
  for (let i = 0; i < n; i++) b[c[(keyOf(ua[2 * i + 1]!) >>> shift) & 0x7ff]!++] = a[i]!;
}

/**
 * Order the runs of values whose high words are equal (ordered by the radix passes, in input
 * order within a run). Within a run the values share sign and exponent, so `<` orders them as the
 * built-in sort does: short runs by insertion sort; a longer run is first checked for being in
 * order already (presorted data, repeated values), then sorted by the built-in sort, or from
 * {@link RUN_RADIX_MIN} values on (narrow ranges of large numbers, e.g. millisecond timestamps
 * over a day: a few high words for a million values) by a radix sort on the low words.
 */
function finishTies(v: Float64Array, u: Uint32Array, scratch: Float64Array): void {
  const n = v.length;
  let counts: Int32Array | undefined;
  let i = 0;
  while (i < n - 1) {
    const hi = u[2 * i + 1]!;
    if (u[2 * i + 3]! !== hi) {
      i++;
      continue;
    }
    let j = i + 2;
    while (j < n && u[2 * j + 1]! === hi) j++;
    if (j - i <= INSERTION_MAX) {
      for (let k = i + 1; k < j; k++) {
        const x = v[k]!;
        let m = k - 1;
        while (m >= i && v[m]! > x) {
          v[m + 1] = v[m]!;
          m--;
        }
        v[m + 1] = x;
      }
    } else {
      let ordered = true;
      for (let k = i + 1; k < j; k++) {
        if (v[k - 1]! > v[k]!) {
          ordered = false;
          break;
        }
      }
      if (!ordered) {
        if (j - i < RUN_RADIX_MIN) v.subarray(i, j).sort();
        else radixSortLow(v, u, i, j, scratch, (counts ??= new Int32Array(2048 * 3)), hi >= 0x80000000);
      }
    }
    i = j;
  }
}

/** Shortest run of tied high words sorted by {@link radixSortLow} rather than the built-in sort. */
const RUN_RADIX_MIN = 4096;

/**
 * Sort `v[from, to)`, whose values share their high word, by their low words: ascending for
 * positive values, descending (every bit flipped) for negative ones. LSD, 11/11/10-bit digits,
 * trivial passes skipped, `scratch` (at least to − from long) as the other buffer.
 */
function radixSortLow(v: Float64Array, u: Uint32Array, from: number, to: number, scratch: Float64Array, c: Int32Array, negative: boolean): void {
  const m = to - from;
  const flip = negative ? 0xffffffff : 0;
  c.fill(0);
  for (let i = from; i < to; i++) {
    const k = (u[2 * i]! ^ flip) >>> 0;
    c[k & 0x7ff]!++;
    c[2048 + ((k >>> 11) & 0x7ff)]!++;
    c[4096 + (k >>> 22)]!++;
  }
  const us = new Uint32Array(scratch.buffer, scratch.byteOffset, 2 * m);
  let a = v.subarray(from, to);
  let ua = u.subarray(2 * from, 2 * to);
  let b = scratch.subarray(0, m);
  let ub = us;
  for (let p = 0; p < 3; p++) {
    const base = p * 2048;
    if (!toOffsets(c, base, m)) continue;
    const shift = p * 11;
    for (let i = 0; i < m; i++) b[c[base + ((((ua[2 * i]! ^ flip) >>> 0) >>> shift) & 0x7ff)]!++] = a[i]!;
    const t = a; a = b; b = t;
    const tu = ua; ua = ub; ub = tu;
  }
  if (a.buffer !== v.buffer) v.set(a, from);
}

/**
 * A sorted Float64Array copy of `values`. Throws a RangeError naming `label` on a non-finite value,
 * since every test here is undefined for NaN and ±Infinity.
 */
export function sortedFinite(values: ArrayLike<number>, label: string): Float64Array {
  const n = values.length;
  const nonFinite = () => {
    for (let i = 0; i < n; i++) {
      const x = values[i]!;
      if (!Number.isFinite(x)) return new RangeError(`${label}: value ${i} is ${x}, not a finite number`);
    }
    return undefined;
  };
  if (n < RADIX_MIN || !(values instanceof Float64Array)) {
    const error = nonFinite();
    if (error) throw error;
    return sortFloat64(Float64Array.from(values));
  }
  // A Float64Array: radix-sorted straight into the copy (no copy first); NaN and ±Infinity are
  // noticed by the counting read, before any value moves.
  const out = new Float64Array(n);
  if (!radixSortHigh(values, out, true)) throw nonFinite()!;
  return out;
}
