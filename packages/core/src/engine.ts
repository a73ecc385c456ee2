import type { HistorySource } from './history.js';
import type { DependencyContainer } from 'tsyringe';
import { requireReflectMetadata, requireVendored } from './vendor.js';
import type {
  Cache, Clock, ComponentContext, Dataset, DetectorInput, DetectorResult, Embedder, ErasedDef, Logger, MetricInput, MetricValue, Provider, Report,
  MultipleTesting, Sink, Detector, Metric, WindowInfo, StatefulDetector, StatefulMetric,
} from './contracts.js';
import { createComponentContext, type RunServices } from './context.js';
import { ConfigError, DataError, VigiaError, clipText, errorMessage, isVigiaError, redactError, redactSecrets } from './errors.js';
import { EventBus } from './events.js';
import type { Plan, PlannedComponent } from './plan.js';
import { validateOptions } from './options.js';
import { runInline } from './isolate.js';
import { createDiskCache, createLogger, createMemoryCache, resolveFrom, systemClock } from './services.js';
import { computeBySegment, evaluateBySegment, type SegmentSpec, type SegmentTest } from './segments.js';
import { checkMetricValues, decideOutcome } from './verdict.js';
import { Session } from './session.js';
import { computeMetricOnce, evaluateDetectorOnce } from './run-once.js';

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
  /** The clock components see (`ctx.clock`); tests pass a fake one. Default: the system clock. */
  clock?: Clock;
  /** Cancels the run. */
  signal?: AbortSignal;
  /** Time each sink gets to finish (pending events, report, flush, shutdown); default SINK_DEADLINE_MS (10 s). */
  sinkDeadlineMs?: number;
  /**
   * The history store, for configs with a rolling reference (`data.<name>: { fromHistory }`):
   * told each closed window's sample of the windowed dataset, asked for each window's reference.
   */
  history?: HistorySource;
}

let tsyringeModule: typeof import('tsyringe') | undefined;
/**
 * tsyringe, loaded with the first run (from its vendored copy), after `reflect-metadata` (the
 * Reflect API it needs; plugin authors never see it), which is required here rather than imported
 * by index.ts: as an ESM import, Node would first scan its 64 KB for named exports at every start.
 */
const tsyringe = () => {
  if (!tsyringeModule) {
    requireReflectMetadata();
    tsyringeModule = requireVendored<typeof import('tsyringe')>('tsyringe');
  }
  return tsyringeModule;
};

/** Build the per-run container: one per run, so nothing leaks between runs. */
export function createRunContainer(plan: Plan, options: RunOptions = {}): DependencyContainer {
  const { container: rootContainer, instanceCachingFactory } = tsyringe();
  const c = rootContainer.createChildContainer();
  const logger = options.logger ?? createLogger({ level: 'warn', redact: plan.loaded.secrets });
  c.register(Tokens.Plan, { useValue: plan });
  c.register(Tokens.Logger, { useValue: logger });
  c.register(Tokens.Clock, { useValue: options.clock ?? systemClock });
  // Secrets are removed from every event before any sink or listener sees it.
  c.register(Tokens.EventBus, { useValue: new EventBus({ redact: <T>(v: T) => redactDeep(v, plan.loaded.secrets) }) });
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
  return c;
}

/** Embedders and providers are created on first use, once per run. */
export class LazyPool<T extends { dispose?(): Promise<void> }> {
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
  const session = await Session.open(plan, options);
  await session.consume();
  return session.close();
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
  /** The window the data belongs to (default: one window over everything). */
  window?: WindowInfo;
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
      const detector = (await planned.component.def.create(planned.options as never, ctx)) as Detector | StatefulDetector;
      const evaluate = async (part: DetectorInput) => decideOutcome(await evaluateDetectorOnce(detector, part, ctx, extras.window));
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
    const metric = (await planned.component.def.create(planned.options as never, ctx)) as Metric | StatefulMetric;
    const compute = async (dataset: Dataset) => checkMetricValues(await computeMetricOnce(metric, { ...input, dataset }, ctx, extras.window));
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

export function rethrowAs(error: unknown, where: string): Error {
  if (isVigiaError(error)) {
    if (error.message.includes(where)) return error;
    const wrapped = error instanceof DataError ? new DataError(`${where}: ${error.message}`, { cause: error, code: error.code as 'VIGIA_DATA_INVALID' })
      : new VigiaError(error.code, `${where}: ${error.message}`, { cause: error });
    return wrapped;
  }
  return new VigiaError('VIGIA_RUNTIME', `${where}: ${errorMessage(error)}`, { cause: error });
}

export function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** Replace every interpolated secret in the report's strings. */
export function redactDeep<T>(value: T, secrets: readonly string[]): T {
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
