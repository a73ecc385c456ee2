import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import { testPlugin } from '@vigia/testing';
import plugin from './index.js';

const fixture = (name: string) => fileURLToPath(new URL(`./__fixtures__/${name}`, import.meta.url));

testPlugin(plugin, {
  jsonl: { options: { path: fixture('basic.jsonl') } },
  csv: { options: { path: fixture('quoted.csv') } },
  parquet: { options: { path: fixture('missing.parquet') } },
}, { describe, it });
