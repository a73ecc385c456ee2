import 'reflect-metadata'; // tsyringe needs the Reflect API; plugin authors never see it.

export * from './contracts.js';
export { EventBus } from './events.js';
export {
  defineDetector, defineMetric, defineSink, defineSource, defineEmbedder, defineProvider, definePlugin,
} from './define.js';
export { VigiaError, ConfigError, DataError, ExitCode, isVigiaError, errorMessage, didYouMean, type ErrorCode } from './errors.js';
export { getAjv, normalizeOptionsSchema, validateOptions, formatAjvErrors } from './options.js';
export { createRng, componentSeed, createLogger, createMemoryCache, createDiskCache, resolveFrom, systemClock, type LogLevel } from './services.js';
export { createComponentContext, createStandaloneServices, type RunServices, type ContextOptions } from './context.js';
export { getField, numericColumn, categoricalColumn, type NumericColumn } from './fields.js';
