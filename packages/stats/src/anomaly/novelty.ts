import { SortedWindow } from './sorted-window.js';
import { MAD_TO_SIGMA, type StreamingScorer } from './robust-z.js';

export interface NoveltyOptions {
  /** Points in the rolling median/MAD windows of the value and of its change (default 6400). */
  window?: number;
  /** Past deviations the current one is ranked against (default 8640). */
  history?: number;
  /** Points after which a new score must beat the recent ones to keep its height (default 100). */
  suppress?: number;
  /** Factor applied to a score that does not beat the last `suppress` scores (default 0.5). */
  damping?: number;
  /** Scale floor as a share of the value range seen so far (default 0.01). */
  scaleFloor?: number;
  /** Previous quantised values forming the context of the transition model (default 4; 0 turns it off). */
  context?: number;
  /** Quantisation levels over the value range seen so far (default 16). */
  levels?: number;
  /** Weight c of the transition surprise s in z · (1 + c·s) (default 1). */
  surpriseWeight?: number;
  /** Segments of the recent-window shape compared with past windows (default 8; 0 turns the shape channel off). */
  shapeSegments?: number;
  /**
   * Points averaged into one segment, one shape channel per entry (default [16, 32]: windows of 128
   * and 256 points). Each channel stores and compares a window every quarter segment.
   */
  shapeScales?: number[];
  /** Past windows kept for the nearest-neighbour search, oldest replaced first (default 256). */
  shapeStore?: number;
  /** A shape distance scores above 0.9 only when it exceeds this multiple of the largest one before; a smaller record scores 0.9 (default 2). */
  shapeMargin?: number;
}

/**
 * Nearest-neighbour novelty of the recent window's shape (the discord idea of Keogh et al. 2005 and
 * of window-matching detectors such as ARTime and CAD OSE): every `length`/4 points, the last
 * `segments`·`length` points as `segments` segment means (piecewise aggregate approximation, Keogh
 * et al. 2001) are compared with a store of the past windows taken the same way; the distance to
 * the nearest one (RMS over segments, in the series' units), then the window is stored. Windows
 * that overlap the current one are skipped (no trivial self-match). Score: 0.9 · the share of
 * past distances below d (a record scores 0.8999, just below 0.9), and above 0.9 only for a distance more than
 * `margin` × the largest past one: 0.9 + 0.1 · (1 − margin·(max + ε)/(d + ε)), ε = 1% of the value
 * range seen so far. Between comparisons the score is 0.
 */
class ShapeChannel {
  private readonly segments: number;
  private readonly length: number;
  private readonly stride: number;
  private readonly margin: number;
  private readonly span: number;
  private readonly values: Float64Array;
  private readonly sums: Float64Array;
  private readonly feature: Float64Array;
  private readonly store: Float64Array;
  /**
   * Sum of each stored window's segment means (the search's lower bound), and the `stored` count
   * they are valid for. Not enumerable, so not in the state dump: a restored channel (or one
   * restored from a snapshot of an older version) recomputes them from the store.
   */
  private declare readonly storeSums: Float64Array;
  private declare sumsFor: number;
  /** Newest stored windows that overlap the current one and are not searched. */
  private readonly exclude: number;
  private readonly capacity: number;
  private readonly distances: SortedWindow;
  private stored = 0;
  private n = 0;
  /** Absolute store index of the last nearest neighbour, tried first as the search's bound. */
  private lastBest = -1;
  /** The last nearest-neighbour distance (0 before there is a store to search). */
  lastDistance = 0;

  constructor(segments: number, length: number, store: number, margin: number, history: number) {
    const stride = Math.max(1, Math.round(length / 4));
    for (const [name, v] of [['shapeSegments', segments], ['shapeScales', length], ['shapeStore', store]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`NoveltyScorer: ${name} must be a positive integer, got ${v}`);
    }
    if (!(margin > 0)) throw new RangeError(`NoveltyScorer: shapeMargin must be positive, got ${margin}`);
    this.segments = segments;
    this.length = length;
    this.stride = stride;
    this.margin = margin;
    this.span = segments * length;
    this.values = new Float64Array(this.span + 1);
    this.sums = new Float64Array(segments);
    this.feature = new Float64Array(segments);
    this.exclude = Math.ceil(this.span / stride);
    this.capacity = store + this.exclude;
    this.store = new Float64Array(this.capacity * segments);
    Object.defineProperty(this, 'storeSums', { value: new Float64Array(this.capacity), enumerable: false });
    Object.defineProperty(this, 'sumsFor', { value: 0, writable: true, enumerable: false });
    this.distances = new SortedWindow(history);
  }

