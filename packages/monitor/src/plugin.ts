import { CORE_API_VERSION, definePlugin } from '@vigia/core';
import { httpSource } from './ingest.js';

/** The monitor's components for configs: the `http` source (records received while `vigia watch` runs). */
export const monitorPlugin = definePlugin({
  name: '@vigia/monitor',
  apiVersion: CORE_API_VERSION,
  sources: {
    http: httpSource,
  },
});
