import {
  IsolationForest, NoveltyScorer, RollingRobustZ, SeasonalBaseline, detectPeriods, medianStep,
  type DetectedPeriod, type Random, type StreamingScorer,
} from '@vigia/stats';

export type AnomalyMethod = 'auto' | 'robust-z' | 'seasonal' | 'isolation-forest';

export interface ScorerSettings {
  method: AnomalyMethod;
  /** Rolling window in points (robust-z, auto). */
  window: number;
}

/** A streaming scorer for one numeric series. `auto` is the NAB-chosen {@link NoveltyScorer}. */
export function createSeriesScorer(settings: ScorerSettings, seasonal?: { period: DetectedPeriod; stepMs: number }): StreamingScorer {
  switch (settings.method) {
    case 'robust-z':
      return new RollingRobustZ({ window: settings.window });
    case 'seasonal':
      return seasonal ? new SeasonalBaseline({ periodMs: seasonal.period.periodMs, stepMs: seasonal.stepMs }) : new RollingRobustZ({ window: settings.window });
    default:
      return new NoveltyScorer({ window: settings.window });
  }
}

/** The seasonal period of a series learned from `values`/`timestamps` (the learning data), if any. */
export function learnSeason(values: ArrayLike<number>, timestamps: ArrayLike<number>): { period: DetectedPeriod; stepMs: number } | undefined {
  const periods = detectPeriods(values, timestamps);
  const step = medianStep(timestamps);
  return periods.length > 0 && Number.isFinite(step) ? { period: periods[0]!, stepMs: step } : undefined;
}

/**
 * Score a whole series in one pass, every point against the points before it (what the NAB
 * benchmark runs). `seasonal` learns its period from the first 15% of the series.
 */
export function scoreSeries(values: ArrayLike<number>, timestamps: ArrayLike<number> | undefined, options: Partial<ScorerSettings> = {}): Float64Array {
  const settings: ScorerSettings = { method: options.method ?? 'auto', window: options.window ?? 6400 };
  if (settings.method === 'isolation-forest') throw new RangeError('scoreSeries: isolation-forest is for multivariate points; use the detector');
  const learnN = Math.floor(0.15 * values.length);
  const season = settings.method === 'seasonal' && timestamps
    ? learnSeason(Array.prototype.slice.call(values, 0, learnN) as number[], Array.prototype.slice.call(timestamps, 0, learnN) as number[])
    : undefined;
  const scorer = createSeriesScorer(settings, season);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = scorer.update(values[i]!, timestamps ? timestamps[i] : i);
  return out;
}

/** Isolation-forest scoring of multivariate points against a forest trained on learning rows. */
export function trainForest(rows: Float64Array, n: number, dimension: number, random: Random): IsolationForest {
  return IsolationForest.fit(rows, n, dimension, { trees: 100, sampleSize: 256, random });
}
