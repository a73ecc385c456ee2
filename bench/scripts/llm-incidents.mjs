#!/usr/bin/env node
// LLM-traffic incident scenarios: real request traces (Azure LLM inference traces, Patel et al.,
// "Splitwise", ISCA 2024, CC BY 4.0; ../shared/data/azure-llm-trace) with injected incidents of
// documented kinds and sizes. Deterministic from the seed: the benchmark regenerates them at run
// time (bench/anomaly-incidents.bench.mjs); `node bench/scripts/llm-incidents.mjs OUT_DIR` writes
// each scenario as reference.jsonl, current.jsonl and incidents.json for inspection.
//
// Records: { timestamp, input_tokens, output_tokens (real), latency_ms (simulated from the real
// token counts as configs/samples/make-samples.mjs does: prefill (35 ms + 0.12 ms per input token)
// · e^(0.15 N), plus 28 ms · e^(0.1 N) per output token after the first), error (0/1, base rate
// 0.5 %) }. The first 30 % of a trace's requests are the reference, the rest the current dataset,
// where incidents are placed at seeded positions, in seeded order, at least 200 requests apart:
//
// - latency-step ×F for D requests: latency_ms × F. Over the 4 scenarios every F in {2, 3, 5, 10}
//   meets every D in {10, 50, 200, 500} once (4 steps per scenario).
// - timeout burst: 30 requests end at the 30 s client timeout (latency_ms 30000 ± 50, error 1).
// - error burst: 300 requests with error probability 0.4.
// - output-token surge: 200 requests generate 4× the tokens (latency recomputed from them).
// - request-rate drop: 70 % of the requests of a 2-minute span are lost; the incident's records
//   are the survivors.
// - latency creep: latency × (1 + 2·i/L) over L = 1,000 requests (×3 at its end), then back.
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const traceDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'data', 'azure-llm-trace');

/** The scenarios: trace file and seed. */
export const SCENARIOS = [
  { name: 'conv-1', service: 'conv', seed: 1 },
  { name: 'conv-2', service: 'conv', seed: 2 },
  { name: 'code-1', service: 'code', seed: 3 },
  { name: 'code-2', service: 'code', seed: 4 },
];
const FACTORS = [2, 3, 5, 10];
const DURATIONS = [10, 50, 200, 500];
const REFERENCE_SHARE = 0.3;
const MIN_GAP = 200;

/** mulberry32: a small seeded PRNG, so the scenarios need nothing built. */
function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  return { next, normal };
}

function readTrace(service) {
  const lines = readFileSync(join(traceDir, `AzureLLMInferenceTrace_${service}.csv`), 'utf8').split(/\r?\n/).filter((l) => l.length > 0);
  return lines.slice(1).map((l) => {
    const [t, input, output] = l.split(',');
    return { t: Date.parse(t.replace(' ', 'T').slice(0, 23) + 'Z'), input: Number(input), output: Number(output) };
  });
}

const latency = (r, input, output) => (35 + 0.12 * input) * Math.exp(0.15 * r.normal()) + 28 * Math.exp(0.1 * r.normal()) * Math.max(0, output - 1);

/** The latency-step (factor, duration) pairs of scenario k (a Latin square over the 4 scenarios). */
function steps(k) {
  return FACTORS.map((f, i) => ({ factor: f, duration: DURATIONS[(i + k) % DURATIONS.length] }));
}