  /** Score the window ending at `value` against the stored past windows, then learn it; −1 when it is not scored. */
  update(value: number, lo: number, hi: number): number {
    const L = this.span + 1;
    const D = this.segments;
    const s = this.length;
    const buf = this.values;
    // Ring slot of the newest point; the segments' entering and leaving points are found by
    // stepping back from it (one wrap at most: D·s < L), not by a modulo per read.
    const pos = this.n % L;
    buf[pos] = value;
    this.n++;
    const n = this.n;
    if (n % 4096 === 0) {
      // Exact recomputation now and then, so the running sums do not drift.
      for (let j = 0; j < D; j++) {
        let sum = 0;
        for (let i = 0; i < s && n - 1 - j * s - i >= 0; i++) sum += buf[(n - 1 - j * s - i) % L]!;
        this.sums[j] = sum;
      }
    } else {
      // Segment j covers points n−1−j·s … n−(j+1)·s: one point enters, one leaves.
      const sums = this.sums;
      let at = pos;
      for (let j = 0; j < D; j++) {
        const enter = n - 1 - j * s;
        const leaveAt = at - s < 0 ? at - s + L : at - s;
        sums[j] = sums[j]! + (enter >= 0 ? buf[at]! : 0) - (enter - s >= 0 ? buf[leaveAt]! : 0);
        at = leaveAt;
      }
    }
    if (n < this.span || n % this.stride !== 0) return -1;
    // The window's segment means, needed only when it is compared and stored (every stride).
    const f = this.feature;
    let fSum = 0;
    for (let j = 0; j < D; j++) {
      f[j] = this.sums[j]! / s;
      fSum += f[j]!;
    }
    let score = -1;
    const searchable = this.stored - this.exclude;
    if (searchable >= 16 && hi > lo) {
      const st = this.store;
      const cap = this.capacity;
      // Entries stored - 1 - exclude back to stored - exclude - min(searchable, cap - exclude).
      const count = Math.min(searchable, cap - this.exclude);
      const newest = this.stored - 1 - this.exclude;
      const oldest = newest - count + 1;
      let best = Infinity;
      let bestAt = -1;
      // Exact search with early abandoning; the last match is tried first for a tight bound.
      if (this.lastBest >= oldest && this.lastBest <= newest) {
        const o = (this.lastBest % cap) * D;
        let d = 0;
        for (let j = 0; j < D; j++) {
          const e = st[o + j]! - f[j]!;
          d += e * e;
        }
        best = d;
        bestAt = this.lastBest;
      }
      // Lower bound (Cauchy–Schwarz): Σ(f − g)² ≥ (Σf − Σg)²/D. A stored window is skipped only
      // when the bound, less a generous allowance for rounding in the sums, exceeds the best
      // distance by 1e-9 relative: then its exact distance cannot win, so the nearest neighbour,
      // its distance and the ties (first found wins) are those of the full search.
      const sums = this.storeSums;
      if (this.sumsFor !== this.stored) {
        for (let slot = 0; slot < cap; slot++) {
          let g = 0;
          for (let j = 0; j < D; j++) g += st[slot * D + j]!;
          sums[slot] = g;
        }
        this.sumsFor = this.stored;
      }
      const slack = 64 * Number.EPSILON;
      const absF = Math.abs(fSum);
      let limit = best * D * (1 + 1e-9);
      const eight = D === 8;
      const f0 = eight ? f[0]! : 0, f1 = eight ? f[1]! : 0, f2 = eight ? f[2]! : 0, f3 = eight ? f[3]! : 0;
      const f4 = eight ? f[4]! : 0, f5 = eight ? f[5]! : 0, f6 = eight ? f[6]! : 0, f7 = eight ? f[7]! : 0;
      let slot = newest % cap;
      for (let m = newest; m >= oldest; m--, slot = slot === 0 ? cap - 1 : slot - 1) {
        const g = sums[slot]!;
        const r = Math.abs(fSum - g) - slack * (absF + Math.abs(g));
        if (r > 0 && r * r > limit) continue;
        const o = slot * D;
        let d = 0;
        if (eight) {
          // The default width, unrolled; abandoned after 4 terms instead of after each (a
          // candidate that would have been abandoned earlier is abandoned here, and a full
          // distance is the same sum in the same order).
          const e0 = st[o]! - f0, e1 = st[o + 1]! - f1, e2 = st[o + 2]! - f2, e3 = st[o + 3]! - f3;
          d = e0 * e0;
          d += e1 * e1;
          d += e2 * e2;
          d += e3 * e3;
          if (d >= best) continue;
          const e4 = st[o + 4]! - f4, e5 = st[o + 5]! - f5, e6 = st[o + 6]! - f6, e7 = st[o + 7]! - f7;
          d += e4 * e4;
          d += e5 * e5;
          d += e6 * e6;
          d += e7 * e7;
        } else {
          for (let j = 0; j < D; j++) {
            const e = st[o + j]! - f[j]!;
            d += e * e;
            if (d >= best) break;
          }
        }
        if (d < best) {
          best = d;
          bestAt = m;
          limit = best * D * (1 + 1e-9);
        }
      }
      this.lastBest = bestAt;
      // In the series' own units: ranks and record ratios need no scale, and dividing by a range
      // that grows after a spike would make every later distance look small.
      const dist = Math.sqrt(best / D);
      const h = this.distances;
      const size = h.size;
      const max = h.max();
      // the rank among the past distances, found by the insertion's own search
      const rank = h.pushRank(dist);
      if (size >= MIN_HISTORY) {
        const eps = SHAPE_EPS * (hi - lo);
        const bar = this.margin * (max + eps);
        score = dist + eps > bar ? 0.9 + 0.1 * (1 - bar / (dist + eps)) : rank === size ? SHAPE_RECORD : (0.9 * rank) / size;
      }
      this.lastDistance = dist;
    }
    this.store.set(f, (this.stored % this.capacity) * D);
    this.storeSums[this.stored % this.capacity] = fSum;
    if (this.sumsFor === this.stored) this.sumsFor = this.stored + 1;
    this.stored++;
    return score;
  }
}

