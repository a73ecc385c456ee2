/**
 * @vigia/stats: pure TypeScript numerics on typed arrays. Each area has its own module; this
 * file only re-exports them.
 */
export * from './random.js';
export * from './sketch/index.js';
export * from './multivariate/index.js';
export * from './univariate/index.js';
export * from './anomaly/index.js';
export * from './paired/index.js';
export * from './state.js';
