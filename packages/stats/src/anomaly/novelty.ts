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
}

const MIN_POINTS = 20;
const MIN_HISTORY = 100;
const RECORD_EPS = 0.1;

/**
 * The default streaming scorer, chosen on NAB (see the plugin README): how novel the point's
 * deviation is relative to the deviations this series has produced so far.
 *
 * 1. Deviation: z = max(|robust z of the value|, |robust z of its change from the previous point|),
 *    each against a rolling median/MAD window (Hampel 1974).
 * 2. Calibration against the series' own history (an empirical-CDF form of the "anomaly
 *    likelihood" idea of Ahmad et al. 2017): a z below the largest of the last `history` ones
 *    scores 0.9 · its rank; a new record scores 0.9 + 0.1 · (1 − (max + 0.1)/(z + 0.1)), so every
 *    score ≥ 0.9 is a deviation larger than anything in the history.
 * 3. Repeat suppression: a score that does not exceed the (raw) scores of the last `suppress`
 *    points is multiplied by `damping`, so one event raises one alarm, not a run of them.
 *
 * Memory: 4·window + 2·history + suppress doubles per series (≈ 340 KB at the defaults); time
 * O(window) memmove + O(log) searches + O(suppress) per point.
 */
export class NoveltyScorer implements StreamingScorer {
  private readonly level: SortedWindow;
  private readonly change: SortedWindow;
  private readonly deviations: SortedWindow;
  private readonly recent: Float64Array;
  private readonly damping: number;
  private readonly scaleFloor: number;
  private recentHead = 0;
  private previous = NaN;
  private lo = Infinity;
  private hi = -Infinity;
  /** The combined deviation z of the last point. */
  lastZ = 0;

  constructor(options: NoveltyOptions = {}) {
    const window = options.window ?? 6400;
    this.level = new SortedWindow(window);
    this.change = new SortedWindow(window);
    this.deviations = new SortedWindow(options.history ?? 8640);
    this.recent = new Float64Array(Math.max(0, options.suppress ?? 100));
    this.damping = options.damping ?? 0.5;
    this.scaleFloor = options.scaleFloor ?? 0.01;
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
    }
    this.level.push(value);
    if (!Number.isNaN(this.previous)) this.change.push(value - this.previous);
    this.previous = value;
    if (value < this.lo) this.lo = value;
    if (value > this.hi) this.hi = value;
    this.lastZ = z;

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
