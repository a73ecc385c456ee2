// vigia watch, through the CLI as a user runs it (built dist/), with a realistic config: a
// reference of 5,000 records; per 1-minute window a KS drift test on latency, a chi-square on the
// model mix, latency percentiles and token usage; history in DuckDB; /metrics served.
//
// 1. Sustained throughput: 500,000 realistic LLM log records (≈ 240 bytes each, 1,000 records/s of
//    record time, so ≈ 8 windows) are already in the followed file; records/s = records / time from
//    the first record counted to the last (watcher start-up excluded), target >= 50,000/s.
// 2. Live: a writer appends 1,000 records/s for BENCH_WATCH_SECONDS (default 60) in 5 s windows,
//    /metrics is scraped every second, the watcher is SIGKILLed at half time and restarted, then
//    SIGTERM. Prints whether `vigia history` accounts for every record (each in one window) and the
//    delay from a window's closing record being written to that window being stored (arrival →
//    export: includes the 100 ms follow poll, the evaluation and the commit).
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'packages', 'cli', 'dist', 'bin.js');
const N = Number(process.env.BENCH_WATCH_RECORDS ?? 500_000);
const LIVE_SECONDS = Number(process.env.BENCH_WATCH_SECONDS ?? 60);
const TARGET = 50_000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const MODELS = ['gpt-4o-mini', 'gpt-4o', 'llama-3-70b'];
const SERVICES = ['chat', 'code', 'search'];
function record(seq, t) {
  const model = MODELS[seq % 3];
  return JSON.stringify({
    timestamp: new Date(t).toISOString(), model, request_id: `req-${seq}`,
    latency_ms: Math.round(600 + ((seq * 7919) % 1500) + (model === 'gpt-4o' ? 400 : 0)),
    ttft_ms: 80 + ((seq * 104729) % 300), input_tokens: 200 + ((seq * 31) % 1800), output_tokens: 20 + ((seq * 17) % 400),
    status: seq % 97 === 0 ? 'error' : 'ok', attributes: { service: SERVICES[seq % 3], region: 'eu-west-1' },
  });
}

function config(size, idle) {
  return [
    'version: 1', 'name: bench-watch',
    'data:',
    '  reference: { use: jsonl, with: { path: ./reference.jsonl } }',
    '  current: { use: jsonl, with: { path: ./live.jsonl, follow: true } }',
    `windows: { size: ${size} }`,
    'store: { path: ./history.duckdb, retentionDays: 7 }',
    `watch: { listen: "127.0.0.1:0", idle: ${idle} }`,
    'detectors:',
    '  - { id: latency-drift, use: feature-drift, with: { field: latency_ms, test: ks }, severity: warn }',
    '  - { id: model-mix, use: feature-drift, with: { field: model, test: chi2 }, severity: warn }',
    'metrics:',
    '  - { id: latency, use: latency, with: { histogram: false } }',
    '  - { id: tokens, use: tokens }',
    'alerts:',
    '  - { id: drift, when: "latency-drift.status == fail", for: 2 }',
    '',
  ].join('\n');
}

function project(size, idle) {
  const dir = mkdtempSync(join(tmpdir(), 'vigia-watch-bench-'));
  const t0 = Date.UTC(2026, 0, 1);
  writeFileSync(join(dir, 'reference.jsonl'), Array.from({ length: 5000 }, (_, i) => record(i, t0 + i * 1000)).join('\n') + '\n');
  writeFileSync(join(dir, 'watch.yaml'), config(size, idle));
  return dir;
}

function startWatcher(dir) {
  const child = spawn(process.execPath, [bin, 'watch', 'watch.yaml'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => (log = (log + String(d)).slice(-20_000)));
  child.log = () => log;
  return child;
}

async function info(dir, pid) {
  const file = join(dir, 'history.duckdb.watch.json');
  for (let i = 0; i < 600; i++) {
    if (existsSync(file)) {
      const v = JSON.parse(readFileSync(file, 'utf8'));
      if (pid === undefined || v.pid === pid) return v;
    }
    await sleep(50);
  }
  throw new Error('the watcher did not start');
}

async function health(url) {
  try {
    return await (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) })).json();
  } catch {
    return undefined;
  }
}

function history(dir) {
  const r = spawnSync(process.execPath, [bin, 'history', 'watch.yaml', '--format', 'json'], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`vigia history failed: ${r.stderr}`);
  return JSON.parse(r.stdout).windows;
}

const stop = (child) => new Promise((resolve) => {
  child.once('exit', resolve);
  child.kill('SIGTERM');
});

