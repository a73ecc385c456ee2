import { container as rootContainer, instanceCachingFactory, type DependencyContainer } from 'tsyringe';
import { bonferroni, benjaminiHochberg } from '@vigia/stats';
import type {
  Cache, Clock, ComponentContext, Dataset, DetectorInput, DetectorReport, DetectorResult, Embedder, ErasedDef, Logger, MetricInput, MetricValue, Provider, Report,
  MultipleTesting, Sink, Source, Status, Detector, Metric,
} from './contracts.js';
import { createComponentContext, type RunServices } from './context.js';
import { ConfigError, DataError, VigiaError, clipText, describeValue, errorMessage, isVigiaError, redactError, redactSecrets } from './errors.js';
import { EventBus } from './events.js';
import type { Plan, PlannedComponent } from './plan.js';
import { validateOptions } from './options.js';
import { IsolatedRunner, runInline, workerScriptPath, type WorkerJob } from './isolate.js';
import { SinkHub, type SinkEntry } from './sinks.js';
import { createDiskCache, createLogger, createMemoryCache, resolveFrom, systemClock } from './services.js';
import { computeBySegment, correctSegment, evaluateBySegment, foldSegments, type SegmentSpec, type SegmentTest } from './segments.js';
import { computeVirtualFields } from './virtual-fields.js';

/** DI tokens of the per-run container. Plugins never see these: they get a context object. */
export const Tokens = {
  Plan: Symbol.for('vigia.Plan'),
  Logger: Symbol.for('vigia.Logger'),
  Clock: Symbol.for('vigia.Clock'),
  EventBus: Symbol.for('vigia.EventBus'),
  Cache: Symbol.for('vigia.Cache'),
  Embedders: Symbol.for('vigia.Embedders'),
  Providers: Symbol.for('vigia.Providers'),
  RunServices: Symbol.for('vigia.RunServices'),
} as const;

export interface RunOptions {
  logger?: Logger;
  /** Sinks added by the caller (the CLI's table output, a test's memory sink) besides the config's. */
  extraSinks?: Sink[];
  /** Override or add registrations in the run's container before anything resolves (tests). */
  configure?: (container: DependencyContainer) => void;
  /** Cancels the run. */
  signal?: AbortSignal;
  /** Time each sink gets to finish (pending events, report, flush, shutdown); default SINK_DEADLINE_MS (10 s). */
  sinkDeadlineMs?: number;
}

/** Build the per-run container: one per run, so nothing leaks between runs. */
export function createRunContainer(plan: Plan, options: RunOptions = {}): DependencyContainer {
  const c = rootContainer.createChildContainer();
  const logger = options.logger ?? createLogger({ level: 'warn', redact: plan.loaded.secrets });
  c.register(Tokens.Plan, { useValue: plan });
  c.register(Tokens.Logger, { useValue: logger });
  c.register(Tokens.Clock, { useValue: systemClock });
  // Secrets are removed from every event before any sink or listener sees it.
  c.register(Tokens.EventBus, { useValue: new EventBus({ redact: <T>(v: T) => redact(v, plan.loaded.secrets) }) });
  c.register(Tokens.Cache, {
    useFactory: instanceCachingFactory<Cache>(() =>
      plan.config.cache === false ? createMemoryCache() : createDiskCache(resolveFrom(plan.loaded.dir, plan.config.cache))),
  });
  c.register(Tokens.Embedders, { useFactory: instanceCachingFactory((d) => new LazyPool<Embedder>('embedder', plan, plan.embedders, () => d.resolve<RunServices>(Tokens.RunServices), 'hashing')) });
  c.register(Tokens.Providers, { useFactory: instanceCachingFactory((d) => new LazyPool<Provider>('provider', plan, plan.providers, () => d.resolve<RunServices>(Tokens.RunServices))) });
  c.register(Tokens.RunServices, {
    useFactory: instanceCachingFactory<RunServices>((d) => ({
      seed: plan.config.seed,
      logger: d.resolve<Logger>(Tokens.Logger),
      clock: d.resolve<Clock>(Tokens.Clock),
      events: d.resolve<EventBus>(Tokens.EventBus),
      cache: d.resolve<Cache>(Tokens.Cache),
      configDir: plan.loaded.dir,
      embedder: (name) => d.resolve<LazyPool<Embedder>>(Tokens.Embedders).get(name),
      provider: (name) => d.resolve<LazyPool<Provider>>(Tokens.Providers).get(name),
    })),
  });
  options.configure?.(c);
  return c;
}

