import { CORE_API_VERSION, definePlugin } from '@vigia/core';

/** The anomaly plugin family. */
const plugin = definePlugin({
  name: '@vigia/plugin-anomaly',
  apiVersion: CORE_API_VERSION,
  detectors: {
  },
});

export default plugin;
