/**
 * Plugin contracts: the six component kinds and the objects the core hands them.
 *
 * A plugin package's default export is a plain object built with {@link definePlugin}; each
 * component is built with its `define*` helper, which carries a JSON Schema for the component's
 * options (the single source of truth: the options' TypeScript type is derived from it).
 */
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import type { EventBus } from './events.js';

/** The core API version plugins target (`apiVersion` in {@link definePlugin}). */
export const CORE_API_VERSION = 1;

export type ComponentKind = 'detector' | 'metric' | 'sink' | 'source' | 'embedder' | 'provider';
export const COMPONENT_KINDS: readonly ComponentKind[] = ['detector', 'metric', 'sink', 'source', 'embedder', 'provider'];

/** A JSON Schema for a component's options (`with:` in a config). */
export type OptionsSchema = JSONSchema & object;

/** Options type derived from a schema; properties with a `default` are present after validation. */
export type OptionsOf<S> = S extends OptionsSchema ? FromSchema<S> : never;

/** One LLM log record. Fields are addressed by dotted path (`attributes.user_group`). */
export type VigiaRecord = Record<string, unknown>;

/** A named, fully read dataset, shared by every detector and metric of a run. */
export interface Dataset {
  readonly name: string;
  readonly records: readonly VigiaRecord[];
  /** Records skipped under `onInvalid: skip`. */
  readonly skipped: number;
  /** Human-readable origin, e.g. `jsonl samples/current.jsonl`; used in error messages. */
  readonly origin: string;
}

export type Status = 'pass' | 'warn' | 'fail' | 'error';

/** What a detector returns. `statistic`, `pValue` and `threshold` are numbers or null. */
export interface DetectorResult {
  status: Exclude<Status, 'error'> | 'error';
  statistic: number | null;
  pValue: number | null;
  threshold: number | null;
  message: string;
  details?: Record<string, unknown>;
  /**
   * Present when the status was decided by a hypothesis test at level `alpha`: the run may then
   * re-decide it under a config-level multiple-testing `correction`, and an effect below
   * `minEffect` never fails.
   */
  test?: { alpha: number; effectSize?: number | null; minEffect?: number | null };
}

/** A metric's value. Units are explicit (`ms`, `s`, `{token}`, `1`, `By`, …: UCUM as in OpenTelemetry). */
export interface MetricValue {
  name: string;
  value: number;
  unit: string;
  labels?: Record<string, string>;
  description?: string;
  /** How exporters should treat it; defaults to a gauge. */
  kind?: 'gauge' | 'counter' | 'histogram';
  /** Buckets for `kind: 'histogram'`. */
  histogram?: { bounds: number[]; counts: number[]; sum: number; count: number; min?: number; max?: number };
}

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Seeded randomness: the same run seed and component id give the same stream. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal. */
  normal(): number;
  /** An independent stream derived from this one and a label. */
  fork(label: string): Rng;
  /** The seed this stream started from. */
  readonly seed: number;
}

export interface Clock {
  now(): number;
  /** High-resolution milliseconds for durations. */
  hrtime(): number;
}

/** Text → vectors, batched. */
export interface Embedder {
  /** Dimension of the vectors, when known before the first call. */
  readonly dimension?: number;
  /** A stable id of the model and its settings, used as part of cache keys. */
  readonly id: string;
  embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]>;
  dispose?(): Promise<void>;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface CompletionRequest {
  messages: ChatMessage[];
  temperature?: number;
  maxTokens?: number;
  seed?: number;
  logprobs?: boolean;
}

export interface CompletionResponse {
  text: string;
  logprobs?: number[];
  usage?: { inputTokens?: number; outputTokens?: number };
  latencyMs?: number;
}

/** Calls a model (for repeat sampling and probes). */
export interface Provider {
  readonly id: string;
  complete(request: CompletionRequest, signal?: AbortSignal): Promise<CompletionResponse>;
  dispose?(): Promise<void>;
}

/** A small persistent key-value cache (on disk under the run's cache directory). */
export interface Cache {
  get(namespace: string, key: string): Promise<Uint8Array | undefined>;
  set(namespace: string, key: string, value: Uint8Array): Promise<void>;
  /** The directory a component may use for its own files (created on demand). */
  dir(namespace: string): Promise<string>;
}

