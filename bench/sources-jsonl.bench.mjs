// jsonl source throughput against a bare in-process loop (readFileSync → split → JSON.parse) on
// 1,000,000 LLM-log-like records. Target: the source runs at ≥ 0.5× the bare loop's speed.
// The machine may be shared: figures are noisy, so each side runs 3 times and the best is kept.
import { readFileSync, rmSync, statSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { bestOf, sumViaSource } from './lib/sources.mjs';
import { jsonl } from '../plugins/sources/dist/index.js';

const N = 1_000_000;
const RUNS = 3;
const file = join(tmpdir(), `vigia-bench-sources-${process.pid}.jsonl`);

async function generate() {
  const models = ['gpt-4o-mini', 'llama-3.1-8b', 'claude-haiku', 'mistral-small'];
  const words = ['summarise', 'the', 'ticket', 'translate', 'invoice', 'please', 'refund', 'status', 'order', 'why'];
  const out = createWriteStream(file);
  let x = 12345;
  const rand = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 4294967296);
  const t0 = Date.parse('2024-06-01T00:00:00Z');
  let batch = '';
  for (let i = 0; i < N; i++) {
    const words5 = Array.from({ length: 3 + Math.floor(rand() * 6) }, () => words[Math.floor(rand() * words.length)]).join(' ');
    batch += JSON.stringify({
      timestamp: new Date(t0 + i * 1000).toISOString(),
      model: models[i % models.length],
      latency_ms: Math.round(200 + rand() * 1800),
      input_tokens: 20 + Math.floor(rand() * 500),
      output_tokens: 10 + Math.floor(rand() * 300),
      prompt: words5,
    }) + '\n';
    if (batch.length > 1 << 20) {
      if (!out.write(batch)) await once(out, 'drain');
      batch = '';
    }
  }
  out.end(batch);
  await once(out, 'finish');
}

function bare() {
  const lines = readFileSync(file, 'utf8').split('\n');
  let sum = 0;
  let n = 0;
  for (const line of lines) {
    if (line.length === 0) continue;
    sum += JSON.parse(line).latency_ms;
    n++;
  }
  return { n, sum };
}

try {
  await generate();
  const mb = statSync(file).size / 1e6;
  const a = await bestOf(RUNS, bare);
  const b = await bestOf(RUNS, () => sumViaSource(jsonl, 'jsonl', file, 'latency_ms'));
  if (a.result.n !== N || b.result.n !== N || a.result.sum !== b.result.sum) {
    throw new Error(`mismatch: bare ${a.result.n}/${a.result.sum}, source ${b.result.n}/${b.result.sum}`);
  }
  const rate = (ms) => (N / (ms / 1000) / 1e6).toFixed(2);
  console.log(`file: ${N} records, ${mb.toFixed(0)} MB (best of ${RUNS}; shared machine, timings are noisy)`);
  console.log(`bare loop readFileSync+split+JSON.parse: ${rate(a.ms)} M records/s (${(a.ms / 1000).toFixed(2)} s)`);
  console.log(`jsonl source read: ${rate(b.ms)} M records/s (${(b.ms / 1000).toFixed(2)} s)`);
  console.log(`jsonl source / bare loop: ${(a.ms / b.ms).toFixed(2)}x (target >= 0.5x)`);
} finally {
  rmSync(file, { force: true });
}
