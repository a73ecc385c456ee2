/**
 * Running a detector or metric where its time limit can stop it.
 *
 * `inline`: on the main thread. A time limit interrupts asynchronous waits; synchronous work cannot
 * be interrupted, but a component that finishes after its limit is still reported as timed out (so
 * `timeoutMs: 1` is enforced, never silently ignored).
 *
 * `worker`: in a worker thread (one per run, reused; started on first use). The worker re-imports
 * the component's plugin module, creates the component with the same validated options and the
 * same seed, and gets the run's datasets once by structured clone, their number-array fields
 * (embeddings) packed into transferred Float64Arrays (pack.ts). Its services reach back to the
 * main thread: embedders, providers and the cache run there (so a model loads once and caches are
 * shared), logs and events are forwarded. At the time limit the worker is terminated, which stops
 * even a synchronous loop; the next isolated component gets a fresh worker.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import type { Dataset, DetectorResult, Logger, MetricValue, MultipleTesting, WindowInfo } from './contracts.js';
import type { RunServices } from './context.js';
import { VigiaError, clipText, errorMessage, nestingDepth } from './errors.js';
import { packDatasets, type WireDataset } from './pack.js';

/** A job for the worker: which component, with which options, on which datasets. */
export interface WorkerJob {
  kind: 'detector' | 'metric';
  /** File URL of the plugin module whose default export provides the component. */
  module: string;
  /** The component's short name in its plugin. */
  name: string;
  id: string;
  use: string;
  options: Record<string, unknown>;
  seed: number;
  configDir: string;
  current?: string;
  reference?: string;
  dataset?: string;
  /** The run's correction and test count, so permutation tests size their p-value floors. */
  multipleTesting?: MultipleTesting;
  /** The window the datasets belong to (stateful components are fed the datasets, then asked for it). */
  window?: WindowInfo;
}

/** Messages from the worker to the main thread. */
export type FromWorker =
  | { type: 'ready'; unpackMs?: number }
  | { type: 'started'; job: number }
  | { type: 'result'; job: number; value: unknown }
  | { type: 'error'; job: number; error: { message: string; code?: string; name?: string; stack?: string } }
  | { type: 'log'; level: keyof Logger; message: string; fields?: Record<string, unknown> }
  | { type: 'event'; event: { type: string } & Record<string, unknown> }
  | { type: 'call'; call: number; service: string; args: unknown[] };

/** Messages from the main thread to the worker. */
export type ToWorker =
  | { type: 'datasets'; datasets: WireDataset[] }
  | { type: 'preload'; modules: string[] }
  | { type: 'run'; job: number; spec: WorkerJob }
  | { type: 'reply'; call: number; value?: unknown; error?: string }
  | { type: 'abort'; job: number };

/** How long loading a plugin module in the worker may take, apart from the component's own limit. */
const LOAD_DEADLINE_MS = 60_000;

/**
 * The worker script: the bundled one (dist/bundle/isolate-worker.js, sharing its modules with the
 * bundle that `@vigia/core` resolves to, so a plugin the worker imports sees the same core), else
 * the tsc output beside this file; from `dist/` when running from sources (tests).
 */
export function workerScriptPath(): string | undefined {
  const here = fileURLToPath(import.meta.url);
  const candidates = here.endsWith('.ts')
    ? ['/dist/bundle/isolate-worker.js', '/dist/isolate-worker.js'].map((w) => here.replace(/[/\\]src[/\\]isolate\.ts$/, w))
    : ['bundle/isolate-worker.js', 'isolate-worker.js'].map((w) => here.replace(/isolate\.js$/, w));
  return candidates.find((c) => existsSync(c));
}

export function timeoutError(label: string, timeoutMs: number, tookMs?: number): VigiaError {
  return new VigiaError('VIGIA_TIMEOUT', `${label} did not finish within ${timeoutMs} ms${tookMs !== undefined ? ` (it took ${Math.round(tookMs)} ms)` : ''} (raise timeoutMs in the config if it needs longer)`);
}

/** Run on the main thread with a time limit; a hang or throw becomes an error the caller turns into a result. */
export async function runInline<T>(timeoutMs: number, label: string, outer: AbortSignal | undefined, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(outer?.reason);
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const started = performance.now();
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = timeoutError(label, timeoutMs);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    const value = await Promise.race([Promise.resolve().then(() => fn(controller.signal)), timeout]);
    // Synchronous work cannot be interrupted on this thread, but it is not allowed to pass as in time.
    const took = performance.now() - started;
    if (took > timeoutMs) throw timeoutError(label, timeoutMs, took);
    return value;
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuterAbort);
  }
}

interface PendingJob {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer?: NodeJS.Timeout;
  /** The worker began the component itself: its own time limit starts. */
  start?: () => void;
}

/**
 * The run's worker: started on first use with the run's datasets, reused by every isolated
 * component, replaced after a timeout or crash.
 */
