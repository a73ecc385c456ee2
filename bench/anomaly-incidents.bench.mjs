// LLM-traffic incident benchmark for the anomaly detector: the 4 scenarios of
// bench/scripts/llm-incidents.mjs (real Azure LLM request traces with injected, documented incidents:
// latency steps x2..x10 lasting 10..500 requests, a timeout burst, an error burst, an output-token
// surge, a request-rate drop, a latency creep), regenerated from their seeds. Each scenario is one
// config run through the engine, as a user's monitor would be: reference = the first 30 % of the
// trace, current = the rest, four anomaly detectors with their defaults (latency_ms and
// output_tokens per request; error rate (mean of `error`) and request count per 10 s bucket), for
// the default method and each other method. A request is flagged when any detector scores it (or
// its bucket) >= its threshold (default 0.9). Figures, pooled over the scenarios:
// - incidents detected: at least one flagged request inside the incident;
// - median detection delay: requests from the incident's start to its first flagged request;
// - point precision: flagged requests inside incidents / all flagged requests; point recall:
//   flagged requests inside incidents / requests inside incidents (also for latency steps >= x3);
// - false alarms per 10,000 normal requests: the alarm events the detectors report (details.events:
//   runs of points >= threshold, gaps of up to eventGap = 10 points joined; a bucket event covers
//   its buckets' requests) that overlap no incident, per 10,000 requests outside incidents.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeScenarios, traceDir } from './scripts/llm-incidents.mjs';
import { runConfig } from './lib/engine.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const METHODS = ['auto', 'robust-z', 'seasonal', 'isolation-forest'];
const BUCKET_MS = 10_000;

const scenarios = makeScenarios();
if (!scenarios) {
  console.warn(`skipped the LLM incident benchmark: ${traceDir} not found (the Azure LLM traces live in ../shared/data/azure-llm-trace)`);
  process.exit(0);
}

const work = mkdtempSync(join(tmpdir(), 'vigia-incidents-'));
const median = (xs) => {
  if (xs.length === 0) return NaN;
  const s = xs.slice().sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function config(dir, method) {
  const m = method === 'auto' ? '' : `, method: ${method}`;
  return `version: 1
name: llm-incidents
data:
  reference: { use: jsonl, with: { path: ${JSON.stringify(join(dir, 'reference.jsonl'))} } }
  current: { use: jsonl, with: { path: ${JSON.stringify(join(dir, 'current.jsonl'))} } }
detectors:
  - { id: latency, use: anomaly, with: { field: latency_ms, timestampField: timestamp, emitScores: true${m} } }
  - { id: output-tokens, use: anomaly, with: { field: output_tokens, timestampField: timestamp, emitScores: true${m} } }
  - { id: error-rate, use: anomaly, with: { field: error, timestampField: timestamp, aggregate: { every: 10s, value: mean }, emitScores: true${m} } }
  - { id: request-rate, use: anomaly, with: { timestampField: timestamp, aggregate: { every: 10s, value: count }, emitScores: true${m} } }
`;
}

/** First index with times[i] >= t. */
function firstAtOrAfter(times, t) {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Flags per current record from a report (any detector scoring the record, or its bucket, >=
 * threshold) and the detectors' reported events as record ranges [start, end].
 */
function flagsOf(report, current) {
  const n = current.length;
  const flags = new Uint8Array(n);
  const events = [];
  const times = current.map((r) => Date.parse(r.timestamp));
  for (const d of report.detectors) {
    if (d.status === 'error') throw new Error(`detector ${d.id}: ${d.message}`);
    if (d.details.eventCount > d.details.events.length) throw new Error(`detector ${d.id}: more events than listed`);
    for (const e of d.details.events) {
      if (d.details.aggregate) events.push([firstAtOrAfter(times, Date.parse(e.start)), firstAtOrAfter(times, Date.parse(e.end) + BUCKET_MS) - 1]);
      else events.push([e.start, e.end]);
    }
    const scores = d.details.scores;
    if (d.details.aggregate) {
      const hot = new Set(scores.filter((b) => b.score !== null && b.score >= d.threshold).map((b) => Date.parse(b.start)));
      for (let i = 0; i < n; i++) if (hot.has(Math.floor(times[i] / BUCKET_MS) * BUCKET_MS)) flags[i] = 1;
    } else {
      for (let i = 0; i < n; i++) if (scores[i] !== null && scores[i] >= d.threshold) flags[i] = 1;
    }
  }
  return { flags, events };
}

const results = {};
const t0 = performance.now();
let records = 0;
for (const method of METHODS) {
  const acc = { incidents: [], flaggedIn: 0, flaggedAll: 0, incidentRecords: 0, bigIn: 0, bigRecords: 0, falseAlarms: 0, normal: 0 };
  for (const s of scenarios) {
    const dir = join(work, s.name);
    if (method === METHODS[0]) {
      rmSync(dir, { recursive: true, force: true });
      (await import('node:fs')).mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'reference.jsonl'), s.reference.map((x) => JSON.stringify(x)).join('\n') + '\n');
      writeFileSync(join(dir, 'current.jsonl'), s.current.map((x) => JSON.stringify(x)).join('\n') + '\n');
      records += s.reference.length + s.current.length;
    }
    const report = await runConfig(config(dir, method), root);
    const { flags, events } = flagsOf(report, s.current);
    const inside = new Uint8Array(s.current.length);
    for (const inc of s.incidents) {
      let first = -1;
      let hit = 0;
      for (let i = inc.start; i <= inc.end; i++) {
        inside[i] = 1;
        if (flags[i]) {
          hit++;
          if (first < 0) first = i;
        }
      }
      const len = inc.end - inc.start + 1;
      acc.incidents.push({ scenario: s.name, kind: inc.kind, size: inc.size, factor: inc.factor, length: len, detected: first >= 0, delay: first >= 0 ? first - inc.start : null, recall: hit / len });
      acc.incidentRecords += len;
      acc.flaggedIn += hit;
      if (inc.kind === 'latency-step' && inc.factor >= 3) {
        acc.bigIn += hit;
        acc.bigRecords += len;
      }
    }
    // Reported alarm events; one overlapping no incident is a false alarm.
    for (const [a, b] of events) if (!s.incidents.some((inc) => a <= inc.end && b >= inc.start)) acc.falseAlarms++;
    for (let k = 0; k < flags.length; k++) {
      if (flags[k]) acc.flaggedAll++;
      if (!inside[k]) acc.normal++;
    }
  }
  results[method] = acc;
}
const seconds = (performance.now() - t0) / 1000;
rmSync(work, { recursive: true, force: true });

