// Streaming a large LLM log through a config (issue 9): feature-drift on one numeric field, the
// latency metric and the anomaly detector, run the way `vigia run` runs a config (YAML text →
// plan against the CLI's registry → the engine's session), user defaults.
//
// Row 1: VIGIA_BENCH_RECORDS records (default 10,000,000, about 1.6 GB of JSONL; generated,
//   seeded, into a temp dir deleted afterwards) against a 100,000-record reference: records/s as
//   a ratio to a bare line-split + JSON.parse loop over the same file in the same process (target
//   ≥ 0.7), and the peak RSS of that process (target ≤ 400 MB).
// Row 2: the same config over 1,000,000 records in windows of 10,000 records against one batch
//   run over them: per-window overhead (target ≤ 10 %).
//
// Each measurement runs in a child process of its own (`--child`), so peak RSS is that run's.
// The machine may be shared: timings are noisy.
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, openSync, readSync, closeSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
const RECORDS = Number(process.env.VIGIA_BENCH_RECORDS ?? 10_000_000);
const REFERENCE = 100_000;
const WINDOWED = Math.min(1_000_000, RECORDS);
const WINDOW = 10_000;

/** The config a user would write for this (defaults everywhere but the fields). */
function configText(windows, file = windows ? 'windowed.jsonl' : 'current.jsonl') {
  return [
    'version: 1',
    'name: stream-bench',
    'seed: 1',
    'cache: false',
    'data:',
    '  reference: { use: jsonl, with: { path: reference.jsonl } }',
    `  current: { use: jsonl, with: { path: ${file} } }`,
    'detectors:',
    '  - { use: feature-drift, with: { field: latency_ms } }',
    '  - { use: anomaly, with: { field: latency_ms, timestampField: timestamp } }',
    'metrics:',
    '  - { use: latency }',
    'sinks: []',
    ...(windows ? [`windows: { records: ${WINDOW} }`] : []),
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Data: realistic LLM log records (the fields of configs/samples/*.jsonl), seeded.
// ---------------------------------------------------------------------------------------------

const MODELS = ['gpt-4o-mini', 'llama-3-8b', 'haiku', 'mistral-s'];
const WORDS = ['refund', 'order', 'status', 'the', 'my', 'why', 'late', 'help', 'ok', 'ticket'];
const GROUPS = ['a', 'b', 'c'];

async function generate(path, n, seed, { shift = 0 } = {}) {
  const out = createWriteStream(path);
  let x = seed >>> 0 || 1;
  const rand = () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 4294967296);
  const words = (k) => {
    let s = WORDS[(rand() * WORDS.length) | 0];
    for (let i = 1; i < k; i++) s += ` ${WORDS[(rand() * WORDS.length) | 0]}`;
    return s;
  };
  const t0 = Date.parse('2024-06-01T00:00:00Z');
  let chunk = '';
  for (let i = 0; i < n; i++) {
    // log-normal-ish latency, an incident in the middle of the current file
    const incident = shift && i > n * 0.5 && i < n * 0.5 + 2000 ? 2.5 : 1;
    const latency = Math.round((300 + 900 * rand() * rand() + shift) * incident);
    const input = 20 + ((rand() * 400) | 0);
    const output = 5 + ((rand() * 200) | 0);
    chunk += `{"timestamp":"${new Date(t0 + i * 100).toISOString()}","model":"${MODELS[i & 3]}","prompt":"${words(2)}","response":"${words(2)}","latency_ms":${latency},"input_tokens":${input},"output_tokens":${output},"attributes":{"group":"${GROUPS[i % 3]}"}}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

// ---------------------------------------------------------------------------------------------
// Child: one measurement, printed as a JSON line.
// ---------------------------------------------------------------------------------------------

/** The bare loop: 1 MiB reads, split on \n, JSON.parse each line, sum a field. */
function bare(path) {
  const fd = openSync(path, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  let rest = '';
  let n = 0;
  let sum = 0;
  try {
    for (;;) {
      const got = readSync(fd, buf, 0, buf.length, null);
      if (got === 0) break;
      const text = rest + buf.toString('utf8', 0, got);
      let start = 0;
      for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
        sum += JSON.parse(text.slice(start, nl)).latency_ms;
        n++;
        start = nl + 1;
      }
      rest = text.slice(start);
    }
  } finally {
    closeSync(fd);
  }
  return { n, sum };
}

async function child(mode, dir) {
  const { runConfig } = await import('./lib/engine.mjs');
  // Warm up outside the timings: load every plugin (the CLI's registry) and run the config once
  // on a small file, as a long-running process would have.
  await runConfig(configText(false, 'warm.jsonl'), dir);
  const run = async (windows, file) => {
    globalThis.gc?.();
    const t = performance.now();
    const report = await runConfig(configText(windows, file), dir);
    const ms = performance.now() - t;
    const errors = [...report.detectors.filter((d) => d.status === 'error').map((d) => `${d.id}: ${d.message}`), ...(report.metricErrors ?? []).map((m) => `${m.id}: ${m.message}`)];
    if (errors.length) throw new Error(`the run reported errors: ${errors.join('; ')}`);
    return { ms, records: report.datasets.current?.records ?? 0, windows: report.windows?.length ?? 1, detectors: report.detectors.map((d) => `${d.id} ${d.status}`) };
  };
  if (mode === 'full') {
    const engine = await run(false);
    const maxRssMb = process.resourceUsage().maxRSS / 1024;
    globalThis.gc?.();
    const t = performance.now();
    const b = bare(join(dir, 'current.jsonl'));
    const bareMs = performance.now() - t;
    return { engine, maxRssMb, bare: { ms: bareMs, n: b.n } };
  }
  // windows vs one batch run over the same records, alternating, best of 3 each
  const best = { batch: Infinity, windowed: Infinity };
  let windows = 0;
  for (let r = 0; r < 3; r++) {
    // the same 1,000,000 records, once as one window
    best.batch = Math.min(best.batch, (await run(false, 'windowed.jsonl')).ms);
    const w = await run(true);
    windows = w.windows;
    best.windowed = Math.min(best.windowed, w.ms);
  }
  return { ...best, windows };
}

function spawnChild(mode, dir) {
  const r = spawnSync(process.execPath, ['--expose-gc', self, '--child', mode, dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`child ${mode} exited with ${r.status ?? r.signal}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
}

if (process.argv[2] === '--child') {
  const result = await child(process.argv[3], process.argv[4]);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  const dir = mkdtempSync(join(tmpdir(), 'vigia-bench-stream-'));
  try {
    const t = performance.now();
    await generate(join(dir, 'reference.jsonl'), REFERENCE, 7);
    await generate(join(dir, 'current.jsonl'), RECORDS, 11, { shift: 30 });
    await generate(join(dir, 'windowed.jsonl'), WINDOWED, 13, { shift: 30 });
    await generate(join(dir, 'warm.jsonl'), 20_000, 17, { shift: 30 });
    writeFileSync(join(dir, 'bench.yaml'), configText(false));
    const size = statSync(join(dir, 'current.jsonl')).size;
    console.log(`data: ${RECORDS.toLocaleString('en')} records, ${(size / 1e9).toFixed(2)} GB (${(size / RECORDS).toFixed(0)} bytes/record; generated in ${((performance.now() - t) / 1000).toFixed(0)} s; VIGIA_BENCH_RECORDS to change), reference ${REFERENCE.toLocaleString('en')} records`);
    console.log('config: feature-drift { field: latency_ms }, anomaly { field: latency_ms, timestampField: timestamp }, latency metric (defaults); shared machine, timings are noisy');

    const full = spawnChild('full', dir);
    if (full.engine.records !== RECORDS || full.bare.n !== RECORDS) throw new Error(`record counts differ: run ${full.engine.records}, bare ${full.bare.n}, generated ${RECORDS}`);
    const rate = (ms) => RECORDS / (ms / 1000);
    const ratio = full.bare.ms / full.engine.ms;
    console.log(`bare line-split + JSON.parse loop: ${(rate(full.bare.ms) / 1e3).toFixed(0)} k records/s (${(full.bare.ms / 1000).toFixed(1)} s)`);
    console.log(`config run (streamed, one window):  ${(rate(full.engine.ms) / 1e3).toFixed(0)} k records/s (${(full.engine.ms / 1000).toFixed(1)} s; ${full.engine.detectors.join(', ')})`);
    console.log(`run / bare loop: ${ratio.toFixed(2)}x (target >= 0.7x)`);
    console.log(`peak RSS of the run's process: ${full.maxRssMb.toFixed(0)} MB (target <= 400 MB)`);

    const win = spawnChild('windows', dir);
    const overhead = (win.windowed - win.batch) / win.batch;
    console.log(`${WINDOWED.toLocaleString('en')} records, ${win.windows} windows of ${WINDOW.toLocaleString('en')} records: ${(win.windowed / 1000).toFixed(2)} s vs one batch run ${(win.batch / 1000).toFixed(2)} s (best of 3 each, alternating)`);
    console.log(`per-window overhead: ${(overhead * 100).toFixed(1)} % (target <= 10 %)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
