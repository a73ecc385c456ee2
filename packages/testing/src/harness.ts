import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Registry, componentNameOf, createComponentContext, createStandaloneServices, defineEmbedder, defineProvider,
  defineSource, parseConfigText, planFromLoaded, runDetectorComponent, runMetricComponent, runPlan, validateOptions,
  CORE_API_VERSION,
  type Clock, type ComponentContext, type Dataset, type Detector, type StatefulDetector, type StatefulMetric, type DetectorResult, type Embedder, type ErasedDef,
  type Metric, type MetricValue, type Plan, type Provider, type Report, type RunServices, type Sink, type VigiaEvent,
  type MultipleTesting, type VigiaPlugin, type VigiaRecord,
} from '@vigia/core';
import { createFakeEmbedder } from './fakes.js';

/** The config defaults a run uses when the config does not say otherwise. */
const DEFAULT_SEED = 42;
const DEFAULT_TIMEOUT_MS = 600_000;

/** A dataset from plain records. */
export function makeDataset(name: string, records: readonly VigiaRecord[], options: { skipped?: number; origin?: string } = {}): Dataset {
  return { name, records, skipped: options.skipped ?? 0, origin: options.origin ?? `memory:${name}` };
}

export interface HarnessOptions {
  /** Run seed (default 42, a config's default). */
  seed?: number;
  /**
   * The component's id, from which its RNG is seeded exactly as in a run. Default: the id a config
   * gives it, which is its `use` name (known once the component is in a `definePlugin(...)`), else `use`.
   */
  id?: string;
  /** The component's `use` name, when it is not (yet) part of a plugin built with definePlugin. */
  use?: string;
  /** Time limit in ms (default 600000, a config's default `timeoutMs`). */
  timeoutMs?: number;
  /** The embedder `ctx.embedder()` returns (default: a fake, deterministic one). */
  embedder?: Embedder;
  /** Named embedders for `ctx.embedder(name)`. */
  embedders?: Record<string, Embedder>;
  /** The provider `ctx.provider()` returns (default: none; calling it throws). */
  provider?: Provider;
  /** Named providers for `ctx.provider(name)`. */
  providers?: Record<string, Provider>;
  /** A clock (e.g. createFakeClock()). */
  clock?: Clock;
  /** Directory relative paths resolve against (default: the OS temp directory). */
  configDir?: string;
  /** Any other service override. */
  services?: Partial<RunServices>;
  /** The run's multiple-testing correction as the engine would pass it (default: none over 1 test). */
  multipleTesting?: MultipleTesting;
}

/** The id a config run gives a component by default: its `use` name. */
export function defaultId(def: object, use?: string): string {
  return use ?? componentNameOf(def) ?? 'test';
}

function servicesFor(harness: HarnessOptions): RunServices {
  const fallback = harness.embedder ?? createFakeEmbedder();
  const pick = <T>(kind: string, name: string | undefined, single: T | undefined, named: Record<string, T> | undefined, dflt: T | undefined): T => {
    if (name !== undefined && named && name in named) return named[name]!;
    if (name === undefined || !named) {
      const first = single ?? (named ? Object.values(named)[0] : undefined) ?? dflt;
      if (first !== undefined) return first;
    }
    const have = named ? Object.keys(named).join(', ') : 'none';
    throw new Error(`no ${kind}${name !== undefined ? ` named "${name}"` : ''} in this test (named ${kind}s: ${have}); pass { ${kind}: … } or { ${kind}s: { ${name ?? 'name'}: … } } in the harness options`);
  };
  return createStandaloneServices({
    seed: harness.seed ?? DEFAULT_SEED,
    ...(harness.clock ? { clock: harness.clock } : {}),
    ...(harness.configDir ? { configDir: harness.configDir } : {}),
    embedder: async (name) => pick('embedder', name, harness.embedder, harness.embedders, fallback),
    provider: async (name) => pick('provider', name, harness.provider, harness.providers, undefined),
    ...harness.services,
  });
}