/** Build one scenario: { reference, current, incidents: [{ kind, size, start, end }] } (record indices in current, inclusive). */
export function makeScenario(scenario, k) {
  const r = rng(scenario.seed * 7919);
  const trace = readTrace(scenario.service);
  const rows = trace.map((x) => ({ t: x.t, input: x.input, output: x.output, latency: latency(r, x.input, x.output), error: r.next() < 0.005 ? 1 : 0 }));
  const split = Math.floor(REFERENCE_SHARE * rows.length);
  const reference = rows.slice(0, split);
  let current = rows.slice(split);

  // Incidents in seeded order; lengths in requests (the rate drop is a time span).
  const plan = [
    ...steps(k).map((s) => ({ kind: 'latency-step', size: `x${s.factor}`, factor: s.factor, length: s.duration })),
    { kind: 'timeout-burst', size: '30 requests', length: 30 },
    { kind: 'error-burst', size: 'p=0.4', length: 300 },
    { kind: 'output-surge', size: 'x4 tokens', length: 200 },
    { kind: 'rate-drop', size: '-70% for 2 min', spanMs: 120_000 },
    { kind: 'latency-creep', size: 'x1 to x3', length: 1000 },
  ];
  for (let i = plan.length - 1; i > 0; i--) {
    const j = Math.floor(r.next() * (i + 1));
    [plan[i], plan[j]] = [plan[j], plan[i]];
  }
  // Lengths in records (the rate drop: the records its span covers at the trace's mean rate).
  const meanGapMs = (current[current.length - 1].t - current[0].t) / current.length;
  const lengths = plan.map((p) => p.length ?? Math.ceil(p.spanMs / meanGapMs));
  const used = lengths.reduce((a, b) => a + b, 0);
  const free = current.length - used - MIN_GAP * (plan.length + 1);
  if (free < 0) throw new Error(`scenario ${scenario.name}: ${current.length} current records cannot hold incidents of ${used} records ${MIN_GAP} apart`);
  // Split the free records into plan.length + 1 random gaps.
  const cuts = Array.from({ length: plan.length }, () => Math.floor(r.next() * free)).sort((a, b) => a - b);
  const starts = [];
  let at = 0;
  let prevCut = 0;
  plan.forEach((p, i) => {
    at += MIN_GAP + (cuts[i] - prevCut);
    prevCut = cuts[i];
    starts.push(at);
    at += lengths[i];
  });

  const dropped = new Set();
  const incidents = [];
  plan.forEach((p, i) => {
    const s = starts[i];
    const e = s + lengths[i] - 1;
    for (let j = s; j <= e; j++) {
      const row = current[j];
      switch (p.kind) {
        case 'latency-step': row.latency *= p.factor; break;
        case 'timeout-burst': row.latency = 30_000 + 50 * r.normal(); row.error = 1; break;
        case 'error-burst': row.error = r.next() < 0.4 ? 1 : 0; break;
        case 'output-surge': row.output *= 4; row.latency = latency(r, row.input, row.output); break;
        case 'latency-creep': row.latency *= 1 + (2 * (j - s)) / lengths[i]; break;
        case 'rate-drop': if (r.next() < 0.7) dropped.add(j); break;
      }
    }
    incidents.push({ kind: p.kind, size: p.size, factor: p.factor, first: s, last: e });
  });
  // Drop the lost requests and renumber incident bounds to the surviving records.
  const newIndex = new Int32Array(current.length);
  let n = 0;
  for (let j = 0; j < current.length; j++) {
    newIndex[j] = n;
    if (!dropped.has(j)) n++;
  }
  current = current.filter((_, j) => !dropped.has(j));
  for (const inc of incidents) {
    inc.start = newIndex[inc.first];
    inc.end = newIndex[inc.last] - (dropped.has(inc.last) ? 1 : 0);
    delete inc.first;
    delete inc.last;
  }
  const toRecord = (x) => ({
    timestamp: new Date(x.t).toISOString(),
    input_tokens: x.input,
    output_tokens: x.output,
    latency_ms: Math.round(x.latency * 10) / 10,
    error: x.error,
  });
  return { name: scenario.name, reference: reference.map(toRecord), current: current.map(toRecord), incidents: incidents.sort((a, b) => a.start - b.start) };
}

/** All scenarios, or undefined when the trace folder is absent. */
export function makeScenarios() {
  if (!existsSync(join(traceDir, 'AzureLLMInferenceTrace_conv.csv'))) return undefined;
  return SCENARIOS.map((s, k) => makeScenario(s, k));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: node bench/scripts/llm-incidents.mjs OUT_DIR');
    process.exit(2);
  }
  const scenarios = makeScenarios();
  if (!scenarios) {
    console.error(`the Azure LLM traces are absent (${traceDir}); see ../shared/data/README.md`);
    process.exit(3);
  }
  for (const s of scenarios) {
    const dir = join(out, s.name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'reference.jsonl'), s.reference.map((x) => JSON.stringify(x)).join('\n') + '\n');
    writeFileSync(join(dir, 'current.jsonl'), s.current.map((x) => JSON.stringify(x)).join('\n') + '\n');
    writeFileSync(join(dir, 'incidents.json'), JSON.stringify(s.incidents, null, 2) + '\n');
    console.log(`${dir}: ${s.reference.length} reference, ${s.current.length} current records, ${s.incidents.length} incidents`);
  }
}
