import { CORE_API_VERSION, definePlugin } from '@vigia/core';

/** The sources plugin family. */
const plugin = definePlugin({
  name: '@vigia/plugin-sources',
  apiVersion: CORE_API_VERSION,
  sources: {
  },
});

export default plugin;
