import { CORE_API_VERSION, definePlugin } from '@vigia/core';

/** The sinks plugin family. */
const plugin = definePlugin({
  name: '@vigia/plugin-sinks',
  apiVersion: CORE_API_VERSION,
  sinks: {
  },
});

export default plugin;