const asDataset = (name: string, d: readonly VigiaRecord[] | Dataset): Dataset => ('records' in d && !Array.isArray(d) ? (d as Dataset) : makeDataset(name, d as readonly VigiaRecord[]));

/**
 * Run a detector on a reference and a current dataset (arrays of records or datasets) through the
 * engine's own runner: options validated and defaulted against its schema (invalid options throw,
 * as `vigia validate` would reject the config), a context seeded from the run seed and the
 * detector's id, the time limit, and the result checked. A detector that throws, hangs or returns
 * an invalid result gives `status: 'error'` with the message, exactly as in a run's report.
 */
export async function runDetector(
  def: ErasedDef<'detector', Detector | StatefulDetector>,
  options: Record<string, unknown>,
  data: { reference?: readonly VigiaRecord[] | Dataset; current: readonly VigiaRecord[] | Dataset; datasets?: Record<string, readonly VigiaRecord[] | Dataset> },
  harness: HarnessOptions = {},
): Promise<DetectorResult> {
  const valid = validateOptions(def, options);
  const use = harness.use ?? componentNameOf(def) ?? 'test';
  const current = asDataset('current', data.current);
  const reference = data.reference ? asDataset('reference', data.reference) : undefined;
  const datasets = new Map<string, Dataset>(Object.entries(data.datasets ?? {}).map(([n, d]) => [n, asDataset(n, d)]));
  datasets.set('current', current);
  if (reference) datasets.set('reference', reference);
  return runDetectorComponent(
    { id: harness.id ?? use, use, options: valid, component: { def }, timeoutMs: harness.timeoutMs ?? DEFAULT_TIMEOUT_MS },
    { reference, current, datasets }, servicesFor(harness), undefined,
    harness.multipleTesting ? { multipleTesting: harness.multipleTesting } : {},
  );
}

/**
 * Run a metric on one dataset through the engine's own runner (seeded context, time limit, values
 * checked and labelled with the dataset, as in a run). Rejects with the message a run would put
 * in its warnings when the metric fails.
 */
export async function runMetric(
  def: ErasedDef<'metric', Metric | StatefulMetric>,
  options: Record<string, unknown>,
  data: readonly VigiaRecord[] | Dataset,
  harness: HarnessOptions = {},
): Promise<MetricValue[]> {
  const valid = validateOptions(def, options);
  const use = harness.use ?? componentNameOf(def) ?? 'test';
  const dataset = asDataset('current', data);
  return runMetricComponent(
    { id: harness.id ?? use, use, options: valid, component: { def }, timeoutMs: harness.timeoutMs ?? DEFAULT_TIMEOUT_MS },
    { dataset, datasets: new Map([[dataset.name, dataset]]) }, servicesFor(harness),
  );
}

/** A sink that keeps every event and the report in memory. */
export interface MemorySink extends Sink {
  readonly events: VigiaEvent[];
  report(report: Report): void;
  readonly reports: Report[];
  flushed: number;
  shutDown: boolean;
}

export function createMemorySink(): MemorySink {
  const sink: MemorySink = {
    events: [],
    reports: [],
    flushed: 0,
    shutDown: false,
    onEvent(event) { sink.events.push(event); },
    report(report) { sink.reports.push(report); },
    async flush() { sink.flushed++; },
    async shutdown() { sink.shutDown = true; },
  };
  return sink;
}

/** A context for calling a factory or hook directly. */
export function createTestContext(harness: HarnessOptions = {}): ComponentContext {
  const use = harness.use ?? 'test';
  return createComponentContext(servicesFor(harness), { id: harness.id ?? use, use });
}

type Spec = { use: string; with?: Record<string, unknown> };

