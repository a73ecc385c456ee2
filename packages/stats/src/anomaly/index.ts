/** Anomaly scoring kernels: streaming scorers (one pass, constant memory) and an isolation forest. */
export { SortedWindow } from './sorted-window.js';
export { RollingRobustZ, zToScore, MAD_TO_SIGMA, type StreamingScorer, type RobustZOptions } from './robust-z.js';
export { NoveltyScorer, type NoveltyOptions } from './novelty.js';
export { SeasonalBaseline, detectPeriods, medianStep, DAY_MS, WEEK_MS, type DetectedPeriod, type SeasonalOptions } from './seasonal.js';
export { IsolationForest, averagePathLength, type IsolationForestOptions } from './iforest.js';
export { ReferenceLevel, pToScore, scoreToP, normalQuantile, MIN_LEVEL_REFERENCE, type ReferenceLevelOptions } from './level.js';
