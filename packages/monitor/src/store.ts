import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DuckDBConnection, DuckDBInstance, DuckDBValue } from '@duckdb/node-api';
import { encodeSampleRecord, type DetectorReport, type HistoryCandidate, type HistoryProvenance, type MetricValue, type Status, type WindowReport, type WindowSample } from '@vigia/core';

/**
 * The history store: every closed window's results, the watcher's session state and its alerts in
 * one embedded DuckDB file.
 *
 * Window rows, the session state (input positions + component snapshots) and alert transitions of
 * one step are written in ONE transaction, so after a crash at any instant the store holds either
 * the step's windows together with the positions after them, or neither: a restart resumes from
 * the stored positions and counts every record in exactly one window.
 *
 * DuckDB lets one process open a file for writing (and, while it does, no other process can open
 * it even read-only). A second writer gets {@link StoreLockedError}; readers of a store held by a
 * running watcher read through the watcher's HTTP port (see {@link WatcherInfo}).
 */

/** One window as `vigia history` shows it (contract: `{ windows: [HistoryWindow] }`). */
export interface HistoryWindow {
  /** Window index in its session. */
  index: number;
  start: string | null;
  end: string | null;
  partial: boolean;
  status: Status;
  /** Records per dataset in this window. */
  records: Record<string, number>;
  detectors: DetectorReport[];
  metrics: MetricValue[];
  /** When the row was written (ISO). */
  writtenAt: string;
  /** Rolling references (fromHistory) by dataset: where this window's reference came from (additive). */
  references?: Record<string, HistoryProvenance>;
}

/** A transition of an alert rule, as stored and delivered. */
export interface AlertRecord {
  /** Stable id of this transition (the delivery's idempotency key). */
  key: string;
  rule: string;
  state: 'firing' | 'resolved';
  severity: string;
  /** ISO time of the transition (wall clock). */
  at: string;
  /** The window whose evaluation caused it. */
  window: { index: number; start: string | null; end: string | null };
  /** The value the rule saw (a metric value, or a detector status). */
  value: number | string | null;
  /** The rule's condition as written (`latency.p95 > 2`). */
  when: string;
  message: string;
}

/** A stored alert and the state of its delivery. */
export interface StoredAlert extends AlertRecord {
  delivered: boolean;
  attempts: number;
  lastError: string | null;
}

export class StoreLockedError extends Error {
  constructor(readonly path: string, readonly pid: number | undefined, detail: string) {
    super(`history store ${path} is open in another process${pid ? ` (PID ${pid})` : ''}: DuckDB lets one process write a store. `
      + 'Is another `vigia watch` of this config running? Stop it first, or give this config its own `store: { path }`. '
      + `(${detail})`);
    this.name = 'StoreLockedError';
  }
}

export interface StoreOptions {
  /** Delete windows (and alerts) written more than this many days ago, as new rows are written. */
  retentionDays?: number;
  /** Wall clock in ms (injectable for tests). */
  now?: () => number;
  /** Open without writing (fails while a writer holds the file). */
  readOnly?: boolean;
}

