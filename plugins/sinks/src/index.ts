import { CORE_API_VERSION, definePlugin } from '@vigia/core';
import { consoleSink } from './console.js';
import { jsonSink } from './json.js';
import { junitSink } from './junit.js';

/** The sinks plugin family. */
const plugin = definePlugin({
  name: '@vigia/plugin-sinks',
  apiVersion: CORE_API_VERSION,
  sinks: {
    console: consoleSink,
    json: jsonSink,
    junit: junitSink,
  },
});

export default plugin;
export { consoleSink, createConsoleSink, shouldColor, type ConsoleStream } from './console.js';
export { jsonSink } from './json.js';
export { junitSink, formatJunit, escapeXmlText, escapeXmlAttribute } from './junit.js';
export { formatReportTable, formatNumber, formatPValue, formatDuration, truncate, type TableOptions } from './format.js';
export { writeFileAtomic } from './write.js';