/** Embedders and providers are created on first use, once per run. */
class LazyPool<T extends { dispose?(): Promise<void> }> {
  readonly #instances = new Map<string, Promise<T>>();
  constructor(
    private readonly kind: 'embedder' | 'provider',
    private readonly plan: Plan,
    private readonly planned: PlannedComponent[],
    private readonly services: () => RunServices,
    private readonly fallback?: string,
  ) {}

  get(name?: string): Promise<T> {
    const key = name ?? this.planned[0]?.id ?? `default:${this.fallback}`;
    let instance = this.#instances.get(key);
    if (!instance) {
      instance = this.#create(name);
      this.#instances.set(key, instance);
    }
    return instance;
  }

  async #create(name?: string): Promise<T> {
    const section = `${this.kind}s`;
    let spec = name === undefined ? this.planned[0] : this.planned.find((p) => p.id === name);
    if (!spec && name !== undefined) {
      const have = this.planned.map((p) => `"${p.id}"`).join(', ') || 'none';
      throw new ConfigError('VIGIA_CONFIG_INVALID', `no ${this.kind} named "${name}" in the config's ${section}: (defined: ${have}); add ${section}.${name}: { use: … }`);
    }
    if (!spec) {
      if (!this.fallback) throw new ConfigError('VIGIA_CONFIG_INVALID', `this detector needs a ${this.kind}, but the config has no ${section}:; add one (see vigia plugins)`);
      const component = this.plan.registry.require(this.kind, this.fallback);
      spec = { id: this.fallback, kind: this.kind, use: this.fallback, options: validateOptions(component.def, {}), component, path: `/${section}` };
    }
    const ctx = createComponentContext(this.services(), { id: `${this.kind}:${spec.id}`, use: spec.use });
    return (await spec.component.def.create(spec.options as never, ctx)) as T;
  }

  async disposeAll(): Promise<void> {
    for (const p of this.#instances.values()) {
      try {
        await (await p).dispose?.();
      } catch {
        // creation already failed and was reported where it was used
      }
    }
  }
}

/**
 * A run whose report was built but an output the config requires (a `required` sink) could not be
 * produced: exit 3. The report is attached, so a caller can still show it.
 */
export class SinkFailedError extends VigiaError {
  readonly report: Report;
  constructor(message: string, report: Report) {
    super('VIGIA_RUNTIME', message);
    this.name = 'SinkFailedError';
    this.report = report;
  }
}

/**
 * Run a validated plan: read datasets, run detectors and metrics isolated, feed sinks, build the
 * report. Throws {@link SinkFailedError} (with the report) when a required sink failed.
 */
export async function runPlan(plan: Plan, options: RunOptions = {}): Promise<Report> {
  try {
    return await runPlanUnredacted(plan, options);
  } catch (error) {
    throw redactError(error, plan.loaded.secrets);
  }
}

