import { CORE_API_VERSION, definePlugin } from '@vigia/core';
import { errors } from './errors.js';
import { latency } from './latency.js';
import { resources } from './resources.js';
import { throughput } from './throughput.js';
import { tokenQuality } from './token-quality.js';
import { tokens } from './tokens.js';

/** The llm-metrics plugin family. */
const plugin = definePlugin({
  name: '@vigia/plugin-llm-metrics',
  apiVersion: CORE_API_VERSION,
  metrics: {
    latency,
    throughput,
    tokens,
    'token-quality': tokenQuality,
    errors,
    resources,
  },
});

export default plugin;
export { latency, DURATION_BUCKETS, TTFT_BUCKETS, TPOT_BUCKETS } from './latency.js';
export { throughput } from './throughput.js';
export { tokens, TOKEN_BUCKETS } from './tokens.js';
export { tokenQuality, topKEntropyBits } from './token-quality.js';
export { errors, errorType } from './errors.js';
export { resources, processUsage } from './resources.js';
export { MODEL_LABEL, quantileSuffix } from './common.js';
