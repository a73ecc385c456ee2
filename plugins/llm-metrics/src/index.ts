import { CORE_API_VERSION, definePlugin } from '@vigia/core';

/** The llm-metrics plugin family. */
const plugin = definePlugin({
  name: '@vigia/plugin-llm-metrics',
  apiVersion: CORE_API_VERSION,
  metrics: {
  },
});

export default plugin;
