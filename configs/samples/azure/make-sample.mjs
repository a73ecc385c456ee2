#!/usr/bin/env node
// Cuts the Azure LLM inference trace sample in this folder from the full traces in
// ../shared/data/azure-llm-trace (relative to the repo root): the same contiguous 10-minute slice of
// both services, as JSONL records { timestamp, model, input_tokens, output_tokens }.
//   node configs/samples/azure/make-sample.mjs [--from 2023-11-16T18:30:00Z] [--minutes 10]
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..', '..');
const traceDir = join(repoRoot, '..', 'shared', 'data', 'azure-llm-trace');

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const from = Date.parse(arg('from', '2023-11-16T18:30:00Z'));
const minutes = Number(arg('minutes', '10'));
const to = from + minutes * 60_000;

if (!existsSync(traceDir)) {
  console.error(`make-sample: ${traceDir} not found; it holds AzureLLMInferenceTrace_{code,conv}.csv`);
  process.exit(3);
}

// "2023-11-16 18:17:03.9799600" (UTC assumed; the trace gives no zone) -> ISO 8601 with milliseconds.
function toIso(stamp, file, line) {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d+))?$/.exec(stamp);
  if (!m) throw new Error(`${file}:${line}: unexpected TIMESTAMP ${JSON.stringify(stamp)}`);
  const millis = (m[3] ?? '').padEnd(3, '0').slice(0, 3);
  return `${m[1]}T${m[2]}.${millis}Z`;
}

for (const service of ['code', 'conv']) {
  const file = join(traceDir, `AzureLLMInferenceTrace_${service}.csv`);
  const lines = readFileSync(file, 'utf8').split(/\r?\n/);
  if (lines[0] !== 'TIMESTAMP,ContextTokens,GeneratedTokens') throw new Error(`${file}: unexpected header ${lines[0]}`);
  const out = [];
  for (let i = 1; i < lines.length; i++) {
    if (!lines[i]) continue;
    const [stamp, context, generated] = lines[i].split(',');
    const timestamp = toIso(stamp, file, i + 1);
    const t = Date.parse(timestamp);
    if (t < from || t >= to) continue;
    out.push(JSON.stringify({ timestamp, model: service, input_tokens: Number(context), output_tokens: Number(generated) }));
  }
  const target = join(here, `${service}.jsonl`);
  writeFileSync(target, out.join('\n') + '\n');
  console.log(`${service}: ${out.length} records -> ${target}`);
}
