import { CORE_API_VERSION, definePlugin } from '@vigia/core';
import { embeddingDrift } from './embedding-drift.js';
import { intentMix } from './intent-mix.js';
import { layerDrift } from './layer-drift.js';
import { featureDrift } from './feature-drift.js';

/** The drift plugin family. */
const plugin = definePlugin({
  name: '@vigia/plugin-drift',
  apiVersion: CORE_API_VERSION,
  detectors: {
    'embedding-drift': embeddingDrift,
    'intent-mix': intentMix,
    'layer-drift': layerDrift,
    'feature-drift': featureDrift,
  },
});

export default plugin;
