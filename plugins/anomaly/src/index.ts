import { CORE_API_VERSION, definePlugin } from '@vigia/core';
import { anomalyDetector } from './detector.js';

export { anomalyDetector } from './detector.js';
export { bucketize, MAX_BUCKETS, type AggregateSettings, type BucketSeries, type BucketValue } from './aggregate.js';
export { scoreSeries, createSeriesScorer, learnSeason, type AnomalyMethod, type ScorerSettings } from './scorers.js';

/** The anomaly plugin family. */
const plugin = definePlugin({
  name: '@vigia/plugin-anomaly',
  apiVersion: CORE_API_VERSION,
  detectors: {
    anomaly: anomalyDetector,
  },
});

export default plugin;
