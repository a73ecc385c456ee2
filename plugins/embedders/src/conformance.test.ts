import { describe, it } from 'vitest';
import { testPlugin } from '@vigia/testing';
import plugin from './index.js';

testPlugin(plugin, {
  hashing: { options: { cache: false } },
  // Converts the 100-d word vectors into the run's cache directory on first use (slow, disk); word-vectors.test.ts covers it.
  'word-vectors': { skip: { 'embedder contract': 'converts 100-d vectors into a cache directory on first use; covered by word-vectors.test.ts' } },
  // Needs a local model folder; its own tests cover the contract with one when present.
  transformers: { skip: { 'embedder contract': 'needs a local model folder (see transformers.test.ts)' } },
}, { describe, it });