async function runPlanUnredacted(plan: Plan, options: RunOptions): Promise<Report> {
  const container = createRunContainer(plan, options);
  const services = container.resolve<RunServices>(Tokens.RunServices);
  const { events, logger, clock } = services;
  const startedAt = new Date(clock.now()).toISOString();
  const t0 = clock.hrtime();
  const warnings: string[] = [];
  const warn = (message: string) => {
    warnings.push(message);
    events.emit('warning', { message });
  };

  // Sinks first, so they see every event.
  const sinks: SinkEntry[] = [];
  for (const planned of plan.sinks) {
    const ctx = createComponentContext(services, { id: planned.id, use: planned.use });
    try {
      const target = typeof planned.options.path === 'string' ? planned.options.path : undefined;
      sinks.push({ id: `${planned.use} (${planned.path})`, sink: (await planned.component.def.create(planned.options as never, ctx)) as Sink, required: planned.required, target });
    } catch (error) {
      throw rethrowAs(error, `sink ${planned.use} at ${plan.loaded.displayPath}: ${planned.path}`);
    }
  }
  for (const [i, sink] of (options.extraSinks ?? []).entries()) sinks.push({ id: `extra-${i}`, sink, required: false });
  // Once the report is out, a sink failure can only be added to the report's warnings and logged.
  let finishing: Report | undefined;
  const hub = new SinkHub(sinks, {
    deadlineMs: options.sinkDeadlineMs,
    onFirstFailure: (entry, message) => {
      // A required sink's failure becomes the run's error (below), not a warning.
      if (!finishing) warn(message);
      else if (!entry.required) finishing.warnings = [...(finishing.warnings ?? []), redactSecrets(message, plan.loaded.secrets)];
    },
  });
  events.onAny((event) => hub.dispatch(event));

  events.emit('run:start', { name: plan.config.name, startedAt, seed: plan.config.seed });

  // Read every dataset once; they are shared by all detectors and metrics.
  const datasets = new Map<string, Dataset>();
  const datasetErrors = new Map<string, string>();
  await Promise.all(plan.datasets.map(async (planned) => {
    const ctx = createComponentContext(services, { id: planned.id, use: planned.use, signal: options.signal });
    const t = clock.hrtime();
    try {
      const source = (await planned.component.def.create(planned.options as never, ctx)) as Source;
      const out = await source.read(ctx);
      const origin = typeof planned.options.path === 'string' ? `${planned.use} ${planned.options.path}` : planned.use;
      datasets.set(planned.id, { name: planned.id, records: out.records, skipped: out.skipped, origin });
      if (out.error) {
        // Partial data: keep what was read, report it, and let the run end as an error (exit 3).
        const message = `dataset "${planned.id}" (${planned.use}) stopped early after ${out.records.length} record${out.records.length === 1 ? '' : 's'}: ${errorMessage(out.error)}`;
        datasetErrors.set(planned.id, message);
        warn(message);
      }
      for (const w of out.warnings ?? []) warn(`dataset "${planned.id}": ${clipText(w, 500)}`);
      if (out.skipped > 0) {
        warn(`dataset "${planned.id}": skipped ${out.skipped} invalid record${out.skipped === 1 ? '' : 's'}${out.skippedExamples?.length ? ` (e.g. ${out.skippedExamples.slice(0, 3).join('; ')})` : ''}`);
      }
      events.emit('dataset:loaded', { name: planned.id, records: out.records.length, skipped: out.skipped, durationMs: clock.hrtime() - t });
    } catch (error) {
      throw rethrowAs(error, `dataset "${planned.id}" (${planned.use})`);
    }
  }));

  // Virtual fields (text descriptors) the components reference, once per dataset.
  try {
    await computeVirtualFields(plan, datasets, services, options.signal);
  } catch (error) {
    throw rethrowAs(error, 'computing virtual fields');
  }

  // Components marked `isolation: worker` run in a worker thread that a time limit can terminate.
  const script = plan.detectors.some((d) => d.isolation === 'worker' && d.component.module) || plan.metrics.some((m) => m.isolation === 'worker' && m.component.module)
    ? workerScriptPath() : undefined;
  const runner = script ? new IsolatedRunner(script, datasets, services) : undefined;
  const jobOf = (planned: Plan['detectors'][number] | Plan['metrics'][number], extra: Partial<WorkerJob>): WorkerJob | undefined =>
    runner && planned.isolation === 'worker' && planned.component.module
      ? { kind: planned.kind as 'detector', module: planned.component.module, name: planned.component.name, id: planned.id, use: planned.use, options: planned.options, seed: plan.config.seed, configDir: plan.loaded.dir, ...extra }
      : undefined;
  // Start the worker and import the isolated components' plugins while inline ones run.
  runner?.preload([...new Set([...plan.detectors, ...plan.metrics].filter((p) => p.isolation === 'worker' && p.component.module).map((p) => p.component.module!))]);
  try {
    return await evaluateAll();
  } finally {
    await runner?.close();
  }

  async function evaluateAll(): Promise<Report> {
  // Detectors, one at a time (they are CPU-bound), each isolated.
  const detectorReports: DetectorReport[] = [];
  const tests: CorrectionItem[] = [];
  // Components size their p-value floors for the level the correction will judge them at.
  const multipleTesting = { correction: plan.config.correction, tests: plan.detectors.length } as const;
  for (const planned of plan.detectors) {
    events.emit('detector:start', { id: planned.id, use: planned.use });
    const t = clock.hrtime();
    let segmentTests: SegmentTest[] = [];
    let result: DetectorResult;
    // Segmented runs stay on the main thread (they call the detector once per segment).
    const job = planned.segments ? undefined : jobOf(planned, { current: planned.current, reference: datasets.has(planned.reference) ? planned.reference : undefined, multipleTesting });
    if (job) {
      try {
        result = checkResult(await runner!.run(job, planned.timeoutMs, `detector "${planned.id}"`, options.signal) as DetectorResult);
      } catch (error) {
        result = { status: 'error', statistic: null, pValue: null, threshold: null, message: clipText(errorMessage(error), 2000) };
        logger.debug(`detector ${planned.id} failed`, { stack: error instanceof Error ? error.stack : undefined });
      }
    } else {
      result = await runDetectorComponent(planned, { reference: datasets.get(planned.reference), current: datasets.get(planned.current)!, datasets }, services, options.signal, {
        multipleTesting,
        onSegmentTests: (t) => { segmentTests = t; },
      });
    }
    const { test, ...rest } = result;
    const report: DetectorReport = { id: planned.id, use: planned.use, ...rest, durationMs: round(clock.hrtime() - t) };
    if (test && result.pValue !== null && result.status !== 'error') tests.push({ index: detectorReports.length, test });
    for (const s of segmentTests) tests.push({ index: detectorReports.length, test: s.test, segment: s.segment });
    detectorReports.push(report);
    if (plan.config.correction === 'none') {
      applySeverity(planned.severity, report);
      events.emit('detector:end', { result: report });
    }
  }
  if (plan.config.correction !== 'none') {
    // Correction needs every p-value, so these detectors are announced once all have run.
    applyCorrection(plan.config.correction, detectorReports, tests);
    plan.detectors.forEach((planned, i) => {
      applySeverity(planned.severity, detectorReports[i]!);
      events.emit('detector:end', { result: detectorReports[i]! });
    });
  }

  // Metrics, isolated the same way.
  const metricValues: MetricValue[] = [];
  const metricErrors: NonNullable<Report['metricErrors']> = [];
  for (const planned of plan.metrics) {
    const t = clock.hrtime();
    try {
      const job = planned.segments ? undefined : jobOf(planned, { dataset: planned.dataset });
      let values: MetricValue[];
      if (job) {
        values = checkMetricValues(await runner!.run(job, planned.timeoutMs, `metric "${planned.id}"`, options.signal) as MetricValue[]);
        // The dataset a value was computed on is part of its identity (the same metric often runs on
        // reference and current), so exporters never see two values with one name and label set.
        for (const v of values) v.labels = { dataset: planned.dataset, ...v.labels };
      } else {
        values = await runMetricComponent(planned, { dataset: datasets.get(planned.dataset)!, datasets }, services, options.signal, {
          onNotice: (notice) => warn(`metric "${planned.id}" (${planned.use}): ${notice}`),
        });
      }
      for (const v of values) metricValues.push(v); // not push(...values): a series may hold a million values
      events.emit('metric:end', { id: planned.id, use: planned.use, values, durationMs: clock.hrtime() - t });
    } catch (error) {
      // An errored metric makes the run's status error (exit 3), as an errored detector does.
      const message = clipText(errorMessage(error), 2000);
      metricErrors.push({ id: planned.id, use: planned.use, message });
      events.emit('metric:end', { id: planned.id, use: planned.use, values: [], durationMs: clock.hrtime() - t, error: message });
    }
  }

  await container.resolve<LazyPool<Embedder>>(Tokens.Embedders).disposeAll();
  await container.resolve<LazyPool<Provider>>(Tokens.Providers).disposeAll();

  const report: Report = redact({
    version: 1,
    name: plan.config.name,
    status: datasetErrors.size > 0 ? 'error' : overallStatus(detectorReports, metricErrors.length),
    startedAt,
    durationMs: round(clock.hrtime() - t0),
    seed: plan.config.seed,
    ...(plan.config.correction !== 'none' ? { correction: plan.config.correction } : {}),
    datasets: Object.fromEntries([...datasets].map(([name, d]) => [name, { records: d.records.length, skipped: d.skipped, ...(datasetErrors.has(name) ? { error: datasetErrors.get(name)! } : {}) }])),
    detectors: detectorReports,
    metrics: metricValues,
    ...(warnings.length ? { warnings } : {}),
    ...(metricErrors.length ? { metricErrors } : {}),
  }, plan.loaded.secrets);

  events.emit('run:end', { report });
  finishing = report;
  await hub.finish(report);
  // A sink that failed again and again was announced once; the total goes into the report.
  for (const line of hub.repeatedFailures()) report.warnings = [...(report.warnings ?? []), redactSecrets(line, plan.loaded.secrets)];
  const required = hub.requiredFailures();
  if (required.length > 0) {
    throw new SinkFailedError(`${required.length === 1 ? 'a required output' : `${required.length} required outputs`} could not be produced: ${required.join('; ')} (mark a sink \`required: false\` in the config if its output is optional)`, report);
  }
  return report;
  }
}

