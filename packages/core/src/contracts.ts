/**
 * Plugin contracts: the six component kinds and the objects the core hands them.
 *
 * A plugin package's default export is a plain object built with {@link definePlugin}; each
 * component is built with its `define*` helper, which carries a JSON Schema for the component's
 * options (the single source of truth: the options' TypeScript type is derived from it).
 */
import type { HistoryProvenance } from './history.js';
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import type { EventBus } from './events.js';

/**
 * The core API version plugins target (`apiVersion` in {@link definePlugin}).
 *
 * - 1: batch components (`Detector.evaluate(input)`, `Metric.compute(input)`, `Source.read`).
 * - 2: adds streamed sources (`Source.stream`), stateful detectors and metrics (`update`,
 *   `evaluate(window)`, `snapshot`, `restore`), undecided results decided by core (`decide`),
 *   exporter-shaped sinks (`export`, `forceFlush`) and `fields(options)` for column projection.
 *   Every API 1 plugin is a valid API 2 plugin and loads unchanged (see {@link SUPPORTED_API_VERSIONS}).
 */
export const CORE_API_VERSION = 2;
/** API versions this core loads: plugins built for API 1 run through the batch adapter. */
export const SUPPORTED_API_VERSIONS: readonly number[] = [1, 2];

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
  /**
   * The dotted field paths of the dataset's first record as the source read it, before core kept
   * only the fields the config's components use; for "did you mean" hints.
   */
  readonly fieldNames?: readonly string[];
  /**
   * Fields whose records hold arrays of numbers, packed into columns (additive): set on the datasets
   * a component sees in a worker thread (`isolation: worker`), where they arrive packed instead of
   * cloned number by number. Keyed by the dotted path `getField` reads; the records still hold the
   * same arrays (built on first access). A component reading a whole vector field may take the
   * column instead; records it does not cover (`packed[i]` is 0) hold their own value.
   */
  readonly numberArrays?: ReadonlyMap<string, NumberArrayColumn>;
}

/** One field's arrays of numbers across a dataset's records (see {@link Dataset.numberArrays}). */
export interface NumberArrayColumn {
  /** The packed records' arrays, concatenated in record order. */
  readonly values: Float64Array;
  /** Record i's array is `values.subarray(offsets[i], offsets[i + 1])` (length records + 1). */
  readonly offsets: Int32Array;
  /**
   * 1 where record i's value of the field is the array in `values`; 0 where it is not packed (absent,
   * null, or not an array of numbers): read that record's value from the record.
   */
  readonly packed: Uint8Array;
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
  test?: {
    alpha: number;
    effectSize?: number | null;
    minEffect?: number | null;
    /**
     * The smallest p-value the test can produce (a permutation test's 1 / (1 + permutations)).
     * When a run-level correction cannot bring it under `alpha`, a p-value at the floor is
     * reported as `warn` ("cannot decide") instead of a silent pass.
     */
    pValueFloor?: number | null;
  };
}

/**
 * How the run will judge a component's p-values: the config's `correction` and the number of
 * detectors it corrects over (an upper bound on the p-value detectors, known before any runs).
 */
export interface MultipleTesting {
  readonly correction: 'none' | 'bonferroni' | 'bh';
  readonly tests: number;
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
  /** Number of completions to ask for in one call (servers that support `n`); see `choices`. */
  n?: number;
  /**
   * Which repeat of the same request this is (0, 1, …). Providers with a response cache make it
   * part of the cache key, so n repeats of one prompt are n cached answers, not one answer n times.
   */
  sample?: number;
}

/** One of the completions of a call. */
export interface CompletionChoice {
  text: string;
  /** Per-output-token log-probabilities, when the server returned them. */
  logprobs?: number[];
  finishReason?: string;
}

