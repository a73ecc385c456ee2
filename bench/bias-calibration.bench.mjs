// Calibration of the bias detectors: false-alarm rate on seeded synthetic datasets without a group
// effect (target ≤ alpha = 0.05, the detectors' default) and power on datasets with a planted effect
// of known size. Every dataset is written as JSON Lines and run through the engine with a config
// that uses the detector's defaults, as `vigia run` would.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfigText, planFromLoaded, runPlan } from '../packages/core/dist/index.js';
import { builtinRegistry } from '../packages/cli/dist/index.js';
import { createRandom } from '../packages/stats/dist/index.js';

const DATASETS = Number(process.env.DATASETS ?? 200);
const ALPHA = 0.05;
const dir = mkdtempSync(join(tmpdir(), 'vigia-bias-bench-'));
const registry = await builtinRegistry();

async function alarms(detector, records, seed) {
  const path = join(dir, 'current.jsonl');
  writeFileSync(path, records.map((r) => JSON.stringify(r)).join('\n'));
  const text = `version: 1\nname: bias-calibration\nseed: ${seed}\ncache: false\ndata:\n  current: { use: jsonl, with: { path: ${JSON.stringify(path)} } }\ndetectors:\n  - ${JSON.stringify({ id: 'check', ...detector })}\n`;
  const plan = await planFromLoaded(parseConfigText(text, { file: join(dir, 'bench.yaml') }), registry);
  const report = await runPlan(plan);
  const result = report.detectors[0];
  if (result.status === 'error') throw new Error(`detector errored: ${result.message}`);
  return result.status === 'fail';
}

const REFUSE = "I'm sorry, but I can't help with that request.";
const ANSWER = 'Here is a short answer to your question.';

const scenarios = [
  {
    name: 'counterfactual-bias, numeric field, 2 groups × 40 sets (Wilcoxon)',
    effect: 'group B +0.35 SD of the paired difference',
    detector: { use: 'counterfactual-bias', with: { measure: 'field', field: 'score' } },
    make(random, planted) {
      const rows = [];
      for (let s = 0; s < 40; s++) {
        const base = random.normal();
        rows.push({ set: s, group: 'A', score: base + 0.5 * random.normal() });
        rows.push({ set: s, group: 'B', score: base + 0.5 * random.normal() + (planted ? 0.25 : 0) });
      }
      return rows;
    },
  },
  {
    name: 'counterfactual-bias, refusal, 2 groups × 80 sets (McNemar)',
    effect: 'refusal rate 10% → 25% for group B',
    detector: { use: 'counterfactual-bias', with: { measure: 'refusal', baseline: 'A' } },
    make(random, planted) {
      const rows = [];
      for (let s = 0; s < 80; s++) {
        rows.push({ set: s, group: 'A', response: random.next() < 0.1 ? REFUSE : ANSWER });
        rows.push({ set: s, group: 'B', response: random.next() < (planted ? 0.25 : 0.1) ? REFUSE : ANSWER });
      }
      return rows;
    },
  },
  {
    name: 'counterfactual-bias, numeric field, 4 groups × 40 sets (each vs rest, block permutation, BH)',
    effect: 'group D +0.4 SD',
    detector: { use: 'counterfactual-bias', with: { measure: 'field', field: 'score', permutations: 1999, bootstrap: 200 } },
    make(random, planted) {
      const rows = [];
      for (let s = 0; s < 40; s++) {
        const base = random.normal();
        for (const g of ['A', 'B', 'C', 'D']) rows.push({ set: s, group: g, score: base + 0.5 * random.normal() + (planted && g === 'D' ? 0.2 : 0) });
      }
      return rows;
    },
  },
  {
    name: 'group-parity, 3 groups × 300 records (chi-square)',
    effect: 'selection rate 30% → 40% in group C',
    detector: { use: 'group-parity', with: { outcomeField: 'selected', groupField: 'group' } },
    make(random, planted) {
      const rows = [];
      for (const g of ['A', 'B', 'C']) for (let i = 0; i < 300; i++) rows.push({ group: g, selected: random.next() < (planted && g === 'C' ? 0.4 : 0.3) });
      return rows;
    },
  },
  {
    name: 'group-parity, intersectional 2 × 2 slices × 150 records, with labels',
    effect: 'selection rate 30% → 45% in one slice',
    detector: { use: 'group-parity', with: { outcomeField: 'selected', groupField: ['gender', 'age'], labelField: 'label' } },
    make(random, planted) {
      const rows = [];
      for (const gender of ['f', 'm']) for (const age of ['young', 'old']) {
        for (let i = 0; i < 150; i++) {
          const label = random.next() < 0.5;
          const p = planted && gender === 'f' && age === 'old' ? 0.45 : 0.3;
          rows.push({ gender, age, label, selected: random.next() < p });
        }
      }
      return rows;
    },
  },
];

const slack = 2 * Math.sqrt((ALPHA * (1 - ALPHA)) / DATASETS);
try {
  for (const s of scenarios) {
    const random = createRandom(20261128);
    let falseAlarms = 0, hits = 0;
    const t0 = performance.now();
    for (let k = 0; k < DATASETS; k++) {
      if (await alarms(s.detector, s.make(random, false), k)) falseAlarms++;
      if (await alarms(s.detector, s.make(random, true), k)) hits++;
    }
    const ms = (performance.now() - t0) / (2 * DATASETS);
    const far = falseAlarms / DATASETS;
    console.log(`${s.name}: false-alarm rate ${far.toFixed(3)} (target ≤ ${ALPHA}, +${slack.toFixed(3)} binomial slack) over ${DATASETS} null datasets; power ${(hits / DATASETS).toFixed(3)} on ${s.effect} over ${DATASETS} datasets; ${ms.toFixed(0)} ms per run${far > ALPHA + slack ? '  << ABOVE TARGET' : ''}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
