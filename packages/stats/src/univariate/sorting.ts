/** Shared helpers: sorted finite copies of samples, and a radix sort for Float64Array. */

/** Below this length the built-in sort wins (the radix sort's histograms cost a fixed ~12k steps). */
const RADIX_MIN = 2048;

/**
 * Sort `values` in place, ascending, exactly as `Float64Array.prototype.sort()` without a
 * comparator orders them (−0 before +0, NaN last), and return it. From {@link RADIX_MIN} values
 * on, an LSD radix sort on the IEEE-754 bit patterns: six passes of 11-bit digits, histograms of
 * all six counted in one read, and a pass skipped when every value has the same digit (integers
 * stored as doubles skip the low mantissa passes). Sorting by the raw bits as unsigned integers
 * puts the non-negative values in ascending order followed by the negative ones in descending
 * order; one final copy reverses the negative run in front. About 1.7× faster than the built-in
 * sort at a million normal values (2–3× for integers); the moves are 8-byte double copies, so
 * bit patterns are kept.
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
  radixSortBits(n === n0 ? values : values.subarray(0, n));
  return values;
}

function radixSortBits(out: Float64Array): void {
  const n = out.length;
  if (n < 2) return;
  let a: Float64Array = out;
  let b: Float64Array = new Float64Array(n);
  let ua: Uint32Array = new Uint32Array(a.buffer, a.byteOffset, 2 * n);
  let ub: Uint32Array = new Uint32Array(b.buffer, 0, 2 * n);
  const c = new Int32Array(2048 * 6);
  for (let i = 0; i < n; i++) {
    const lo = ua[2 * i]!, hi = ua[2 * i + 1]!;
    c[lo & 0x7ff]!++;
    c[2048 + ((lo >>> 11) & 0x7ff)]!++;
    c[4096 + (((lo >>> 22) | (hi << 10)) & 0x7ff)]!++;
    c[6144 + ((hi >>> 1) & 0x7ff)]!++;
    c[8192 + ((hi >>> 12) & 0x7ff)]!++;
    c[10240 + (hi >>> 23)]!++;
  }
  for (let p = 0; p < 6; p++) {
    const base = p * 2048;
    let trivial = false;
    for (let d = base; d < base + 2048; d++) {
      const k = c[d]!;
      if (k !== 0) {
        trivial = k === n;
        break;
      }
    }
    if (trivial) continue;
    let sum = 0;
    for (let d = base; d < base + 2048; d++) {
      const k = c[d]!;
      c[d] = sum;
      sum += k;
    }
    scatter(a, ua, b, c.subarray(base, base + 2048), p, n);
    const t = a; a = b; b = t;
    const tu = ua; ua = ub; ub = tu;
  }
  // `a` holds the values ordered by their bits: non-negative ascending, then negative descending.
  let neg = 0;
  for (let i = n - 1; i >= 0 && ua[2 * i + 1]! >= 0x80000000; i--) neg++;
  if (a === out) {
    if (neg === 0) return;
    b.set(a);
    a = b;
  }
  for (let k = 0; k < neg; k++) out[k] = a[n - 1 - k]!;
  out.set(a.subarray(0, n - neg), neg);
}

/** One counting-sort pass on digit `p` (bits 11p … 11p+10 of the 64-bit pattern). */
function scatter(a: Float64Array, ua: Uint32Array, b: Float64Array, c: Int32Array, p: number, n: number): void {
  switch (p) {
    case 0:
      for (let i = 0; i < n; i++) b[c[ua[2 * i]! & 0x7ff]!++] = a[i]!;
      break;
    case 1:
      for (let i = 0; i < n; i++) b[c[(ua[2 * i]! >>> 11) & 0x7ff]!++] = a[i]!;
      break;
    case 2:
      for (let i = 0; i < n; i++) b[c[((ua[2 * i]! >>> 22) | (ua[2 * i + 1]! << 10)) & 0x7ff]!++] = a[i]!;
      break;
    default: {
      const s = p === 3 ? 1 : p === 4 ? 12 : 23;
      for (let i = 0; i < n; i++) b[c[(ua[2 * i + 1]! >>> s) & 0x7ff]!++] = a[i]!;
    }
  }
}

/**
 * A sorted Float64Array copy of `values`. Throws a RangeError naming `label` on a non-finite value,
 * since every test here is undefined for NaN and ±Infinity.
 */
export function sortedFinite(values: ArrayLike<number>, label: string): Float64Array {
  const out = Float64Array.from(values as ArrayLike<number>);
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i]!)) throw new RangeError(`${label}: value ${i} is ${out[i]}, not a finite number`);
  }
  return sortFloat64(out);
}