/** Services every component reaches through its context. Plugin authors never write decorators. */
export interface Services {
  readonly logger: Logger;
  readonly rng: Rng;
  readonly clock: Clock;
  readonly events: EventBus;
  readonly cache: Cache;
  /** The directory of the config file; relative paths in options resolve against it. */
  readonly configDir: string;
  /** Resolve a path relative to the config file. */
  resolvePath(path: string): string;
  /** The embedder configured under `embedders:` (the first one, or `name`), or the hashing fallback. */
  embedder(name?: string): Promise<Embedder>;
  /** The provider configured under `providers:` (the first one, or `name`). */
  provider(name?: string): Promise<Provider>;
  /** Report progress of long work; shown on stderr when it is a TTY. */
  progress(done: number, total?: number, label?: string): void;
  /** Aborted when the component times out or the run is cancelled. */
  readonly signal: AbortSignal;
}

/** Context handed to a component's factory and hooks. */
export interface ComponentContext extends Services {
  /** The component's id in the config (detector id, dataset name, …). */
  readonly id: string;
  /** The component's short name (`use:`). */
  readonly use: string;
}

// ---------------------------------------------------------------------------------------------
// Component instances
// ---------------------------------------------------------------------------------------------

export interface DetectorInput {
  /** The dataset named by the detector's `reference:` (default `reference`), if the config has one. */
  readonly reference?: Dataset;
  /** The dataset named by the detector's `current:` (default `current`). */
  readonly current: Dataset;
  /** Every dataset of the run, by name. */
  readonly datasets: ReadonlyMap<string, Dataset>;
}

export interface Detector {
  evaluate(input: DetectorInput, ctx: ComponentContext): DetectorResult | Promise<DetectorResult>;
}

export interface MetricInput {
  /** The dataset named by the metric's `dataset:` (default `current`). */
  readonly dataset: Dataset;
  readonly datasets: ReadonlyMap<string, Dataset>;
}

export interface Metric {
  compute(input: MetricInput, ctx: ComponentContext): MetricValue[] | Promise<MetricValue[]>;
}

/** What a source yields: every record it kept, and how many it skipped. */
export interface SourceOutput {
  records: VigiaRecord[];
  skipped: number;
  /** Up to a few examples of why records were skipped (`file:line: reason`). */
  skippedExamples?: string[];
  /**
   * Problems with records that were kept (duplicate keys, …), each one line with its count; they
   * become run warnings.
   */
  warnings?: string[];
}

export interface Source {
  read(ctx: ComponentContext): Promise<SourceOutput>;
}

