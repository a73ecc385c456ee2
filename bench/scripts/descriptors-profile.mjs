// Profile helper: the default descriptor set through the field-provider hook, as the descriptors
// benchmark runs it. `node --cpu-prof --cpu-prof-dir=DIR bench/scripts/descriptors-profile.mjs [N] [names]`
// then summarise with `node bench/scripts/cpuprofile-summary.mjs DIR/*.cpuprofile`.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createComponentContext, createStandaloneServices, parseConfigText, planFromLoaded } from '../../packages/core/dist/index.js';
import { builtinRegistry } from '../../packages/cli/dist/index.js';
import { benchResponses, DEFAULT_SET } from '../lib/descriptor-texts.mjs';

const n = Number(process.argv[2] ?? 20000);
const names = process.argv[3] ? process.argv[3].split(',') : DEFAULT_SET;
const dir = mkdtempSync(join(tmpdir(), 'vigia-prof-descriptors-'));
// As a run reads them: parsed from JSON lines (flat strings, not the generator's concatenations).
const records = benchResponses(n, 42).map((r) => JSON.parse(JSON.stringify(r)));
const registry = await builtinRegistry();
const fields = names.map((x) => `descriptors.response.${x}`);
const text = `version: 1\ndata:\n  current: { use: jsonl, with: { path: ./current.jsonl } }\nmetrics:\n  - { use: field-stats, with: { fields: ${JSON.stringify(fields)} } }\n`;
const plan = await planFromLoaded(parseConfigText(text, { file: join(dir, 'vigia.yaml') }), registry);
const provider = plan.fieldProviders[0];
const ctx = createComponentContext(createStandaloneServices({ configDir: dir }), { id: 'fields:descriptors', use: 'descriptors' });
const instance = await provider.def.create(provider.options, ctx);
const paths = names.map((x) => `response.${x}`);
for (let r = 0; r < 3; r++) {
  const t = performance.now();
  const cpu = process.cpuUsage();
  await instance.compute({ name: 'current', records, skipped: 0, origin: 'profile' }, paths, ctx);
  const ms = performance.now() - t;
  const used = process.cpuUsage(cpu);
  const rate = (s) => `${Math.round(n / s).toLocaleString('en-US')}/s`;
  console.log(`run ${r + 1}: ${rate(ms / 1000)} wall, ${rate((used.user + used.system) / 1e6)} CPU time`);
}