const MIN_POINTS = 20;
const MIN_HISTORY = 100;
const RECORD_EPS = 0.1;
/**
 * Score of a shape distance larger than every one in the history but not by the margin: just below
 * 0.9, so it ranks above every non-record (0.9·rank ≤ 0.89990 with 8,640 past distances) without
 * reaching the default threshold (a window unlike the recent ones is common in a short history).
 */
const SHAPE_RECORD = 0.8999;
/** ε of the shape channels' record map, as a share of the value range seen so far. */
const SHAPE_EPS = 0.01;
/** log2 of the hashed count tables of the transition model (2 × 2^14 counters, 128 KB). */
const TABLE_BITS = 14;
const TABLE_MASK = (1 << TABLE_BITS) - 1;

/** One step of a multiplicative hash over the context's symbols (golden-ratio constant). */
function mix(h: number, v: number): number {
  return Math.imul(h ^ v, 0x9e3779b1) ^ (h >>> 15);
}

/**
 * The default streaming scorer, chosen on NAB (see the plugin README): how novel the point's
 * deviation is relative to the deviations this series has produced so far.
 *
 * 1. Deviation: z = max(|robust z of the value|, |robust z of its change from the previous point|),
 *    each against a rolling median/MAD window (Hampel 1974), weighted by how surprising the
 *    transition is: z · (1 + c·s). s = 1 − P̂(level of x_t | levels of the previous `context`
 *    points), an order-k Markov model of the value quantised into `levels` bins of the range seen
 *    so far, counted online in hashed tables (the prediction-error idea of HTM and of contextual
 *    detectors such as CAD OSE, here as a frequency model); s = 1 for an unseen context.
 * 2. Calibration against the series' own history (an empirical-CDF form of the "anomaly
 *    likelihood" idea of Ahmad et al. 2017): a z below the largest of the last `history` ones
 *    scores 0.9 · its rank; a new record scores 0.9 + 0.1 · (1 − (max + 0.1)/(z + 0.1)), so every
 *    score ≥ 0.9 is a deviation larger than anything in the history.
 * 3. Shape channels (see ShapeChannel): the nearest-neighbour novelty of the shape of the last 128
 *    and 256 points against past windows; the score is the largest of the channels' scores, so a
 *    normal value at an abnormal moment of a pattern (a missing daily jump) can score ≥ 0.9. Below
 *    0.9 the largest of the m channels that scored this point is itself ranked (Šidák 1967):
 *    0.9 · (score/0.9)^m, since the largest of m uniform ranks is below r with probability r^m.
 * 4. Repeat suppression: a score that does not exceed the (raw) scores of the last `suppress`
 *    points is multiplied by `damping`, so one event raises one alarm, not a run of them.
 *
 * Memory: 4·window + 6·history + suppress doubles, 2·2^14 counters and ≈ 2,700 doubles per shape
 * channel per series (≈ 790 KB at the defaults); time O(window + history) memmove + O(log) searches
 * + O(suppress) per point, plus per shape channel a 256 × 8 early-abandoning search every 4 or 8 points.
 */
