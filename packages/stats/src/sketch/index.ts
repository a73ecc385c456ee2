/** Streaming and batch quantiles: the KLL sketch, exact type-7 quantiles, explicit-bucket histograms. */
export { KllSketch, kllRankErrorBound, type KllSketchOptions } from './kll.js';
export { exactQuantiles, sortedQuantiles, sortedCopy, rankInterval, rankError } from './exact.js';
export { BucketHistogram, type HistogramData } from './histogram.js';
