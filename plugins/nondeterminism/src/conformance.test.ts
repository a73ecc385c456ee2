import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import { testPlugin } from '@vigia/testing';
import plugin from './index.js';

// The committed logged samples of configs/nondeterminism-logged.yaml: 12 prompts sampled 5 times.
const records = readFileSync(fileURLToPath(new URL('../../../configs/samples/nondeterminism/current.jsonl', import.meta.url)), 'utf8')
  .trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

testPlugin(plugin, {
  nondeterminism: { options: { groupBy: 'prompt_id' }, records, fields: ['response', 'prompt_id'] },
}, { describe, it });