/** What the engine needs to run one detector or metric: the planned component's definition, validated options, id and time limit. */
export interface RunnableComponent {
  id: string;
  use: string;
  options: Record<string, unknown>;
  component: { def: ErasedDef };
  timeoutMs: number;
  /** `by:` — run once per segment of this field (see segments.ts). */
  segments?: SegmentSpec;
}

/** What a run passes besides the data: the correction's size, and where per-segment tests go. */
export interface RunComponentExtras {
  multipleTesting?: MultipleTesting;
  onSegmentTests?: (tests: SegmentTest[]) => void;
  onNotice?: (notice: string) => void;
}

/**
 * Run one detector exactly as a run does: a context seeded from the run seed and the detector's id,
 * `create` then `evaluate` under the time limit, the result checked; a throw, hang or invalid
 * result becomes a result with `status: 'error'` and the message (never a rejection).
 * Exported so that @vigia/testing runs components through this same code.
 */
export async function runDetectorComponent(planned: RunnableComponent, input: DetectorInput, services: RunServices, outer?: AbortSignal, extras: RunComponentExtras = {}): Promise<DetectorResult> {
  try {
    return await runInline(planned.timeoutMs, `detector "${planned.id}"`, outer, async (signal) => {
      const ctx = createComponentContext(services, { id: planned.id, use: planned.use, signal, ...(extras.multipleTesting ? { multipleTesting: extras.multipleTesting } : {}) });
      const detector = (await planned.component.def.create(planned.options as never, ctx)) as Detector;
      const evaluate = async (part: DetectorInput) => checkResult(await detector.evaluate(part, ctx));
      if (!planned.segments) return evaluate(input);
      const out = await evaluateBySegment(planned.segments, input, evaluate);
      extras.onSegmentTests?.(out.tests);
      return out.result;
    });
  } catch (error) {
    services.logger.debug(`detector ${planned.id} failed`, { stack: error instanceof Error ? error.stack : undefined });
    return { status: 'error', statistic: null, pValue: null, threshold: null, message: clipText(errorMessage(error), 2000) };
  }
}

