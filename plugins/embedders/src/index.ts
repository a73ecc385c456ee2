import { CORE_API_VERSION, definePlugin } from '@vigia/core';

/** The embedders plugin family. */
const plugin = definePlugin({
  name: '@vigia/plugin-embedders',
  apiVersion: CORE_API_VERSION,
  embedders: {
  },
});

export default plugin;
