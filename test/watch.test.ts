import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile, planFromLoaded } from '@vigia/core';
import { compileRules } from '@vigia/monitor';
import { builtinRegistry } from '../packages/cli/src/shared.js';
import { bin, ensureBuilt, repoRoot, tempProject, vigia } from './helpers.js';

beforeAll(() => ensureBuilt(), 300_000);

/**
 * The load test, bounded for CI: a writer appends 1,000 records/s to a JSONL file for
 * WRITE_SECONDS while /metrics is scraped every second; the watcher is killed with SIGKILL once and
 * restarted; at the end (SIGTERM) `vigia history --format json` must account for exactly every
 * record written, each in one window. bench/watch.bench.mjs runs the same for a minute.
 */
const WRITE_SECONDS = 12;
const RATE = 1000;

function record(seq: number, t: number): string {
  const latency = 800 + ((seq * 7919) % 600);
  return JSON.stringify({ seq, timestamp: new Date(t).toISOString(), model: seq % 3 ? 'small' : 'large', latency_ms: latency, input_tokens: 100 + (seq % 50), output_tokens: 40 + (seq % 30) });
}

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

function startWatcher(dir: string, log: string[]): ChildProcess {
  const child = spawn(process.execPath, [bin, 'watch', 'watch.yaml'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr!.on('data', (d) => log.push(String(d)));
  child.stdout!.on('data', (d) => log.push(String(d)));
  children.push(child);
  return child;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string | (() => string), fn: () => T | undefined | Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await fn();
    if (v !== undefined) return v;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
}

describe('vigia watch (load, SIGKILL, restart)', () => {
  it('accounts for every record written, each in exactly one window, across a SIGKILL and a SIGTERM', async () => {
    const reference = Array.from({ length: 500 }, (_, i) => record(i, Date.UTC(2026, 0, 1) + i * 1000)).join('\n') + '\n';
    const dir = tempProject({
      'reference.jsonl': reference,
      'live.jsonl': '',
      'watch.yaml': [
        'version: 1',
        'name: load',
        'data:',
        '  reference: { use: jsonl, with: { path: ./reference.jsonl } }',
        '  current: { use: jsonl, with: { path: ./live.jsonl, follow: true } }',
        'windows: { size: 2s }',
        'store: { path: ./state/history.duckdb, retentionDays: 7 }',
        'watch: { listen: "127.0.0.1:0", idle: 1s }',
        'detectors:',
        '  - { id: latency-drift, use: feature-drift, with: { field: latency_ms, test: ks }, severity: warn }',
        'metrics:',
        '  - { id: latency, use: latency, with: { histogram: false } }',
        '  - { id: tokens, use: tokens }',
        'alerts:',
        '  - { id: slow, when: "latency-drift.status == fail", for: 2 }',
        '',
      ].join('\n'),
    });
    const log: string[] = [];
    const live = join(dir, 'live.jsonl');
    const infoFile = join(dir, 'state', 'history.duckdb.watch.json');
    let watcher = startWatcher(dir, log);
    const urlOf = () => (existsSync(infoFile) ? (JSON.parse(readFileSync(infoFile, 'utf8')) as { url: string; pid: number }) : undefined);
    await waitFor(() => `the watcher to serve (log: ${log.join('')})`, () => {
      const info = urlOf();
      return info?.pid === watcher.pid ? info : undefined;
    });

    // The scraper: /metrics every second, counting answers.
    let scrapes = 0;
    let scraped = 0;
    const answeredBy = new Set<number>();
    let scraping = true;
    const scraper = (async () => {
      while (scraping) {
        scrapes++;
        const info = urlOf();
        if (info) {
          try {
            const r = await fetch(`${info.url}/metrics`, { signal: AbortSignal.timeout(900) });
            if (r.ok && (await r.text()).includes('vigia_watch_records_total')) {
              scraped++;
              answeredBy.add(info.pid);
            }
          } catch {
            // down during the restart
          }
        }
        await sleep(1000);
      }
    })();

    // The writer: 1,000 records/s, in 20 ms steps, stamped with the time of writing.
    let written = 0;
    const t0 = Date.now();
    let killed = false;
    while (Date.now() - t0 < WRITE_SECONDS * 1000) {
      const due = Math.floor(((Date.now() - t0) / 1000) * RATE);
      if (due > written) {
        const now = Date.now();
        const lines: string[] = [];
        for (; written < due; ) lines.push(record(written++, now));
        appendFileSync(live, lines.join('\n') + '\n');
      }
      if (!killed && Date.now() - t0 > (WRITE_SECONDS * 1000) / 2) {
        killed = true;
        watcher.kill('SIGKILL');
        await new Promise((r) => watcher.once('exit', r));
        watcher = startWatcher(dir, log);
      }
      await sleep(20);
    }
    // Let the watcher catch up and close the last window by idle time, then stop it.
    const caughtUp = await waitFor(() => `the watcher to read everything (log: ${log.join('').slice(-3000)})`, async () => {
      const info = urlOf();
      if (!info || info.pid !== watcher.pid) return undefined;
      const r = await fetch(`${info.url}/healthz`).then((x) => x.json() as Promise<{ records: number }>, () => undefined);
      return r && r.records >= written ? r : undefined;
    });
    expect(caughtUp.records).toBe(written);
    scraping = false;
    await scraper;
    // While it runs, history is read through the watcher (the store is locked).
    const during = vigia(['history', 'watch.yaml', '--format', 'json'], { cwd: dir });
    expect(during.code, during.stderr).toBe(0);
    watcher.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => watcher.once('exit', r));
    expect(code, log.join('')).toBe(0);

    const after = vigia(['history', 'watch.yaml', '--format', 'json'], { cwd: dir });
    expect(after.code, after.stderr).toBe(0);
    const { windows } = JSON.parse(after.stdout) as { windows: Array<{ start: string; end: string; partial: boolean; records: Record<string, number>; status: string; metrics: unknown[] }> };
    const counted = windows.reduce((a, w) => a + (w.records.current ?? 0), 0);
    expect(counted).toBe(written);
    // Each record in one window: windows do not overlap (one row per time range).
    const starts = windows.map((w) => w.start);
    expect(new Set(starts).size).toBe(starts.length);
    expect(written).toBeGreaterThanOrEqual(WRITE_SECONDS * RATE * 0.95);
    expect(windows.length).toBeGreaterThanOrEqual(WRITE_SECONDS / 2 - 1);
    expect(windows.every((w) => w.metrics.length > 0)).toBe(true);
    // The restart resumed from the stored position, and /metrics answered around it.
    expect(log.join('')).toMatch(/resuming load from the stored position/);
    // Every scrape answered but those while the restarted watcher started (a few seconds on a loaded machine).
    expect(answeredBy.size, `${scraped} of ${scrapes} scrapes answered`).toBe(2);
    expect(scraped).toBeGreaterThanOrEqual(scrapes / 2);
    // The table view.
    const table = vigia(['history', 'watch.yaml'], { cwd: dir });
    expect(table.stdout).toMatch(/trends over the last \d+ window\(s\):/);
    expect(table.stdout).toMatch(/gen_ai\.client\.operation\.duration/);
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('refuses a second watcher on the same store, saying why', async () => {
    const dir = tempProject({
      'live.jsonl': record(0, Date.now()) + '\n',
      'watch.yaml': 'version: 1\nname: twice\ndata:\n  current: { use: jsonl, with: { path: ./live.jsonl, follow: true } }\nwindows: { records: 100 }\nwatch: { listen: "127.0.0.1:0" }\nmetrics:\n  - { use: latency }\n',
    });
    const log: string[] = [];
    const first = startWatcher(dir, log);
    await waitFor('the first watcher', () => (existsSync(join(dir, '.vigia', 'twice.duckdb.watch.json')) ? true : undefined));
    const second = vigia(['watch', 'watch.yaml'], { cwd: dir });
    expect(second.code).toBe(3);
    expect(second.stderr).toMatch(/history store .*twice\.duckdb is open in another process \(PID \d+\).*another `vigia watch`/);
    first.kill('SIGTERM');
    expect(await new Promise((r) => first.once('exit', r))).toBe(0);
    // The partial window was stored on SIGTERM.
    const h = vigia(['history', 'watch.yaml', '--format', 'json'], { cwd: dir });
    const { windows } = JSON.parse(h.stdout) as { windows: Array<{ partial: boolean; records: Record<string, number> }> };
    expect(windows).toEqual([expect.objectContaining({ partial: true, records: { current: 1 } })]);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('compares each window against a rolling reference from its history, across a restart', async () => {
    const t0 = Date.UTC(2026, 0, 1);
    // 300 records a minute; record i of minute m.
    const minute = (m: number) => Array.from({ length: 300 }, (_, i) => record(m * 300 + i, t0 + m * 60_000 + i * 150)).join('\n') + '\n';
    const dir = tempProject({
      'live.jsonl': [0, 1, 2, 3].map(minute).join(''),
      'watch.yaml': [
        'version: 1', 'name: rolling', 'data:', '  current: { use: jsonl, with: { path: ./live.jsonl, follow: true } }',
        '  reference: { fromHistory: { last: 10m, minRecords: 250 } }', 'windows: { size: 1m }', 'store: { path: ./h.duckdb, retentionDays: 30 }',
        'watch: { listen: "127.0.0.1:0", idle: 1h }', 'detectors:', '  - { id: latency-drift, use: feature-drift, with: { field: latency_ms, test: ks } }', '',
      ].join('\n'),
    });
    type HistoryJson = { windows: Array<{ records: Record<string, number>; detectors: Array<{ status: string; pValue: number | null; message: string }> }> };
    const history = () => JSON.parse(vigia(['history', 'watch.yaml', '--format', 'json'], { cwd: dir }).stdout) as HistoryJson;
    for (const life of [0, 1]) {
      const log: string[] = [];
      const w = startWatcher(dir, log);
      // Windows close as later records arrive: minutes 0-2 in the first life, then minute 3 after minute 4 is appended.
      if (life === 1) appendFileSync(join(dir, 'live.jsonl'), minute(4));
      await waitFor(() => log.join(''), () => (log.join('').includes(life === 0 ? 'window 2 ' : 'window 3 ') ? true : undefined));
      w.kill('SIGKILL');
      await new Promise((r) => w.once('exit', r));
    }
    const { windows } = history();
    expect(windows.length).toBeGreaterThanOrEqual(4);
    expect(windows[0]!.detectors[0]).toMatchObject({ status: 'warn', pValue: null });
    expect(windows[0]!.detectors[0]!.message).toMatch(/cold start/);
    // Window 3 (after the kill) is judged against windows 0-2 from the store: 900 records.
    expect(windows[3]!.records.reference).toBe(900);
    expect(windows[3]!.detectors[0]!.pValue).not.toBeNull();
    rmSync(dir, { recursive: true, force: true });
  }, 90_000);

  it('batch runs with store: add their window to the same history', () => {
    const lines = Array.from({ length: 50 }, (_, i) => record(i, Date.UTC(2026, 0, 1) + i * 1000)).join('\n') + '\n';
    const dir = tempProject({
      'cur.jsonl': lines,
      'run.yaml': 'version: 1\nname: nightly\ndata:\n  current: { use: jsonl, with: { path: ./cur.jsonl } }\nstore: { path: ./h.duckdb }\nmetrics:\n  - { use: latency }\n',
    });
    expect(vigia(['run', 'run.yaml'], { cwd: dir }).code).toBe(0);
    expect(vigia(['run', 'run.yaml'], { cwd: dir }).code).toBe(0);
    const h = vigia(['history', 'run.yaml', '--format', 'json'], { cwd: dir });
    const { windows } = JSON.parse(h.stdout) as { windows: Array<{ records: Record<string, number>; start: string; status: string }> };
    expect(windows.map((w) => [w.records.current, w.start, w.status])).toEqual([[50, '2026-01-01T00:00:00.000Z', 'pass'], [50, '2026-01-01T00:00:00.000Z', 'pass']]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('configs/watch.yaml (the getting-started example) plans, and its alert rules compile', async () => {
    const plan = await planFromLoaded(loadConfigFile(join(repoRoot, 'configs', 'watch.yaml')), await builtinRegistry());
    expect(plan.config.windows).toMatchObject({ size: '1m', dataset: 'current' });
    const rules = compileRules(plan.config.alerts ?? [], plan.detectors.map((d) => d.id));
    expect(rules.map((r) => r.target.kind)).toEqual(['metric', 'detector']);
  });

  it('explains configs it cannot watch', () => {
    const dir = tempProject({
      'a.yaml': 'version: 1\ndata:\n  current: { use: jsonl, with: { path: ./x.jsonl } }\nmetrics:\n  - { use: latency }\n',
      'b.yaml': 'version: 1\ndata:\n  current: { use: csv, with: { path: ./x.csv } }\nwindows: { records: 10 }\nmetrics:\n  - { use: latency }\n',
      'c.yaml': 'version: 1\ndata:\n  current: { use: jsonl, with: { path: ./x.jsonl, follow: true } }\nwindows: { records: 10 }\nalerts:\n  - { when: "latency is high" }\n',
    });
    const a = vigia(['watch', 'a.yaml'], { cwd: dir });
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/vigia watch evaluates windows: add windows:/);
    const b = vigia(['watch', 'b.yaml'], { cwd: dir });
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/from a jsonl source \(with follow: true.*or the http source, not csv/);
    const c = vigia(['watch', 'c.yaml'], { cwd: dir });
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/alerts\/0\/when "latency is high" is not a condition/);
    const h = vigia(['history', 'a.yaml'], { cwd: dir });
    expect(h.code).toBe(3);
    expect(h.stderr).toMatch(/no history store at .*a\.duckdb yet: vigia watch a\.yaml writes it/);
    const s = vigia(['history', 'a.yaml', '--since', 'yesterday-ish'], { cwd: dir });
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/--since "yesterday-ish" is neither a time/);
    rmSync(dir, { recursive: true, force: true });
  });
});
