/**
 * A session: the one way Vigia runs a config. It reads the static datasets (the reference) once,
 * creates long-lived components and services, takes the windowed dataset's records in batches,
 * closes windows as record time (or the record count) passes their end, evaluates each window and
 * hands the results to sinks. A batch run (`vigia run` without `windows:`) is a session with one
 * window covering everything.
 *
 * Components:
 * - *stream* mode: a stateful detector or metric (it has `update`) created once per session, fed
 *   batches as they arrive, asked for a decision when a window closes. Its memory is its state.
 * - *batch* mode: any other component (and every component of sliding windows, `by:` segments or
 *   `isolation: worker`), handed the window's records at once. The session then buffers the
 *   records, projected to the fields the components declared.
 *
 * `snapshot()` captures everything needed to continue after a restart (input positions, the open
 * window, buffered records, component states); `restore` continues from it exactly.
 */
import type { DependencyContainer } from 'tsyringe';
import type {
  ComponentContext, Dataset, DetectorReport, DetectorResult, Embedder, MetricValue, MultipleTesting, Provider, RecordBatch, Report,
  Sink, Source, SourceBatch, SourceOutput, SourcePosition, StatefulDetector, StatefulMetric, Status, VigiaRecord, WindowInfo, WindowReport, Detector, Metric,
  FieldProvider,
} from './contracts.js';
import { createComponentContext, type RunServices } from './context.js';
import { ConfigError, DataError, VigiaError, clipText, errorMessage, redactSecrets } from './errors.js';
import { getField, parseDuration, parseTimestamp, projector } from './fields.js';
import type { Plan } from './plan.js';
import { IsolatedRunner, runInline, workerScriptPath, type WorkerJob } from './isolate.js';
import { SinkHub, type SinkEntry } from './sinks.js';
import {
  SinkFailedError, Tokens, createRunContainer, redactDeep, rethrowAs, round, runDetectorComponent, runMetricComponent, type LazyPool, type RunOptions,
} from './engine.js';
import { computeVirtualFields } from './virtual-fields.js';
import { SharedState } from './shared.js';
import { applyCorrection, applySeverity, checkMetricValues, decideOutcome, overallStatus, type CorrectionItem } from './verdict.js';
import type { SegmentTest } from './segments.js';
import { componentSeed, createRng } from './services.js';
import { sampleRecords, windowMs, type HistoryProvenance, type PlannedHistory } from './history.js';

type PlannedDetector = Plan['detectors'][number];
type PlannedMetric = Plan['metrics'][number];

/** Everything needed to continue a session after a restart. JSON-serialisable. */
export interface SessionSnapshot {
  version: 1;
  /** The config's name: a snapshot is refused by a session of another config. */
  name: string;
  /** Index the next window gets. */
  nextIndex: number;
  /** Where each streamed dataset's reader resumes. */
  positions: Record<string, SourcePosition>;
  /** The open window, if records arrived for it. */
  open?: OpenWindowState;
  /** Buffered (projected) records of the open window, when some component runs in batch mode. */
  buffer?: VigiaRecord[];
  /** States of stream-mode components by id (`detector:<id>`, `metric:<id>`). */
  components: Record<string, unknown>;
  /** Records and skipped records of the windowed dataset over the whole session. */
  totals: { records: number; skipped: number };
}

interface OpenWindowState {
  /** Window bounds on the window axis: epoch ms (time windows) or record ordinal (count windows). */
  start: number;
  end: number;
  records: number;
  skipped: number;
  /** Earliest and latest record time as written (whole-run windows). */
  first?: string | number;
  last?: string | number;
  late: number;
  untimed: number;
}

export interface SessionOptions extends RunOptions {
  /** Continue from a snapshot taken by a session of the same config. */
  restore?: SessionSnapshot;
  /** Idle time after which `tick` closes the open window (default: the window's length for time windows). */
  idleMs?: number;
  /**
   * How many evaluated windows the session keeps for its final report (`report.windows`).
   * Default: all (a `vigia run`); a long-running watcher stores each window as it closes and
   * keeps few, so memory does not grow with uptime.
   */
  keepWindows?: number;
}

interface Driven<P, I> {
  planned: P;
  /** `stream`: created once, fed batches; `batch`: handed the window's records. */
  mode: 'stream' | 'batch';
  instance?: I;
  ctx?: ComponentContext;
  /** Creating the component failed: every window reports this. */
  createError?: string;
  /** An `update` failed in the open window: that window reports it. */
  updateError?: string;
}

/** Window axis: `all` (one window), `time` (epoch ms) or `count` (record ordinal). */
interface WindowAxis {
  kind: 'all' | 'time' | 'count';
  size: number;
  every: number;
  dataset?: string;
  timestampField: string;
}

/** Rolling references that cannot be tested this window (cold start, unreadable history), by dataset. */
type NotTested = Map<string, { status: 'warn' | 'error'; message: string; provenance?: HistoryProvenance }>;

export class Session {
  readonly #plan: Plan;
  readonly #options: SessionOptions;
  readonly #container: DependencyContainer;
  readonly #services: RunServices;
  readonly #hub: SinkHub;
  readonly #warnings: string[] = [];
  readonly #axis: WindowAxis;
  readonly #detectors: Driven<PlannedDetector, StatefulDetector | Detector>[] = [];
  readonly #metrics: Driven<PlannedMetric, StatefulMetric | Metric>[] = [];
  readonly #static = new Map<string, Dataset>();
  readonly #staticReports = new Map<string, { records: number; skipped: number; error?: string }>();
  readonly #datasetErrors = new Map<string, string>();
  readonly #fieldInstances = new Map<string, FieldProvider>();
  readonly #project: ((r: VigiaRecord) => VigiaRecord) | undefined;
  readonly #multipleTesting: MultipleTesting;
  /** The windowed dataset's source name and origin (`jsonl logs/today.jsonl`), for messages. */
  readonly #windowedUse: string;
  readonly #windowedOrigin: string;
  readonly #startedAt: string;
  readonly #t0: number;
  #buffering = false;
  #buffer: VigiaRecord[] = [];
  /** Records of a sliding window's span, with their axis coordinate. */
  #sliding: Array<{ at: number; record: VigiaRecord }> = [];
  #open: OpenWindowState | undefined;
  #nextIndex = 0;
  #positions: Record<string, SourcePosition> = {};
  #totals = { records: 0, skipped: 0 };
  #fieldNames: string[] | undefined;
  #windows: WindowReport[] = [];
  #lastArrival = 0;
  #lastEnd: number | undefined;
  /** Ordinal of the next record of the windowed dataset (sliding count windows). */
  #ordinal = 0;
  /** Earliest and latest record time of each static dataset, as written (whole-run window bounds). */
  readonly #staticTimes = new Map<string, OpenWindowState>();
  #runner: IsolatedRunner | undefined;
  /** State the session's components share (ctx.shared): columns read once for every detector of a field. */
  readonly #shared = new SharedState();
  /** Ordinal of the last batch fed to stream-mode components (RecordBatch.seq). */
  #batchSeq = 0;
  /** Rolling references read by some detector, by dataset name. */
  readonly #history = new Map<string, PlannedHistory>();
  /** Samples of the windowed dataset go to the history source (a rolling reference is in use). */
  readonly #sampling: boolean;
  /** Projection of the stored samples (when the session keeps whole records). */
  readonly #sampleProject: ((r: VigiaRecord) => VigiaRecord) | undefined;
  #finishing: Report | undefined;
  #closed = false;

