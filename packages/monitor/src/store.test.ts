import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeSampleRecord, type WindowReport, type WindowSample } from '@vigia/core';
import { HistoryStore, StoreLockedError } from './store.js';

const dir = mkdtempSync(join(tmpdir(), 'vigia-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

export function windowReport(index: number, startMs: number, lengthMs: number, records: number, extra: Partial<WindowReport> = {}): WindowReport {
  return {
    window: { index, start: new Date(startMs).toISOString(), end: new Date(startMs + lengthMs).toISOString(), partial: false, records },
    status: 'pass',
    datasets: { current: { records, skipped: 0 } },
    detectors: [{ id: 'latency', use: 'feature-drift', status: 'pass', statistic: 0.1, pValue: 0.5, threshold: 0.05, message: 'ok', durationMs: 1 }],
    metrics: [{ name: 'latency.p95', value: 1.5, unit: 's' }],
    ...extra,
  };
}

describe('HistoryStore', () => {
  it('commits windows and state together and reads them back in the history shape', async () => {
    const store = await HistoryStore.open(join(dir, 'a', 'history.duckdb'));
    await store.commit('cfg', { windows: [windowReport(0, 0, 60_000, 10), windowReport(1, 60_000, 60_000, 7)], state: { positions: { current: { offset: 123 } } } });
    await store.commit('other', { windows: [windowReport(0, 0, 60_000, 99)] });
    const rows = await store.windows('cfg');
    expect(rows.map((r) => [r.index, r.records.current, r.status, r.partial])).toEqual([[0, 10, 'pass', false], [1, 7, 'pass', false]]);
    expect(rows[0]!.start).toBe('1970-01-01T00:00:00.000Z');
    expect(rows[0]!.detectors[0]!.id).toBe('latency');
    expect(rows[0]!.metrics[0]!.value).toBe(1.5);
    expect(await store.state('cfg')).toEqual({ positions: { current: { offset: 123 } } });
    expect(await store.state('nope')).toBeUndefined();
    expect((await store.windows('cfg', { sinceMs: 60_000 })).map((r) => r.index)).toEqual([0, 1]);
    expect((await store.windows('cfg', { sinceMs: 100_000 })).map((r) => r.index)).toEqual([1]);
    await store.close();
    // Reopened: the same rows (durable), the latest state only.
    const again = await HistoryStore.open(join(dir, 'a', 'history.duckdb'));
    await again.commit('cfg', { state: { positions: { current: { offset: 456 } } } });
    expect(await again.state('cfg')).toEqual({ positions: { current: { offset: 456 } } });
    expect((await again.windows('cfg')).length).toBe(2);
    await again.close();
  });

  it('a failed step commits nothing: neither its windows nor its state', async () => {
    const store = await HistoryStore.open(':memory:');
    await store.commit('cfg', { windows: [windowReport(0, 0, 1000, 1)], state: { n: 1 } });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(store.commit('cfg', { windows: [windowReport(1, 1000, 1000, 1)], state: cyclic })).rejects.toThrow();
    expect((await store.windows('cfg')).map((w) => w.index)).toEqual([0]);
    expect(await store.state('cfg')).toEqual({ n: 1 });
    await store.close();
  });

  it('retention deletes what was written more than retentionDays ago and nothing newer (fake clock)', async () => {
    let now = Date.UTC(2026, 0, 1);
    const day = 86_400_000;
    const store = await HistoryStore.open(':memory:', { retentionDays: 7, now: () => now });
    for (let d = 0; d < 10; d++) {
      await store.commit('cfg', { windows: [windowReport(d, now, 1000, d + 1)] });
      now += day;
    }
    // Written on days 0..9; the last write (day 9) deletes rows written before day 2.
    const kept = await store.windows('cfg');
    expect(kept.map((w) => w.index)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    // Exactly at the boundary: a row written exactly retentionDays ago is kept, one ms older is not.
    now = Date.UTC(2026, 0, 3) + 7 * day;
    await store.commit('cfg', {});
    expect((await store.windows('cfg')).map((w) => w.index)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    now += 1;
    await store.commit('cfg', {});
    expect((await store.windows('cfg')).map((w) => w.index)).toEqual([3, 4, 5, 6, 7, 8, 9]);
    await store.close();
  });

  it('retention deletes the rolling reference samples with their windows (fake clock)', async () => {
    let now = Date.UTC(2026, 0, 1);
    const day = 86_400_000;
    const store = await HistoryStore.open(':memory:', { retentionDays: 3, now: () => now });
    const sampleOf = (w: WindowReport): WindowSample => ({
      dataset: 'current', window: w.window, startMs: Date.parse(w.window.start!), endMs: Date.parse(w.window.end!), status: 'pass', records: 50,
      sample: Array.from({ length: 20 }, (_, i) => ({ x: i, v: Array.from({ length: 16 }, (_, j) => j / 4) })),
    });
    for (let d = 0; d < 6; d++) {
      const w = windowReport(d, now, 1000, 50);
      await store.commit('cfg', { windows: [w], samples: [sampleOf(w)] });
      now += day;
    }
    // Written on days 0..5; the write of day 5 deleted days 0 and 1, samples included.
    expect(await store.sampleCounts('cfg')).toEqual({ windows: 4, records: 80 });
    const candidates = await store.sampleWindows('cfg', { fromMs: -Infinity, toMs: now });
    expect(candidates.map((c) => c.index)).toEqual([2, 3, 4, 5]);
    expect(candidates[0]).toMatchObject({ records: 50, sampled: 20, status: 'pass', partial: false });
    // Ranks wrap from the offset; vectors (16+ numbers) come back from float32 exactly here.
    const rows = await store.sampleRecords([{ key: candidates[0]!.key, offset: 18, take: 4, size: 20 }]);
    const got = rows.get(candidates[0]!.key)!.map((r) => JSON.parse(r) as { x: number });
    expect(got.map((r) => r.x)).toEqual([0, 1, 18, 19]);
    expect(decodeSampleRecord(rows.get(candidates[0]!.key)![0]!)).toEqual({ x: 0, v: Array.from({ length: 16 }, (_, j) => j / 4) });
    await store.close();
  });

  it('reads a store written before rolling references (no refs column), read-only and writable', async () => {
    const path = join(dir, 'old', 'h.duckdb');
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'old'), { recursive: true });
    const raw = await DuckDBInstance.create(path);
    const c = await raw.connect();
    await c.run(`CREATE TABLE windows (run VARCHAR NOT NULL, idx BIGINT NOT NULL, start_at VARCHAR, end_at VARCHAR, start_ms DOUBLE, end_ms DOUBLE, partial BOOLEAN NOT NULL, status VARCHAR NOT NULL, records JSON NOT NULL, detectors JSON NOT NULL, metrics JSON NOT NULL, written_ms DOUBLE NOT NULL)`);
    await c.run(`CREATE TABLE session_state (run VARCHAR NOT NULL, state JSON NOT NULL, written_ms DOUBLE NOT NULL)`);
    await c.run(`CREATE TABLE meta (key VARCHAR NOT NULL, value VARCHAR NOT NULL)`);
    await c.run(`INSERT INTO meta VALUES ('schema', '1')`);
    await c.run(`INSERT INTO windows VALUES ('cfg', 0, NULL, NULL, NULL, NULL, false, 'pass', '{"current":3}', '[]', '[]', 1)`);
    c.closeSync();
    raw.closeSync();
    const ro = await HistoryStore.open(path, { readOnly: true });
    expect((await ro.windows('cfg')).map((w) => [w.records.current, w.references])).toEqual([[3, undefined]]);
    await ro.close();
    const rw = await HistoryStore.open(path);
    await rw.commit('cfg', { windows: [windowReport(1, 0, 1000, 4, { datasets: { current: { records: 4, skipped: 0 }, reference: { records: 2, skipped: 0, history: { from: null, to: null, windows: 1, firstStart: null, lastEnd: null, represented: 3, sample: 2, excluded: 0 } } } })] });
    expect((await rw.windows('cfg')).map((w) => w.references?.reference?.represented ?? null)).toEqual([null, 3]);
    await rw.close();
  });

  it('keeps undelivered alerts past retention and records delivery attempts', async () => {
    let now = 0;
    const store = await HistoryStore.open(':memory:', { retentionDays: 1, now: () => now });
    const alert = { key: 'k1', rule: 'slow', state: 'firing' as const, severity: 'warn', at: new Date(0).toISOString(), window: { index: 0, start: null, end: null }, value: 3, when: 'latency.p95 > 2', message: 'x' };
    await store.commit('cfg', { alerts: [alert, { ...alert, key: 'k2' }] });
    await store.markDelivery('cfg', 'k1', { delivered: true });
    await store.markDelivery('cfg', 'k2', { delivered: false, error: 'HTTP 500' });
    now = 3 * 86_400_000;
    await store.commit('cfg', {});
    const left = await store.alerts('cfg');
    expect(left.map((a) => [a.key, a.delivered, a.attempts, a.lastError])).toEqual([['k2', false, 1, 'HTTP 500']]);
    await store.close();
  });

  it('refuses a second writer process with a message that says why', async () => {
    const path = join(dir, 'locked.duckdb');
    // Another process holds the store (DuckDB's lock is per process).
    const child = spawn(process.execPath, ['--input-type=module', '-e', `
      const { DuckDBInstance } = await import(${JSON.stringify(duckdbUrl())});
      const db = await DuckDBInstance.create(${JSON.stringify(path)});
      console.log('ready');
      setTimeout(() => process.exit(0), 20000);
    `], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d) => String(d).includes('ready') && resolve());
        child.on('exit', (code) => reject(new Error(`holder exited with ${code}`)));
      });
      const error = await HistoryStore.open(path).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(StoreLockedError);
      expect((error as Error).message).toContain(`(PID ${child.pid})`);
      expect((error as Error).message).toMatch(/another `vigia watch`/);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

function duckdbUrl(): string {
  return import.meta.resolve('@duckdb/node-api');
}
