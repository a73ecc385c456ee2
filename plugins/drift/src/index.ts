import { CORE_API_VERSION, definePlugin } from '@vigia/core';

/** The drift plugin family. */
const plugin = definePlugin({
  name: '@vigia/plugin-drift',
  apiVersion: CORE_API_VERSION,
  detectors: {
  },
});

export default plugin;
