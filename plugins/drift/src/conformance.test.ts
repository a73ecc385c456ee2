import { describe, it } from 'vitest';
import { sampleRecords, testPlugin } from '@vigia/testing';
import plugin from './index.js';

const records = sampleRecords(120);

testPlugin(plugin, {
  'feature-drift': { options: { field: 'latency_ms' }, records, fields: ['latency_ms'] },
  'embedding-drift': { options: { textField: 'prompt', permutations: 20 }, records, fields: ['prompt'] },
  'intent-mix': { options: { textField: 'prompt' }, records, fields: ['prompt'] },
  'layer-drift': { options: { permutations: 20 }, records, fields: ['layers'] },
}, { describe, it });
