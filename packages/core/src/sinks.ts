/**
 * Feeding sinks without letting them hurt the run: a sink that throws or rejects is counted (one
 * warning per sink and step, with the count), never fed its own failures (no loop), and every
 * `onEvent`, `report`, `flush` and `shutdown` call has a deadline (no hang). Failures of a
 * *required* sink (an output the config asked for, such as a JSON or JUnit file) are collected so
 * the run can exit 3 naming the sink and why.
 */
import type { Report, Sink, VigiaEvent } from './contracts.js';
import { clipText, errorMessage } from './errors.js';

/**
 * How long one sink may take to finish: its pending `onEvent` calls, `report`, `flush` and
 * `shutdown` together. Past it, the step counts as failed and the run goes on.
 */
export const SINK_DEADLINE_MS = 10_000;

export interface SinkEntry {
  /** How the sink is named in messages: `json (/sinks/0)`. */
  id: string;
  sink: Sink;
  /** A failure makes the run exit 3. */
  required: boolean;
  /** What the sink writes, when known (`out/report.json`), for messages. */
  target?: string;
}

interface FailureCount {
  count: number;
  first: string;
}

/** Events an exporter-shaped sink may have waiting; past it the oldest are dropped and counted. */
export const SINK_QUEUE_SIZE = 2048;
/** Events per `export` call. */
export const SINK_EXPORT_BATCH = 512;

/** Called with every sink failure (see {@link setSinkErrorHandler}). */
export type SinkErrorHandler = (error: Error, where: { sink: string; step: string; count: number }) => void;
let errorHandler: SinkErrorHandler | undefined;

/**
 * Replace the handler every sink failure goes to (OpenTelemetry JS's global error handler). The
 * run still counts failures and reports them as one warning per sink and step; the handler is
 * where an embedding application logs or alerts on them. `undefined` restores the default (none).
 */
export function setSinkErrorHandler(handler: SinkErrorHandler | undefined): void {
  errorHandler = handler;
}

interface ExportQueue {
  events: VigiaEvent[];
  dropped: number;
  inFlight: Promise<void> | undefined;
}

export class SinkHub {
  readonly #entries: SinkEntry[];
  readonly #queues = new Map<SinkEntry, ExportQueue>();
  readonly #deadlineMs: number;
  /** Failures per sink and step (`onEvent`, `report`, …). */
  readonly #failures = new Map<SinkEntry, Map<string, FailureCount>>();
  /** `onEvent` calls still pending per sink, so finishing waits for them (within the deadline). */
  readonly #pending = new Map<SinkEntry, Set<Promise<unknown>>>();
  /** Emits a run warning (the run's own `warn`), which is fed to every sink but the failing one. */
  #onFirstFailure: ((entry: SinkEntry, message: string) => void) | undefined;

  constructor(entries: SinkEntry[], options: { deadlineMs?: number; onFirstFailure?: (entry: SinkEntry, message: string) => void } = {}) {
    this.#entries = entries;
    this.#deadlineMs = options.deadlineMs ?? SINK_DEADLINE_MS;
    this.#onFirstFailure = options.onFirstFailure;
  }

  /** Add sinks (created after the hub). */
  add(entries: readonly SinkEntry[]): void {
    for (const e of entries) this.#entries.push(e);
  }

