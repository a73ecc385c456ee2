import { describe, it } from 'vitest';
import { sampleRecords, testPlugin } from '@vigia/testing';
import plugin from './index.js';

const records = sampleRecords(120);

testPlugin(plugin, {
  latency: { records, fields: ['latency_ms'] },
  throughput: { records, fields: ['timestamp'] },
  tokens: { records, fields: ['input_tokens', 'output_tokens'] },
  'token-quality': { records, fields: ['logprobs'] },
  errors: { records, fields: ['status'] },
  resources: { options: { process: false }, records, fields: ['cpu_utilization'] },
}, { describe, it });
