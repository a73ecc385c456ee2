#!/usr/bin/env node
// Builds the quickstart's sample LLM logs (reference.jsonl, current.jsonl) from the real datasets in
// ../shared/data. Deterministic: the same inputs give the same files. See README.md for what is
// planted in `current` and why. Run: node configs/samples/make-samples.mjs
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const data = join(here, '..', '..', '..', 'shared', 'data');
if (!existsSync(data)) {
  console.error(`make-samples: ${data} is absent; the committed samples stay as they are.`);
  process.exit(0);
}

// xoshiro-free tiny seeded generator (mulberry32): enough for picking rows reproducibly.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(20231116);
const pick = (xs) => xs[Math.floor(random() * xs.length)];
const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

function trace(service) {
  const lines = readFileSync(join(data, 'azure-llm-trace', `AzureLLMInferenceTrace_${service}.csv`), 'utf8').trim().split('\n').slice(1);
  return lines.map((l) => {
    const [ts, ctx, gen] = l.split(',');
    return { timestamp: new Date(ts.replace(' ', 'T').slice(0, 23) + 'Z').toISOString(), input_tokens: Number(ctx), output_tokens: Number(gen), service };
  });
}

function bbq(category) {
  const lines = readFileSync(join(data, 'bbq', `unifiedqa_preds_${category}.jsonl`), 'utf8').trim().split('\n');
  return lines.map((l) => JSON.parse(l)).map((x) => ({
    prompt: `${x.context} ${x.question}`,
    response: x['unifiedqa-t5-11b_pred_race'],
    category: x.category,
    context_condition: x.context_condition,
    question_polarity: x.question_polarity,
  }));
}

// Latency is not in the traces: it is simulated from the real token counts with a simple serving
// model (prefill ~0.12 ms/token, decode ~28 ms/token, log-normal noise), documented in README.md.
function latency(input, output) {
  const ttft = (35 + 0.12 * input) * Math.exp(0.15 * normal());
  const tpot = 28 * Math.exp(0.1 * normal());
  return { ttft_ms: Math.round(ttft * 10) / 10, latency_ms: Math.round((ttft + tpot * Math.max(0, output - 1)) * 10) / 10 };
}

const N = 1000;
const conv = trace('conv');
const code = trace('code');
const baseTopics = ['Age', 'Nationality', 'Disability_status', 'Physical_appearance'].flatMap(bbq);
const newTopics = ['Religion', 'Sexual_orientation'].flatMap(bbq);

function record(t, q) {
  return {
    timestamp: t.timestamp,
    model: 'unifiedqa-t5-11b',
    prompt: q.prompt,
    response: q.response,
    input_tokens: t.input_tokens,
    output_tokens: t.output_tokens,
    ...latency(t.input_tokens, t.output_tokens),
    attributes: { service: t.service, category: q.category, context_condition: q.context_condition, question_polarity: q.question_polarity },
  };
}

// Reference: the first half hour of the conversation service, prompts from four BBQ categories.
const half = conv.findIndex((t) => t.timestamp >= '2023-11-16T18:45:00');
const refTraffic = conv.slice(0, half);
const reference = Array.from({ length: N }, (_, i) => record(refTraffic[Math.floor((i * refTraffic.length) / N)], pick(baseTopics)));

// Current: the second half hour. Planted shifts: 40% of requests come from the code service
// (longer contexts, shorter outputs), and 35% of prompts are about topics absent from the reference.
const curConv = conv.slice(half);
const curCode = code.filter((t) => t.timestamp >= '2023-11-16T18:45:00');
const current = Array.from({ length: N }, (_, i) => {
  const fromCode = random() < 0.4;
  const pool = fromCode ? curCode : curConv;
  const t = pool[Math.floor((i * pool.length) / N)];
  const q = random() < 0.35 ? pick(newTopics) : pick(baseTopics);
  return record(t, q);
}).sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));

const write = (file, rows) => writeFileSync(join(here, file), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
write('reference.jsonl', reference);
write('current.jsonl', current);
console.log(`make-samples: wrote ${reference.length} reference and ${current.length} current records`);