const total = scenarios.reduce((a, s) => a + s.incidents.length, 0);
console.log(`${scenarios.length} scenarios (${scenarios.map((s) => s.name).join(', ')}), ${total} incidents, ${records} requests; ${METHODS.length} methods through the engine in ${seconds.toFixed(1)} s (shared machine: timings are noisy)`);
console.log('targets for the default (auto): every latency step >= x3 detected, point recall >= 0.8 inside them, <= 1 false alarm per 10,000 normal requests');
for (const [method, a] of Object.entries(results)) {
  const detected = a.incidents.filter((x) => x.detected).length;
  const big = a.incidents.filter((x) => x.kind === 'latency-step' && x.factor >= 3);
  const bigDetected = big.filter((x) => x.detected).length;
  const delays = a.incidents.filter((x) => x.detected).map((x) => x.delay);
  const precision = a.flaggedAll > 0 ? a.flaggedIn / a.flaggedAll : NaN;
  const fa = (10_000 * a.falseAlarms) / a.normal;
  console.log(
    `${method === 'auto' ? 'auto (default)' : method}: incidents detected ${detected}/${a.incidents.length} (${(detected / a.incidents.length).toFixed(2)}), ` +
    `steps >= x3 ${bigDetected}/${big.length} (target ${big.length}/${big.length}), median delay ${median(delays)} requests, ` +
    `point precision ${precision.toFixed(3)}, recall ${(a.flaggedIn / a.incidentRecords).toFixed(3)} (inside steps >= x3: ${(a.bigIn / a.bigRecords).toFixed(3)}, target >= 0.8), ` +
    `false alarms ${fa.toFixed(2)} per 10,000 normal requests (${a.falseAlarms} in ${a.normal}; target <= 1)`,
  );
}
// Per incident kind for the default method.
const auto = results.auto;
const kinds = [...new Set(auto.incidents.map((x) => `${x.kind} ${x.size}`))].sort();
console.log('auto by incident (detected, delay in requests, point recall), per scenario:');
for (const k of kinds) {
  const xs = auto.incidents.filter((x) => `${x.kind} ${x.size}` === k);
  console.log(`  ${k}: ${xs.map((x) => `${x.length} req ${x.detected ? `delay ${x.delay}` : 'MISSED'} recall ${x.recall.toFixed(2)}`).join(' | ')}`);
}
