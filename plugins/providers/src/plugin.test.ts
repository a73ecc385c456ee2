import { describe, expect, it } from 'vitest';
import { CORE_API_VERSION, validateOptions } from '@vigia/core';
import plugin, { openaiCompatible, samples } from './index.js';

describe('@vigia/plugin-providers', () => {
  it('registers the provider and the source for the current core API; examples validate', () => {
    expect(plugin.apiVersion).toBe(CORE_API_VERSION);
    expect(Object.keys(plugin.providers ?? {})).toEqual(['openai-compatible']);
    expect(Object.keys(plugin.sources ?? {})).toEqual(['samples']);
    expect(() => validateOptions(openaiCompatible, openaiCompatible.example)).not.toThrow();
    expect(() => validateOptions(samples, samples.example)).not.toThrow();
    expect(samples.needs).toEqual(['provider']);
  });

  it('rejects a provider without baseUrl or model, naming the option', () => {
    expect(() => validateOptions(openaiCompatible, { model: 'm' })).toThrow('/with/baseUrl is required');
  });

  it('keeps its option schemas stable', () => {
    expect({ 'openai-compatible': openaiCompatible.options, samples: samples.options }).toMatchSnapshot();
  });
});
