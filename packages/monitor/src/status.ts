import { createServer, type Server } from 'node:http';
import { rmSync, writeFileSync } from 'node:fs';
import { buildFamilies, exposition, sanitizeMetricName } from '@vigia/plugin-exporters';
import { parseHostPort } from './ingest.js';
import type { HistoryStore } from './store.js';
import type { WatchStats } from './watcher.js';

/**
 * The watcher's own HTTP port: `/healthz` (200 while it reads and commits, 503 otherwise),
 * `/metrics` (Prometheus text: the watcher's counters plus the last window's detector and metric
 * families, named as the prometheus sink names them) and `/history` (the store's windows as JSON,
 * `?since=`; the way to read a store while its watcher holds DuckDB's lock).
 *
 * The port is written next to the store (`<store>.watch.json`), so `vigia history` finds it.
 */
export interface StatusOptions {
  listen: string;
  run: string;
  store: HistoryStore;
  stats: () => WatchStats;
  /** Extra gauges/counters (`name` → value) such as ingest and alert delivery counts. */
  extra?: () => Record<string, { value: number; help: string; type: 'counter' | 'gauge' }>;
}

export interface WatcherInfo {
  pid: number;
  url: string;
  run: string;
  startedAt: string;
}

export function infoFileOf(storePath: string): string {
  return `${storePath}.watch.json`;
}

/** Parse `--since`: an ISO time, or a duration back from now (`2h`, `7d`). */
export function parseSince(value: string, now = Date.now()): number {
  const d = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(value);
  if (d) {
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[d[2] as 'ms'];
    return now - Number(d[1]) * unit;
  }
  const t = Date.parse(value);
  if (!Number.isFinite(t)) throw new Error(`--since "${value}" is neither a time (2026-11-28T10:00:00Z) nor a duration back from now (30m, 2h, 7d)`);
  return t;
}