const DAY_MS = 86_400_000;

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS windows (
    run VARCHAR NOT NULL,
    idx BIGINT NOT NULL,
    start_at VARCHAR,
    end_at VARCHAR,
    start_ms DOUBLE,
    end_ms DOUBLE,
    partial BOOLEAN NOT NULL,
    status VARCHAR NOT NULL,
    records JSON NOT NULL,
    detectors JSON NOT NULL,
    metrics JSON NOT NULL,
    written_ms DOUBLE NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS session_state (
    run VARCHAR NOT NULL,
    state JSON NOT NULL,
    written_ms DOUBLE NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS alerts (
    run VARCHAR NOT NULL,
    key VARCHAR NOT NULL,
    body JSON NOT NULL,
    delivered BOOLEAN NOT NULL,
    attempts INTEGER NOT NULL,
    last_error VARCHAR,
    written_ms DOUBLE NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS meta (key VARCHAR NOT NULL, value VARCHAR NOT NULL)`,
  // Added with rolling references (stores written before get the column, NULL in old rows).
  `ALTER TABLE windows ADD COLUMN IF NOT EXISTS refs JSON`,
  // Rolling references (fromHistory): per closed window its record count and a uniform sample of
  // its projected records in random order (rank = position), committed with the window.
  `CREATE SEQUENCE IF NOT EXISTS sample_window_id`,
  `CREATE TABLE IF NOT EXISTS sample_windows (
    id BIGINT NOT NULL,
    run VARCHAR NOT NULL,
    dataset VARCHAR NOT NULL,
    idx BIGINT NOT NULL,
    start_ms DOUBLE,
    end_ms DOUBLE,
    partial BOOLEAN NOT NULL,
    status VARCHAR NOT NULL,
    records BIGINT NOT NULL,
    sampled INTEGER NOT NULL,
    written_ms DOUBLE NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS samples (
    window_id BIGINT NOT NULL,
    rank INTEGER NOT NULL,
    record VARCHAR NOT NULL
  )`,
];



const SCHEMA_VERSION = '1';

function lockPid(message: string): number | undefined {
  const m = /\(PID (\d+)\)/.exec(message);
  return m ? Number(m[1]) : undefined;
}

function isLockError(message: string): boolean {
  return /Could not set lock|Conflicting lock/i.test(message);
}

/** The window's time bound as epoch ms for range queries (null for count windows without time). */
function ms(iso: string | null): number | null {
  if (iso === null) return null;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : null;
}

export function historyWindowOf(w: WindowReport, writtenAt: string): HistoryWindow {
  return {
    index: w.window.index,
    start: w.window.start,
    end: w.window.end,
    partial: w.window.partial,
    status: w.status,
    records: Object.fromEntries(Object.entries(w.datasets).map(([name, d]) => [name, d.records])),
    detectors: w.detectors,
    metrics: w.metrics,
    writtenAt,
    ...references(w),
  };
}

function references(w: WindowReport): { references?: Record<string, HistoryProvenance> } {
  const refs = Object.entries(w.datasets).flatMap(([name, d]) => (d.history ? [[name, d.history] as const] : []));
  return refs.length ? { references: Object.fromEntries(refs) } : {};
}

export class HistoryStore {
  readonly #instance: DuckDBInstance;
  readonly #c: DuckDBConnection;
  readonly #now: () => number;
  readonly #retentionMs: number | undefined;
  readonly readOnly: boolean;
  #closed = false;
  #hasRefs: boolean | undefined;
  /** Serialises transactions on the one connection. */
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(readonly path: string, instance: DuckDBInstance, connection: DuckDBConnection, options: StoreOptions) {
    this.#instance = instance;
    this.#c = connection;
    this.#now = options.now ?? Date.now;
    this.#retentionMs = options.retentionDays !== undefined ? options.retentionDays * DAY_MS : undefined;
    this.readOnly = options.readOnly ?? false;
  }

  /** Open (creating it and its directory when needed) the store at `path`; `:memory:` for tests. */
  static async open(path: string, options: StoreOptions = {}): Promise<HistoryStore> {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    if (path !== ':memory:' && !options.readOnly) mkdirSync(dirname(path), { recursive: true });
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(path, options.readOnly ? { access_mode: 'READ_ONLY' } : {});
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (isLockError(message)) throw new StoreLockedError(path, lockPid(message), message.split('. See also')[0]!);
      throw new Error(`cannot open the history store ${path}: ${message}`, { cause: error });
    }
    const connection = await instance.connect();
    const store = new HistoryStore(path, instance, connection, options);
    if (!options.readOnly) await store.#migrate();
    return store;
  }

  async #migrate(): Promise<void> {
    for (const sql of SCHEMA) await this.#c.run(sql);
    const rows = (await this.#c.runAndReadAll(`SELECT value FROM meta WHERE key = 'schema'`)).getRowObjectsJson();
    if (rows.length === 0) await this.#c.run(`INSERT INTO meta VALUES ('schema', ?)`, [SCHEMA_VERSION]);
    else if (rows[0]!.value !== SCHEMA_VERSION) {
      throw new Error(`history store ${this.path} has schema version ${String(rows[0]!.value)}, this vigia writes version ${SCHEMA_VERSION}; use another store.path or an older vigia to read it`);
    }
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(fn, fn);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async #transaction<T>(fn: () => Promise<T>): Promise<T> {
    return this.#serial(async () => {
      if (this.#closed) throw new Error(`history store ${this.path} is closed`);
      await this.#c.run('BEGIN TRANSACTION');
      try {
        const out = await fn();
        await this.#c.run('COMMIT');
        return out;
      } catch (error) {
        await this.#c.run('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  /**
   * Commit one step atomically: the windows it closed, the session state after it (when given),
   * the alert transitions it caused; then delete what retention says is too old.
   */
  async commit(run: string, step: { windows?: readonly WindowReport[]; state?: unknown; alerts?: readonly AlertRecord[]; samples?: readonly WindowSample[] }): Promise<void> {
    const now = this.#now();
    await this.#transaction(async () => {
      for (const w of step.windows ?? []) {
        const h = historyWindowOf(w, new Date(now).toISOString());
        await this.#c.run(
          'INSERT INTO windows (run, idx, start_at, end_at, start_ms, end_ms, partial, status, records, detectors, metrics, written_ms, refs) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
          [run, h.index, h.start, h.end, ms(h.start), ms(h.end), h.partial, h.status, JSON.stringify(h.records), JSON.stringify(h.detectors), JSON.stringify(h.metrics), now, h.references ? JSON.stringify(h.references) : null] as DuckDBValue[],
        );
      }
      if (step.state !== undefined) {
        await this.#c.run('DELETE FROM session_state WHERE run = ?', [run]);
        await this.#c.run('INSERT INTO session_state VALUES (?, ?, ?)', [run, JSON.stringify(step.state), now]);
      }
      for (const a of step.alerts ?? []) {
        await this.#c.run('INSERT INTO alerts VALUES (?, ?, ?, false, 0, NULL, ?)', [run, a.key, JSON.stringify(a), now]);
      }
      for (const sample of step.samples ?? []) await this.#insertSample(run, sample, now);
      if (this.#retentionMs !== undefined) {
        const cutoff = now - this.#retentionMs;
        await this.#c.run('DELETE FROM windows WHERE written_ms < ?', [cutoff]);
        await this.#c.run('DELETE FROM samples WHERE window_id IN (SELECT id FROM sample_windows WHERE written_ms < ?)', [cutoff]);
        await this.#c.run('DELETE FROM sample_windows WHERE written_ms < ?', [cutoff]);
        // An alert not yet delivered is kept whatever its age: it is never dropped silently.
        await this.#c.run('DELETE FROM alerts WHERE written_ms < ? AND delivered', [cutoff]);
      }
    });
  }

  async #insertSample(run: string, s: WindowSample, now: number): Promise<void> {
    const reader = await this.#c.runAndReadAll(
      `INSERT INTO sample_windows VALUES (nextval('sample_window_id'), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      [run, s.dataset, s.window.index, s.startMs, s.endMs, s.window.partial, s.status, s.records, s.sample.length, now] as DuckDBValue[],
    );
    const id = BigInt(String(reader.getRowObjectsJson()[0]!.id));
    // The appender writes in the connection's open transaction (a rollback drops its rows too).
    const appender = await this.#c.createAppender('samples');
    try {
      for (let i = 0; i < s.sample.length; i++) {
        appender.appendBigInt(id);
        appender.appendInteger(i);
        appender.appendVarchar(encodeSampleRecord(s.sample[i]!));
        appender.endRow();
      }
    } finally {
      appender.closeSync();
    }
  }

  /**
   * Stored windows of `run` with a sample, ending (record time, else write time) in
   * (fromMs, toMs]: the candidates of a rolling reference.
   */
  async sampleWindows(run: string, range: { fromMs: number; toMs: number }): Promise<HistoryCandidate[]> {
    return this.#serial(async () => {
      const bounded = Number.isFinite(range.fromMs);
      const reader = await this.#c.runAndReadAll(
        `SELECT id, idx, start_ms, end_ms, written_ms, status, partial, records, sampled FROM sample_windows
         WHERE run = ? AND COALESCE(end_ms, written_ms) <= CAST(? AS DOUBLE)${bounded ? ' AND COALESCE(end_ms, written_ms) > CAST(? AS DOUBLE)' : ''}`,
        bounded ? [run, range.toMs, range.fromMs] : [run, range.toMs],
      );
      return reader.getRowObjectsJson().map((r) => ({
        key: String(r.id),
        index: Number(r.idx),
        startMs: r.start_ms === null ? null : Number(r.start_ms),
        endMs: r.end_ms === null ? null : Number(r.end_ms),
        writtenMs: Number(r.written_ms),
        status: r.status as Status,
        partial: Boolean(r.partial),
        records: Number(r.records),
        sampled: Number(r.sampled),
      }));
    });
  }

  /**
   * From each stored window (by `key`), the `take` sampled records at ranks offset, offset+1, …
   * (wrapping): a uniform subset, since a sample is stored in random order. Encoded records.
   */
  async sampleRecords(draws: ReadonlyArray<{ key: string; offset: number; take: number; size: number }>): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    const wanted = draws.filter((d) => d.take > 0);
    if (wanted.length === 0) return out;
    const { listValue, LIST, BIGINT, INTEGER } = await import('@duckdb/node-api');
    const ids = wanted.map((d) => BigInt(d.key));
    // Rows are appended in window order: the id range lets DuckDB skip older row groups.
    const lo = ids.reduce((a, b) => (b < a ? b : a));
    const hi = ids.reduce((a, b) => (b > a ? b : a));
    return this.#serial(async () => {
      const reader = await this.#c.runAndReadAll(
        `SELECT s.window_id, s.rank, s.record FROM samples s
         JOIN (SELECT unnest(?) AS id, unnest(?) AS off, unnest(?) AS take, unnest(?) AS size) a ON s.window_id = a.id
         WHERE s.window_id BETWEEN ? AND ? AND ((s.rank - a.off + a.size) % a.size) < a.take
         ORDER BY s.window_id, s.rank`,
        [listValue(ids), listValue(wanted.map((d) => d.offset)), listValue(wanted.map((d) => d.take)), listValue(wanted.map((d) => d.size)), lo, hi],
        [LIST(BIGINT), LIST(INTEGER), LIST(INTEGER), LIST(INTEGER), BIGINT, BIGINT],
      );
      for (const r of reader.getRowObjectsJson()) {
        const key = String(r.window_id);
        let list = out.get(key);
        if (!list) out.set(key, (list = []));
        list.push(String(r.record));
      }
      return out;
    });
  }

  /** Sampled windows and records kept for `run` (for tests and `vigia history`). */
  async sampleCounts(run: string): Promise<{ windows: number; records: number }> {
    return this.#serial(async () => {
      const r = (await this.#c.runAndReadAll(
        'SELECT count(*) AS w, COALESCE(sum(sampled), 0) AS n, (SELECT count(*) FROM samples WHERE window_id IN (SELECT id FROM sample_windows WHERE run = ?)) AS rows FROM sample_windows WHERE run = ?',
        [run, run],
      )).getRowObjectsJson()[0]!;
      return { windows: Number(r.w), records: Number(r.rows) };
    });
  }

  /** The session state last committed for `run`, or undefined for a first start. */
  async state(run: string): Promise<unknown> {
    return this.#serial(async () => {
      const rows = (await this.#c.runAndReadAll('SELECT state FROM session_state WHERE run = ?', [run])).getRowObjectsJson();
      return rows.length ? JSON.parse(String(rows[0]!.state)) : undefined;
    });
  }

  /** Windows of `run`, oldest first; `sinceMs`: only windows ending (or written, without an end) at or after it. */
  async windows(run: string, options: { sinceMs?: number } = {}): Promise<HistoryWindow[]> {
    return this.#serial(async () => {
      const since = options.sinceMs;
      const where = since === undefined ? '' : ' AND COALESCE(end_ms, written_ms) >= ?';
      const values: DuckDBValue[] = since === undefined ? [run] : [run, since];
      const reader = await this.#c.runAndReadAll(
        `SELECT idx, start_at, end_at, partial, status, records, detectors, metrics, written_ms, ${await this.#refsColumn() ? 'refs' : 'NULL AS refs'} FROM windows WHERE run = ?${where} ORDER BY written_ms, idx`,
        values,
      );
      return reader.getRowObjectsJson().map((r) => ({
        index: Number(r.idx),
        start: (r.start_at as string | null) ?? null,
        end: (r.end_at as string | null) ?? null,
        partial: Boolean(r.partial),
        status: r.status as Status,
        records: JSON.parse(String(r.records)) as Record<string, number>,
        detectors: JSON.parse(String(r.detectors)) as DetectorReport[],
        metrics: JSON.parse(String(r.metrics)) as MetricValue[],
        writtenAt: new Date(Number(r.written_ms)).toISOString(),
        ...(r.refs !== null && r.refs !== undefined ? { references: JSON.parse(String(r.refs)) as Record<string, HistoryProvenance> } : {}),
      }));
    });
  }

  /** Whether the windows table has `refs` (a store written by an older vigia, opened read-only, has not). */
  async #refsColumn(): Promise<boolean> {
    this.#hasRefs ??= (await this.#c.runAndReadAll(`SELECT count(*) AS n FROM information_schema.columns WHERE table_name = 'windows' AND column_name = 'refs'`)).getRowObjectsJson()[0]!.n !== '0';
    return this.#hasRefs;
  }

  /** Stored alert transitions of `run`; `pending`: only those not delivered yet. */
  async alerts(run: string, options: { pending?: boolean } = {}): Promise<StoredAlert[]> {
    return this.#serial(async () => {
      const reader = await this.#c.runAndReadAll(
        `SELECT body, delivered, attempts, last_error FROM alerts WHERE run = ?${options.pending ? ' AND NOT delivered' : ''} ORDER BY written_ms, key`,
        [run],
      );
      return reader.getRowObjectsJson().map((r) => ({
        ...(JSON.parse(String(r.body)) as AlertRecord),
        delivered: Boolean(r.delivered),
        attempts: Number(r.attempts),
        lastError: (r.last_error as string | null) ?? null,
      }));
    });
  }

  /** Record a delivery attempt of an alert transition. */
  async markDelivery(run: string, key: string, outcome: { delivered: boolean; error?: string }): Promise<void> {
    await this.#transaction(async () => {
      await this.#c.run(
        'UPDATE alerts SET delivered = ?, attempts = attempts + 1, last_error = ? WHERE run = ? AND key = ?',
        [outcome.delivered, outcome.error ?? null, run, key],
      );
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#queue;
    this.#closed = true;
    this.#c.closeSync();
    this.#instance.closeSync();
  }
}
