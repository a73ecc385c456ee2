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
}

const MIN_POINTS = 20;
const MIN_HISTORY = 100;
const RECORD_EPS = 0.1;
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
 * 3. Repeat suppression: a score that does not exceed the (raw) scores of the last `suppress`
 *    points is multiplied by `damping`, so one event raises one alarm, not a run of them.
 *
 * Memory: 4·window + 2·history + suppress doubles and 2·2^14 counters per series (≈ 470 KB at the
 * defaults); time O(window) memmove + O(log) searches + O(suppress) per point.
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
  private symbolCount = 0;
  private recentHead = 0;
  private previous = NaN;
  private lo = Infinity;
  private hi = -Infinity;
  /** The combined deviation z of the last point (before the surprise weighting). */
  lastZ = 0;
  /** The transition surprise s of the last point, in [0, 1]. */
  lastSurprise = 0;

  constructor(options: NoveltyOptions = {}) {
    const window = options.window ?? 6400;
    this.level = new SortedWindow(window);
    this.change = new SortedWindow(window);
    this.deviations = new SortedWindow(options.history ?? 8640);
    this.recent = new Float64Array(Math.max(0, options.suppress ?? 100));
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
    if (h.size >= MIN_HISTORY) {
      const max = h.max();
      score = z > max ? 0.9 + 0.1 * (1 - (max + RECORD_EPS) / (z + RECORD_EPS)) : (0.9 * h.countBelow(z)) / h.size;
    }
    h.push(z);

    const k = this.recent.length;
    if (k === 0) return score;
    let recentMax = 0;
    for (let i = 0; i < k; i++) if (this.recent[i]! > recentMax) recentMax = this.recent[i]!;
    this.recent[this.recentHead] = score;
    this.recentHead = this.recentHead + 1 === k ? 0 : this.recentHead + 1;
    return score > recentMax ? score : score * this.damping;
  }

  learn(value: number): void {
    this.update(value);
  }
}