/**
 * Run one metric exactly as a run does (seeded context, time limit, values checked, each value
 * labelled with its dataset). Rejects when the metric fails; a run reports that as a warning and
 * an `error` run status.
 */
export async function runMetricComponent(planned: RunnableComponent, input: MetricInput, services: RunServices, outer?: AbortSignal, extras: RunComponentExtras = {}): Promise<MetricValue[]> {
  const values = await runInline(planned.timeoutMs, `metric "${planned.id}"`, outer, async (signal) => {
    const ctx = createComponentContext(services, { id: planned.id, use: planned.use, signal });
    const metric = (await planned.component.def.create(planned.options as never, ctx)) as Metric;
    const compute = async (dataset: Dataset) => checkMetricValues(await metric.compute({ ...input, dataset }, ctx));
    if (!planned.segments) return compute(input.dataset);
    const out = await computeBySegment(planned.segments, input.dataset, compute);
    if (out.notice) extras.onNotice?.(out.notice);
    return out.values;
  });
  // The dataset a value was computed on is part of its identity (the same metric often runs on
  // reference and current), so exporters never see two values with one name and label set.
  for (const v of values) v.labels = { dataset: input.dataset.name, ...v.labels };
  return values;
}

const STATUSES: ReadonlySet<string> = new Set(['pass', 'warn', 'fail', 'error']);

function checkResult(result: DetectorResult): DetectorResult {
  const problems: string[] = [];
  if (!result || typeof result !== 'object') throw new Error('the detector returned no result object');
  if (!STATUSES.has(result.status)) problems.push(`status ${JSON.stringify(result.status)} (expected pass, warn, fail or error)`);
  for (const key of ['statistic', 'pValue', 'threshold'] as const) {
    const v = result[key];
    if (v === undefined) (result as unknown as Record<string, unknown>)[key] = null;
    else if (v !== null && (typeof v !== 'number' || Number.isNaN(v))) problems.push(`${key} ${String(v)} (expected a number or null)`);
  }
  if (typeof result.message !== 'string') (result as { message: string }).message = '';
  if (problems.length) throw new Error(`the detector returned an invalid result: ${problems.join('; ')}`);
  return result;
}

function checkMetricValues(values: MetricValue[]): MetricValue[] {
  if (!Array.isArray(values)) throw new Error('the metric returned no array of values');
  for (const v of values) {
    if (typeof v.name !== 'string' || typeof v.value !== 'number' || typeof v.unit !== 'string') {
      throw new Error(`the metric returned an invalid value ${describeValue(v, 200)} (expected { name, value: number, unit })`);
    }
  }
  return values;
}

