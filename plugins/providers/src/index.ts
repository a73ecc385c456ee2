import { CORE_API_VERSION, definePlugin } from '@vigia/core';
import { openaiCompatible } from './openai.js';
import { samples } from './samples.js';

export { openaiCompatible, openaiCompatibleOptions, createOpenAICompatibleProvider, type OpenAICompatibleOptions } from './openai.js';
export { samples, samplesOptions, readPrompts, sampleAll, type PromptItem } from './samples.js';
export { Semaphore, RateLimiter, parseRetryAfter, backoffDelay, sleep } from './limits.js';

/** Model providers and the repeat-sampling source. */
const plugin = definePlugin({
  name: '@vigia/plugin-providers',
  apiVersion: CORE_API_VERSION,
  providers: { 'openai-compatible': openaiCompatible },
  sources: { samples },
});

export default plugin;
