import { describe, it } from 'vitest';
import { sampleRecords, testPlugin } from '@vigia/testing';
import plugin from './index.js';

const records = sampleRecords(120);

testPlugin(plugin, {
  anomaly: { options: { field: 'latency_ms', timestampField: 'timestamp' }, records, fields: ['latency_ms', 'timestamp'] },
}, { describe, it });