/** One test in the run's family: a detector's, or (with `by:`) one segment's of a detector. */
type CorrectionItem = { index: number; test: NonNullable<DetectorResult['test']>; segment?: number };

/** Re-decide p-value detectors after Bonferroni or Benjamini–Hochberg across the run. */
function applyCorrection(kind: 'bonferroni' | 'bh', reports: DetectorReport[], tests: CorrectionItem[]): void {
  if (tests.length === 0) return;
  const raw = tests.map((t) => (t.segment === undefined ? reports[t.index]!.pValue! : (reports[t.index]!.details!.segments as Array<{ pValue: number }>)[t.segment]!.pValue));
  const adjusted = kind === 'bonferroni' ? bonferroni(raw) : benjaminiHochberg(raw);
  const label = kind === 'bh' ? 'Benjamini–Hochberg' : 'Bonferroni';
  tests.forEach(({ index, test, segment }, k) => {
    const r = reports[index]!;
    const p = adjusted[k]!;
    if (segment !== undefined) {
      const effectOk = test.minEffect == null || test.effectSize == null || test.effectSize >= test.minEffect;
      correctSegment(r, segment, p, p < test.alpha ? (effectOk ? 'fail' : 'warn') : 'pass', label);
      return;
    }
    r.pValueAdjusted = p;
    if (r.status === 'error') return;
    // Significant but smaller than the detector's effect-size floor: a warning, never a failure.
    const effectOk = test.minEffect == null || test.effectSize == null || test.effectSize >= test.minEffect;
    let status: Status = p < test.alpha ? (effectOk ? 'fail' : 'warn') : 'pass';
    const name = kind === 'bh' ? 'Benjamini–Hochberg' : 'Bonferroni';
    // A p-value at its floor whose adjusted floor cannot reach alpha: the test could not decide.
    const floor = test.pValueFloor ?? null;
    const atFloor = floor !== null && r.pValue! <= floor * (1 + 1e-9);
    if (status === 'pass' && atFloor && floor * tests.length >= test.alpha) {
      status = 'warn';
      r.message = `${r.message} [${name}-adjusted p=${p.toPrecision(3)}: the test's smallest p-value ${floor.toPrecision(2)} cannot reach alpha ${test.alpha} over ${tests.length} tests → warn (cannot decide); give it more permutations]`;
    } else if (status !== r.status) {
      r.message = `${r.message} [${name}-adjusted p=${p.toPrecision(3)} → ${status}]`;
    }
    r.status = status;
  });
  for (const index of new Set(tests.filter((t) => t.segment !== undefined).map((t) => t.index))) foldSegments(reports[index]!);
}

/** `severity: warn` turns a failing check into a warning, so it is reported without gating CI. */
function applySeverity(severity: 'fail' | 'warn', report: DetectorReport): void {
  if (severity === 'warn' && report.status === 'fail') {
    report.status = 'warn';
    report.message = `${report.message} (severity: warn)`;
  }
}

function overallStatus(reports: DetectorReport[], metricErrors: number): Status {
  if (metricErrors > 0 || reports.some((r) => r.status === 'error')) return 'error';
  if (reports.some((r) => r.status === 'fail')) return 'fail';
  if (reports.some((r) => r.status === 'warn')) return 'warn';
  return 'pass';
}

function rethrowAs(error: unknown, where: string): Error {
  if (isVigiaError(error)) {
    if (error.message.includes(where)) return error;
    const wrapped = error instanceof DataError ? new DataError(`${where}: ${error.message}`, { cause: error, code: error.code as 'VIGIA_DATA_INVALID' })
      : new VigiaError(error.code, `${where}: ${error.message}`, { cause: error });
    return wrapped;
  }
  return new VigiaError('VIGIA_RUNTIME', `${where}: ${errorMessage(error)}`, { cause: error });
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** Replace every interpolated secret in the report's strings. */
function redact<T>(value: T, secrets: readonly string[]): T {
  const list = secrets.filter((s) => s.length >= 4);
  if (list.length === 0) return value;
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return redactSecrets(v, list);
    if (!v || typeof v !== 'object' || ArrayBuffer.isView(v)) return v;
    // Deeper than any report needs: cut rather than overflow the stack.
    if (depth > 64) return '[nested too deeply]';
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [redactSecrets(k, list), walk(x, depth + 1)]));
  };
  return walk(value, 0) as T;
}

export type { ComponentContext };
