// Exporters: Prometheus exposition time for a config with 100 detectors and 20 histograms (scraped
// over HTTP from the sink's /metrics, and rendered in-process; plus the remote-write body), and
// OTLP export time per 1,000 detector results (metrics + gen_ai.evaluation.result events, protobuf
// and JSON, to a receiver on 127.0.0.1). The report comes from a real run of such a config through
// the engine; sinks are created from their definitions with the config's defaults, as a run does.
// Timings are noisy on the shared machine: best of several repetitions is printed.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfigText, planFromLoaded, runPlan, createStandaloneServices, createComponentContext } from '../packages/core/dist/index.js';
import { builtinRegistry } from '../packages/cli/dist/index.js';
import plugin, { buildFamilies, exposition, remoteWriteBody, snapshotOf } from '../plugins/exporters/dist/index.js';

const dir = mkdtempSync(join(tmpdir(), 'vigia-bench-exports-'));
function records(n, shift, seed) {
  let s = seed >>> 0;
  const rnd = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const out = [];
  for (let i = 0; i < n; i++) {
    const r = { timestamp: new Date(1.7e12 + i * 1000).toISOString(), model: rnd() < 0.5 ? 'small' : 'large', latency_ms: 200 + 2000 * rnd() + shift * rnd(), ttft_ms: 50 + 100 * rnd(), input_tokens: Math.round(100 + 900 * rnd()), output_tokens: Math.round(20 + 300 * rnd()) };
    for (let f = 0; f < 10; f++) r[`f${f}`] = rnd() + (shift ? 0.05 * f * rnd() : 0);
    out.push(JSON.stringify(r));
  }
  return `${out.join('\n')}\n`;
}
writeFileSync(join(dir, 'reference.jsonl'), records(2000, 0, 1));
writeFileSync(join(dir, 'current.jsonl'), records(2000, 500, 2));
const detectors = Array.from({ length: 100 }, (_, i) => `  - { id: drift-${i}, use: feature-drift, with: { field: f${i % 10}, test: ks } }`).join('\n');
// latency (3 histograms) + tokens (2) per model (2) per dataset (2) = 20 histograms.
const yaml = `version: 1
name: bench-exports
data:
  reference: { use: jsonl, with: { path: reference.jsonl } }
  current: { use: jsonl, with: { path: current.jsonl } }
detectors:
${detectors}
metrics:
  - { id: latency-current, use: latency, with: { groupBy: model } }
  - { id: latency-reference, use: latency, dataset: reference, with: { groupBy: model } }
  - { id: tokens-current, use: tokens, with: { groupBy: model } }
  - { id: tokens-reference, use: tokens, dataset: reference, with: { groupBy: model } }
`;
const file = join(dir, 'vigia.yaml');
writeFileSync(file, yaml);
const plan = await planFromLoaded(parseConfigText(yaml, { file }), await builtinRegistry());
const report = await runPlan(plan);
const histograms = report.metrics.filter((m) => m.kind === 'histogram').length;

const services = createStandaloneServices({ configDir: dir });
const ctx = (use) => createComponentContext(services, { id: use, use });
const best = async (reps, fn) => {
  let min = Infinity;
  for (let r = 0; r < reps; r++) {
    const t = process.hrtime.bigint();
    await fn();
    min = Math.min(min, Number(process.hrtime.bigint() - t) / 1e6);
  }
  return min;
};

// Prometheus: the sink serving /metrics; a scrape is what Prometheus pays every interval.
const promDef = plugin.sinks.prometheus;
const sink = await promDef.create({ listen: '127.0.0.1:0', job: 'vigia', timeoutMs: 10000, retries: 2, backoffMs: 500 }, ctx('prometheus'));
await sink.report(report);
const url = `http://127.0.0.1:${sink.address.port}/metrics`;
const text = await (await fetch(url)).text();
const series = text.split('\n').filter((l) => l && !l.startsWith('#')).length;
const scrapeMs = await best(20, async () => { await (await fetch(url)).text(); });
await sink.shutdown();
const families = buildFamilies(snapshotOf(report)).families;
const renderMs = await best(20, () => exposition(families));
const rwMs = await best(20, () => remoteWriteBody(buildFamilies(snapshotOf(report), { job: 'vigia' }).families, Date.now()));
console.log(`prometheus, ${report.detectors.length} detectors + ${histograms} histograms (${series} series, ${(text.length / 1024).toFixed(0)} KiB): /metrics scrape ${scrapeMs.toFixed(1)} ms (target < 50 ms), in-process render ${renderMs.toFixed(1)} ms, remote-write body ${rwMs.toFixed(1)} ms`);

// OTLP: a report with 1,000 detector results to a receiver that accepts everything.
const big = { ...report, detectors: Array.from({ length: 1000 }, (_, i) => ({ ...report.detectors[i % report.detectors.length], id: `detector-${i}` })) };
let bytes = 0;
const server = createServer((req, res) => {
  req.on('data', (c) => { bytes += c.length; });
  req.on('end', () => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}'));
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const endpoint = `http://127.0.0.1:${server.address().port}`;
for (const protocol of ['http/protobuf', 'http/json']) {
  const otlp = await plugin.sinks.otlp.create({ endpoint, protocol, temporality: 'cumulative', metrics: true, events: true, serviceName: 'vigia', timeoutMs: 10000 }, ctx('otlp'));
  await otlp.report(big); // warm-up
  bytes = 0;
  const reps = 5;
  const ms = await best(reps, () => otlp.report(big));
  const perRun = bytes / reps;
  await otlp.shutdown();
  console.log(`otlp ${protocol}: ${ms.toFixed(0)} ms per 1,000 results (metrics + 1,000 events, ${(perRun / 1024).toFixed(0)} KiB sent; target < 250 ms)`);
}
server.close();
