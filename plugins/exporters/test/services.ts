/**
 * Test services: real Prometheus and Pushgateway binaries (Debian's `prometheus`,
 * `prometheus-pushgateway`) started on 127.0.0.1 with free ports and temp storage, stopped and
 * cleaned up by the test; plus a helper that runs a config through the engine in-process.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfigText, planFromLoaded, runPlan, type Report, type Sink } from '@vigia/core';
import { builtinRegistry } from '../../../packages/cli/src/shared.js';

/** Absolute path of a binary on PATH (or a well-known location), or undefined. */
export function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/bin', '/usr/local/bin'])) {
    const p = join(dir, name);
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Service {
  url: string;
  port: number;
  stop(): Promise<void>;
  log(): string;
}

async function waitReady(url: string, child: ChildProcess, log: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode}:\n${log().slice(-2000)}`);
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (r.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`service not ready at ${url} within ${timeoutMs} ms:\n${log().slice(-2000)}`);
}

async function startService(bin: string, args: (port: number) => string[], readyPath: string, cleanup: () => void): Promise<Service> {
  const port = await freePort();
  const child = spawn(bin, args(port), { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => { output = (output + d.toString()).slice(-20000); });
  child.stderr!.on('data', (d: Buffer) => { output = (output + d.toString()).slice(-20000); });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    cleanup();
  };
  try {
    await waitReady(`${url}${readyPath}`, child, () => output, 30_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, port, stop, log: () => output };
}

export async function startPushgateway(): Promise<Service> {
  const bin = which('prometheus-pushgateway') ?? which('pushgateway')!;
  return startService(bin, (port) => [`--web.listen-address=127.0.0.1:${port}`], '/-/ready', () => undefined);
}

/** Prometheus with the remote-write receiver on, scraping `scrapeTargets` (the Pushgateway) and `listenTargets` (a sink's /metrics) every second. */
export async function startPrometheus(scrapeTargets: string[], listenTargets: string[] = []): Promise<Service> {
  const dir = mkdtempSync(join(tmpdir(), 'vigia-prometheus-'));
  mkdirSync(join(dir, 'data'));
  const config = [
    'global:',
    '  scrape_interval: 1s',
    '  evaluation_interval: 1s',
    'scrape_configs:',
    ...(scrapeTargets.length ? ['  - job_name: pushgateway', '    honor_labels: true', '    static_configs:', `      - targets: [${scrapeTargets.map((t) => `"${t}"`).join(', ')}]`] : []),
    ...(listenTargets.length ? ['  - job_name: vigia-listen', '    static_configs:', `      - targets: [${listenTargets.map((t) => `"${t}"`).join(', ')}]`] : []),
  ].join('\n');
  writeFileSync(join(dir, 'prometheus.yml'), `${config}\n`);
  return startService(which('prometheus')!, (port) => [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--web.enable-remote-write-receiver',
    '--log.level=warn',
  ], '/-/ready', () => rmSync(dir, { recursive: true, force: true }));
}

export interface PromResult {
  metric: Record<string, string>;
  value: [number, string];
}

/** An instant PromQL query through the HTTP API. */
export async function promQuery(base: string, query: string): Promise<PromResult[]> {
  const r = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(query)}`, { signal: AbortSignal.timeout(5000) });
  const body = (await r.json()) as { status: string; error?: string; data?: { resultType: string; result: PromResult[] } };
  if (body.status !== 'success') throw new Error(`PromQL ${query}: ${body.error}`);
  return body.data!.result;
}

/** Poll a query until it returns at least `min` series (scrapes and ingestion take a moment). */
export async function promQueryUntil(base: string, query: string, min = 1, timeoutMs = 20_000): Promise<PromResult[]> {
  const deadline = Date.now() + timeoutMs;
  let last: PromResult[] = [];
  while (Date.now() < deadline) {
    last = await promQuery(base, query);
    if (last.length >= min) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  return last;
}

export function hasBinaries(...names: string[][]): string | undefined {
  const missing = names.filter((alternatives) => !alternatives.some((n) => which(n))).map((a) => a[0]);
  return missing.length ? `missing ${missing.join(', ')} (apt-get install ${missing.join(' ')}; .ci/run installs them)` : undefined;
}

/** Run a config (YAML text) through the engine with the built-in plugins, as `vigia run` does. */
export async function runConfig(yaml: string, options: { dir?: string; env?: NodeJS.ProcessEnv; files?: Record<string, string>; extraSinks?: Sink[] } = {}): Promise<Report> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'vigia-exporters-'));
  for (const [name, text] of Object.entries(options.files ?? {})) writeFileSync(join(dir, name), text);
  const file = join(dir, 'vigia.yaml');
  writeFileSync(file, yaml);
  const loaded = parseConfigText(yaml, { file, env: options.env ?? process.env });
  const plan = await planFromLoaded(loaded, await builtinRegistry());
  return runPlan(plan, { extraSinks: options.extraSinks });
}

/** Deterministic LLM-log records with a latency shift between reference and current. */
export function sampleRecords(n: number, shift: number, seed: number): string {
  let s = seed >>> 0;
  const rnd = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const lines: string[] = [];
  const t0 = Date.parse('2026-11-01T10:00:00Z');
  for (let i = 0; i < n; i++) {
    const latency = 200 + 800 * rnd() + shift * rnd();
    const input = Math.round(50 + 400 * rnd());
    const output = Math.round(20 + 200 * rnd());
    lines.push(JSON.stringify({
      id: `resp-${seed}-${i}`,
      timestamp: new Date(t0 + i * 1000).toISOString(),
      model: rnd() < 0.5 ? 'gpt-small' : 'gpt-large',
      prompt: `question ${i % 17}`,
      latency_ms: Math.round(latency),
      input_tokens: input,
      output_tokens: output,
      category: ['a', 'b', 'c'][Math.floor(rnd() * (shift > 0 ? 3 : 2))],
    }));
  }
  return `${lines.join('\n')}\n`;
}

export { spawnSync };
