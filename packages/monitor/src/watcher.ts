import type { Report, SourceBatch, SourcePosition, WindowReport, WindowSample } from '@vigia/core';
import type { AlertEvaluator, AlertState } from './alerts.js';
import type { AlertNotifier } from './notify.js';
import type { AlertRecord, HistoryStore } from './store.js';

/**
 * The loop of `vigia watch`: input batches go into the session; every step that closes windows
 * (a push, an idle tick, the partial flush at shutdown) is committed to the history store in one
 * transaction with the session's snapshot, the input position after the step and the alert
 * transitions it caused. A restart opens the session from that snapshot and reads the input from
 * that position: every record ends up in exactly one stored window, whenever the process dies.
 */

/** What the watcher needs of core's `Session` (issue 9). */
export interface SessionLike {
  push(batch: SourceBatch): Promise<WindowReport[]>;
  tick(nowMs: number): Promise<WindowReport[]>;
  flushPartial(): Promise<WindowReport | undefined>;
  snapshot(): unknown;
  close(): Promise<Report>;
}

/** The state committed with each step (JSON). */
export interface WatchState {
  version: 1;
  /** The session's snapshot (positions, open window, component states). */
  session: unknown;
  /** Where the input resumes. */
  position?: SourcePosition;
  alerts?: AlertState;
  /** Per-step extras (the annotation queue's candidates). */
  annotate?: unknown;
  /** Records pushed over the store's life (for /metrics continuity). */
  records: number;
}

/** A per-window hook (the annotation queue). */
export interface WindowHook {
  add(records: SourceBatch['records']): void;
  /** Called for each closed window, before it is committed; may write its output. */
  windowClosed(w: WindowReport): Promise<void> | void;
  snapshot(): unknown;
}

export interface WatcherOptions {
  run: string;
  store: HistoryStore;
  /** Open the session, restoring `snapshot` when there is one. */
  openSession(snapshot: unknown | undefined): Promise<SessionLike>;
  /** The input from a position (undefined: from the start). */
  input(from: SourcePosition | undefined, signal: AbortSignal): AsyncIterable<SourceBatch>;
  alerts?: AlertEvaluator;
  /** Builds the evaluator from a restored state (its rules come from the config). */
  restoreAlerts?(state: AlertState | undefined): AlertEvaluator;
  notifier?: AlertNotifier;
  hook?: WindowHook;
  restoreHook?(state: unknown): WindowHook;
  /**
   * The session's rolling references (`HistoryReferences`, when the config has fromHistory): the
   * samples of the windows a step closed are committed with those windows.
   */
  history?: { takePending(): WindowSample[] };
  /** How often idle ticks run (ms). */
  tickMs?: number;
  /**
   * Idle time after which the open window is closed (the session decides; the watcher only asks
   * once no batch came for this long since its own start, so a restored window is not closed
   * before the input caught up).
   */
  idleMs?: number;
  now?: () => number;
  log?: (level: 'info' | 'warn', message: string) => void;
  /**
   * A step could not be committed or the input failed: the process should exit (non-zero) so a
   * restart resumes from the last committed state. Default: logged, reading stops.
   */
  onFatal?(error: unknown): void;
}

/** Counters served on /metrics and /healthz. */
export interface WatchStats {
  startedAt: number;
  records: number;
  recordsThisProcess: number;
  skipped: number;
  windows: number;
  partialWindows: number;
  lastWindow?: WindowReport;
  lastCommitAt?: number;
  /** Wall ms from reading the batch that closed a window to that window being stored (last, max). */
  exportDelayMs?: number;
  maxExportDelayMs: number;
  commits: number;
  commitErrors: number;
  restoredFrom?: SourcePosition;
  alertsFiring: string[];
  running: boolean;
  lastError?: string;
}

