// Text descriptors: throughput of the default descriptor set on 100-word responses, computed as a
// config run does it (the plan finds the `descriptors.response.*` references, the engine's
// field-provider hook computes them once per dataset), then per descriptor; and PII precision and
// recall on the seeded labelled synthetic set (plugins/descriptors/scripts/pii-synthetic.mjs).
// Timings are noisy on a shared machine: best of 2 runs, one core (the work is single-threaded).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createComponentContext, createStandaloneServices, parseConfigText, planFromLoaded, runPlan } from '../packages/core/dist/index.js';
import { builtinRegistry } from '../packages/cli/dist/index.js';
import { piiCounts } from '../plugins/descriptors/dist/index.js';
import { generatePiiSet, KINDS } from '../plugins/descriptors/scripts/pii-synthetic.mjs';
import { scorePii } from '../plugins/descriptors/scripts/pii-score.mjs';
import { bestOf } from './lib/sources.mjs';
import { benchResponses, DEFAULT_SET } from './lib/descriptor-texts.mjs';

const N = 20_000;
const TARGET = 20_000; // responses of 100 words per second, one core

const dir = mkdtempSync(join(tmpdir(), 'vigia-bench-descriptors-'));
const generated = benchResponses(N, 42);
const jsonl = `${generated.map((r) => JSON.stringify(r)).join('\n')}\n`;
writeFileSync(join(dir, 'current.jsonl'), jsonl);
// The records as a run has them: parsed from the JSON lines (flat strings, not the generator's concatenations).
const records = jsonl.trimEnd().split('\n').map((line) => JSON.parse(line));
const registry = await builtinRegistry();

async function planFor(names, descriptorsOptions) {
  const fields = names.map((n) => `descriptors.response.${n}`);
  // field-stats summarises the numeric and yes/no descriptors; a chi-square drift test reads the language.
  const numeric = fields.filter((f) => !f.endsWith('.language'));
  const text = `version: 1\n${descriptorsOptions ? `descriptors: ${JSON.stringify(descriptorsOptions)}\n` : ''}data:\n  current: { use: jsonl, with: { path: ./current.jsonl } }\nmetrics:\n  - { use: field-stats, with: { fields: ${JSON.stringify(numeric.length ? numeric : ['descriptors.response.chars'])} } }\n${fields.some((f) => f.endsWith('.language')) ? 'detectors:\n  - { use: feature-drift, current: current, reference: current, with: { field: descriptors.response.language, test: chi2 } }\n' : ''}`;
  return planFromLoaded(parseConfigText(text, { file: join(dir, 'vigia.yaml') }), registry);
}

/** What the engine's field-provider hook does for one dataset: create the provider, compute the referenced paths. */
async function computeAsRun(names, n = N, runs = 2, descriptorsOptions) {
  const plan = await planFor(names, descriptorsOptions);
  const provider = plan.fieldProviders[0];
  const ctx = createComponentContext(createStandaloneServices({ configDir: dir }), { id: 'fields:descriptors', use: 'descriptors' });
  const instance = await provider.def.create(provider.options, ctx);
  const paths = names.map((n) => `response.${n}`);
  await instance.compute({ name: 'warm', records: records.slice(0, 200), skipped: 0, origin: 'bench' }, paths, ctx);
  // compute() returns columns and does not touch the records (the engine stores the values).
  const subset = records.slice(0, n);
  // Wall time, and the process's CPU time: on a shared machine other work stretches the wall time,
  // while CPU time is what one core spends (the work is single-threaded; GC helpers add a little).
  let cpuMs = Infinity;
  const { ms } = await bestOf(runs, async () => {
    const before = process.cpuUsage();
    await instance.compute({ name: 'current', records: subset, skipped: 0, origin: 'bench' }, paths, ctx);
    const used = process.cpuUsage(before);
    cpuMs = Math.min(cpuMs, (used.user + used.system) / 1000);
  });
  return { rate: n / (ms / 1000), cpuRate: n / (cpuMs / 1000) };
}

const fmt = (r) => `${Math.round(r).toLocaleString('en-US')}/s`;
console.log(`machine: ${cpus().length} cores, load average ${loadavg()[0].toFixed(1)} at start (figures scale down with load)`);
const full = await computeAsRun(DEFAULT_SET);
console.log(`default set (${DEFAULT_SET.length} descriptors) on ${N.toLocaleString('en-US')} responses of 100 words: ${fmt(full.rate)} wall, ${fmt(full.cpuRate)} per CPU second (target >= ${TARGET.toLocaleString('en-US')}/s on one core: ${(full.rate / TARGET).toFixed(2)}x wall, ${(full.cpuRate / TARGET).toFixed(2)}x CPU)`);
const noLang = await computeAsRun(DEFAULT_SET.filter((n) => n !== 'language'));
console.log(`default set without language: ${fmt(noLang.rate)} wall, ${fmt(noLang.cpuRate)} per CPU second (${(noLang.rate / TARGET).toFixed(2)}x target wall)`);
console.log('per descriptor (first 5,000 responses):');
for (const name of DEFAULT_SET) {
  const one = await computeAsRun([name], 5000);
  console.log(`  ${name.padEnd(17)} ${fmt(one.rate).padStart(12)}`);
}

// A whole run: read the JSONL, compute the referenced descriptors, summarise them per model.
const plan = await planFor(DEFAULT_SET);
plan.metrics[0].segments = { by: 'model', minSize: 30 };
const whole = await bestOf(2, () => runPlan(plan));
console.log(`whole run (read JSONL + descriptors + field-stats by model): ${fmt(N / (whole.ms / 1000))} responses; load average now ${loadavg()[0].toFixed(1)}`);

const items = generatePiiSet(1200, 20261128);
const score = scorePii(items, piiCounts, KINDS);
console.log(`PII on ${items.length} labelled synthetic texts (target >= 0.95 precision and recall for checksummed kinds):`);
for (const [k, s] of Object.entries(score)) {
  const checksummed = ['credit_card', 'iban', 'national_id'].includes(k);
  console.log(`  ${k.padEnd(12)} precision ${s.precision.toFixed(3)}  recall ${s.recall.toFixed(3)}  n=${s.support}${checksummed ? '  (checksummed)' : ''}`);
}
