import 'reflect-metadata'; // tsyringe needs the Reflect API; plugin authors never see it.

export * from './contracts.js';
export { EventBus } from './events.js';
export {
  defineDetector, defineMetric, defineSink, defineSource, defineEmbedder, defineProvider, definePlugin,
} from './define.js';
export { VigiaError, ConfigError, DataError, ExitCode, isVigiaError, errorMessage, didYouMean, clipText, describeValue, nestingDepth, redactSecrets, redactError, type ErrorCode } from './errors.js';
export { getAjv, normalizeOptionsSchema, validateOptions, formatAjvErrors } from './options.js';
export { createRng, componentSeed, createLogger, createMemoryCache, createDiskCache, resolveFrom, systemClock, type LogLevel } from './services.js';
export { createComponentContext, createStandaloneServices, type RunServices, type ContextOptions } from './context.js';
export { getField, numericColumn, categoricalColumn, parseTimestamp, parseDuration, type NumericColumn } from './fields.js';
export { coreConfigSchema, loadConfigFile, parseConfigText, interpolateEnv, MAX_TIMEOUT_MS, MAX_YAML_ALIAS_EXPANSION, type SinkSpec, type VigiaConfig, type LoadedConfig, type ComponentSpec, type DetectorSpec, type MetricSpec } from './config.js';
export { Registry, importPlugin, type RegisteredComponent } from './registry.js';
export { planFromFile, planFromLoaded, type Plan, type PlannedComponent } from './plan.js';
export { runPlan, createRunContainer, Tokens, SinkFailedError, type RunOptions } from './engine.js';
export { SINK_DEADLINE_MS } from './sinks.js';
export { writeFileSafely, describeFsError } from './write.js';