export interface CompletionResponse {
  /** The first completion's text. */
  text: string;
  logprobs?: number[];
  usage?: { inputTokens?: number; outputTokens?: number };
  latencyMs?: number;
  /** Time to the first streamed token, when the call was streamed. */
  ttftMs?: number;
  /** Every completion of the call (`n` > 1); `choices[0]` is `text`/`logprobs`. */
  choices?: CompletionChoice[];
  finishReason?: string;
  /** The model the server says answered. */
  model?: string;
  /** True when the response came from the provider's cache instead of a call. */
  cached?: boolean;
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
  /** The run's multiple-testing correction (`none` over 1 test outside a run). */
  readonly multipleTesting: MultipleTesting;
  /**
   * The level a p-value of this component is judged at after the run's correction: `alpha / tests`
   * under `bonferroni`, and under `bh` too (the level its smallest p-value must reach), else
   * `alpha`. Permutation tests size their permutations so their p-value floor can reach it.
   */
  levelFor(alpha: number): number;
  /**
   * State shared by the components of one session that ask with the same `key`, created by the
   * first one that asks: e.g. a field's column of one dataset, read from the batches and sorted
   * once for every detector comparing that field (feature-drift does this). `scope: 'window'`
   * values are dropped after every component has evaluated the window, `'session'` values live
   * with the session. Prefix keys with the component's name; feed shared state once per batch
   * (see {@link RecordBatch.seq}). Absent outside a session (e.g. in a worker or a segment run):
   * a component then keeps its own.
   */
  readonly shared?: <T>(key: string, scope: 'session' | 'window', create: () => T) => T;
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

/** A (batch) detector: handed every record of its datasets (of the window) at once. */
export interface Detector {
  evaluate(input: DetectorInput, ctx: ComponentContext): DetectorOutcome | Promise<DetectorOutcome>;
}

/**
 * A stateful detector (API 2, built with `defineStatefulDetector`): core feeds it batches as they are read and asks for a decision
 * when a window closes. It keeps only what it needs (a column, a sketch, counts), so memory
 * follows its state, not the records. The reference dataset, when the detector has one, is fed
 * in full (`role: 'reference'`) before any current records.
 *
 * After `evaluate`, the detector must drop the closed window's current data and keep what lives
 * longer (the reference, learned baselines), ready for the next window.
 */
export interface StatefulDetector {
  update(batch: RecordBatch, ctx: ComponentContext): void | Promise<void>;
  evaluate(input: WindowInput, ctx: ComponentContext): DetectorOutcome | Promise<DetectorOutcome>;
  /** Everything needed to continue after a restart, JSON-serialisable. */
  snapshot?(): unknown;
  /** Continue from a {@link StatefulDetector.snapshot} taken by an instance created with the same options. */
  restore?(state: unknown): void;
}


/** Records of one dataset handed to a stateful component. */
export interface RecordBatch {
  /** The dataset's name in the config. */
  readonly dataset: string;
  /** `reference` for the detector's reference dataset, `current` for the data of the open window. */
  readonly role: 'reference' | 'current';
  /** Projected to the fields the plan derived (every field when some component did not declare its fields). */
  readonly records: readonly VigiaRecord[];
  /** Where the dataset comes from (`jsonl samples/current.jsonl`), for messages, as {@link Dataset.origin}. */
  readonly origin?: string;
  /** The dataset's field paths as read, before projection (for "did you mean" hints), as {@link Dataset.fieldNames}. */
  readonly fieldNames?: readonly string[];
  /**
   * Ordinal of the batch in the session (from 1). Every component handed the same batch sees the
   * same number, so state shared through {@link ComponentContext.shared} takes each batch once.
   */
  readonly seq?: number;
}

/** The window a result belongs to. A batch run is one window covering everything. */
export interface WindowInfo {
  /** 0, 1, … in the session. */
  readonly index: number;
  /** ISO times of the window's bounds (record time), or null for count windows without timestamps. */
  readonly start: string | null;
  readonly end: string | null;
  /** True when the session closed before the window's end (shutdown, end of input in a windowed run). */
  readonly partial: boolean;
  /** Records of the windowed dataset in this window. */
  readonly records: number;
}

export interface WindowInput {
  readonly window: WindowInfo;
}

/**
 * A detector's answer without a status: core decides it, applying the level, `minEffect`, the
 * run-level multiple-testing correction and severity in one place.
 * - `p-value`: fail when `pValue < alpha` (after correction) and the effect reaches `minEffect`;
 *   significant but smaller than `minEffect` is a warning.
 * - `threshold`: fail when the statistic is above (or, with `direction: 'below'`, below) `threshold`.
 */
export interface UndecidedResult {
  status?: undefined;
  statistic: number | null;
  pValue: number | null;
  message: string;
  details?: Record<string, unknown>;
  decide:
    | { kind: 'p-value'; alpha: number; effectSize?: number | null; minEffect?: number | null; pValueFloor?: number | null }
    | { kind: 'threshold'; threshold: number; direction?: 'above' | 'below'; warnThreshold?: number };
}

/** What a detector may return: a decided result, or one for core to decide. */
export type DetectorOutcome = DetectorResult | UndecidedResult;

export interface MetricInput {
  /** The dataset named by the metric's `dataset:` (default `current`). */
  readonly dataset: Dataset;
  readonly datasets: ReadonlyMap<string, Dataset>;
}

/** A (batch) metric: handed every record of its dataset (of the window) at once. */
export interface Metric {
  compute(input: MetricInput, ctx: ComponentContext): MetricValue[] | Promise<MetricValue[]>;
}

/** A stateful metric (API 2, built with `defineStatefulMetric`); see {@link StatefulDetector}. `compute` must then reset the window's state. */
export interface StatefulMetric {
  update(batch: RecordBatch, ctx: ComponentContext): void | Promise<void>;
  compute(input: WindowInput, ctx: ComponentContext): MetricValue[] | Promise<MetricValue[]>;
  snapshot?(): unknown;
  restore?(state: unknown): void;
}


/** What a source yields: every record it kept, and how many it skipped. */
export interface SourceOutput {
  records: VigiaRecord[];
  skipped: number;
  /** Up to a few examples of why records were skipped (`file:line: reason`). */
  skippedExamples?: string[];
  /**
   * Set when the source stopped early (a model provider failed midway): `records` holds what was
   * read before. The run keeps them, runs every detector and metric on them, names the error in
   * the dataset's report entry and ends with status `error` (exit code 3).
   */
  error?: Error;
  /**
   * Problems with records that were kept (duplicate keys, …), each one line with its count; they
   * become run warnings.
   */
  warnings?: string[];
}

/**
 * Where a reader can resume: the source's own cursor, JSON-serialisable (the jsonl source uses
 * `{ file, offset, line }`, the byte offset after the last record it yielded).
 */
export type SourcePosition = Record<string, unknown>;

/** One batch of a streamed source. Counts (`skipped`) are per batch, not cumulative. */
export interface SourceBatch {
  records: VigiaRecord[];
  skipped: number;
  skippedExamples?: string[];
  warnings?: string[];
  /** Resume here to read the records after this batch. */
  position?: SourcePosition;
  /** The source stopped early (see {@link SourceOutput.error}); this is the last batch. */
  error?: Error;
}

export interface StreamOptions {
  /**
   * The dotted fields the config's components read, when known (a column store may read only
   * these). Core keeps only these fields of every record it is handed (see `projector` in
   * @vigia/core), so a source may ignore it.
   */
  fields?: readonly string[];
  /** Resume after this position (from an earlier batch). */
  from?: SourcePosition;
  /** Records per batch the reader would like (a hint); default 4,096. */
  batchSize?: number;
}

/**
 * A source implements `read` (the whole dataset), `stream` (batches with positions, API 2), or
 * both. Core adapts either to the other: a `read`-only source streams as one batch, a
 * `stream`-only source is read by collecting its batches.
 */
export interface Source {
  read?(ctx: ComponentContext): Promise<SourceOutput>;
  stream?(ctx: ComponentContext, options: StreamOptions): AsyncIterable<SourceBatch>;
}

/** What an exporter-shaped sink's `export` resolves to (OpenTelemetry JS's `ExportResult`). */
export interface ExportResult {
  code: 'success' | 'failed';
  error?: Error;
}

export interface Sink {
  /** Every event of the run, in order. Failures are reported, never thrown into the run. */
  onEvent?(event: VigiaEvent): void | Promise<void>;
  /**
   * Exporter shape (API 2): a batch of events, in order, from the sink's bounded queue. Resolve
   * to `{ code: 'failed' }` (or reject) on failure; the batch is then dropped and counted, never
   * retried by core and never thrown into the run. A sink has `onEvent` or `export`, not both.
   */
  export?(events: readonly VigiaEvent[]): Promise<ExportResult>;
  /** The final report (of a batch run; of each window in a windowed session, see `window`). */
  report?(report: Report): void | Promise<void>;
  /** Send whatever is buffered now (called at the end of each window and before shutdown). */
  forceFlush?(): Promise<void>;
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
  /**
   * Detectors and metrics (API 2): the dotted record fields this component reads with these
   * options (`['latency_ms', 'timestamp']`). When every component of a config declares its
   * fields, sources keep only those, so memory follows the columns used. Undefined: all fields.
   */
  fields?(options: OptionsOf<S>): readonly string[] | undefined;
  create(options: OptionsOf<S>, ctx: ComponentContext): I | Promise<I>;
}

export type DetectorDef<S extends OptionsSchema = OptionsSchema> = ComponentDefBase<'detector', S, Detector> & { readonly stateful?: false };
export type MetricDef<S extends OptionsSchema = OptionsSchema> = ComponentDefBase<'metric', S, Metric> & { readonly stateful?: false };
/** A stateful detector's definition (`stateful: true`; see {@link StatefulDetector}). */
export type StatefulDetectorDef<S extends OptionsSchema = OptionsSchema> = ComponentDefBase<'detector', S, StatefulDetector> & { readonly stateful: true };
export type StatefulMetricDef<S extends OptionsSchema = OptionsSchema> = ComponentDefBase<'metric', S, StatefulMetric> & { readonly stateful: true };
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
  readonly stateful?: boolean;
  fields?(options: never): readonly string[] | undefined;
  create(options: never, ctx: ComponentContext): I | Promise<I>;
}

