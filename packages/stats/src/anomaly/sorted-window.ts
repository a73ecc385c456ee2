/**
 * The sorted contents of a small {@link SortedWindow} as one flat sorted array: insert and evict
 * are a binary search and one `copyWithin` (an O(w) memmove, which for w up to ~10,000 values
 * costs no more than the block list's bookkeeping: see FLAT_MAX).
 */
class FlatList {
  private readonly a: Float64Array;
  n = 0;

  constructor(capacity: number) {
    this.a = new Float64Array(capacity);
  }

  build(sorted: Float64Array, n: number): void {
    this.a.set(sorted.subarray(0, n));
    this.n = n;
  }

  toArray(): Float64Array {
    return this.a.slice(0, this.n);
  }

  countBelow(v: number): number {
    const a = this.a;
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (a[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  at(g: number): number {
    return this.a[g]!;
  }

  max(): number {
    return this.a[this.n - 1]!;
  }

  /** Insert v; returns the count of values below it. */
  insert(v: number): number {
    const j = this.countBelow(v);
    this.a.copyWithin(j + 1, j, this.n);
    this.a[j] = v;
    this.n++;
    return j;
  }

  /**
   * Evict the first value equal to `old` and insert v with one move of the values between their
   * two positions; returns the count of values below v before the change (`old` included).
   */
  replace(old: number, v: number): number {
    const a = this.a;
    const i = this.countBelow(old);
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
    return j;
  }
}

/**
 * The sorted contents of a {@link SortedWindow}, as a list of sorted blocks ("sqrt decomposition"):
 * block positions in value order, each block a run of at most `B` values in its own slice of
 * `vals`. Insert and remove move values within one block (≤ B) and shift the per-block start
 * ranks after it (≤ w/(B/2) integers), instead of moving up to w values; a full block is split in
 * two, an emptied one is dropped, and when no free block is left the whole list is rebuilt from its
 * values (O(w), after at least w/B splits). Rank queries are a binary search over the blocks' last
 * values then within one block; the g-th smallest a binary search over the start ranks.
 *
 * Values are kept in the same global order as one flat sorted array with "insert before the
 * first equal value, remove the first equal value": the same sequence, −0 and 0 included.
 */
class BlockList {
  /** Block capacity. */
  readonly B: number;
  private readonly vals: Float64Array;
  /** By position: slot offset of the block in `vals`. */
  private readonly base: Int32Array;
  /** By position: values in the block. */
  private readonly cnt: Int32Array;
  /** By position: values in all blocks before it (the block's first global rank). */
  private readonly start: Int32Array;
  /** By position: the block's largest value (a contiguous copy, so the block search stays in cache). */
  private readonly maxv: Float64Array;
  /** Unused block offsets. */
  private readonly free: Int32Array;
  private nfree = 0;
  /** Blocks in use (at least 1; only a lone block may be empty). */
  nb = 1;
  /** Values held. */
  n = 0;

  constructor(capacity: number, blockSize: number) {
    const B = blockSize;
    this.B = B;
    // A rebuild fills blocks to B/2, so the blocks in use never exceed capacity/(B/2) + splits;
    // twice that leaves room for capacity/(B/2) splits between rebuilds.
    const maxBlocks = 2 * Math.ceil(capacity / Math.max(1, B >> 1)) + 4;
    this.vals = new Float64Array(maxBlocks * B);
    this.base = new Int32Array(maxBlocks);
    this.cnt = new Int32Array(maxBlocks);
    this.start = new Int32Array(maxBlocks);
    this.maxv = new Float64Array(maxBlocks);
    this.free = new Int32Array(maxBlocks);
    this.reset();
  }

  private reset(): void {
    const maxBlocks = this.free.length;
    this.nb = 1;
    this.n = 0;
    this.base[0] = 0;
    this.cnt[0] = 0;
    this.start[0] = 0;
    this.nfree = maxBlocks - 1;
    for (let k = 0; k < maxBlocks - 1; k++) this.free[k] = (maxBlocks - 1 - k) * this.B;
  }

  /** Fill from `sorted` (ascending, length n), blocks half full. */
  build(sorted: Float64Array, n: number): void {
    this.reset();
    if (n === 0) return;
    const fill = Math.max(1, this.B >> 1);
    const blocks = Math.ceil(n / fill);
    this.nfree = this.free.length - blocks;
    for (let k = 0; k < this.nfree; k++) this.free[k] = (this.free.length - 1 - k) * this.B;
    for (let p = 0; p < blocks; p++) {
      const from = p * fill;
      const m = Math.min(fill, n - from);
      this.base[p] = p * this.B;
      this.cnt[p] = m;
      this.start[p] = from;
      this.vals.set(sorted.subarray(from, from + m), p * this.B);
      this.maxv[p] = sorted[from + m - 1]!;
    }
    this.nb = blocks;
    this.n = n;
  }

  /** All values in order. */
  toArray(out: Float64Array = new Float64Array(this.n)): Float64Array {
    for (let p = 0; p < this.nb; p++) out.set(this.vals.subarray(this.base[p]!, this.base[p]! + this.cnt[p]!), this.start[p]!);
    return out;
  }

  /** First block position whose last value is ≥ v (nb when none is). */
  private blockOf(v: number): number {
    const maxv = this.maxv;
    let lo = 0;
    let hi = this.nb;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (maxv[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First offset in block position p whose value is ≥ v. */
  private offsetIn(p: number, v: number): number {
    const vals = this.vals;
    const b = this.base[p]!;
    let lo = 0;
    let hi = this.cnt[p]!;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (vals[b + mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Number of values strictly below v. */
  countBelow(v: number): number {
    if (this.n === 0) return 0;
    const p = this.blockOf(v);
    if (p === this.nb) return this.n;
    return this.start[p]! + this.offsetIn(p, v);
  }

  /** The g-th smallest value (0-based, 0 ≤ g < n). */
  at(g: number): number {
    const start = this.start;
    // last position with start ≤ g; empty blocks exist only when n = 0
    let lo = 0;
    let hi = this.nb - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (start[mid]! <= g) lo = mid;
      else hi = mid - 1;
    }
    return this.vals[this.base[lo]! + g - start[lo]!]!;
  }

  max(): number {
    return this.maxv[this.nb - 1]!;
  }

  /** Insert v before the first value ≥ v; returns the count of values below it. */
  insert(v: number): number {
    let p = this.n === 0 ? 0 : this.blockOf(v);
    let o: number;
    if (p === this.nb) {
      p = this.nb - 1;
      o = this.cnt[p]!;
    } else {
      o = this.offsetIn(p, v);
    }
    const B = this.B;
    if (this.cnt[p]! === B) {
      if (this.nfree === 0) {
        // No free block: rebuild half full (amortised O(1): at least w/B splits since the last).
        const all = this.toArray();
        this.build(all, all.length);
        return this.insert(v);
      }
      // Split block p: its upper half moves to a new block at position p + 1.
      const half = B >> 1;
      const nb = this.nb;
      const id = this.free[--this.nfree]!;
      this.base.copyWithin(p + 2, p + 1, nb);
      this.cnt.copyWithin(p + 2, p + 1, nb);
      this.start.copyWithin(p + 2, p + 1, nb);
      this.maxv.copyWithin(p + 2, p + 1, nb);
      this.maxv[p + 1] = this.maxv[p]!;
      const from = this.base[p]!;
      this.vals.copyWithin(id, from + half, from + B);
      this.base[p + 1] = id;
      this.cnt[p + 1] = B - half;
      this.start[p + 1] = this.start[p]! + half;
      this.cnt[p] = half;
      this.maxv[p] = this.vals[from + half - 1]!;
      this.nb = nb + 1;
      if (o > half) {
        p++;
        o -= half;
      }
    }
    const b = this.base[p]!;
    const c = this.cnt[p]!;
    const vals = this.vals;
    for (let k = b + c; k > b + o; k--) vals[k] = vals[k - 1]!;
    vals[b + o] = v;
    if (o === c) this.maxv[p] = v;
    this.cnt[p] = c + 1;
    const start = this.start;
    for (let q = p + 1, nb = this.nb; q < nb; q++) start[q]!++;
    this.n++;
    return start[p]! + o;
  }

  /**
   * Remove the first value equal to `old` (which must be held), then insert v: as remove + insert,
   * but the start ranks change only between the two blocks (by one, one way). Returns the count
   * of values below v before the change (`old` included).
   */
  replace(old: number, v: number): number {
    const p1 = this.blockOf(old);
    const o1 = this.offsetIn(p1, old);
    const b1 = this.base[p1]!;
    const c1 = this.cnt[p1]! - 1;
    if (c1 === 0) {
      // The block empties (it is dropped): the plain path.
      this.remove(old);
      return this.insert(v) + (old < v ? 1 : 0);
    }
    const vals = this.vals;
    for (let k = b1 + o1; k < b1 + c1; k++) vals[k] = vals[k + 1]!;
    if (o1 === c1) this.maxv[p1] = vals[b1 + c1 - 1]!;
    this.cnt[p1] = c1;
    // block maxima are valid again (starts after p1 are one too high until fixed below)
    let p2 = this.blockOf(v);
    let o2: number;
    if (p2 === this.nb) {
      p2 = this.nb - 1;
      o2 = this.cnt[p2]!;
    } else {
      o2 = this.offsetIn(p2, v);
    }
    const start = this.start;
    if (this.cnt[p2]! === this.B) {
      // A split: fix the starts first, then insert on the plain path.
      for (let q = p1 + 1, nb = this.nb; q < nb; q++) start[q]!--;
      this.n--;
      return this.insert(v) + (old < v ? 1 : 0);
    }
    const b2 = this.base[p2]!;
    const c2 = this.cnt[p2]!;
    for (let k = b2 + c2; k > b2 + o2; k--) vals[k] = vals[k - 1]!;
    vals[b2 + o2] = v;
    if (o2 === c2) this.maxv[p2] = v;
    this.cnt[p2] = c2 + 1;
    if (p1 < p2) for (let q = p1 + 1; q <= p2; q++) start[q]!--;
    else for (let q = p2 + 1; q <= p1; q++) start[q]!++;
    return start[p2]! + o2 + (old < v ? 1 : 0);
  }

  /** Remove the first value equal to v (which must be held). */
  remove(v: number): void {
    const p = this.blockOf(v);
    const o = this.offsetIn(p, v);
    const b = this.base[p]!;
    const c = this.cnt[p]! - 1;
    const vals = this.vals;
    for (let k = b + o; k < b + c; k++) vals[k] = vals[k + 1]!;
    if (o === c && c > 0) this.maxv[p] = vals[b + c - 1]!;
    this.cnt[p] = c;
    const start = this.start;
    const nb = this.nb;
    for (let q = p + 1; q < nb; q++) start[q]!--;
    this.n--;
    if (c === 0 && nb > 1) {
      this.free[this.nfree++] = b;
      this.base.copyWithin(p, p + 1, nb);
      this.cnt.copyWithin(p, p + 1, nb);
      this.start.copyWithin(p, p + 1, nb);
      this.maxv.copyWithin(p, p + 1, nb);
      this.nb = nb - 1;
    }
  }
}

/**
 * Windows larger than this keep their sorted side as a block list, smaller ones as one flat array.
 * Measured (push + median + MAD, CPU time, one core): flat 2.9 / 1.4 / 0.82 / 0.34 / 0.10 M/s at
 * w = 2,000 / 6,400 / 20,000 / 50,000 / 200,000; blocked 1.3 / 1.5 / 1.15 / 0.78 / 0.35. The
 * two are level near w = 6,400–8,640 (the defaults) inside the scorer, where memmove is fast.
 */
const FLAT_MAX = 10_000;

/** Block capacity for a window of `capacity` values: about √capacity, a power of two in [8, 512]. */
function blockSizeFor(capacity: number): number {
  let B = 8;
  while (B < 512 && B * B < capacity) B *= 2;
  return B;
}

/**
 * A fixed-size sliding window kept both in arrival order (a ring) and sorted, for rolling order
 * statistics. The sorted side is one flat array up to {@link FLAT_MAX} values (insert/evict: a
 * binary search and one O(w) memmove) and above it a list of sorted blocks of ≈ √w values
 * ({@link BlockList}: two binary searches, a move within one block and an update of the blocks'
 * start ranks, O(√w)). Rank O(log w); median O(1) flat, O(log w) blocked; MAD: a search for the
 * k-th smallest of two sorted distance sequences that starts from the last point's answer (O(1)
 * probes when it moved little, O(log w) at worst), each probe a k-th value lookup. Memory ≈ 2·w
 * doubles flat, ≈ 3·w blocked.
 *
 * Only the ring, count and head are state (what a snapshot holds); the sorted side is derived
 * from them and rebuilt on first use after a restore (or from a snapshot of the earlier layout,
 * which also held the sorted copy: it is dropped). Values are kept in the order of "insert before
 * the first equal value, evict the first equal value" in both layouts, so they give the same
 * sorted sequence, −0 and 0 included (a rebuilt one sorts −0 before 0: no statistic here tells).
 */
export class SortedWindow {
  readonly capacity: number;
  private readonly ring: Float64Array;
  private count = 0;
  private head = 0;
  /** Values pushed since construction (with count, tells a restored window from the live one). */
  private pushes = 0;
  /** Not enumerable (derived, not state): the sorted values, and the `pushes`/count they hold. */
  private declare readonly blocks: BlockList | FlatList;
  private declare blocksFor: number;
  /** The (k+1)-th smallest distance of the last kthDistance call. Not enumerable: scratch. */
  private declare nextDistance: number;
  /** Left count of the last kthDistance split (its next search starts there). Not enumerable: a hint. */
  private declare lastSplit: number;

  /**
   * `blockSize`: 0 for one flat sorted array, else the block capacity of a block list (≥ 2); by
   * default flat up to {@link FLAT_MAX} values, blocks of ≈ √capacity above.
   */
  constructor(capacity: number, blockSize?: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`SortedWindow: capacity must be a positive integer, got ${capacity}`);
    const B = blockSize ?? (capacity <= FLAT_MAX ? 0 : blockSizeFor(capacity));
    if (!Number.isInteger(B) || B === 1 || B < 0) throw new RangeError(`SortedWindow: blockSize must be 0 (flat) or an integer ≥ 2, got ${blockSize}`);
    this.capacity = capacity;
    this.ring = new Float64Array(capacity);
    Object.defineProperty(this, 'blocks', { value: B === 0 ? new FlatList(capacity) : new BlockList(capacity, B), enumerable: false });
    Object.defineProperty(this, 'blocksFor', { value: 0, writable: true, enumerable: false });
    Object.defineProperty(this, 'nextDistance', { value: NaN, writable: true, enumerable: false });
    Object.defineProperty(this, 'lastSplit', { value: 0, writable: true, enumerable: false });
  }

  /** The block list, rebuilt from the ring when it does not hold this window's values (after a restore). */
  private ordered(): BlockList | FlatList {
    const b = this.blocks;
    if (this.blocksFor !== this.pushes || b.n !== this.count) {
      const self = this as unknown as Record<string, unknown>;
      if ('sorted' in self && Object.prototype.hasOwnProperty.call(self, 'sorted')) delete self.sorted;
      // The ring holds the last `count` values (slots 0..count−1 until it first wraps).
      const values = this.ring.slice(0, this.count).sort();
      b.build(values, this.count);
      this.blocksFor = this.pushes;
    }
    return b;
  }

  get size(): number {
    return this.count;
  }

  /** Number of values strictly below `v`. */
  countBelow(v: number): number {
    return this.ordered().countBelow(v);
  }

  push(v: number): void {
    this.pushRank(v);
  }

  /**
   * Push v and return {@link countBelow}(v) as it was just before (the oldest value still in):
   * the rank a history scorer needs, from the insertion's own search.
   */
  pushRank(v: number): number {
    const b = this.ordered();
    let below: number;
    if (this.count === this.capacity) {
      // Evict the oldest value, then insert v: the same sorted sequence in both layouts.
      below = b.replace(this.ring[this.head]!, v);
    } else {
      this.count++;
      below = b.insert(v);
    }
    this.ring[this.head] = v;
    this.head = this.head + 1 === this.capacity ? 0 : this.head + 1;
    this.blocksFor = ++this.pushes;
    return below;
  }

  max(): number {
    return this.count === 0 ? NaN : this.ordered().max();
  }

  median(): number {
    const n = this.count;
    if (n === 0) return NaN;
    const b = this.ordered();
    return n & 1 ? b.at(n >> 1) : 0.5 * (b.at(n / 2 - 1) + b.at(n / 2));
  }

  /**
   * Median absolute deviation around `center` (unscaled). The distances to the left and right of
   * `center` form two ascending sequences; the k-th smallest of their union is found by binary
   * search on how many come from the left.
   */
  mad(center: number = this.median()): number {
    const n = this.count;
    if (n === 0) return NaN;
    const c = this.countBelow(center);
    if (n & 1) return this.kthDistance(center, c, n >> 1);
    // Even n: one search gives both middle distances (the one after the k-th is the smaller of the
    // two sequences' next ones).
    const lower = this.kthDistance(center, c, n / 2 - 1);
    return 0.5 * (lower + this.nextDistance);
  }

  /**
   * The k-th smallest (0-based) of |a[i] − center| over the sorted window a, where `c` values lie
   * below `center`: the distances left of it, center − a[c−1−j], and right of it, a[c+j] − center,
   * are two ascending sequences (±Infinity past their ends); binary search on how many come from
   * the left. Also leaves the (k+1)-th in `nextDistance`.
   */
  private kthDistance(center: number, c: number, k: number): number {
    const a = this.blocks;
    const nL = c;
    const nR = this.count - c;
    const need = k + 1;
    let lo = Math.max(0, need - nR);
    let hi = Math.min(need, nL);
    // The split rarely moves far between consecutive points: the first probe is the last split,
    // then steps of 1, 2, 4, … in the direction the probe says, until it turns; then bisection.
    // Any valid split gives the same two order statistics, so the result is the full search's.
    let i = this.lastSplit < lo ? lo : this.lastSplit > hi ? hi : this.lastSplit;
    let step = 1;
    let dir = 0;
    while (lo <= hi) {
      const j = need - i;
      // left(i − 1), right(j), right(j − 1), left(i) as the sequences define them
      const leftPrev = i - 1 < 0 ? -Infinity : i - 1 >= nL ? Infinity : center - a.at(c - i);
      const rightAt = j < 0 ? -Infinity : j >= nR ? Infinity : a.at(c + j) - center;
      let turn: number;
      if (i > 0 && j < nR && leftPrev > rightAt) {
        hi = i - 1;
        turn = -1;
      } else {
        const rightPrev = j - 1 < 0 ? -Infinity : j - 1 >= nR ? Infinity : a.at(c + j - 1) - center;
        const leftAt = i < 0 ? -Infinity : i >= nL ? Infinity : center - a.at(c - 1 - i);
        if (j > 0 && i < nL && rightPrev > leftAt) {
          lo = i + 1;
          turn = 1;
        } else {
          this.lastSplit = i;
          this.nextDistance = Math.min(leftAt, rightAt);
          return Math.max(leftPrev, rightPrev);
        }
      }
      if (dir === 0 || dir === turn) {
        // still galloping
        dir = turn;
        const next = i + turn * step;
        step *= 2;
        if (next >= lo && next <= hi) {
          i = next;
          continue;
        }
      }
      dir = 2; // bisecting from now on
      i = (lo + hi) >> 1;
    }
    return NaN; // unreachable for 0 <= k < n
  }

  /** The values in sorted order (a copy). */
  toSortedArray(): Float64Array {
    return this.ordered().toArray();
  }
}
