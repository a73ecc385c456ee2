import { describe, expect, it } from 'vitest';
import { CORE_API_VERSION, validateOptions } from '@vigia/core';
import plugin, { nondeterminism } from './index.js';

describe('@vigia/plugin-nondeterminism', () => {
  it('registers the detector for the current core API; its example validates and its defaults are the documented ones', () => {
    expect(plugin.apiVersion).toBe(CORE_API_VERSION);
    expect(Object.keys(plugin.detectors ?? {})).toEqual(['nondeterminism']);
    expect(() => validateOptions(nondeterminism, nondeterminism.example)).not.toThrow();
    expect(validateOptions(nondeterminism, {})).toMatchObject({ field: 'response', groupBy: 'prompt', threshold: 0.6, maxShare: 0, similarity: 'blend', lexicalWeight: 0.5, k: [1, 3, 5] });
  });

  it('keeps its option schema stable', () => {
    expect(nondeterminism.options).toMatchSnapshot();
  });
});
