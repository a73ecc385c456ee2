import { CORE_API_VERSION, definePlugin } from '@vigia/core';
import { descriptorsProvider } from './descriptors.js';
import { fieldStats } from './field-stats.js';

/**
 * The descriptors plugin: text descriptors as virtual fields (`descriptors.response.refusal`) that
 * every detector and metric can address, and `field-stats`, a metric summarising any field.
 */
const plugin = definePlugin({
  name: '@vigia/plugin-descriptors',
  apiVersion: CORE_API_VERSION,
  fields: { descriptors: descriptorsProvider },
  metrics: { 'field-stats': fieldStats },
});

export default plugin;
export { DescriptorEngine, DESCRIPTORS, descriptorsProvider, parsePath, type DescriptorOptions } from './descriptors.js';
export { piiCounts, luhnValid, ibanValid, cpfValid, dniValid, cnIdValid, ssnValid, PII_KINDS, type PiiKind, type PiiCounts } from './pii.js';
export { compileRefusal, REFUSAL_PATTERNS } from './refusal.js';
export { vaderCompound, loadVaderLexicon } from './sentiment.js';
export { fieldStats } from './field-stats.js';