/** A whole run, in memory: plugins, datasets as arrays, and the config's component lists. */
export interface InMemoryRun {
  /** Plugins whose components the run may use (your plugin; built-ins are not included). */
  plugins?: readonly VigiaPlugin[];
  /** Datasets by name (`reference`, `current`, …). */
  data: Record<string, readonly VigiaRecord[]>;
  detectors?: Array<Spec & { id?: string; reference?: string; current?: string; severity?: 'fail' | 'warn'; timeoutMs?: number }>;
  metrics?: Array<Spec & { id?: string; dataset?: string; timeoutMs?: number }>;
  sinks?: Spec[];
  /** Embedders by name (default: one fake embedder). */
  embedders?: Record<string, Embedder>;
  providers?: Record<string, Provider>;
  seed?: number;
  correction?: 'none' | 'bonferroni' | 'bh';
  timeoutMs?: number;
  clock?: Clock;
  /** Directory relative paths in options resolve against (default: the OS temp directory). */
  dir?: string;
  name?: string;
}

export interface InMemoryRunResult {
  report: Report;
  /** Every event of the run, in order (from an in-memory sink). */
  events: VigiaEvent[];
  sink: MemorySink;
  plan: Plan;
}

/**
 * Run a config built in memory through the real engine (`runPlan`): the same plan checks, isolation,
 * multiple-testing correction, severities, sinks and report as `vigia run`, with datasets given
 * as arrays. Config errors throw as `vigia validate` would report them.
 */
export async function runInMemory(run: InMemoryRun): Promise<InMemoryRunResult> {
  const records = new Map(Object.entries(run.data));
  const embedders = run.embedders ?? { default: createFakeEmbedder() };
  const providers = run.providers ?? {};
  const harnessPlugin: VigiaPlugin = {
    name: '@vigia/testing',
    apiVersion: CORE_API_VERSION,
    sources: {
      'in-memory': defineSource({
        description: 'A dataset handed to runInMemory as an array of records.',
        options: { type: 'object', properties: { dataset: { type: 'string', description: 'Name of the dataset in runInMemory({ data }).' } }, required: ['dataset'], additionalProperties: false },
        create: ({ dataset }) => ({ read: async () => ({ records: [...records.get(dataset)!], skipped: 0 }) }),
      }),
    },
    embedders: {
      'in-memory-embedder': defineEmbedder({
        description: 'An embedder handed to runInMemory.',
        options: { type: 'object', properties: { name: { type: 'string', description: 'Key in runInMemory({ embedders }).' } }, required: ['name'], additionalProperties: false },
        create: ({ name }) => embedders[name]!,
      }),
    },
    providers: {
      'in-memory-provider': defineProvider({
        description: 'A provider handed to runInMemory.',
        options: { type: 'object', properties: { name: { type: 'string', description: 'Key in runInMemory({ providers }).' } }, required: ['name'], additionalProperties: false },
        create: ({ name }) => providers[name]!,
      }),
    },
  };
  const registry = new Registry([harnessPlugin, ...(run.plugins ?? [])]);
  const config = {
    version: 1,
    name: run.name ?? 'in-memory',
    seed: run.seed ?? DEFAULT_SEED,
    cache: false,
    ...(run.correction ? { correction: run.correction } : {}),
    ...(run.timeoutMs ? { timeoutMs: run.timeoutMs } : {}),
    data: Object.fromEntries([...records.keys()].map((name) => [name, { use: 'in-memory', with: { dataset: name } }])),
    embedders: Object.fromEntries(Object.keys(embedders).map((name) => [name, { use: 'in-memory-embedder', with: { name } }])),
    providers: Object.fromEntries(Object.keys(providers).map((name) => [name, { use: 'in-memory-provider', with: { name } }])),
    detectors: run.detectors ?? [],
    metrics: run.metrics ?? [],
    sinks: run.sinks ?? [],
  };
  const dir = run.dir ?? tmpdir();
  const loaded = parseConfigText(JSON.stringify(config), { file: join(dir, 'in-memory.json'), displayPath: 'in-memory config', env: {} });
  const plan = await planFromLoaded(loaded, registry);
  const sink = createMemorySink();
  const clock = run.clock;
  const report = await runPlan(plan, {
    extraSinks: [sink],
    ...(clock ? { clock } : {}),
  });
  return { report, events: sink.events, sink, plan };
}
