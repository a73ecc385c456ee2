/**
 * The worker side of {@link IsolatedRunner}: holds the run's datasets, imports plugin modules,
 * creates a component with its validated options and seed, runs it and posts the result. Services
 * that live on the main thread (embedders, providers, cache) are reached through messages.
 */
import { parentPort } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import type {
  Cache, ComponentContext, Dataset, Detector, Embedder, ErasedDef, Logger, Metric, MultipleTesting, Provider, VigiaPlugin,
} from './contracts.js';
import { EventBus } from './events.js';
import type { FromWorker, ToWorker, WorkerJob } from './isolate.js';
import { componentSeed, createRng, resolveFrom, systemClock } from './services.js';
import { correctedLevel } from './context.js';
import { computeMetricOnce, evaluateDetectorOnce } from './run-once.js';
import { unpackDatasets } from './pack.js';

const port = parentPort;
if (!port) throw new Error('isolate-worker.js runs only as a worker thread');

const post = (m: FromWorker) => port.postMessage(m);
let datasets = new Map<string, Dataset>();
const modules = new Map<string, Promise<VigiaPlugin>>();
const calls = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
let nextCall = 1;
const controllers = new Map<number, AbortController>();

function call<T>(service: string, ...args: unknown[]): Promise<T> {
  const id = nextCall++;
  return new Promise<T>((resolve, reject) => {
    calls.set(id, { resolve: resolve as (v: unknown) => void, reject });
    post({ type: 'call', call: id, service, args });
  });
}

function loadPlugin(url: string): Promise<VigiaPlugin> {
  let p = modules.get(url);
  if (!p) {
    p = import(url.startsWith('file:') ? url : pathToFileURL(url).href).then((m: { default?: unknown }) => {
      const d = m.default as { default?: unknown; name?: unknown } | undefined;
      return (d && typeof d === 'object' && 'default' in d && !('name' in d) ? d.default : d) as VigiaPlugin;
    });
    modules.set(url, p);
  }
  return p;
}

const events = new EventBus();
events.onAny((event) => post({ type: 'event', event: event as unknown as { type: string } & Record<string, unknown> }));

function logger(scope: string): Logger {
  const log = (level: keyof Logger) => (message: string, fields?: Record<string, unknown>) => {
    let safe: Record<string, unknown> | undefined;
    try {
      safe = fields && structuredClone(fields);
    } catch {
      safe = undefined;
    }
    post({ type: 'log', level, message: `[${scope}] ${message}`, fields: safe });
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

const cache: Cache = {
  get: (ns, key) => call('cache.get', ns, key),
  set: (ns, key, value) => call('cache.set', ns, key, value),
  dir: (ns) => call('cache.dir', ns),
};

async function embedder(name?: string): Promise<Embedder> {
  const info = await call<{ id: string; dimension?: number }>('embedder', name);
  return { id: info.id, dimension: info.dimension, embed: (texts) => call<Float32Array[]>('embed', name, [...texts]) };
}

async function provider(name?: string): Promise<Provider> {
  const info = await call<{ id: string }>('provider', name);
  return { id: info.id, complete: (request) => call('complete', name, request) };
}

async function run(job: number, spec: WorkerJob): Promise<unknown> {
  const plugin = await loadPlugin(spec.module);
  const defs = (spec.kind === 'detector' ? plugin?.detectors : plugin?.metrics) as Record<string, ErasedDef> | undefined;
  const def = defs?.[spec.name];
  if (!def) throw new Error(`plugin module ${spec.module} has no ${spec.kind} "${spec.name}" (was it rebuilt since the run started?)`);
  const controller = new AbortController();
  controllers.set(job, controller);
  post({ type: 'started', job });
  const multipleTesting: MultipleTesting = spec.multipleTesting ?? { correction: 'none', tests: 1 };
  const ctx: ComponentContext = {
    id: spec.id,
    use: spec.use,
    logger: logger(spec.id),
    rng: createRng(componentSeed(spec.seed, spec.id)),
    clock: systemClock,
    events,
    cache,
    configDir: spec.configDir,
    signal: controller.signal,
    resolvePath: (path) => resolveFrom(spec.configDir, path),
    embedder,
    provider,
    progress: (done, total, label) => events.emit('progress', { id: spec.id, done, total, label }),
    multipleTesting,
    levelFor: (alpha) => correctedLevel(alpha, multipleTesting),
  };
  try {
    const instance = await def.create(spec.options as never, ctx);
    if (spec.kind === 'detector') {
      const current = datasets.get(spec.current!)!;
      const reference = spec.reference !== undefined ? datasets.get(spec.reference) : undefined;
      return await evaluateDetectorOnce(instance as Detector, { reference, current, datasets }, ctx, spec.window);
    }
    return await computeMetricOnce(instance as Metric, { dataset: datasets.get(spec.dataset!)!, datasets }, ctx, spec.window);
  } finally {
    controllers.delete(job);
  }
}

port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'datasets': {
      const t = performance.now();
      datasets = new Map(unpackDatasets(m.datasets).map((d) => [d.name, d]));
      post({ type: 'ready', unpackMs: performance.now() - t });
      return;
    }
    case 'run':
      run(m.job, m.spec).then(
        (value) => {
          try {
            post({ type: 'result', job: m.job, value });
          } catch (error) {
            post({ type: 'error', job: m.job, error: { message: `its result cannot be sent back from the worker thread: ${(error as Error).message}` } });
          }
        },
        (error: unknown) => {
          const e = error as { message?: unknown; code?: unknown; name?: unknown; stack?: unknown };
          post({
            type: 'error',
            job: m.job,
            error: {
              message: typeof e?.message === 'string' ? e.message : String(error),
              code: typeof e?.code === 'string' ? e.code : undefined,
              name: typeof e?.name === 'string' ? e.name : undefined,
              stack: typeof e?.stack === 'string' ? e.stack : undefined,
            },
          });
        },
      );
      return;
    case 'preload':
      for (const url of m.modules) loadPlugin(url).catch(() => undefined);
      return;
    case 'reply': {
      const pending = calls.get(m.call);
      calls.delete(m.call);
      if (m.error !== undefined) pending?.reject(new Error(m.error));
      else pending?.resolve(m.value);
      return;
    }
    case 'abort':
      controllers.get(m.job)?.abort(new Error('the run was cancelled'));
      return;
    default:
  }
});