function line(name: string, type: 'counter' | 'gauge', help: string, samples: Array<[Record<string, string>, number]>): string {
  const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
  const out = [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
  for (const [labels, value] of samples) {
    const l = Object.entries(labels).map(([k, v]) => `${k}="${esc(v)}"`).join(',');
    out.push(`${name}${l ? `{${l}}` : ''} ${Number.isFinite(value) ? value : 'NaN'}`);
  }
  return out.join('\n') + '\n';
}

export async function metricsText(run: string, s: WatchStats, extra: Record<string, { value: number; help: string; type: 'counter' | 'gauge' }> = {}): Promise<string> {
  const c = { config: run };
  let text = '';
  text += line('vigia_watch_up', 'gauge', '1 while the watcher reads and commits.', [[c, s.running && !s.lastError ? 1 : 0]]);
  text += line('vigia_watch_records_total', 'counter', 'Records pushed into windows (over the history store\'s life).', [[c, s.records]]);
  text += line('vigia_watch_records_skipped_total', 'counter', 'Bad input records skipped and counted (this process).', [[c, s.skipped]]);
  text += line('vigia_watch_windows_total', 'counter', 'Windows closed and stored (this process).', [[c, s.windows]]);
  text += line('vigia_watch_partial_windows_total', 'counter', 'Windows stored as partial at shutdown (this process).', [[c, s.partialWindows]]);
  text += line('vigia_watch_commits_total', 'counter', 'Transactions committed to the history store (this process).', [[c, s.commits]]);
  text += line('vigia_watch_commit_errors_total', 'counter', 'Failed commits (this process).', [[c, s.commitErrors]]);
  if (s.lastCommitAt !== undefined) text += line('vigia_watch_last_commit_timestamp_seconds', 'gauge', 'When the last window was stored.', [[c, s.lastCommitAt / 1000]]);
  if (s.exportDelayMs !== undefined) {
    text += line('vigia_watch_export_delay_seconds', 'gauge', 'From reading the batch that closed the last window to that window being stored.', [[c, s.exportDelayMs / 1000]]);
    text += line('vigia_watch_export_delay_max_seconds', 'gauge', 'The largest export delay seen (this process).', [[c, s.maxExportDelayMs / 1000]]);
  }
  if (s.lastWindow?.window.end) text += line('vigia_watch_last_window_end_timestamp_seconds', 'gauge', 'End (record time) of the last stored window.', [[c, Date.parse(s.lastWindow.window.end) / 1000]]);
  text += line('vigia_watch_alerts_firing', 'gauge', 'Alert rules firing now (1 per rule).', s.alertsFiring.map((rule) => [{ ...c, rule }, 1]));
  for (const [name, e] of Object.entries(extra)) text += line(sanitizeMetricName(name), e.type, e.help, [[c, e.value]]);
  if (s.lastWindow) {
    const w = s.lastWindow;
    const { families } = buildFamilies({ name: run, status: w.status, datasets: w.datasets, detectors: w.detectors, metrics: w.metrics });
    text += await exposition(families);
  }
  return text;
}

export class StatusServer {
  #server?: Server;
  address?: { host: string; port: number };
  #infoFile?: string;

  constructor(readonly options: StatusOptions) {}

  get url(): string {
    const a = this.address!;
    const host = a.host === '0.0.0.0' || a.host === '::' ? '127.0.0.1' : a.host;
    return `http://${host.includes(':') ? `[${host}]` : host}:${a.port}`;
  }

  async start(): Promise<void> {
    const o = this.options;
    const { host, port } = parseHostPort(o.listen, 'watch.listen');
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const send = (status: number, type: string, body: string) => res.writeHead(status, { 'Content-Type': type }).end(req.method === 'HEAD' ? undefined : body);
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { Allow: 'GET, HEAD' }).end();
        return;
      }
      const s = o.stats();
      if (url.pathname === '/healthz') {
        const ok = s.running && !s.lastError;
        send(ok ? 200 : 503, 'application/json', JSON.stringify({
          status: ok ? 'ok' : 'down', config: o.run, records: s.records, windows: s.windows, lastCommitAt: s.lastCommitAt ? new Date(s.lastCommitAt).toISOString() : null,
          alertsFiring: s.alertsFiring, ...(s.lastError ? { error: s.lastError } : {}),
        }) + '\n');
      } else if (url.pathname === '/metrics') {
        metricsText(o.run, s, o.extra?.()).then((text) => send(200, 'text/plain; version=0.0.4; charset=utf-8', text), (e: unknown) => send(500, 'text/plain', `cannot render metrics: ${String(e)}\n`));
      } else if (url.pathname === '/history') {
        let sinceMs: number | undefined;
        try {
          const since = url.searchParams.get('since');
          sinceMs = since ? parseSince(since) : undefined;
        } catch (e) {
          send(400, 'application/json', JSON.stringify({ error: (e as Error).message }) + '\n');
          return;
        }
        const run = url.searchParams.get('config') ?? o.run;
        o.store.windows(run, { sinceMs }).then((windows) => send(200, 'application/json', JSON.stringify({ windows })), (e: unknown) => send(500, 'application/json', JSON.stringify({ error: String(e) }) + '\n'));
      } else {
        send(404, 'text/plain', 'vigia watch serves /healthz, /metrics and /history\n');
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => reject(new Error(`watch.listen: cannot listen on ${o.listen}: ${error.code === 'EADDRINUSE' ? 'the port is in use (another watcher? set watch.listen to another port)' : error.message}`)));
      server.listen(port, host, () => resolve());
    });
    const a = server.address();
    this.address = a && typeof a === 'object' ? { host: a.address, port: a.port } : { host, port };
    this.#server = server;
    if (o.store.path !== ':memory:') {
      this.#infoFile = infoFileOf(o.store.path);
      const info: WatcherInfo = { pid: process.pid, url: this.url, run: o.run, startedAt: new Date().toISOString() };
      writeFileSync(this.#infoFile, JSON.stringify(info) + '\n');
    }
  }

  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (this.#infoFile) rmSync(this.#infoFile, { force: true });
    if (server) {
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }
}