export class NoveltyScorer implements StreamingScorer {
  private readonly level: SortedWindow;
  private readonly change: SortedWindow;
  private readonly deviations: SortedWindow;
  private readonly recent: Float64Array;
  private readonly damping: number;
  private readonly scaleFloor: number;
  private readonly levels: number;
  private readonly surpriseWeight: number;
  private readonly symbols: Int32Array;
  private readonly contextCounts: Uint32Array;
  private readonly pairCounts: Uint32Array;
  private readonly shapes: ShapeChannel[];
  private symbolCount = 0;
  private recentHead = 0;
  /**
   * The largest of the `recent` scores and its slot, kept so a point costs O(1) instead of a scan
   * of `suppress` scores (rescanned only when that slot is overwritten). Not enumerable, so not in
   * the state dump: −1 (unknown) in a fresh or restored instance, which rescans.
   */
  private declare recentMaxAt: number;
  private declare recentMaxValue: number;
  private previous = NaN;
  private lo = Infinity;
  private hi = -Infinity;
  /** The combined deviation z of the last point (before the surprise weighting). */
  lastZ = 0;
  /** The transition surprise s of the last point, in [0, 1]. */
  lastSurprise = 0;
  /** The largest shape channel score of the last point (0 with the channels off or between comparisons). */
  lastShapeScore = 0;

  constructor(options: NoveltyOptions = {}) {
    const window = options.window ?? 6400;
    this.level = new SortedWindow(window);
    this.change = new SortedWindow(window);
    this.deviations = new SortedWindow(options.history ?? 8640);
    this.recent = new Float64Array(Math.max(0, options.suppress ?? 100));
    Object.defineProperty(this, 'recentMaxAt', { value: -1, writable: true, enumerable: false });
    Object.defineProperty(this, 'recentMaxValue', { value: 0, writable: true, enumerable: false });
    this.damping = options.damping ?? 0.5;
    this.scaleFloor = options.scaleFloor ?? 0.01;
    const context = options.context ?? 4;
    this.levels = options.levels ?? 16;
    if (!Number.isInteger(context) || context < 0) throw new RangeError(`NoveltyScorer: context must be a non-negative integer, got ${context}`);
    if (!Number.isInteger(this.levels) || this.levels < 1) throw new RangeError(`NoveltyScorer: levels must be a positive integer, got ${this.levels}`);
    this.surpriseWeight = options.surpriseWeight ?? 1;
    this.symbols = new Int32Array(context);
    const tableSize = context > 0 ? 1 << TABLE_BITS : 0;
    this.contextCounts = new Uint32Array(tableSize);
    this.pairCounts = new Uint32Array(tableSize);
    const segments = options.shapeSegments ?? 8;
    if (!Number.isInteger(segments) || segments < 0) throw new RangeError(`NoveltyScorer: shapeSegments must be a non-negative integer, got ${segments}`);
    const scales = segments > 0 ? options.shapeScales ?? [16, 32] : [];
    this.shapes = scales.map((length) => new ShapeChannel(segments, length, options.shapeStore ?? 256, options.shapeMargin ?? 2, options.history ?? 8640));
  }

