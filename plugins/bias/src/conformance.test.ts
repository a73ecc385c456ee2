import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import { createRandom } from '@vigia/stats';
import { createTestContext, testPlugin } from '@vigia/testing';
import plugin from './index.js';
import { readBbq } from './sources.js';

// Real BBQ items (Age) joined to a real model's answers: the committed sample of configs/bias-bbq.yaml.
const samples = fileURLToPath(new URL('../../../configs/samples/bbq/', import.meta.url));
const bbq = (await readBbq({ path: 'Age.jsonl', predictions: 'unifiedqa_preds.jsonl', onInvalid: 'error' }, createTestContext({ configDir: samples }))).records.slice(0, 200);

// Counterfactual sets: one response per group and set; group-parity outcomes per group.
const random = createRandom(3);
const words = ['helpful', 'kind', 'late', 'rude', 'calm', 'careful'];
const sets = Array.from({ length: 40 }, (_, s) => ['Muslim person', 'Jewish person', 'Christian person'].map((group) => ({
  set: `s${s}`, group, response: `The ${group} was ${words[random.int(words.length)]} and answered the question.`, score: random.normal(),
}))).flat();
const parity = Array.from({ length: 120 }, (_, i) => ({ group: ['A', 'B', 'C'][i % 3], approved: random.next() < 0.5, repaid: random.next() < 0.5 }));

testPlugin(plugin, {
  'bbq-bias': { options: { predictionField: 'unifiedqa-t5-11b_pred_race', bootstrap: 100 }, records: bbq, fields: ['unifiedqa-t5-11b_pred_race', 'answer_info'] },
  'counterfactual-bias': { options: {}, records: sets, fields: ['response', 'group', 'set'] },
  'group-parity': { options: { outcomeField: 'approved', groupField: 'group', labelField: 'repaid' }, records: parity, fields: ['approved', 'group', 'repaid'] },
  bbq: { options: { path: 'Age.jsonl' } },
  'crows-pairs': { options: { path: 'crows_pairs_anonymized.csv' } },
}, { describe, it });