  #fail(entry: SinkEntry, step: string, error: unknown): void {
    let bySink = this.#failures.get(entry);
    if (!bySink) this.#failures.set(entry, (bySink = new Map()));
    const known = bySink.get(step);
    try {
      errorHandler?.(error instanceof Error ? error : new Error(errorMessage(error)), { sink: entry.id, step, count: (known?.count ?? 0) + 1 });
    } catch {
      // a failing handler must not hurt the run either
    }
    if (known) {
      known.count++;
      return;
    }
    const message = clipText(errorMessage(error), 300);
    bySink.set(step, { count: 1, first: message });
    // Only the first failure of a sink and step is announced; later ones are counted.
    this.#onFirstFailure?.(entry, `sink ${entry.id} failed in ${step}: ${message}`);
  }

  /** Deliver one event to every sink with `onEvent`, except a sink's own failure warnings. */
  dispatch(event: VigiaEvent, from?: SinkEntry): void {
    for (const entry of this.#entries) {
      if (entry === from) continue;
      if (entry.sink.export) {
        if (event.type === 'warning' && this.#failures.get(entry)?.has('export')) continue;
        this.#enqueue(entry, event);
        continue;
      }
      if (!entry.sink.onEvent) continue;
      // A sink that keeps failing on events is not called again for warnings (they would only
      // describe its own or another sink's failure, and could feed a loop).
      if (event.type === 'warning' && this.#failures.get(entry)?.has('onEvent')) continue;
      try {
        const r = entry.sink.onEvent(event);
        if (r && typeof (r as Promise<void>).then === 'function') {
          const p = withDeadline(r as Promise<void>, this.#deadlineMs, `onEvent(${event.type})`)
            .catch((e: unknown) => this.#fail(entry, 'onEvent', e));
          let set = this.#pending.get(entry);
          if (!set) this.#pending.set(entry, (set = new Set()));
          set.add(p);
          void p.finally(() => set.delete(p));
        }
      } catch (error) {
        this.#fail(entry, 'onEvent', error);
      }
    }
  }

  #enqueue(entry: SinkEntry, event: VigiaEvent): void {
    let q = this.#queues.get(entry);
    if (!q) this.#queues.set(entry, (q = { events: [], dropped: 0, inFlight: undefined }));
    q.events.push(event);
    // Bounded: a sink that cannot keep up loses its oldest events, counted, never the run's memory.
    if (q.events.length > SINK_QUEUE_SIZE) {
      const over = q.events.length - SINK_QUEUE_SIZE;
      q.events.splice(0, over);
      q.dropped += over;
    }
    if (!q.inFlight && q.events.length >= SINK_EXPORT_BATCH) this.#drain(entry, q);
  }

  /** Export queued events in batches, one call in flight per sink, each within the deadline. */
  #drain(entry: SinkEntry, q: ExportQueue, end?: number): Promise<void> {
    if (q.inFlight) return q.inFlight;
    const run = async () => {
      while (q.events.length > 0) {
        const left = end === undefined ? this.#deadlineMs : end - performance.now();
        if (left <= 0) return;
        const batch = q.events.splice(0, SINK_EXPORT_BATCH);
        try {
          const result = await withDeadline(Promise.resolve().then(() => entry.sink.export!(batch)), left, 'export', this.#deadlineMs);
          if (!result || result.code !== 'success') this.#fail(entry, 'export', result?.error ?? new Error(`export of ${batch.length} events failed`));
        } catch (error) {
          this.#fail(entry, 'export', error);
        }
      }
    };
    q.inFlight = run().finally(() => {
      q.inFlight = undefined;
    });
    return q.inFlight;
  }

  /** Flushes still running per sink: a new one is not started while one is pending. */
  readonly #flushing = new Map<SinkEntry, Promise<void>>();

  /**
   * Export everything queued and ask each sink to send what it buffers (end of a window). A sink
   * whose previous flush is still pending is skipped; {@link finish} waits for it within the deadline.
   */
  forceFlush(): Promise<void> {
    return Promise.all(this.#entries.map((entry) => {
      const pending = this.#flushing.get(entry);
      if (pending) return pending;
      const p = this.#flushOne(entry).finally(() => this.#flushing.delete(entry));
      this.#flushing.set(entry, p);
      return p;
    })).then(() => undefined);
  }

  async #flushOne(entry: SinkEntry): Promise<void> {
    const end = performance.now() + this.#deadlineMs;
    const q = this.#queues.get(entry);
    if (q) {
      await q.inFlight;
      await this.#drain(entry, q, end);
    }
    if (entry.sink.forceFlush) {
      try {
        await withDeadline(Promise.resolve().then(() => entry.sink.forceFlush!()), Math.max(0, end - performance.now()), 'forceFlush', this.#deadlineMs);
      } catch (error) {
        this.#fail(entry, 'forceFlush', error);
      }
    }
  }

  /** Hand the report to every sink, then flush and shut them down, each step within the deadline. */
  async finish(report: Report): Promise<void> {
    for (const entry of this.#entries) {
      // One budget per sink for everything it still has to do.
      const end = performance.now() + this.#deadlineMs;
      const left = () => Math.max(0, end - performance.now());
      const pending = [...(this.#pending.get(entry) ?? []), ...(this.#flushing.has(entry) ? [this.#flushing.get(entry)!] : [])];
      if (pending.length) await withDeadline(Promise.allSettled(pending), left(), 'pending events').catch(() => undefined);
      const q = this.#queues.get(entry);
      if (q) {
        // An export still in flight past the deadline is abandoned (its failure is counted).
        await withDeadline(this.#drain(entry, q, end), left(), 'export', this.#deadlineMs).catch((e: unknown) => this.#fail(entry, 'export', e));
        if (q.events.length) {
          this.#fail(entry, 'export', new Error(`${q.events.length} events were still queued at the deadline`));
        }
        if (q.dropped) this.#fail(entry, 'export', new Error(`the queue was full: ${q.dropped} oldest events were dropped`));
      }
      for (const step of ['report', 'forceFlush', 'flush', 'shutdown'] as const) {
        try {
          const call = step === 'report' ? entry.sink.report?.(report) : entry.sink[step]?.();
          if (call) await withDeadline(Promise.resolve(call), left(), step, this.#deadlineMs);
        } catch (error) {
          this.#fail(entry, step, error);
        }
      }
    }
  }

  /** One line per failing sink and step, with the count when it failed more than once. */
  summaries(filter: (entry: SinkEntry) => boolean = () => true): string[] {
    const lines: string[] = [];
    for (const [entry, bySink] of this.#failures) {
      if (!filter(entry)) continue;
      for (const [step, f] of bySink) {
        lines.push(`sink ${entry.id}${entry.target ? ` (${entry.target})` : ''} failed in ${step}${f.count > 1 ? ` ${f.count} times` : ''}: ${f.first}`);
      }
    }
    return lines;
  }

  /** Failures after the first of each sink and step, which no warning has announced yet. */
  repeatedFailures(): string[] {
    const lines: string[] = [];
    for (const [entry, bySink] of this.#failures) {
      for (const [step, f] of bySink) if (f.count > 1) lines.push(`sink ${entry.id} failed in ${step} ${f.count} times in all (first: ${f.first})`);
    }
    return lines;
  }

  requiredFailures(): string[] {
    return this.summaries((e) => e.required);
  }
}

/** Resolve or reject with `promise`, or reject once `ms` have passed. */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string, budgetMs = ms): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    // Not unref'd: a sink whose promise never settles must not let the process exit silently.
    timer = setTimeout(() => reject(new Error(`${what} did not finish within the sink's deadline of ${budgetMs} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