export interface Sink {
  /** Every event of the run, in order. Failures are reported, never thrown into the run. */
  onEvent?(event: VigiaEvent): void | Promise<void>;
  /** The final report. */
  report?(report: Report): void | Promise<void>;
  flush?(): Promise<void>;
  shutdown?(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Component definitions
// ---------------------------------------------------------------------------------------------

/** What a component needs from the run, so the core can explain what is missing up front. */
export type Capability = 'reference' | 'embedder' | 'provider';

interface ComponentDefBase<K extends ComponentKind, S extends OptionsSchema, I> {
  readonly kind: K;
  /** One or two sentences for `vigia plugins` and the config reference. */
  readonly description: string;
  /** JSON Schema of `with:`. Unknown options are rejected; `default`s are filled in before `create`. */
  readonly options: S;
  readonly needs?: readonly Capability[];
  /** Example `with:` for docs. */
  readonly example?: Record<string, unknown>;
  /**
   * Checks across options that a JSON Schema cannot express (buckets increasing, a test that fits
   * the field type, …). Runs at validation, before any data is read: return a problem (or several)
   * to make it a config error (exit 2) from both `vigia validate` and `vigia run`. A message may
   * start with the option's JSON path relative to `with` (`/durationBuckets must …`).
   */
  check?(options: OptionsOf<S>): string | readonly string[] | undefined | void;
  /**
   * Detectors and metrics: where the component runs. `worker` runs it in a worker thread that is
   * terminated at its `timeoutMs`, so even a synchronous loop becomes an `error` result; use it for
   * long CPU-bound work. `inline` runs it on the main thread, where a time limit only interrupts
   * asynchronous waits. Default: `worker` for external plugins, `inline` for built-ins.
   */
  readonly isolation?: 'worker' | 'inline';
  /**
   * Sinks: whether a failure to produce the output fails the run (exit 3). A config's
   * `sinks[].required` overrides it. Default true (an output the config asked for).
   */
  readonly required?: boolean;
  create(options: OptionsOf<S>, ctx: ComponentContext): I | Promise<I>;
}

export type DetectorDef<S extends OptionsSchema = OptionsSchema> = ComponentDefBase<'detector', S, Detector>;
export type MetricDef<S extends OptionsSchema = OptionsSchema> = ComponentDefBase<'metric', S, Metric>;
export type SinkDef<S extends OptionsSchema = OptionsSchema> = ComponentDefBase<'sink', S, Sink>;
export type SourceDef<S extends OptionsSchema = OptionsSchema> = ComponentDefBase<'source', S, Source>;
export type EmbedderDef<S extends OptionsSchema = OptionsSchema> = ComponentDefBase<'embedder', S, Embedder>;
export type ProviderDef<S extends OptionsSchema = OptionsSchema> = ComponentDefBase<'provider', S, Provider>;

/**
 * A definition with its option type erased, as plugins and the registry hold them. (`create`
 * takes `never` so that any definition is assignable without instantiating its schema type.)
 */
export interface ErasedDef<K extends ComponentKind = ComponentKind, I = unknown> {
  readonly kind: K;
  readonly description: string;
  readonly options: OptionsSchema;
  readonly needs?: readonly Capability[];
  readonly example?: Record<string, unknown>;
  check?(options: never): string | readonly string[] | undefined | void;
  readonly isolation?: 'worker' | 'inline';
  readonly required?: boolean;
  create(options: never, ctx: ComponentContext): I | Promise<I>;
}

export type AnyComponentDef = ErasedDef;

export interface VigiaPlugin {
  /** Package-like name, e.g. `vigia-plugin-acme` or `@vigia/plugin-drift`. */
  readonly name: string;
  /** The core API version this plugin targets; must equal {@link CORE_API_VERSION}. */
  readonly apiVersion: number;
  readonly detectors?: Readonly<Record<string, ErasedDef<'detector', Detector>>>;
  readonly metrics?: Readonly<Record<string, ErasedDef<'metric', Metric>>>;
  readonly sinks?: Readonly<Record<string, ErasedDef<'sink', Sink>>>;
  readonly sources?: Readonly<Record<string, ErasedDef<'source', Source>>>;
  readonly embedders?: Readonly<Record<string, ErasedDef<'embedder', Embedder>>>;
  readonly providers?: Readonly<Record<string, ErasedDef<'provider', Provider>>>;
}

// ---------------------------------------------------------------------------------------------
// Report (contract) and events
// ---------------------------------------------------------------------------------------------

export interface DetectorReport extends Omit<DetectorResult, 'test'> {
  id: string;
  use: string;
  durationMs: number;
  /** p-value after the run's multiple-testing correction, when one is configured. */
  pValueAdjusted?: number | null;
}

export interface DatasetReport {
  records: number;
  skipped: number;
}

export interface Report {
  version: 1;
  name: string;
  status: Status;
  startedAt: string;
  durationMs: number;
  seed: number;
  correction?: 'none' | 'bonferroni' | 'bh';
  datasets: Record<string, DatasetReport>;
  detectors: DetectorReport[];
  metrics: MetricValue[];
  /** Problems that did not stop the run (a sink that failed, skipped records, …). */
  warnings?: string[];
}

/** The typed event map of the run's bus. Plugins may emit their own `plugin:*` events. */
export interface VigiaEvents {
  'run:start': { name: string; startedAt: string; seed: number };
  'dataset:loaded': { name: string; records: number; skipped: number; durationMs: number };
  'detector:start': { id: string; use: string };
  'detector:end': { result: DetectorReport };
  'metric:end': { id: string; use: string; values: MetricValue[]; durationMs: number; error?: string };
  'progress': { id: string; done: number; total?: number; label?: string };
  'warning': { message: string };
  'run:end': { report: Report };
}

export type VigiaEvent = { [K in keyof VigiaEvents]: { type: K } & VigiaEvents[K] }[keyof VigiaEvents];
