import { container as rootContainer, instanceCachingFactory, type DependencyContainer } from 'tsyringe';
import { bonferroni, benjaminiHochberg } from '@vigia/stats';
import type {
  Cache, Clock, ComponentContext, Dataset, DetectorInput, DetectorReport, DetectorResult, Embedder, Logger, MetricValue, Provider, Report,
  Sink, Source, Status, Detector, Metric,
} from './contracts.js';
import { createComponentContext, type RunServices } from './context.js';
import { ConfigError, DataError, VigiaError, errorMessage, isVigiaError } from './errors.js';
import { EventBus } from './events.js';
import type { Plan, PlannedComponent } from './plan.js';
import { validateOptions } from './options.js';
import { createDiskCache, createLogger, createMemoryCache, resolveFrom, systemClock } from './services.js';
import { computeBySegment, correctSegment, evaluateBySegment, foldSegments, type SegmentTest } from './segments.js';
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
}

/** Build the per-run container: one per run, so nothing leaks between runs. */
export function createRunContainer(plan: Plan, options: RunOptions = {}): DependencyContainer {
  const c = rootContainer.createChildContainer();
  const logger = options.logger ?? createLogger({ level: 'warn', redact: plan.loaded.secrets });
  c.register(Tokens.Plan, { useValue: plan });
  c.register(Tokens.Logger, { useValue: logger });
  c.register(Tokens.Clock, { useValue: systemClock });
  c.register(Tokens.EventBus, { useValue: new EventBus() });
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

/** Run a validated plan: read datasets, run detectors and metrics isolated, feed sinks, build the report. */
export async function runPlan(plan: Plan, options: RunOptions = {}): Promise<Report> {
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
  const sinks: Array<{ id: string; sink: Sink }> = [];
  for (const planned of plan.sinks) {
    const ctx = createComponentContext(services, { id: planned.id, use: planned.use });
    try {
      sinks.push({ id: `${planned.use} (${planned.path})`, sink: (await planned.component.def.create(planned.options as never, ctx)) as Sink });
    } catch (error) {
      throw rethrowAs(error, `sink ${planned.use} at ${plan.loaded.displayPath}: ${planned.path}`);
    }
  }
  for (const [i, sink] of (options.extraSinks ?? []).entries()) sinks.push({ id: `extra-${i}`, sink });
  const sinkFailure = (id: string, what: string, error: unknown) => warn(`sink ${id} failed in ${what}: ${errorMessage(error)}`);
  events.onAny((event) => {
    for (const { id, sink } of sinks) {
      if (!sink.onEvent) continue;
      try {
        const r = sink.onEvent(event);
        if (r && typeof (r as Promise<void>).catch === 'function') (r as Promise<void>).catch((e: unknown) => sinkFailure(id, 'onEvent', e));
      } catch (error) {
        if (event.type !== 'warning') sinkFailure(id, 'onEvent', error);
      }
    }
  });

  events.emit('run:start', { name: plan.config.name, startedAt, seed: plan.config.seed });

  // Read every dataset once; they are shared by all detectors and metrics.
  const datasets = new Map<string, Dataset>();
  await Promise.all(plan.datasets.map(async (planned) => {
    const ctx = createComponentContext(services, { id: planned.id, use: planned.use, signal: options.signal });
    const t = clock.hrtime();
    try {
      const source = (await planned.component.def.create(planned.options as never, ctx)) as Source;
      const out = await source.read(ctx);
      const origin = typeof planned.options.path === 'string' ? `${planned.use} ${planned.options.path}` : planned.use;
      datasets.set(planned.id, { name: planned.id, records: out.records, skipped: out.skipped, origin });
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

  // Detectors, one at a time (they are CPU-bound), each isolated.
  const detectorReports: DetectorReport[] = [];
  const tests: CorrectionItem[] = [];
  for (const planned of plan.detectors) {
    events.emit('detector:start', { id: planned.id, use: planned.use });
    const t = clock.hrtime();
    let result: DetectorResult;
    let segmentTests: SegmentTest[] = [];
    try {
      result = await isolate(planned.timeoutMs, `detector "${planned.id}"`, options.signal, async (signal) => {
        const ctx = createComponentContext(services, { id: planned.id, use: planned.use, signal });
        const detector = (await planned.component.def.create(planned.options as never, ctx)) as Detector;
        const current = datasets.get(planned.current)!;
        const reference = datasets.get(planned.reference);
        const evaluate = async (input: DetectorInput) => checkResult(await detector.evaluate(input, ctx));
        if (!planned.segments) return evaluate({ reference, current, datasets });
        const out = await evaluateBySegment(planned.segments, { reference, current, datasets }, evaluate);
        segmentTests = out.tests;
        return out.result;
      });
    } catch (error) {
      result = { status: 'error', statistic: null, pValue: null, threshold: null, message: errorMessage(error) };
      logger.debug(`detector ${planned.id} failed`, { stack: error instanceof Error ? error.stack : undefined });
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
  let metricErrors = 0;
  for (const planned of plan.metrics) {
    const t = clock.hrtime();
    try {
      const values = await isolate(planned.timeoutMs, `metric "${planned.id}"`, options.signal, async (signal) => {
        const ctx = createComponentContext(services, { id: planned.id, use: planned.use, signal });
        const metric = (await planned.component.def.create(planned.options as never, ctx)) as Metric;
        const compute = async (dataset: Dataset) => checkMetricValues(await metric.compute({ dataset, datasets }, ctx));
        if (!planned.segments) return compute(datasets.get(planned.dataset)!);
        const out = await computeBySegment(planned.segments, datasets.get(planned.dataset)!, compute);
        if (out.notice) warn(`metric "${planned.id}" (${planned.use}): ${out.notice}`);
        return out.values;
      });
      // The dataset a value was computed on is part of its identity (the same metric often runs on
      // reference and current), so exporters never see two values with one name and label set.
      for (const v of values) v.labels = { dataset: planned.dataset, ...v.labels };
      metricValues.push(...values);
      events.emit('metric:end', { id: planned.id, use: planned.use, values, durationMs: clock.hrtime() - t });
    } catch (error) {
      metricErrors++;
      warn(`metric "${planned.id}" (${planned.use}) failed: ${errorMessage(error)}`);
      events.emit('metric:end', { id: planned.id, use: planned.use, values: [], durationMs: clock.hrtime() - t, error: errorMessage(error) });
    }
  }

  await container.resolve<LazyPool<Embedder>>(Tokens.Embedders).disposeAll();
  await container.resolve<LazyPool<Provider>>(Tokens.Providers).disposeAll();

  const report: Report = redact({
    version: 1,
    name: plan.config.name,
    status: overallStatus(detectorReports, metricErrors),
    startedAt,
    durationMs: round(clock.hrtime() - t0),
    seed: plan.config.seed,
    ...(plan.config.correction !== 'none' ? { correction: plan.config.correction } : {}),
    datasets: Object.fromEntries([...datasets].map(([name, d]) => [name, { records: d.records.length, skipped: d.skipped }])),
    detectors: detectorReports,
    metrics: metricValues,
    ...(warnings.length ? { warnings } : {}),
  }, plan.loaded.secrets);

  events.emit('run:end', { report });
  for (const { id, sink } of sinks) {
    for (const step of ['report', 'flush', 'shutdown'] as const) {
      try {
        if (step === 'report') await sink.report?.(report);
        else await sink[step]?.();
      } catch (error) {
        const message = `sink ${id} failed in ${step}: ${errorMessage(error)}`;
        report.warnings = [...(report.warnings ?? []), message];
        logger.warn(message);
      }
    }
  }
  return report;
}

/** Run one component with a time limit; a hang or throw becomes an error the caller turns into a result. */
async function isolate<T>(timeoutMs: number, label: string, outer: AbortSignal | undefined, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(outer?.reason);
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new VigiaError('VIGIA_TIMEOUT', `${label} did not finish within ${timeoutMs} ms (raise timeoutMs in the config if it needs longer)`);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([Promise.resolve().then(() => fn(controller.signal)), timeout]);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuterAbort);
  }
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
      throw new Error(`the metric returned an invalid value ${JSON.stringify(v).slice(0, 200)} (expected { name, value: number, unit })`);
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
    const status: Status = p < test.alpha ? (effectOk ? 'fail' : 'warn') : 'pass';
    if (status !== r.status) r.message = `${r.message} [${kind === 'bh' ? 'Benjamini–Hochberg' : 'Bonferroni'}-adjusted p=${p.toPrecision(3)} → ${status}]`;
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
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return list.reduce((t, s) => t.split(s).join('***'), v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}

export type { ComponentContext };