// --- 1. Sustained throughput ---------------------------------------------------------------
{
  const dir = project('1m', '2s');
  const out = createWriteStream(join(dir, 'live.jsonl'));
  const t0 = Date.UTC(2026, 0, 2);
  for (let i = 0; i < N; i += 10_000) {
    const lines = [];
    for (let j = i; j < Math.min(N, i + 10_000); j++) lines.push(record(j, t0 + j));
    if (!out.write(lines.join('\n') + '\n')) await new Promise((r) => out.once('drain', r));
  }
  await new Promise((r) => out.end(r));
  const watcher = startWatcher(dir);
  const { url } = await info(dir, watcher.pid);
  let first;
  let last;
  for (;;) {
    const h = await health(url);
    const now = performance.now();
    if (h && h.records > 0 && first === undefined) first = { t: now, records: h.records };
    if (h && h.records >= N) {
      last = { t: now, records: h.records };
      break;
    }
    if (watcher.exitCode !== null) throw new Error(`the watcher exited: ${watcher.log()}`);
    await sleep(20);
  }
  await stop(watcher);
  const rate = (last.records - first.records) / ((last.t - first.t) / 1000);
  // The floor on this machine at this moment: a bare line split + JSON.parse of the same file in this process.
  const text = readFileSync(join(dir, 'live.jsonl'), 'utf8');
  const b0 = performance.now();
  let parsed = 0;
  for (let i = 0, nl = text.indexOf('\n'); nl !== -1; i = nl + 1, nl = text.indexOf('\n', i)) if (JSON.parse(text.slice(i, nl))) parsed++;
  const bare = parsed / ((performance.now() - b0) / 1000);
  const windows = history(dir);
  const counted = windows.reduce((a, w) => a + (w.records.current ?? 0), 0);
  console.log(`sustained: ${N.toLocaleString('en-US')} records in ${windows.length} windows: ${Math.round(rate).toLocaleString('en-US')} records/s (target >= ${TARGET.toLocaleString('en-US')}/s: ${(rate / TARGET).toFixed(2)}x); history accounts for ${counted.toLocaleString('en-US')} of ${N.toLocaleString('en-US')}; a bare split + JSON.parse loop reads ${Math.round(bare).toLocaleString('en-US')} records/s here now (watch = ${(rate / bare).toFixed(2)}x of it)`);
  rmSync(dir, { recursive: true, force: true });
}

// --- 2. Live traffic with a SIGKILL ----------------------------------------------------------
{
  const dir = project('5s', '2s');
  const live = join(dir, 'live.jsonl');
  writeFileSync(live, '');
  let watcher = startWatcher(dir);
  let current = await info(dir, watcher.pid);
  let scrapes = 0;
  let answered = 0;
  let scraping = true;
  const scraper = (async () => {
    while (scraping) {
      scrapes++;
      try {
        const r = await fetch(`${current.url}/metrics`, { signal: AbortSignal.timeout(900) });
        if (r.ok) answered++;
        await r.text();
      } catch {
        // restarting
      }
      await sleep(1000);
    }
  })();
  const RATE = 1000;
  let written = 0;
  const t0 = Date.now();
  let killed = false;
  let downMs = 0;
  while (Date.now() - t0 < LIVE_SECONDS * 1000) {
    const due = Math.floor(((Date.now() - t0) / 1000) * RATE);
    if (due > written) {
      const now = Date.now();
      const lines = [];
      while (written < due) lines.push(record(written++, now));
      appendFileSync(live, lines.join('\n') + '\n');
    }
    if (!killed && Date.now() - t0 > (LIVE_SECONDS * 1000) / 2) {
      killed = true;
      const k = Date.now();
      watcher.kill('SIGKILL');
      await new Promise((r) => watcher.once('exit', r));
      watcher = startWatcher(dir);
      info(dir, watcher.pid).then((v) => {
        current = v;
        downMs = Date.now() - k;
      });
    }
    await sleep(20);
  }
  for (;;) {
    const h = await health(current.url);
    if (h && h.records >= written && current.pid === watcher.pid) break;
    await sleep(100);
  }
  scraping = false;
  await scraper;
  await stop(watcher);
  const windows = history(dir);
  const counted = windows.reduce((a, w) => a + (w.records.current ?? 0), 0);
  const starts = new Set(windows.map((w) => w.start));
  const delays = windows.filter((w) => !w.partial && w.end).map((w) => Date.parse(w.writtenAt) - Date.parse(w.end)).filter((d) => d >= 0).sort((a, b) => a - b);
  const q = (p) => delays[Math.min(delays.length - 1, Math.floor(p * delays.length))];
  console.log(`live: ${written.toLocaleString('en-US')} records written at ${RATE}/s for ${LIVE_SECONDS} s, watcher SIGKILLed once (down ${(downMs / 1000).toFixed(1)} s, restarted): history accounts for ${counted.toLocaleString('en-US')} of ${written.toLocaleString('en-US')} (${counted === written && starts.size === windows.length ? 'exact, each in one window' : 'MISMATCH'}) in ${windows.length} windows; /metrics answered ${answered} of ${scrapes} scrapes`);
  console.log(`arrival -> export delay (window end in record time = write time, to the window stored): median ${q(0.5)} ms, p95 ${q(0.95)} ms, max ${delays.at(-1)} ms over ${delays.length} windows (the windows right after the restart include the downtime)`);
  rmSync(dir, { recursive: true, force: true });
}
