export * from './contracts.js';
export { EventBus } from './events.js';
export {
  defineDetector, defineStatefulDetector, defineStatefulMetric, defineMetric, defineSink, defineSource, defineEmbedder, defineProvider, definePlugin, defineFieldProvider,
} from './define.js';
export { VigiaError, ConfigError, DataError, ExitCode, isVigiaError, errorMessage, didYouMean, clipText, describeValue, nestingDepth, redactSecrets, redactError, type ErrorCode } from './errors.js';
export { getAjv, normalizeOptionsSchema, validateOptions, formatAjvErrors, usePrecompiledValidators, precompiledValidator, type PrecompiledValidators } from './options.js';
export { cachedPrecompiledValidators } from './vendor.js';
export { precompileValidators } from './precompile.js';
export { createRng, componentSeed, createLogger, createMemoryCache, createDiskCache, resolveFrom, systemClock, type LogLevel } from './services.js';
export { createComponentContext, createStandaloneServices, correctedLevel, type RunServices, type ContextOptions } from './context.js';
export { SharedState, type SharedGetter, type SharedScope } from './shared.js';
export { getField, numericColumn, categoricalColumn, parseTimestamp, parseDuration, projector, projectRecord, type NumericColumn } from './fields.js';
export { coreConfigSchema, loadConfigFile, parseConfigText, interpolateEnv, MAX_TIMEOUT_MS, MAX_YAML_ALIAS_EXPANSION, type SinkSpec, type VigiaConfig, type LoadedConfig, type ComponentSpec, type DetectorSpec, type MetricSpec } from './config.js';
export { Registry, importPlugin, type RegisteredComponent, type RegisteredFieldProvider } from './registry.js';
export { planFromFile, planFromLoaded, type Plan, type PlannedComponent } from './plan.js';
export { segmentRecords, SEGMENT_DEFAULT_MIN_SIZE, type SegmentSpec } from './segments.js';
export { runPlan, SinkFailedError, type RunOptions } from './engine.js';
export { runDetectorComponent, runMetricComponent, type RunnableComponent } from './engine.js';
export { Session, streamOf, readAll, type SessionSnapshot, type SessionOptions } from './session.js';
export { evaluateDetectorOnce, computeMetricOnce, wholeWindow } from './run-once.js';
export { decideOutcome, bonferroni, benjaminiHochberg } from './verdict.js';
export { componentNameOf } from './define.js';
export { CORE_VERSION, PLUGIN_KEYWORD, checkCoreRange, coreFits, readPluginManifest, findInstalledPlugins, findProjectDir, packageDir, type PluginManifest, type InstalledPlugin } from './compat.js';
export { SINK_DEADLINE_MS, SINK_QUEUE_SIZE, SINK_EXPORT_BATCH, setSinkErrorHandler, type SinkErrorHandler } from './sinks.js';
export { writeFileSafely, describeFsError } from './write.js';
export {
  sampleRecords, chooseWindows, allocate, rangeStart, windowMs, encodeSampleRecord, decodeSampleRecord, VECTOR_MIN_LENGTH,
  type FromHistorySpec, type PlannedHistory, type WindowSample, type HistoryCandidate, type HistoryProvenance, type HistoryRequest, type HistoryReference, type HistorySource,
} from './history.js';
export { packDatasets, unpackDatasets, PACK_MIN_VALUES, type WireDataset, type PackStats } from './pack.js';
