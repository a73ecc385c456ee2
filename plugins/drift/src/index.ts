import { CORE_API_VERSION, definePlugin } from '@vigia/core';
import { featureDrift } from './feature-drift.js';

/** The drift plugin family. */
const plugin = definePlugin({
  name: '@vigia/plugin-drift',
  apiVersion: CORE_API_VERSION,
  detectors: {
    'feature-drift': featureDrift,
  },
});

export default plugin;