  /**
   * Transition surprise of `value` given the previous `context` levels, then count the transition.
   * Levels: ⌊levels·(x − lo)/(hi − lo)⌋ over the range seen before this point, −1 below it and
   * `levels` above it.
   */
  private surprise(value: number): number {
    const k = this.symbols.length;
    if (k === 0 || !(this.hi > this.lo)) return 0;
    const b = this.levels;
    const q = Math.floor((b * (value - this.lo)) / (this.hi - this.lo));
    const symbol = q < 0 ? -1 : q >= b ? b : q;
    const n = this.symbolCount;
    let h = 0x811c9dc5;
    for (let j = 0; j < k; j++) h = mix(h, this.symbols[(n - 1 - j + k * k) % k]!);
    const ci = (h >>> 0) & TABLE_MASK;
    const pi = (mix(h, symbol + 7) >>> 0) & TABLE_MASK;
    const c = this.contextCounts[ci]!;
    const s = c === 0 ? 1 : 1 - Math.min(this.pairCounts[pi]!, c) / c;
    if (n >= k) {
      this.contextCounts[ci] = c + 1;
      this.pairCounts[pi] = this.pairCounts[pi]! + 1;
    }
    this.symbols[n % k] = symbol;
    this.symbolCount = n + 1;
    return s;
  }

  private robustZ(window: SortedWindow, x: number, floor: number): number {
    const m = window.median();
    return Math.abs(x - m) / Math.max(MAD_TO_SIGMA * window.mad(m), floor);
  }

  update(value: number): number {
    let z = 0;
    if (this.level.size >= MIN_POINTS) {
      const floor = Math.max(1e-9, this.scaleFloor * (this.hi - this.lo));
      const zLevel = this.robustZ(this.level, value, floor);
      const zChange = this.change.size > 0 ? this.robustZ(this.change, value - this.previous, floor) : 0;
      z = Math.max(zLevel, zChange);
      this.lastSurprise = this.surprise(value);
    }
    this.level.push(value);
    if (!Number.isNaN(this.previous)) this.change.push(value - this.previous);
    this.previous = value;
    if (value < this.lo) this.lo = value;
    if (value > this.hi) this.hi = value;
    this.lastZ = z;
    z *= 1 + this.surpriseWeight * this.lastSurprise;

    let score = 0;
    const h = this.deviations;
    const size = h.size;
    const max = h.max();
    // z's rank among the past deviations, found by the insertion's own search
    const below = h.pushRank(z);
    if (size >= MIN_HISTORY) {
      score = z > max ? 0.9 + 0.1 * (1 - (max + RECORD_EPS) / (z + RECORD_EPS)) : (0.9 * below) / size;
    }
    let shapeScore = 0;
    let scored = 1;
    for (const shape of this.shapes) {
      const v = shape.update(value, this.lo, this.hi);
      if (v < 0) continue;
      scored++;
      if (v > shapeScore) shapeScore = v;
    }
    this.lastShapeScore = shapeScore;
    if (shapeScore > score) score = shapeScore;
    // The largest of m ranks is itself ranked (Šidák): P(max of m uniform ranks < r) = r^m.
    if (scored > 1 && score < SHAPE_RECORD) score = 0.9 * (score / 0.9) ** scored;

    const k = this.recent.length;
    if (k === 0) return score;
    // max(0, the last k scores), as a scan of the ring gives it (NaN never wins a comparison).
    if (this.recentMaxAt < 0) {
      let recentMax = 0;
      let at = 0;
      for (let i = 0; i < k; i++) {
        if (this.recent[i]! > recentMax) {
          recentMax = this.recent[i]!;
          at = i;
        }
      }
      this.recentMaxValue = recentMax;
      this.recentMaxAt = at;
    }
    const recentMax = this.recentMaxValue;
    const head = this.recentHead;
    this.recent[head] = score;
    // The new score replaces the slot at head: the kept maximum stays valid unless it lived there.
    if (score > recentMax) {
      this.recentMaxValue = score;
      this.recentMaxAt = head;
    } else if (head === this.recentMaxAt) {
      this.recentMaxAt = -1;
    }
    this.recentHead = head + 1 === k ? 0 : head + 1;
    return score > recentMax ? score : score * this.damping;
  }

  learn(value: number): void {
    this.update(value);
  }
}