  private constructor(plan: Plan, options: SessionOptions) {
    this.#plan = plan;
    this.#options = options;
    this.#container = createRunContainer(plan, options);
    this.#services = this.#container.resolve<RunServices>(Tokens.RunServices);
    this.#axis = windowAxis(plan);
    this.#startedAt = new Date(this.#services.clock.now()).toISOString();
    this.#t0 = this.#services.clock.hrtime();
    this.#multipleTesting = { correction: plan.config.correction, tests: plan.detectors.length };
    this.#project = projectionOf(plan, this.#axis);
    const historyIds = new Map(plan.history.map((h) => [h.id, h]));
    for (const d of plan.detectors) {
      const h = historyIds.get(d.reference);
      if (h) this.#history.set(h.id, h);
    }
    this.#sampling = this.#history.size > 0;
    if (this.#sampling && !options.history) {
      const h = [...this.#history.values()][0]!;
      throw new ConfigError('VIGIA_CONFIG_INVALID', `${plan.loaded.displayPath}: ${h.path} reads the history store, but this session was opened without one; run the config with vigia run or vigia watch (they open store:)`);
    }
    if (this.#sampling && this.#axis.every !== this.#axis.size) {
      throw new ConfigError('VIGIA_CONFIG_INVALID', `${plan.loaded.displayPath}: /windows/every makes windows overlap, so their samples would count records twice in a fromHistory reference; use tumbling windows`);
    }
    this.#sampleProject = this.#project ? undefined : historyProjectionOf(plan, this.#axis);
    for (const h of plan.history) {
      if (!this.#history.has(h.id)) this.#warn(`${h.path}: no detector has "${h.id}" as its reference, so this rolling reference is not used (and no samples are stored for it); set reference: ${h.id} on a detector or remove it`);
    }
    const windowed = plan.datasets.find((d) => d.id === this.#axis.dataset);
    this.#windowedUse = windowed?.use ?? this.#axis.dataset ?? '';
    this.#windowedOrigin = windowed ? originOf(windowed) : this.#windowedUse;
    this.#hub = new SinkHub([], {
      deadlineMs: options.sinkDeadlineMs,
      onFirstFailure: (entry, message) => {
        if (!this.#finishing) this.#warn(message);
        else if (!entry.required) this.#finishing.warnings = [...(this.#finishing.warnings ?? []), redactSecrets(message, plan.loaded.secrets)];
      },
    });
  }

  /** Open a session: sinks, long-lived components, static datasets (read once). */
  static async open(plan: Plan, options: SessionOptions = {}): Promise<Session> {
    const session = new Session(plan, options);
    try {
      await session.#start();
    } catch (error) {
      await session.#abandon();
      throw error;
    }
    return session;
  }

  get plan(): Plan {
    return this.#plan;
  }

  /** The dataset split into windows, or undefined for a whole-run session. */
  get windowedDataset(): string | undefined {
    return this.#axis.dataset;
  }

  /** Windows evaluated so far. */
  get windows(): readonly WindowReport[] {
    return this.#windows;
  }

  #warn(message: string): void {
    this.#warnings.push(message);
    this.#services.events.emit('warning', { message });
  }

  async #start(): Promise<void> {
    const plan = this.#plan;
    const { services } = { services: this.#services };
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
    for (const [i, sink] of (this.#options.extraSinks ?? []).entries()) sinks.push({ id: `extra-${i}`, sink, required: false });
    this.#hub.add(sinks);
    services.events.onAny((event) => this.#hub.dispatch(event));
    services.events.emit('run:start', { name: plan.config.name, startedAt: this.#startedAt, seed: plan.config.seed });

    // Long-lived components: created once; stateful ones are fed as records arrive.
    const tumbling = this.#axis.every === this.#axis.size;
    for (const planned of plan.detectors) this.#detectors.push(await this.#create(planned, tumbling) as Driven<PlannedDetector, StatefulDetector | Detector>);
    for (const planned of plan.metrics) this.#metrics.push(await this.#create(planned, tumbling) as Driven<PlannedMetric, StatefulMetric | Metric>);
    this.#buffering = this.#sampling || [...this.#detectors, ...this.#metrics].some((d) => d.mode === 'batch' && !d.createError);

    const script = [...plan.detectors, ...plan.metrics].some((p) => p.isolation === 'worker' && p.component.module) ? workerScriptPath() : undefined;
    if (script) {
      this.#runner = new IsolatedRunner(script, new Map(), services);
      this.#runner.preload([...new Set([...plan.detectors, ...plan.metrics].filter((p) => p.isolation === 'worker' && p.component.module).map((p) => p.component.module!))]);
    }

    // Static datasets: every dataset but the windowed one, references first, so a stateful
    // detector has its whole reference before any current record.
    const refs = new Set(plan.detectors.map((d) => d.reference));
    const statics = plan.datasets.filter((d) => d.id !== this.#axis.dataset);
    statics.sort((a, b) => Number(refs.has(b.id)) - Number(refs.has(a.id)));
    for (const planned of statics) await this.#readStatic(planned);

    const restore = this.#options.restore;
    if (restore) this.#restore(restore);
  }

  async #create(planned: PlannedDetector | PlannedMetric, tumbling: boolean): Promise<Driven<typeof planned, unknown>> {
    // Segments and worker isolation run per window, in batch mode.
    if (planned.segments || planned.isolation === 'worker') return { planned, mode: 'batch' };
    const kind = planned.kind as 'detector' | 'metric';
    const ctx = createComponentContext(this.#services, {
      id: planned.id, use: planned.use, signal: this.#options.signal, ...(kind === 'detector' ? { multipleTesting: this.#multipleTesting } : {}),
      shared: this.#shared.get,
    });
    try {
      const instance = await runInline(planned.timeoutMs, `${kind} "${planned.id}"`, this.#options.signal, async () => planned.component.def.create(planned.options as never, ctx));
      const stateful = typeof (instance as { update?: unknown }).update === 'function';
      // Sliding windows evaluate overlapping spans: a stateful component is then handed each span.
      // A rolling reference changes every window: such a component is handed each window whole too.
      const rolling = kind === 'detector' && this.#history.has((planned as PlannedDetector).reference);
      if (stateful && (!tumbling || rolling)) return { planned, mode: 'batch' };
      return { planned, mode: stateful ? 'stream' : 'batch', instance, ctx };
    } catch (error) {
      return { planned, mode: 'batch', createError: clipText(errorMessage(error), 2000) };
    }
  }

  /** Read one whole dataset, feeding stream-mode consumers and keeping it when batch-mode ones need it. */
  async #readStatic(planned: Plan['datasets'][number]): Promise<void> {
    const services = this.#services;
    const ctx = createComponentContext(services, { id: planned.id, use: planned.use, signal: this.#options.signal });
    const t = services.clock.hrtime();
    const origin = originOf(planned);
    const kept: VigiaRecord[] = [];
    let count = 0;
    let skipped = 0;
    const times: OpenWindowState = { start: 0, end: Infinity, records: 0, skipped: 0, late: 0, untimed: 0 };
    const tsField = this.#axis.timestampField;
    let fieldNames: string[] | undefined;
    try {
      const source = (await planned.component.def.create(planned.options as never, ctx)) as Source;
      for await (const batch of streamOf(source, ctx, {})) {
        if (fieldNames === undefined && batch.records.length) fieldNames = fieldPathsOf(batch.records[0]!);
        const records = this.#project ? batch.records.map(this.#project) : batch.records;
        skipped += batch.skipped;
        await this.#virtualFields(planned.id, records, origin);
        await this.#feed(planned.id, records, 'static', origin, fieldNames);
        if (this.#buffering) for (const r of records) kept.push(r);
        for (const r of records) trackTime(times, getField(r, tsField));
        count += records.length;
        this.#sourceNotes(planned.id, planned.use, batch, count);
      }
    } catch (error) {
      throw rethrowAs(error, `dataset "${planned.id}" (${planned.use})`);
    }
    this.#static.set(planned.id, { name: planned.id, records: this.#buffering ? kept : [], skipped, origin, ...(fieldNames ? { fieldNames } : {}) });
    times.records = count;
    this.#staticTimes.set(planned.id, times);
    this.#staticReports.set(planned.id, { records: count, skipped });
    services.events.emit('dataset:loaded', { name: planned.id, records: count, skipped, durationMs: services.clock.hrtime() - t });
  }

  /** Warnings, skipped records and partial reads of one batch. */
  #sourceNotes(dataset: string, use: string, batch: SourceBatch, recordsSoFar: number): void {
    if (batch.error) {
      const message = `dataset "${dataset}" (${use}) stopped early after ${recordsSoFar} record${recordsSoFar === 1 ? '' : 's'}: ${errorMessage(batch.error)}`;
      this.#datasetErrors.set(dataset, message);
      this.#warn(message);
    }
    for (const w of batch.warnings ?? []) this.#warn(`dataset "${dataset}": ${clipText(w, 500)}`);
    if (batch.skipped > 0) {
      this.#warn(`dataset "${dataset}": skipped ${batch.skipped} invalid record${batch.skipped === 1 ? '' : 's'}${batch.skippedExamples?.length ? ` (e.g. ${batch.skippedExamples.slice(0, 3).join('; ')})` : ''}`);
    }
  }

  async #virtualFields(dataset: string, records: VigiaRecord[], origin: string): Promise<void> {
    if (this.#plan.fieldProviders.length === 0 || records.length === 0) return;
    try {
      await computeVirtualFields(this.#plan, new Map([[dataset, { name: dataset, records, skipped: 0, origin }]]), this.#services, this.#options.signal, this.#fieldInstances);
    } catch (error) {
      throw rethrowAs(error, 'computing virtual fields');
    }
  }

  /** Hand records of `dataset` to the stream-mode components that read it. */
  async #feed(dataset: string, records: readonly VigiaRecord[], phase: 'static' | 'window', origin?: string, fieldNames?: readonly string[]): Promise<void> {
    if (records.length === 0) return;
    const seq = ++this.#batchSeq;
    for (const d of [...this.#detectors, ...this.#metrics]) {
      if (d.mode !== 'stream' || d.createError || d.updateError) continue;
      let role: RecordBatch['role'] | undefined;
      if (d.planned.kind === 'detector') {
        const p = d.planned as PlannedDetector;
        role = p.reference === dataset ? 'reference' : p.current === dataset ? 'current' : undefined;
        // A static current dataset belongs to the (single) window; a reference is long-lived.
        if (role === 'current' && phase === 'static' && this.#axis.kind !== 'all') role = undefined;
      } else {
        role = (d.planned as PlannedMetric).dataset === dataset ? 'current' : undefined;
        if (role === 'current' && phase === 'static' && this.#axis.kind !== 'all') role = undefined;
      }
      if (!role) continue;
      try {
        await (d.instance as StatefulDetector).update({ dataset, role, records, seq, ...(origin ? { origin } : {}), ...(fieldNames ? { fieldNames } : {}) }, d.ctx!);
      } catch (error) {
        d.updateError = clipText(errorMessage(error), 2000);
      }
    }
  }

  /**
   * Records of the windowed dataset (for a whole-run session: of the dataset named by
   * `windows.dataset`, which must then be streamed by the caller). Returns the windows these
   * records closed, evaluated.
   */
  async push(batch: SourceBatch): Promise<WindowReport[]> {
    const dataset = this.#axis.dataset;
    if (!dataset) throw new VigiaError('VIGIA_RUNTIME', 'this session has no windowed dataset (the config has no windows:); its datasets are read when it opens');
    this.#lastArrival = this.#services.clock.now();
    if (this.#fieldNames === undefined && batch.records.length) this.#fieldNames = fieldPathsOf(batch.records[0]!);
    const records = this.#project ? batch.records.map(this.#project) : batch.records;
    const closed: WindowReport[] = [];
    this.#totals.skipped += batch.skipped;
    this.#sourceNotes(dataset, this.#windowedUse, batch, this.#totals.records + records.length);
    await this.#virtualFields(dataset, records, this.#windowedOrigin);
    if (this.#axis.every !== this.#axis.size) {
      for (const r of records) closed.push(...await this.#slide(r));
    } else {
      // Tumbling: cut the batch where windows end, feed each part, evaluate closed windows.
      let from = 0;
      for (let i = 0; i < records.length; i++) {
        const at = this.#axis.kind === 'count' ? this.#totals.records + i : parseTimestamp(getField(records[i]!, this.#axis.timestampField));
        if (this.#open && at >= this.#open.end) {
          await this.#append(records.slice(from, i));
          from = i;
          closed.push(await this.#closeWindow(false));
        }
        if (!this.#open) this.#openAt(at);
        const open = this.#open!;
        if (at < open.start) open.late++;
        if (Number.isNaN(at)) open.untimed++;
      }
      await this.#append(records.slice(from));
    }
    if (batch.position) this.#positions[dataset] = batch.position;
    if (this.#open) this.#open.skipped += batch.skipped;
    this.#totals.records += records.length;
    return closed;
  }

  #openAt(at: number): void {
    const { size } = this.#axis;
    // A record without a usable time opens a window at the last one's end (or the epoch).
    const start = Number.isNaN(at) ? (this.#lastEnd ?? 0) : Math.floor(at / size) * size;
    this.#open = { start, end: start + size, records: 0, skipped: 0, late: 0, untimed: 0 };
  }

  async #append(records: VigiaRecord[]): Promise<void> {
    if (records.length === 0) return;
    const open = this.#open!;
    // Time windows are bounded by their own start and end; others by the records' times.
    if (this.#axis.kind !== 'time') for (const r of records) trackTime(open, getField(r, this.#axis.timestampField));
    open.records += records.length;
    if (this.#buffering) for (const r of records) this.#buffer.push(r);
    await this.#feed(this.#axis.dataset!, records, 'window', this.#windowedOrigin, this.#fieldNames);
  }

  async #slide(record: VigiaRecord): Promise<WindowReport[]> {
    const closed: WindowReport[] = [];
    const at = this.#axis.kind === 'count' ? this.#ordinal++ : parseTimestamp(getField(record, this.#axis.timestampField));
    const { size, every } = this.#axis;
    if (!this.#open) {
      const end = Number.isNaN(at) ? every : (Math.floor(at / every) + 1) * every;
      this.#open = { start: end - size, end, records: 0, skipped: 0, late: 0, untimed: 0 };
    }
    while (!Number.isNaN(at) && at >= this.#open.end) {
      const open: OpenWindowState = this.#open;
      const inside = this.#sliding.filter((s) => s.at >= open.start && s.at < open.end);
      if (inside.length) {
        this.#buffer = inside.map((s) => s.record);
        open.records = inside.length;
        open.first = undefined;
        open.last = undefined;
        for (const s of inside) trackTime(open, getField(s.record, this.#axis.timestampField));
        closed.push(await this.#closeWindow(false, { start: open.start, end: open.end }));
      }
      const nextEnd: number = open.end + every;
      this.#open = { start: nextEnd - size, end: nextEnd, records: 0, skipped: 0, late: 0, untimed: 0 };
      this.#sliding = this.#sliding.filter((s) => s.at >= nextEnd - size);
    }
    this.#sliding.push({ at: Number.isNaN(at) ? this.#open.end - 1 : at, record });
    return closed;
  }

  /** Close the open window when no record arrived for `idleMs` of wall time. */
  async tick(nowMs: number = this.#services.clock.now()): Promise<WindowReport[]> {
    if (!this.#open || this.#open.records === 0 && this.#sliding.length === 0) return [];
    const idle = this.#options.idleMs ?? (this.#axis.kind === 'time' ? this.#axis.size : Infinity);
    if (nowMs - this.#lastArrival < idle) return [];
    return [await this.#closeOpen(false)];
  }

  /** Evaluate the open window now, as partial (shutdown, end of input in a windowed run). */
  async flushPartial(): Promise<WindowReport | undefined> {
    if (!this.#open || (this.#open.records === 0 && this.#sliding.length === 0)) return undefined;
    return this.#closeOpen(true);
  }

  async #closeOpen(partial: boolean): Promise<WindowReport> {
    if (this.#axis.every !== this.#axis.size) {
      const open = this.#open!;
      const inside = this.#sliding.filter((s) => s.at >= open.start);
      this.#buffer = inside.map((s) => s.record);
      open.records = inside.length;
      for (const s of inside) trackTime(open, getField(s.record, this.#axis.timestampField));
      const report = await this.#closeWindow(partial, { start: open.start, end: open.end });
      this.#sliding = [];
      return report;
    }
    // A count window that got all its records is complete, even when the input ended with it.
    return this.#closeWindow(partial && !(this.#axis.kind === 'count' && this.#open!.records >= this.#axis.size));
  }

  /** Evaluate the open window, emit and keep its results, start the next. */
  async #closeWindow(partial: boolean, bounds?: { start: number; end: number }): Promise<WindowReport> {
    const open = this.#open!;
    const window = this.#windowInfo(open, partial, bounds);
    this.#nextIndex++;
    const datasets = new Map(this.#static);
    if (this.#axis.dataset) {
      datasets.set(this.#axis.dataset, { name: this.#axis.dataset, records: this.#buffer, skipped: open.skipped, origin: this.#windowedOrigin, ...(this.#fieldNames ? { fieldNames: this.#fieldNames } : {}) });
    }
    const counts: Record<string, { records: number; skipped: number; error?: string }> = {};
    for (const [name, r] of this.#staticReports) counts[name] = { ...r };
    if (this.#axis.dataset) counts[this.#axis.dataset] = { records: open.records, skipped: open.skipped };
    for (const [name, error] of this.#datasetErrors) if (counts[name]) counts[name]!.error = error;
    const notTested = await this.#historyReferences(window, datasets, counts);
    let result: WindowReport;
    try {
      result = await this.#evaluate(window, datasets, counts, notTested);
    } finally {
      this.#shared.endWindow();
    }
    if (this.#sampling && this.#options.history && this.#axis.dataset) {
      const cap = Math.max(...[...this.#history.values()].map((h) => h.spec.perWindow));
      const rng = createRng(componentSeed(this.#plan.config.seed, 'history')).fork(`window-${window.index}`).fork('sample');
      const kept = sampleRecords(this.#buffer, cap, rng);
      // The status `exclude:` judges a window by leaves out detectors that were not tested for want of
      // history: otherwise, with exclude: [warn], cold-start windows would keep the history cold forever.
      const coldIds = new Set(this.#detectors.filter((d) => notTested.has(d.planned.reference)).map((d) => d.planned.id));
      const judged = result.detectors.filter((d) => !coldIds.has(d.id));
      const status = this.#datasetErrors.size > 0 ? 'error' : overallStatus(judged, result.metricErrors?.length ?? 0);
      await this.#options.history.windowClosed({
        dataset: this.#axis.dataset, window, ...windowMs(window), status, records: open.records,
        sample: this.#sampleProject ? kept.map(this.#sampleProject) : kept,
      });
    }
    this.#buffer = [];
    this.#lastEnd = open.end;
    this.#open = undefined;
    for (const d of [...this.#detectors, ...this.#metrics]) d.updateError = undefined;
    this.#windows.push(result);
    const keep = this.#options.keepWindows ?? Infinity;
    if (this.#windows.length > keep) this.#windows.splice(0, this.#windows.length - keep);
    this.#services.events.emit('window:end', { window, result });
    // Not awaited: a sink that is slow to flush must not hold the session (finishing waits, within the deadline).
    if (this.#axis.kind !== 'all') this.#hub.forceFlush();
    return result;
  }

  #windowInfo(open: OpenWindowState, partial: boolean, bounds?: { start: number; end: number }): WindowInfo {
    const iso = (v: string | number | undefined) => {
      if (v === undefined) return null;
      const ms = parseTimestamp(v);
      return Number.isNaN(ms) ? (typeof v === 'string' ? v : null) : new Date(ms).toISOString();
    };
    const b = bounds ?? open;
    const time = this.#axis.kind === 'time';
    return {
      index: this.#nextIndex,
      start: time ? new Date(b.start).toISOString() : iso(open.first),
      end: time ? new Date(b.end).toISOString() : iso(open.last),
      partial,
      records: open.records,
    };
  }

  /**
   * The window's rolling references (fromHistory datasets), drawn from earlier windows' samples;
   * returns, per dataset, why its detectors are not tested (cold start, a store that failed).
   */
  async #historyReferences(window: WindowInfo, datasets: Map<string, Dataset>, counts: WindowReport['datasets']): Promise<NotTested> {
    const notTested: NotTested = new Map();
    const source = this.#options.history;
    if (!source) return notTested;
    const { startMs } = windowMs(window);
    const anchorMs = startMs ?? this.#services.clock.now();
    for (const [id, history] of this.#history) {
      try {
        const rng = createRng(componentSeed(this.#plan.config.seed, 'history')).fork(`window-${window.index}`).fork(`reference:${id}`);
        const ref = await source.reference({ dataset: id, history, window, anchorMs, rng });
        const p = ref.provenance;
        const origin = `history of "${this.#axis.dataset}" (${p.windows} window${p.windows === 1 ? '' : 's'}${p.firstStart ? ` from ${p.firstStart}` : ''}${p.lastEnd ? ` to ${p.lastEnd}` : ''}, ${p.sample} of ${p.represented} records)`;
        if (ref.records.length < history.spec.minRecords) {
          const why = p.windows === 0
            ? `no earlier window${p.excluded ? ` (${p.excluded} left out by exclude: [${history.spec.exclude.join(', ')}])` : ''} in the history${history.spec.last ? ` within ${history.spec.last}` : ''}`
            : `only ${ref.records.length} record${ref.records.length === 1 ? '' : 's'} from ${p.windows} earlier window${p.windows === 1 ? '' : 's'}${p.excluded ? ` (${p.excluded} left out by exclude)` : ''}`;
          p.coldStart = `not tested: the rolling reference "${id}" (fromHistory) has ${why}; it needs minRecords: ${history.spec.minRecords} (cold start)`;
          notTested.set(id, { status: 'warn', message: p.coldStart, provenance: p });
        }
        datasets.set(id, { name: id, records: ref.records, skipped: 0, origin, ...(this.#fieldNames ? { fieldNames: this.#fieldNames } : {}) });
        counts[id] = { records: ref.records.length, skipped: 0, history: p };
      } catch (error) {
        const message = `the rolling reference "${id}" (fromHistory) could not be read from the history store: ${clipText(errorMessage(error), 1000)}`;
        notTested.set(id, { status: 'error', message });
        counts[id] = { records: 0, skipped: 0, error: message };
      }
    }
    return notTested;
  }

  async #evaluate(window: WindowInfo, datasets: Map<string, Dataset>, counts: WindowReport['datasets'], notTested: NotTested = new Map()): Promise<WindowReport> {
    const { events, clock, logger } = this.#services;
    const plan = this.#plan;
    const signal = this.#options.signal;
    const runner = this.#runner;
    runner?.setDatasets(datasets);
    const reports: DetectorReport[] = [];
    const tests: CorrectionItem[] = [];
    for (const d of this.#detectors) {
      const planned = d.planned;
      events.emit('detector:start', { id: planned.id, use: planned.use });
      const t = clock.hrtime();
      let segmentTests: SegmentTest[] = [];
      let result: DetectorResult;
      const current = datasets.get(planned.current);
      const skip = notTested.get(planned.reference);
      if (d.createError || d.updateError) {
        result = errorResult(d.createError ?? d.updateError!);
      } else if (skip) {
        result = { status: skip.status, statistic: null, pValue: null, threshold: null, message: skip.message, ...(skip.provenance ? { details: { reference: skip.provenance } } : {}) };
      } else if (d.mode === 'stream') {
        result = await settle(planned, () => runInline(planned.timeoutMs, `detector "${planned.id}"`, signal, async () => decideOutcome(await (d.instance as StatefulDetector).evaluate({ window }, d.ctx!))), logger);
      } else if (!current) {
        result = errorResult(`dataset "${planned.current}" is not in the config's data:`);
      } else if (runner && planned.isolation === 'worker' && planned.component.module && !planned.segments) {
        const job: WorkerJob = {
          kind: 'detector', module: planned.component.module, name: planned.component.name, id: planned.id, use: planned.use, options: planned.options,
          seed: plan.config.seed, configDir: plan.loaded.dir, current: planned.current, reference: datasets.has(planned.reference) ? planned.reference : undefined,
          multipleTesting: this.#multipleTesting, window,
        };
        result = await settle(planned, async () => decideOutcome(await runner.run(job, planned.timeoutMs, `detector "${planned.id}"`, signal) as DetectorResult), logger);
      } else {
        const input = { reference: datasets.get(planned.reference), current, datasets };
        result = d.instance
          ? await settle(planned, () => runInline(planned.timeoutMs, `detector "${planned.id}"`, signal, async () => decideOutcome(await (d.instance as Detector).evaluate(input, d.ctx!))), logger)
          : await runDetectorComponent(planned, input, this.#services, signal, { multipleTesting: this.#multipleTesting, onSegmentTests: (s) => { segmentTests = s; }, window });
      }
      const { test, ...rest } = result;
      const report: DetectorReport = { id: planned.id, use: planned.use, ...rest, durationMs: round(clock.hrtime() - t) };
      if (test && result.pValue !== null && result.status !== 'error') tests.push({ index: reports.length, test });
      for (const s of segmentTests) tests.push({ index: reports.length, test: s.test, segment: s.segment });
      reports.push(report);
      if (plan.config.correction === 'none') {
        applySeverity(planned.severity, report);
        events.emit('detector:end', { result: report, window });
      }
    }
    if (plan.config.correction !== 'none') {
      applyCorrection(plan.config.correction, reports, tests);
      this.#detectors.forEach((d, i) => {
        applySeverity(d.planned.severity, reports[i]!);
        events.emit('detector:end', { result: reports[i]!, window });
      });
    }

    const metrics: MetricValue[] = [];
    const metricErrors: NonNullable<Report['metricErrors']> = [];
    for (const m of this.#metrics) {
      const planned = m.planned;
      const t = clock.hrtime();
      try {
        let values: MetricValue[];
        const dataset = datasets.get(planned.dataset);
        if (m.createError || m.updateError) throw new Error(m.createError ?? m.updateError);
        if (m.mode === 'stream') {
          values = await runInline(planned.timeoutMs, `metric "${planned.id}"`, signal, async () => checkMetricValues(await (m.instance as StatefulMetric).compute({ window }, m.ctx!)));
        } else if (!dataset) {
          throw new Error(`dataset "${planned.dataset}" is not in the config's data:`);
        } else if (runner && planned.isolation === 'worker' && planned.component.module && !planned.segments) {
          const job: WorkerJob = {
            kind: 'metric', module: planned.component.module, name: planned.component.name, id: planned.id, use: planned.use, options: planned.options,
            seed: plan.config.seed, configDir: plan.loaded.dir, dataset: planned.dataset, window,
          };
          values = checkMetricValues(await runner.run(job, planned.timeoutMs, `metric "${planned.id}"`, signal) as MetricValue[]);
        } else if (m.instance) {
          values = await runInline(planned.timeoutMs, `metric "${planned.id}"`, signal, async () => checkMetricValues(await (m.instance as Metric).compute({ dataset, datasets }, m.ctx!)));
        } else {
          values = await runMetricComponent(planned, { dataset, datasets }, this.#services, signal, {
            onNotice: (notice) => this.#warn(`metric "${planned.id}" (${planned.use}): ${notice}`),
            window,
          });
        }
        // The dataset a value was computed on is part of its identity (the same metric often runs on
        // reference and current), so exporters never see two values with one name and label set.
        for (const v of values) v.labels = { dataset: planned.dataset, ...v.labels };
        for (const v of values) metrics.push(v); // not push(...values): a series may hold a million values
        events.emit('metric:end', { id: planned.id, use: planned.use, values, durationMs: clock.hrtime() - t, window });
      } catch (error) {
        const message = clipText(errorMessage(error), 2000);
        metricErrors.push({ id: planned.id, use: planned.use, message });
        events.emit('metric:end', { id: planned.id, use: planned.use, values: [], durationMs: clock.hrtime() - t, error: message, window });
      }
    }
    const status = this.#datasetErrors.size > 0 ? 'error' : overallStatus(reports, metricErrors.length);
    return redactDeep({ window, status, datasets: counts, detectors: reports, metrics, ...(metricErrors.length ? { metricErrors } : {}) }, plan.loaded.secrets);
  }

  /** Everything needed to continue after a restart; consistent with every window returned so far. */
  snapshot(): SessionSnapshot {
    const components: Record<string, unknown> = {};
    for (const d of [...this.#detectors, ...this.#metrics]) {
      if (d.mode !== 'stream' || d.createError) continue;
      const key = `${d.planned.kind}:${d.planned.id}`;
      const inst = d.instance as StatefulDetector;
      if (typeof inst.snapshot !== 'function') {
        throw new VigiaError('VIGIA_RUNTIME', `${d.planned.kind} "${d.planned.id}" (${d.planned.use}) keeps state across windows but has no snapshot(): its plugin must implement snapshot() and restore() to survive a restart`);
      }
      components[key] = inst.snapshot();
    }
    if (this.#axis.every !== this.#axis.size && this.#sliding.length) {
      throw new VigiaError('VIGIA_RUNTIME', 'sliding windows (windows.every) cannot be snapshotted yet; use tumbling windows for a restartable session');
    }
    return structuredClone({
      version: 1,
      name: this.#plan.config.name,
      nextIndex: this.#nextIndex,
      positions: this.#positions,
      ...(this.#open ? { open: { ...this.#open } } : {}),
      ...(this.#buffering && this.#buffer.length ? { buffer: this.#buffer } : {}),
      components,
      totals: { ...this.#totals },
    });
  }

  #restore(snapshot: SessionSnapshot): void {
    if (!snapshot || snapshot.version !== 1) throw new ConfigError('VIGIA_CONFIG_INVALID', 'the session state is not a Vigia session snapshot of version 1; remove it to start afresh');
    if (snapshot.name !== this.#plan.config.name) {
      throw new ConfigError('VIGIA_CONFIG_INVALID', `the session state belongs to config "${snapshot.name}", not "${this.#plan.config.name}"; use another store or remove the state`);
    }
    this.#nextIndex = snapshot.nextIndex;
    this.#positions = { ...snapshot.positions };
    this.#open = snapshot.open ? { ...snapshot.open, end: snapshot.open.end ?? Infinity } : undefined;
    this.#buffer = snapshot.buffer ? [...snapshot.buffer] : [];
    this.#totals = { ...snapshot.totals };
    // Idle time counts from the restart, not from the epoch.
    this.#lastArrival = this.#services.clock.now();
    for (const d of [...this.#detectors, ...this.#metrics]) {
      if (d.mode !== 'stream' || d.createError) continue;
      const key = `${d.planned.kind}:${d.planned.id}`;
      if (!(key in snapshot.components)) continue;
      const inst = d.instance as StatefulDetector;
      if (typeof inst.restore !== 'function') throw new VigiaError('VIGIA_RUNTIME', `${d.planned.kind} "${d.planned.id}" (${d.planned.use}) has no restore(): it cannot continue from a snapshot`);
      inst.restore(snapshot.components[key]);
    }
  }

  /** Where the windowed dataset's reader resumes. */
  position(dataset = this.#axis.dataset): SourcePosition | undefined {
    return dataset ? this.#positions[dataset] : undefined;
  }

  /**
   * Read the windowed dataset's own source to its end (from the restored position), then close.
   * What `vigia run` does with `windows:`.
   */
  async consume(): Promise<void> {
    const dataset = this.#axis.dataset;
    if (!dataset) return;
    const planned = this.#plan.datasets.find((d) => d.id === dataset);
    if (!planned) throw new ConfigError('VIGIA_CONFIG_INVALID', `windows.dataset names "${dataset}", but data: has no such dataset; add data.${dataset} or set windows.dataset`);
    const ctx = createComponentContext(this.#services, { id: planned.id, use: planned.use, signal: this.#options.signal });
    const t = this.#services.clock.hrtime();
    try {
      const source = (await planned.component.def.create(planned.options as never, ctx)) as Source;
      const from = this.#positions[dataset];
      for await (const batch of streamOf(source, ctx, from ? { from } : {})) await this.push(batch);
    } catch (error) {
      throw rethrowAs(error, `dataset "${planned.id}" (${planned.use})`);
    }
    this.#services.events.emit('dataset:loaded', { name: dataset, records: this.#totals.records, skipped: this.#totals.skipped, durationMs: this.#services.clock.hrtime() - t });
  }

  /**
   * Finish: evaluate what is still open (the single window of a whole-run session; the last,
   * partial window of a windowed one), hand the report to sinks, flush and shut them down,
   * dispose long-lived services. Throws {@link SinkFailedError} when a required sink failed.
   */
  async close(): Promise<Report> {
    if (this.#closed) throw new VigiaError('VIGIA_RUNTIME', 'the session is already closed');
    this.#closed = true;
    try {
      if (this.#axis.kind === 'all') {
        // The one window covers the data under test: `current`, else the datasets no detector uses as reference.
        const refs = new Set(this.#plan.detectors.map((d) => d.reference));
        const under = this.#staticTimes.has('current') ? ['current'] : [...this.#staticTimes.keys()].filter((n) => !refs.has(n));
        this.#open = { start: 0, end: Infinity, records: 0, skipped: 0, late: 0, untimed: 0 };
        for (const name of under) {
          const t = this.#staticTimes.get(name)!;
          this.#open.records += t.records;
          if (t.first !== undefined) trackTime(this.#open, t.first);
          if (t.last !== undefined) trackTime(this.#open, t.last);
        }
        await this.#closeWindow(false);
      } else {
        await this.flushPartial();
      }
      return await this.#finish();
    } finally {
      await this.#runner?.close();
    }
  }

  async #finish(): Promise<Report> {
    const plan = this.#plan;
    await this.#container.resolve<LazyPool<Embedder>>(Tokens.Embedders).disposeAll();
    await this.#container.resolve<LazyPool<Provider>>(Tokens.Providers).disposeAll();
    const windowed = this.#axis.kind !== 'all';
    const last = this.#windows[this.#windows.length - 1];
    const datasets: Report['datasets'] = {};
    for (const [name, r] of this.#staticReports) datasets[name] = { ...r };
    if (this.#axis.dataset) datasets[this.#axis.dataset] = { records: this.#totals.records, skipped: this.#totals.skipped };
    // A rolling reference: as the last window saw it.
    for (const id of this.#history.keys()) if (last?.datasets[id]) datasets[id] = { ...last.datasets[id]! };
    for (const [name, error] of this.#datasetErrors) if (datasets[name]) datasets[name]!.error = error;
    const worst = overallStatus(this.#windows, 0);
    const first = this.#windows[0];
    const report: Report = redactDeep({
      version: 1,
      name: plan.config.name,
      status: this.#datasetErrors.size > 0 ? 'error' : windowed ? (this.#windows.length ? worst : 'pass') : (last?.status ?? 'pass'),
      startedAt: this.#startedAt,
      durationMs: round(this.#services.clock.hrtime() - this.#t0),
      seed: plan.config.seed,
      ...(plan.config.correction !== 'none' ? { correction: plan.config.correction } : {}),
      datasets,
      detectors: last?.detectors ?? [],
      metrics: last?.metrics ?? [],
      ...(this.#warnings.length ? { warnings: [...this.#warnings] } : {}),
      ...(last?.metricErrors?.length ? { metricErrors: last.metricErrors } : {}),
      ...(windowed
        ? {
          window: { index: 0, start: first?.window.start ?? null, end: last?.window.end ?? null, partial: false, records: this.#totals.records },
          windows: this.#windows,
        }
        : last ? { window: last.window } : {}),
    }, plan.loaded.secrets);
    if (windowed) {
      const errors = this.#windows.flatMap((w) => (w.metricErrors ?? []).map((e) => ({ ...e, message: `window ${w.window.index}: ${e.message}` })));
      if (errors.length) report.metricErrors = errors;
    }
    this.#services.events.emit('run:end', { report });
    this.#finishing = report;
    await this.#hub.finish(report);
    for (const line of this.#hub.repeatedFailures()) report.warnings = [...(report.warnings ?? []), redactSecrets(line, plan.loaded.secrets)];
    const required = this.#hub.requiredFailures();
    if (required.length > 0) {
      throw new SinkFailedError(`${required.length === 1 ? 'a required output' : `${required.length} required outputs`} could not be produced: ${required.join('; ')} (mark a sink \`required: false\` in the config if its output is optional)`, report);
    }
    return report;
  }

  /** Opening failed: release what was started. */
  async #abandon(): Promise<void> {
    await this.#runner?.close();
    try {
      await this.#container.resolve<LazyPool<Embedder>>(Tokens.Embedders).disposeAll();
      await this.#container.resolve<LazyPool<Provider>>(Tokens.Providers).disposeAll();
    } catch {
      // nothing more to release
    }
  }
}

/** How a dataset is named in messages: `jsonl samples/current.jsonl`, or the source's name. */
function originOf(planned: Plan['datasets'][number]): string {
  return typeof planned.options.path === 'string' ? `${planned.use} ${planned.options.path}` : planned.use;
}

function errorResult(message: string): DetectorResult {
  return { status: 'error', statistic: null, pValue: null, threshold: null, message };
}

async function settle(planned: { id: string }, run: () => Promise<DetectorResult>, logger: RunServices['logger']): Promise<DetectorResult> {
  try {
    return await run();
  } catch (error) {
    logger.debug(`detector ${planned.id} failed`, { stack: error instanceof Error ? error.stack : undefined });
    return errorResult(clipText(errorMessage(error), 2000));
  }
}

/** A source as batches: its own `stream`, or its `read` as one batch. */
export async function* streamOf(source: Source, ctx: ComponentContext, options: { from?: SourcePosition; fields?: readonly string[] }): AsyncIterable<SourceBatch> {
  if (typeof source.stream === 'function') {
    yield* source.stream(ctx, options);
    return;
  }
  if (typeof source.read !== 'function') throw new DataError('the source has neither read() nor stream(); a source plugin must implement one of them');
  if (options.from) throw new DataError('this source cannot resume from a position (it has no stream()); it is read from the start');
  const out = await source.read(ctx);
  yield { records: out.records, skipped: out.skipped, ...(out.skippedExamples ? { skippedExamples: out.skippedExamples } : {}), ...(out.warnings ? { warnings: out.warnings } : {}), ...(out.error ? { error: out.error } : {}) };
}

function windowAxis(plan: Plan): WindowAxis {
  const w = plan.config.windows;
  if (!w) return { kind: 'all', size: Infinity, every: Infinity, timestampField: 'timestamp' };
  const where = `${plan.loaded.displayPath}: /windows`;
  if ((w.size === undefined) === (w.records === undefined)) {
    throw new ConfigError('VIGIA_CONFIG_INVALID', `${where} needs exactly one of size: (a duration such as 5m, windows by record time) or records: (a count); it has ${w.size === undefined ? 'neither' : 'both'}`);
  }
  if (!(w.dataset in plan.config.data)) {
    throw new ConfigError('VIGIA_CONFIG_INVALID', `${where}/dataset names "${w.dataset}", but data: has no such dataset (defined: ${Object.keys(plan.config.data).map((n) => `"${n}"`).join(', ') || 'none'})`);
  }
  const size = w.size !== undefined ? parseDuration(w.size) : w.records!;
  let every = size;
  if (w.every !== undefined) {
    every = typeof w.every === 'number' ? w.every : parseDuration(w.every);
    const kindOk = (w.size !== undefined) === (typeof w.every === 'string');
    if (!kindOk || !(every > 0) || size % every !== 0) {
      throw new ConfigError('VIGIA_CONFIG_INVALID', `${where}/every must be ${w.size !== undefined ? 'a duration' : 'a record count'} that divides the window length (${w.size ?? w.records})`);
    }
  }
  return { kind: w.size !== undefined ? 'time' : 'count', size, every, dataset: w.dataset, timestampField: w.timestampField };
}

/**
 * The fields every record keeps: the union of what the components declared, their `by:` fields
 * and the window's time field. Undefined (keep everything) when a component did not declare its
 * fields, or virtual fields are in use (their providers read text fields of their own).
 */
function projectionOf(plan: Plan, axis: WindowAxis): ((r: VigiaRecord) => VigiaRecord) | undefined {
  if (plan.fieldProviders.length > 0) return undefined;
  const fields = new Set<string>(['timestamp', axis.timestampField]);
  for (const p of [...plan.detectors, ...plan.metrics]) {
    const declared = p.component.def.fields?.(structuredClone(p.options) as never);
    if (!declared) return undefined;
    for (const f of declared) fields.add(f);
    if (p.segments) fields.add(p.segments.by);
  }
  return projector([...fields]);
}

/**
 * What a stored sample keeps when the session keeps whole records (virtual fields in use): the
 * declared fields, the virtual fields computed on them, `by:` fields and the time field.
 * Undefined (whole records) when a component did not declare its fields.
 */
function historyProjectionOf(plan: Plan, axis: WindowAxis): ((r: VigiaRecord) => VigiaRecord) | undefined {
  const fields = new Set<string>(['timestamp', axis.timestampField]);
  for (const p of [...plan.detectors, ...plan.metrics]) {
    const declared = p.component.def.fields?.(structuredClone(p.options) as never);
    if (!declared) return undefined;
    for (const f of [...declared, ...p.virtualFields]) fields.add(f);
    if (p.segments) fields.add(p.segments.by);
  }
  // Virtual fields are stored under their full dotted name on the record: the projector keeps them.
  return projector([...fields]);
}

function trackTime(open: OpenWindowState, raw: unknown): void {
  if (typeof raw !== 'string' && typeof raw !== 'number') return;
  // As written: ISO times in one zone order as strings; numbers as numbers.
  if (open.first === undefined || raw < open.first) open.first = raw;
  if (open.last === undefined || raw > open.last) open.last = raw;
}

/** The dotted field paths of a record (nested objects walked, arrays not). */
export function fieldPathsOf(record: VigiaRecord): string[] {
  const out: string[] = [];
  const walk = (v: unknown, prefix: string, depth: number) => {
    if (!v || typeof v !== 'object' || Array.isArray(v) || depth > 4) return;
    for (const [k, x] of Object.entries(v)) {
      const path = prefix ? `${prefix}.${k}` : k;
      out.push(path);
      walk(x, path, depth + 1);
    }
  };
  walk(record, '', 0);
  return out.slice(0, 500);
}

export type { Status };

/** A whole source as one output: its own `read`, or its `stream` collected. */
export async function readAll(source: Source, ctx: ComponentContext): Promise<SourceOutput> {
  if (typeof source.read === 'function') return source.read(ctx);
  const out: SourceOutput = { records: [], skipped: 0 };
  for await (const batch of streamOf(source, ctx, {})) {
    for (const r of batch.records) out.records.push(r);
    out.skipped += batch.skipped;
    if (batch.skippedExamples?.length) out.skippedExamples = [...(out.skippedExamples ?? []), ...batch.skippedExamples].slice(0, 5);
    if (batch.warnings?.length) out.warnings = [...(out.warnings ?? []), ...batch.warnings];
    if (batch.error) {
      out.error = batch.error;
      break;
    }
  }
  return out;
}