export class Watcher {
  readonly stats: WatchStats;
  readonly #o: WatcherOptions;
  #session?: SessionLike;
  #position?: SourcePosition;
  #alerts?: AlertEvaluator;
  #hook?: WindowHook;
  #queue: Promise<unknown> = Promise.resolve();
  readonly #abort = new AbortController();
  #loop?: Promise<void>;
  #timer?: NodeJS.Timeout;
  #stopped?: Promise<Report | undefined>;
  #lastPush = 0;

  constructor(options: WatcherOptions) {
    this.#o = options;
    const now = options.now ?? Date.now;
    this.stats = { startedAt: now(), records: 0, recordsThisProcess: 0, skipped: 0, windows: 0, partialWindows: 0, maxExportDelayMs: 0, commits: 0, commitErrors: 0, alertsFiring: [], running: false };
  }

  get position(): SourcePosition | undefined {
    return this.#position;
  }

  /** Serialise session operations (pushes and ticks run from different callers). */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(fn);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /** Restore from the store, open the session, start reading and ticking. */
  async start(): Promise<void> {
    const o = this.#o;
    const state = (await o.store.state(o.run)) as WatchState | undefined;
    if (state && state.version !== 1) throw new Error(`history store ${o.store.path}: the stored watch state has version ${String(state.version)}; this vigia reads version 1`);
    this.#session = await o.openSession(state?.session);
    this.#position = state?.position;
    this.stats.records = state?.records ?? 0;
    this.stats.restoredFrom = state?.position;
    this.#alerts = o.restoreAlerts ? o.restoreAlerts(state?.alerts) : o.alerts;
    this.#hook = o.restoreHook ? o.restoreHook(state?.annotate) : o.hook;
    this.stats.alertsFiring = this.#alerts?.firing() ?? [];
    if (state) o.log?.('info', `resuming ${o.run} from the stored position ${JSON.stringify(state.position ?? null)} (${this.stats.records} records counted so far)`);
    this.stats.running = true;
    // Alerts stored but not delivered before a crash go out now.
    void o.notifier?.deliverPending().catch((e: unknown) => o.log?.('warn', `alert delivery: ${String(e)}`));
    this.#lastPush = (o.now ?? Date.now)();
    this.#loop = this.#read();
    const tickMs = o.tickMs ?? 1000;
    this.#timer = setInterval(() => {
      void this.#serial(async () => {
        if (!this.#session || this.#abort.signal.aborted) return;
        const now = (o.now ?? Date.now)();
        if (o.idleMs !== undefined && now - this.#lastPush < o.idleMs) return;
        const closed = await this.#session.tick(now);
        if (closed.length) await this.#commit(closed, undefined);
      }).catch((e: unknown) => this.#fail(e));
      void o.notifier?.deliverPending().catch(() => undefined);
    }, tickMs);
    this.#timer.unref();
  }

  async #read(): Promise<void> {
    const o = this.#o;
    try {
      for await (const batch of o.input(this.#position, this.#abort.signal)) {
        const arrivedAt = (o.now ?? Date.now)();
        await this.#serial(async () => {
          const closed = await this.#session!.push(batch);
          this.#lastPush = (o.now ?? Date.now)();
          this.#hook?.add(batch.records);
          this.stats.records += batch.records.length;
          this.stats.recordsThisProcess += batch.records.length;
          this.stats.skipped += batch.skipped;
          if (batch.skippedExamples?.length) o.log?.('warn', `skipped ${batch.skipped} bad record(s): ${batch.skippedExamples.slice(0, 3).join('; ')}`);
          if (batch.position) this.#position = batch.position;
          if (closed.length) await this.#commit(closed, arrivedAt);
        });
        if (this.#abort.signal.aborted) break;
      }
    } catch (error) {
      if (!this.#abort.signal.aborted) this.#fail(error);
    }
  }

  #fail(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.stats.lastError = message;
    this.stats.running = false;
    this.#abort.abort();
    if (this.#timer) clearInterval(this.#timer);
    if (this.#o.onFatal) this.#o.onFatal(error);
    else this.#o.log?.('warn', `watch: ${message}`);
  }

  /** Stop without committing anything more (what a crash does); for tests. */
  async abandon(): Promise<void> {
    this.#abort.abort();
    if (this.#timer) clearInterval(this.#timer);
    await this.#loop;
    await this.#queue;
  }

  /** One transaction: the closed windows, the state after them, their alert transitions. */
  async #commit(windows: readonly WindowReport[], arrivedAt: number | undefined): Promise<void> {
    const o = this.#o;
    const now = o.now ?? Date.now;
    const alerts: AlertRecord[] = [];
    for (const w of windows) {
      await this.#hook?.windowClosed(w);
      if (this.#alerts) alerts.push(...this.#alerts.evaluate(w, now()));
    }
    const state: WatchState = {
      version: 1,
      session: this.#session!.snapshot(),
      ...(this.#position ? { position: this.#position } : {}),
      ...(this.#alerts ? { alerts: this.#alerts.snapshot() } : {}),
      ...(this.#hook ? { annotate: this.#hook.snapshot() } : {}),
      records: this.stats.records,
    };
    try {
      await o.store.commit(o.run, { windows, state, alerts, ...(o.history ? { samples: o.history.takePending() } : {}) });
    } catch (error) {
      this.stats.commitErrors++;
      throw error;
    }
    const t = now();
    this.stats.commits++;
    this.stats.lastCommitAt = t;
    this.stats.windows += windows.length;
    this.stats.partialWindows += windows.filter((w) => w.window.partial).length;
    this.stats.lastWindow = windows[windows.length - 1];
    this.stats.alertsFiring = this.#alerts?.firing() ?? [];
    if (arrivedAt !== undefined) {
      this.stats.exportDelayMs = t - arrivedAt;
      this.stats.maxExportDelayMs = Math.max(this.stats.maxExportDelayMs, t - arrivedAt);
    }
    for (const w of windows) o.log?.('info', `window ${w.window.index} ${w.window.start ?? ''}${w.window.end ? ` – ${w.window.end}` : ''}${w.window.partial ? ' (partial)' : ''}: ${w.window.records} records, ${w.status}`);
    for (const a of alerts) o.log?.('warn', `alert ${a.state}: ${a.message}`);
    if (alerts.length) void o.notifier?.deliverPending().catch((e: unknown) => o.log?.('warn', `alert delivery: ${String(e)}`));
  }

  /**
   * Graceful stop (SIGTERM): stop reading, evaluate the open window as partial and store it with
   * the final state, close the session (sinks flushed), deliver pending alerts.
   */
  stop(options: { deliveryDeadlineMs?: number } = {}): Promise<Report | undefined> {
    this.#stopped ??= (async () => {
      this.#abort.abort();
      if (this.#timer) clearInterval(this.#timer);
      await this.#loop;
      const report = await this.#serial(async () => {
        if (!this.#session) return undefined;
        const partial = await this.#session.flushPartial();
        if (partial) await this.#commit([partial], undefined);
        else await this.#o.store.commit(this.#o.run, { state: this.#stateOnly() });
        return this.#session.close();
      });
      this.stats.running = false;
      const notifier = this.#o.notifier;
      if (notifier) {
        const deadline = options.deliveryDeadlineMs ?? 10_000;
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([notifier.deliverPending().catch(() => undefined), new Promise((r) => (timer = setTimeout(r, deadline)))]);
        if (timer) clearTimeout(timer);
      }
      return report;
    })();
    return this.#stopped;
  }

  #stateOnly(): WatchState {
    return {
      version: 1,
      session: this.#session!.snapshot(),
      ...(this.#position ? { position: this.#position } : {}),
      ...(this.#alerts ? { alerts: this.#alerts.snapshot() } : {}),
      ...(this.#hook ? { annotate: this.#hook.snapshot() } : {}),
      records: this.stats.records,
    };
  }

  /** Resolves when reading ended by itself (a finite input) or failed. */
  get reading(): Promise<void> | undefined {
    return this.#loop;
  }
}
