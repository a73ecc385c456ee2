import { SortedWindow } from './sorted-window.js';

/** A streaming anomaly scorer: one call per point, in time order; memory does not grow with the stream. */
export interface StreamingScorer {
  /** Score the point (against what was learned before it), then learn it. Returns a score in [0, 1]. */
  update(value: number, timestamp?: number): number;
  /** Learn the point without scoring it (probation, reference data). */
  learn(value: number, timestamp?: number): void;
}

/** 1.4826·MAD estimates σ for normal data. */
export const MAD_TO_SIGMA = 1.482602218505602;

/** Map |z| ≥ 0 to [0, 1): |z| / (|z| + scale). With scale 1: z = 1 → 0.5, z = 9 → 0.9, z = 99 → 0.99. */
export function zToScore(z: number, scale = 1): number {
  const a = Math.abs(z);
  return a === Infinity ? 1 : a / (a + scale);
}

export interface RobustZOptions {
  /** Points in the rolling window (default 6400). Memory: 2·window doubles. */
  window?: number;
  /** Points needed before scoring (default 20); earlier points score 0. */
  minPoints?: number;
  /**
   * Floor of the scale as a share of the range seen so far (default 0.01), so a flat window
   * (MAD = 0) does not turn every tiny change into an infinite z.
   */
  scaleFloor?: number;
}

/**
 * Rolling robust z-score: z = (x − median) / (1.4826·MAD) over the last `window` points
 * (Hampel 1974; Rousseeuw and Croux 1993). O(window) memmove + O(log window) per point.
 */
export class RollingRobustZ implements StreamingScorer {
  private readonly window: SortedWindow;
  private readonly minPoints: number;
  private readonly scaleFloor: number;
  private lo = Infinity;
  private hi = -Infinity;
  /** The signed z of the last scored point (0 before `minPoints`). */
  lastZ = 0;

  constructor(options: RobustZOptions = {}) {
    this.window = new SortedWindow(options.window ?? 6400);
    this.minPoints = Math.max(2, options.minPoints ?? 20);
    this.scaleFloor = options.scaleFloor ?? 0.01;
  }

  /** The signed robust z of `value` against the window, without learning it. */
  z(value: number): number {
    if (this.window.size < this.minPoints) return 0;
    const m = this.window.median();
    const floor = Math.max(1e-12, this.scaleFloor * (this.hi - this.lo));
    const scale = Math.max(MAD_TO_SIGMA * this.window.mad(m), floor);
    return (value - m) / scale;
  }

  learn(value: number): void {
    this.window.push(value);
    if (value < this.lo) this.lo = value;
    if (value > this.hi) this.hi = value;
  }

  update(value: number): number {
    this.lastZ = this.z(value);
    this.learn(value);
    return zToScore(this.lastZ);
  }
}