export type AnyComponentDef = ErasedDef;

export interface VigiaPlugin {
  /** Package-like name, e.g. `vigia-plugin-acme` or `@vigia/plugin-drift`. */
  readonly name: string;
  /** The core API version this plugin targets: one of {@link SUPPORTED_API_VERSIONS} (write {@link CORE_API_VERSION}). */
  readonly apiVersion: number;
  readonly detectors?: Readonly<Record<string, ErasedDef<'detector', Detector | StatefulDetector>>>;
  readonly metrics?: Readonly<Record<string, ErasedDef<'metric', Metric | StatefulMetric>>>;
  readonly sinks?: Readonly<Record<string, ErasedDef<'sink', Sink>>>;
  readonly sources?: Readonly<Record<string, ErasedDef<'source', Source>>>;
  readonly embedders?: Readonly<Record<string, ErasedDef<'embedder', Embedder>>>;
  readonly providers?: Readonly<Record<string, ErasedDef<'provider', Provider>>>;
  /** Virtual-field providers, keyed by the field prefix they own (see {@link FieldProviderDef}). */
  readonly fields?: Readonly<Record<string, FieldProviderDef>>;
}

// ---------------------------------------------------------------------------------------------
// Virtual fields
// ---------------------------------------------------------------------------------------------

/**
 * A provider of virtual fields: per-record values computed from a dataset's records and
 * addressable by any detector or metric under `<prefix>.<path>` (e.g.
 * `descriptors.response.refusal`). The plan collects every option string starting with
 * `<prefix>.`, checks it with {@link FieldProviderDef.check}, and the engine computes only those
 * paths, once per dataset, right after the dataset is read. Options come from the config's
 * top-level key of the same name (only `descriptors:` is admitted by the config schema today).
 */