export class IsolatedRunner {
  #worker: Worker | undefined;
  #ready: Promise<void> | undefined;
  #jobs = new Map<number, PendingJob>();
  #nextJob = 1;
  #datasets: Map<string, Dataset>;
  /** When the last datasets were posted (performance.now()), for the debug log of their arrival. */
  #sentAt = 0;
  #sentRecords = 0;
  readonly #services: RunServices;
  readonly #script: string;

  constructor(script: string, datasets: Map<string, Dataset>, services: RunServices) {
    this.#script = script;
    this.#datasets = datasets;
    this.#services = services;
  }

  #start(): Promise<void> {
    if (this.#ready) return this.#ready;
    // node:worker_threads is loaded here, not at import: most runs start no worker (start-up).
    const worker = new (process.getBuiltinModule('node:worker_threads').Worker)(this.#script, { stdout: false, stderr: false });
    worker.unref();
    this.#worker = worker;
    this.#ready = new Promise<void>((resolve, reject) => {
      const onReady = (m: FromWorker) => {
        if (m.type === 'ready') resolve();
      };
      worker.on('message', onReady);
      worker.once('error', reject);
      worker.once('exit', () => reject(new Error('the worker thread exited before it was ready')));
    });
    // Whoever awaits it sees the failure; an unawaited one must not become an unhandled rejection.
    this.#ready.catch(() => undefined);
    worker.on('message', (m: FromWorker) => this.#onMessage(worker, m));
    worker.on('error', (error) => this.#failAll(worker, error));
    worker.on('exit', (code) => this.#failAll(worker, new Error(`the worker thread exited (code ${code})`)));
    // Structured clone of every dataset, once per worker.
    try {
      this.#postDatasets(worker);
    } catch (error) {
      this.#discard();
      this.#ready = undefined;
      return Promise.reject(new Error(`the datasets cannot be sent to a worker thread (${cloneProblem(this.#datasets) ?? clipText(errorMessage(error), 200)}); set \`isolation: inline\` on this component in the config`));
    }
    return this.#ready;
  }

  /**
   * The datasets of the next jobs (a new window). A running worker gets them now, by structured
   * clone, before any later job; one that cannot take them is replaced on the next job.
   */
  setDatasets(datasets: Map<string, Dataset>): void {
    if (datasets === this.#datasets) return;
    this.#datasets = datasets;
    if (!this.#worker) return;
    try {
      this.#postDatasets(this.#worker);
    } catch {
      this.#discard();
    }
  }

  /** Pack and post the datasets (throws when they cannot be cloned); logs what it cost at debug level. */
  #postDatasets(worker: Worker): void {
    const t0 = performance.now();
    const { wire, transfer, stats } = packDatasets([...this.#datasets.values()]);
    const t1 = performance.now();
    worker.postMessage({ type: 'datasets', datasets: wire } satisfies ToWorker, transfer);
    this.#sentAt = performance.now();
    this.#sentRecords = stats.records;
    if (stats.records > 0) {
      this.#services.logger.debug(`datasets sent to the worker thread: ${stats.records} records, ${stats.fields} number-array field(s) packed (${stats.values} numbers), packing ${(t1 - t0).toFixed(1)} ms, posting ${(this.#sentAt - t1).toFixed(1)} ms`, {
        records: stats.records, packedFields: stats.fields, packedValues: stats.values, packMs: t1 - t0, postMs: this.#sentAt - t1,
      });
    }
  }

  #failAll(worker: Worker, error: Error): void {
    if (worker !== this.#worker) return;
    this.#discard();
    for (const [id, job] of this.#jobs) {
      clearTimeout(job.timer);
      job.reject(error);
      this.#jobs.delete(id);
    }
  }

  #discard(): void {
    const worker = this.#worker;
    this.#worker = undefined;
    this.#ready = undefined;
    if (worker) void worker.terminate();
  }

  #onMessage(worker: Worker, m: FromWorker): void {
    if (worker !== this.#worker) return;
    const services = this.#services;
    switch (m.type) {
      case 'result':
      case 'error': {
        const job = this.#jobs.get(m.job);
        if (!job) return;
        clearTimeout(job.timer);
        this.#jobs.delete(m.job);
        if (m.type === 'result') job.resolve(m.value);
        else job.reject(reviveError(m.error));
        return;
      }
      case 'started': {
        this.#jobs.get(m.job)?.start?.();
        return;
      }
      case 'ready':
        if (m.unpackMs !== undefined && this.#sentRecords > 0) {
          const arrivedMs = performance.now() - this.#sentAt;
          services.logger.debug(`datasets ready in the worker thread ${arrivedMs.toFixed(1)} ms after posting (unpacking there ${m.unpackMs.toFixed(1)} ms)`, { arrivedMs, unpackMs: m.unpackMs });
        }
        return;
      case 'log':
        services.logger[m.level](m.message, m.fields);
        return;
      case 'event':
        (services.events.emit as (type: string, payload: unknown) => void)(m.event.type, withoutType(m.event));
        return;
      case 'call':
        void this.#serve(worker, m.call, m.service, m.args);
        return;
      default:
    }
  }

  /** Services the worker reaches back for: embedders, providers and the cache live on this thread. */
  async #serve(worker: Worker, call: number, service: string, args: unknown[]): Promise<void> {
    const s = this.#services;
    let reply: ToWorker;
    try {
      let value: unknown;
      switch (service) {
        case 'embedder': {
          const e = await s.embedder(args[0] as string | undefined);
          value = { id: e.id, dimension: e.dimension };
          break;
        }
        case 'embed':
          value = await (await s.embedder(args[0] as string | undefined)).embed(args[1] as string[]);
          break;
        case 'provider': {
          const p = await s.provider(args[0] as string | undefined);
          value = { id: p.id };
          break;
        }
        case 'complete':
          value = await (await s.provider(args[0] as string | undefined)).complete(args[1] as never);
          break;
        case 'cache.get':
          value = await s.cache.get(args[0] as string, args[1] as string);
          break;
        case 'cache.set':
          value = await s.cache.set(args[0] as string, args[1] as string, args[2] as Uint8Array);
          break;
        case 'cache.dir':
          value = await s.cache.dir(args[0] as string);
          break;
        default:
          throw new Error(`unknown service ${service}`);
      }
      reply = { type: 'reply', call, value };
    } catch (error) {
      reply = { type: 'reply', call, error: errorMessage(error) };
    }
    if (worker === this.#worker) worker.postMessage(reply);
  }

  /**
   * Start the worker and import these plugin modules in it now, while the main thread does other
   * work, so the first isolated component does not pay for them. Failures surface when it runs.
   */
  preload(modules: string[]): void {
    this.#start().catch(() => undefined);
    this.#worker?.postMessage({ type: 'preload', modules } satisfies ToWorker);
  }

  /** Run one component in the worker; rejects with VIGIA_TIMEOUT after `timeoutMs` (and replaces the worker). */
  async run(spec: WorkerJob, timeoutMs: number, label: string, outer?: AbortSignal): Promise<DetectorResult | MetricValue[]> {
    await this.#start();
    const worker = this.#worker!;
    const id = this.#nextJob++;
    return new Promise<DetectorResult | MetricValue[]>((resolve, reject) => {
      const job: PendingJob = { resolve: resolve as (v: unknown) => void, reject };
      const expire = (error: Error) => {
        if (!this.#jobs.has(id)) return;
        this.#jobs.delete(id);
        // Only termination stops a synchronous loop; the next component gets a fresh worker.
        if (worker === this.#worker) this.#discard();
        reject(error);
      };
      // Loading the plugin module has its own deadline; the component's limit starts once it runs.
      job.timer = setTimeout(() => expire(new VigiaError('VIGIA_TIMEOUT', `${label}: its plugin module did not load within ${LOAD_DEADLINE_MS} ms`)), LOAD_DEADLINE_MS);
      job.start = () => {
        clearTimeout(job.timer);
        job.timer = setTimeout(() => expire(timeoutError(label, timeoutMs)), timeoutMs);
      };
      const onAbort = () => expire(new VigiaError('VIGIA_RUNTIME', `${label}: the run was cancelled`));
      if (outer?.aborted) return onAbort();
      outer?.addEventListener('abort', onAbort, { once: true });
      this.#jobs.set(id, job);
      worker.postMessage({ type: 'run', job: id, spec } satisfies ToWorker);
    });
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    this.#ready = undefined;
    if (worker) await worker.terminate();
  }
}

function withoutType(event: { type: string } & Record<string, unknown>): Record<string, unknown> {
  const { type: _type, ...rest } = event;
  return rest;
}

/** A worker's error as the same kind of error on this thread (VigiaError keeps its code and exit code). */
function reviveError(e: { message: string; code?: string; name?: string; stack?: string }): Error {
  if (e.code?.startsWith('VIGIA_')) {
    const error = new VigiaError(e.code as 'VIGIA_RUNTIME', e.message);
    if (e.stack) error.stack = e.stack;
    return error;
  }
  const error = new Error(e.message);
  if (e.stack) error.stack = e.stack;
  return error;
}

/** Why datasets cannot be cloned, when a record is the cause: the first one nested too deeply. */
function cloneProblem(datasets: Map<string, Dataset>): string | undefined {
  const limit = 1000;
  for (const d of datasets.values()) {
    for (let i = 0; i < d.records.length; i++) {
      if (nestingDepth(d.records[i], limit) >= limit) return `dataset "${d.name}" (${d.origin}), record ${i + 1} is nested ${limit} or more levels deep`;
    }
  }
  return undefined;
}
