// csv source throughput on 1,000,000 LLM-log-like rows (one quoted text column with "" escapes),
// against a naive in-process loop (readFileSync → split lines → split(',') → a record object per
// row, numbers converted), which does not handle quoting at all. Target (our own): ≥ 0.4×.
// The machine may be shared: figures are noisy, so each side runs 3 times and the best is kept.
import { readFileSync, rmSync, statSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { bestOf, sumViaSource } from './lib/sources.mjs';
import { csv } from '../plugins/sources/dist/index.js';

const N = 1_000_000;
const RUNS = 3;
const file = join(tmpdir(), `vigia-bench-sources-${process.pid}.csv`);

async function generate() {
  const models = ['gpt-4o-mini', 'llama-3.1-8b', 'claude-haiku', 'mistral-small'];
  const out = createWriteStream(file);
  const t0 = Date.parse('2024-06-01T00:00:00Z');
  let batch = 'timestamp,model,latency_ms,input_tokens,output_tokens,prompt\n';
  for (let i = 0; i < N; i++) {
    batch += `${new Date(t0 + i * 1000).toISOString()},${models[i % 4]},${200 + ((i * 7919) % 1800)},${20 + (i % 500)},${10 + (i % 300)},"summarise the ""ticket"" ${i % 97}"\n`;
    if (batch.length > 1 << 20) {
      if (!out.write(batch)) await once(out, 'drain');
      batch = '';
    }
  }
  out.end(batch);
  await once(out, 'finish');
}

function naive() {
  const lines = readFileSync(file, 'utf8').split('\n');
  const names = lines[0].split(',');
  const records = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].length === 0) continue;
    const f = lines[i].split(',');
    const r = {};
    for (let k = 0; k < names.length; k++) r[names[k]] = k >= 2 && k <= 4 ? Number(f[k]) : f[k];
    records.push(r);
  }
  let sum = 0;
  for (const r of records) sum += r.latency_ms;
  return { n: records.length, sum };
}

try {
  await generate();
  const mb = statSync(file).size / 1e6;
  const a = await bestOf(RUNS, naive);
  const b = await bestOf(RUNS, () => sumViaSource(csv, 'csv', file, 'latency_ms'));
  if (a.result.n !== N || b.result.n !== N || a.result.sum !== b.result.sum) {
    throw new Error(`mismatch: naive ${a.result.n}/${a.result.sum}, source ${b.result.n}/${b.result.sum}`);
  }
  const rate = (ms) => (N / (ms / 1000) / 1e6).toFixed(2);
  console.log(`file: ${N} rows, ${mb.toFixed(0)} MB (best of ${RUNS}; shared machine, timings are noisy)`);
  console.log(`naive split loop (no quoting): ${rate(a.ms)} M rows/s (${(a.ms / 1000).toFixed(2)} s)`);
  console.log(`csv source read: ${rate(b.ms)} M rows/s (${(b.ms / 1000).toFixed(2)} s)`);
  console.log(`csv source / naive loop: ${(a.ms / b.ms).toFixed(2)}x (target >= 0.4x)`);
} finally {
  rmSync(file, { force: true });
}
