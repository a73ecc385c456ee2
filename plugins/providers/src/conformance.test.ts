import { describe, it } from 'vitest';
import { testPlugin } from '@vigia/testing';
import plugin from './index.js';

// The provider and the samples source call a model: their behaviour against an in-test server is in
// openai.test.ts and samples.test.ts; here the checks that need no model (descriptions, documented
// options, defaults that validate).
testPlugin(plugin, {
  'openai-compatible': { options: { baseUrl: 'http://127.0.0.1:11434/v1', model: 'llama3.2' } },
  samples: { options: { prompts: 'prompts.jsonl' } },
}, { describe, it });