export interface FieldProviderDef {
  readonly kind: 'fields';
  readonly description: string;
  /** JSON Schema of the top-level options key; `default`s are filled in. */
  readonly options: OptionsSchema;
  /** Why `path` (the part after `<prefix>.`) is not a field this provider knows, or undefined when it is. */
  check(path: string, options: Record<string, unknown>): string | undefined;
  create(options: Record<string, unknown>, ctx: ComponentContext): FieldProvider | Promise<FieldProvider>;
}

export interface FieldProvider {
  /**
   * One value per record (same order as `dataset.records`) for each requested path; `undefined`
   * marks a record where the field does not apply (its text is absent). Values must be numbers,
   * booleans or strings, never text copied from the record.
   */
  compute(dataset: Dataset, paths: readonly string[], ctx: ComponentContext): Map<string, unknown[]> | Promise<Map<string, unknown[]>>;
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

/** One segment of a detector run with `by:` (in `details.segments`). */
export interface SegmentResult {
  /** The value of the `by:` field. */
  segment: string;
  /** Records of the segment in the current dataset. */
  n: number;
  /** Records of the segment in the reference dataset, when the detector has one. */
  nReference?: number;
  /** `too-small` when either side has fewer records than `minSegmentSize` (the segment is not tested). */
  status: Status | 'too-small';
  statistic: number | null;
  pValue: number | null;
  /** After the run's multiple-testing correction, when one is configured. */
  pValueAdjusted?: number | null;
  message: string;
}

export interface DatasetReport {
  records: number;
  skipped: number;
  /** Why the source stopped early (its records are partial); the run's status is then `error`. */
  error?: string;
  /**
   * A rolling reference (`fromHistory`, additive): where this window's reference came from —
   * the range, the windows used, the records they held and the sample drawn (`records` is its size).
   */
  history?: HistoryProvenance;
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
  /**
   * Metrics that errored. One rule: an errored metric, like an errored detector, makes the run's
   * status `error` (exit 3); it is listed here, not among the warnings.
   */
  metricErrors?: Array<{ id: string; use: string; message: string }>;
  /**
   * The window these results cover (additive in API 2). A batch run is one window over
   * everything: `start`/`end` are the earliest and latest record time seen (null without
   * timestamps).
   */
  window?: WindowInfo;
  /** A windowed run (`windows:` in the config): every window's results, in order. */
  windows?: WindowReport[];
}

/** One window's results in a windowed run's report (`report.windows`). */
export interface WindowReport {
  window: WindowInfo;
  status: Status;
  datasets: Record<string, DatasetReport>;
  detectors: DetectorReport[];
  metrics: MetricValue[];
  metricErrors?: Array<{ id: string; use: string; message: string }>;
}

/** The typed event map of the run's bus. Plugins may emit their own `plugin:*` events. */
export interface VigiaEvents {
  'run:start': { name: string; startedAt: string; seed: number };
  'dataset:loaded': { name: string; records: number; skipped: number; durationMs: number };
  'detector:start': { id: string; use: string };
  'detector:end': { result: DetectorReport; window?: WindowInfo };
  'metric:end': { id: string; use: string; values: MetricValue[]; durationMs: number; error?: string; window?: WindowInfo };
  /** A window closed and was evaluated (windowed sessions; a batch run's single window too). */
  'window:end': { window: WindowInfo; result: WindowReport };
  'progress': { id: string; done: number; total?: number; label?: string };
  'warning': { message: string };
  'run:end': { report: Report };
}

export type VigiaEvent = { [K in keyof VigiaEvents]: { type: K } & VigiaEvents[K] }[keyof VigiaEvents];
