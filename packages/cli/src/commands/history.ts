import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { VigiaError, loadConfigFile } from '@vigia/core';
import type { HistoryWindow, WatcherInfo } from '@vigia/monitor';
import type { Io } from '../main.js';
import { reportError } from '../shared.js';
import { storePathOf } from './watch.js';

export interface HistoryArgs {
  config: string;
  since?: string;
  format: 'table' | 'json';
  debug: boolean;
}

/**
 * `vigia history CONFIG`: the stored windows of a config, oldest first. While a watcher holds the
 * store (DuckDB lets one process open a file), the windows are read through the watcher's
 * `/history` endpoint, found in `<store>.watch.json`.
 */
export async function historyCommand(args: HistoryArgs, io: Io): Promise<number> {
  try {
    const monitor = await import('@vigia/monitor');
    const loaded = loadConfigFile(args.config, { env: io.env, cwd: io.cwd });
    const run = loaded.config.name;
    const path = storePathOf(loaded);
    const shown = relative(io.cwd, path) || path;
    let sinceMs: number | undefined;
    if (args.since !== undefined) {
      try {
        sinceMs = monitor.parseSince(args.since);
      } catch (error) {
        io.stderr(`vigia: ${(error as Error).message}\n`);
        return 2;
      }
    }
    if (!existsSync(path)) throw new VigiaError('VIGIA_DATA_NOT_FOUND', `no history store at ${shown} yet: vigia watch ${args.config} writes it (store.path in the config sets where)`);
    let windows: HistoryWindow[];
    try {
      const store = await monitor.HistoryStore.open(path, { readOnly: true });
      try {
        windows = await store.windows(run, { sinceMs });
      } finally {
        await store.close();
      }
    } catch (error) {
      if (!(error instanceof monitor.StoreLockedError)) throw error;
      windows = await throughWatcher(shown, run, sinceMs, monitor.infoFileOf(path));
    }
    if (args.format === 'json') io.stdout(JSON.stringify({ windows }, null, 2) + '\n');
    else io.stdout(historyTable(run, windows));
    return 0;
  } catch (error) {
    return reportError(error, io, args.debug);
  }
}

async function throughWatcher(shown: string, run: string, sinceMs: number | undefined, infoFile: string): Promise<HistoryWindow[]> {
  let info: WatcherInfo;
  try {
    info = JSON.parse(readFileSync(infoFile, 'utf8')) as WatcherInfo;
  } catch {
    throw new VigiaError('VIGIA_RUNTIME', `the history store ${shown} is held by another process, and no running vigia watch says where it serves /history (${infoFile} is missing): stop the other process, or read a copy of the file`);
  }
  const url = `${info.url}/history?config=${encodeURIComponent(run)}${sinceMs !== undefined ? `&since=${encodeURIComponent(new Date(sinceMs).toISOString())}` : ''}`;
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  } catch (error) {
    throw new VigiaError('VIGIA_RUNTIME', `the history store ${shown} is held by vigia watch (PID ${info.pid}), but its /history at ${info.url} does not answer (${(error as Error).message}); is it still running?`);
  }
  if (!response.ok) throw new VigiaError('VIGIA_RUNTIME', `vigia watch (PID ${info.pid}) answered ${response.status} for ${url}: ${(await response.text()).slice(0, 200)}`);
  return ((await response.json()) as { windows: HistoryWindow[] }).windows;
}

const BARS = '▁▂▃▄▅▆▇█';

function sparkline(values: number[]): string {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return '';
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  return values.map((v) => (!Number.isFinite(v) ? ' ' : BARS[hi === lo ? 3 : Math.round(((v - lo) / (hi - lo)) * 7)])).join('');
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a >= 1000 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : a >= 0.01 || a === 0 ? x.toFixed(3) : x.toPrecision(3);
}

/** Windows as rows, then each metric's trend (last value, range, a sparkline over the last 40 windows). */
export function historyTable(run: string, windows: readonly HistoryWindow[]): string {
  if (windows.length === 0) return `no windows stored for ${run} yet\n`;
  const rows = windows.map((w) => {
    const problems = w.detectors.filter((d) => d.status !== 'pass').map((d) => `${d.id}:${d.status}`);
    return [
      String(w.index), w.start ?? '-', w.end ?? '-',
      Object.entries(w.records).map(([k, v]) => `${k}=${v}`).join(' '),
      `${w.status}${w.partial ? ' (partial)' : ''}`,
      problems.join(' ') || '-',
    ];
  });
  const head = ['#', 'start', 'end', 'records', 'status', 'detectors not passing'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  let out = `${line(head)}\n${rows.map(line).join('\n')}\n`;
  // Trends: one line per metric series.
  const series = new Map<string, number[]>();
  const recent = windows.slice(-40);
  recent.forEach((w, i) => {
    for (const m of w.metrics) {
      const key = `${m.name}${m.labels && Object.keys(m.labels).length ? `{${Object.entries(m.labels).map(([k, v]) => `${k}=${v}`).join(',')}}` : ''}`;
      const arr = series.get(key) ?? new Array<number>(recent.length).fill(NaN);
      arr[i] = m.value;
      series.set(key, arr);
    }
  });
  if (series.size) {
    out += `\ntrends over the last ${recent.length} window(s):\n`;
    const width = Math.max(...[...series.keys()].map((k) => k.length));
    for (const [key, values] of [...series].slice(0, 50)) {
      const finite = values.filter((v) => Number.isFinite(v));
      const last = [...values].reverse().find((v) => Number.isFinite(v));
      out += `  ${key.padEnd(width)}  ${sparkline(values)}  last ${last === undefined ? '-' : fmt(last)}  range ${fmt(Math.min(...finite))}–${fmt(Math.max(...finite))}\n`;
    }
    if (series.size > 50) out += `  … and ${series.size - 50} more series (--format json has all)\n`;
  }
  return out;
}
