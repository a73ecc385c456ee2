import { describe, it } from 'vitest';
import { sampleRecords, testPlugin } from '@vigia/testing';
import plugin from './index.js';

const records = sampleRecords(120);

// The `descriptors` field provider is exercised through runs in descriptors.test.ts.
testPlugin(plugin, {
  'field-stats': { options: { fields: ['latency_ms', 'output_tokens'] }, records, fields: ['latency_ms', 'output_tokens'] },
}, { describe, it });
