/**
 * A fixed-size sliding window kept both in arrival order (a ring) and sorted, for rolling order
 * statistics. Insert/evict cost a binary search plus one `copyWithin` (O(w) memmove, fast in
 * practice); median is O(1), MAD O(log w) (k-th smallest of two sorted distance sequences),
 * rank O(log w). Memory: 2·w doubles.
 */
export class SortedWindow {
  readonly capacity: number;
  private readonly ring: Float64Array;
  private readonly sorted: Float64Array;
  private count = 0;
  private head = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`SortedWindow: capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.ring = new Float64Array(capacity);
    this.sorted = new Float64Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Number of values strictly below `v` (binary search). */
  countBelow(v: number): number {
    const a = this.sorted;
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (a[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  push(v: number): void {
    const a = this.sorted;
    if (this.count === this.capacity) {
      // Evict the oldest value and insert v with one move of the values between their two
      // positions (instead of closing the gap to the end and reopening it): the same sorted array.
      const i = this.countBelow(this.ring[this.head]!);
      const j = this.countBelow(v);
      if (j <= i) {
        // a[i] >= v: v goes at j, a[j..i) move right over the evicted a[i].
        a.copyWithin(j + 1, j, i);
        a[j] = v;
      } else {
        // a[i] < v: a(i..j) move left over a[i], v goes just before a[j].
        a.copyWithin(i, i + 1, j);
        a[j - 1] = v;
      }
      this.ring[this.head] = v;
      this.head = this.head + 1 === this.capacity ? 0 : this.head + 1;
      return;
    }
    const j = this.countBelow(v);
    a.copyWithin(j + 1, j, this.count);
    a[j] = v;
    this.count++;
    this.ring[this.head] = v;
    this.head = this.head + 1 === this.capacity ? 0 : this.head + 1;
  }

  max(): number {
    return this.count === 0 ? NaN : this.sorted[this.count - 1]!;
  }

  median(): number {
    const n = this.count;
    const a = this.sorted;
    if (n === 0) return NaN;
    return n & 1 ? a[n >> 1]! : 0.5 * (a[n / 2 - 1]! + a[n / 2]!);
  }

  /**
   * Median absolute deviation around `center` (unscaled). The distances to the left and right of
   * `center` form two ascending sequences; the k-th smallest of their union is found by binary
   * search on how many come from the left (O(log w)).
   */
  mad(center: number = this.median()): number {
    const n = this.count;
    if (n === 0) return NaN;
    const c = this.countBelow(center);
    return n & 1 ? this.kthDistance(center, c, n >> 1) : 0.5 * (this.kthDistance(center, c, n / 2 - 1) + this.kthDistance(center, c, n / 2));
  }

  /**
   * The k-th smallest (0-based) of |a[i] − center| over the window, where `c` values lie below
   * `center`: the distances left of it, center − a[c−1−j], and right of it, a[c+j] − center, are two
   * ascending sequences (±Infinity past their ends); binary search on how many come from the left.
   * Written without closures (no allocation per call); the same comparisons and result as before.
   */
  private kthDistance(center: number, c: number, k: number): number {
    const a = this.sorted;
    const nL = c;
    const nR = this.count - c;
    const need = k + 1;
    let lo = Math.max(0, need - nR);
    let hi = Math.min(need, nL);
    while (lo <= hi) {
      const i = (lo + hi) >> 1;
      const j = need - i;
      // left(i − 1), right(j), right(j − 1), left(i) as the sequences define them
      const leftPrev = i - 1 < 0 ? -Infinity : i - 1 >= nL ? Infinity : center - a[c - i]!;
      const rightAt = j < 0 ? -Infinity : j >= nR ? Infinity : a[c + j]! - center;
      if (i > 0 && j < nR && leftPrev > rightAt) {
        hi = i - 1;
        continue;
      }
      const rightPrev = j - 1 < 0 ? -Infinity : j - 1 >= nR ? Infinity : a[c + j - 1]! - center;
      const leftAt = i < 0 ? -Infinity : i >= nL ? Infinity : center - a[c - 1 - i]!;
      if (j > 0 && i < nL && rightPrev > leftAt) lo = i + 1;
      else return Math.max(leftPrev, rightPrev);
    }
    return NaN; // unreachable for 0 <= k < n
  }

  /** The values in sorted order (a copy). */
  toSortedArray(): Float64Array {
    return this.sorted.slice(0, this.count);
  }
}
