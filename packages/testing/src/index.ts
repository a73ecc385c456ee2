/**
 * @vigia/testing: run one component the way the core runs it (options validated and defaulted,
 * a seeded context), without a config file. Works with any test runner.
 */
import {
  createComponentContext, createStandaloneServices, validateOptions,
  type ComponentContext, type Dataset, type Detector, type DetectorResult, type Embedder, type ErasedDef, type Metric,
  type MetricValue, type MultipleTesting, type Report, type RunServices, type Sink, type VigiaEvent,
  type VigiaRecord,
} from '@vigia/core';

/** A dataset from plain records. */
export function makeDataset(name: string, records: readonly VigiaRecord[], options: { skipped?: number; origin?: string } = {}): Dataset {
  return { name, records, skipped: options.skipped ?? 0, origin: options.origin ?? `memory:${name}` };
}

export interface HarnessOptions {
  /** Run seed (default 42). */
  seed?: number;
  /** Component id (default `test`). */
  id?: string;
  /** An embedder for components that need one. */
  embedder?: Embedder;
  /** Any other service override. */
  services?: Partial<RunServices>;
  /** The run's multiple-testing correction as the engine would pass it (default: none over 1 test). */
  multipleTesting?: MultipleTesting;
}

function contextFor(use: string, options: HarnessOptions): ComponentContext {
  const services = createStandaloneServices({
    seed: options.seed ?? 42,
    ...(options.embedder ? { embedder: async () => options.embedder! } : {}),
    ...options.services,
  });
  return createComponentContext(services, { id: options.id ?? 'test', use, ...(options.multipleTesting ? { multipleTesting: options.multipleTesting } : {}) });
}

/**
 * Run a detector on a reference and a current dataset (arrays of records or datasets).
 * Options are validated against the detector's schema first, exactly as in a run.
 */
export async function runDetector(
  def: ErasedDef<'detector', Detector>,
  options: Record<string, unknown>,
  data: { reference?: readonly VigiaRecord[] | Dataset; current: readonly VigiaRecord[] | Dataset },
  harness: HarnessOptions = {},
): Promise<DetectorResult> {
  const ctx = contextFor('detector', harness);
  const valid = validateOptions(def, options);
  const detector = await def.create(valid as never, ctx);
  const asDataset = (name: string, d: readonly VigiaRecord[] | Dataset): Dataset => ('records' in d ? (d as Dataset) : makeDataset(name, d as readonly VigiaRecord[]));
  const current = asDataset('current', data.current);
  const reference = data.reference ? asDataset('reference', data.reference) : undefined;
  const datasets = new Map<string, Dataset>([['current', current]]);
  if (reference) datasets.set('reference', reference);
  return detector.evaluate({ reference, current, datasets }, ctx);
}

/** Run a metric on one dataset. */
export async function runMetric(
  def: ErasedDef<'metric', Metric>,
  options: Record<string, unknown>,
  data: readonly VigiaRecord[] | Dataset,
  harness: HarnessOptions = {},
): Promise<MetricValue[]> {
  const ctx = contextFor('metric', harness);
  const valid = validateOptions(def, options);
  const metric = await def.create(valid as never, ctx);
  const dataset = 'records' in data ? (data as Dataset) : makeDataset('current', data as readonly VigiaRecord[]);
  return metric.compute({ dataset, datasets: new Map([[dataset.name, dataset]]) }, ctx);
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
export function createTestContext(harness: HarnessOptions & { use?: string } = {}): ComponentContext {
  return contextFor(harness.use ?? 'test', harness);
}
