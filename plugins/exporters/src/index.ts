import { CORE_API_VERSION, definePlugin } from '@vigia/core';
import { htmlSink } from './html/sink.js';
import { prometheusSink } from './prometheus/sink.js';

/** Exporters: where monitoring teams look. */
const plugin = definePlugin({
  name: '@vigia/plugin-exporters',
  apiVersion: CORE_API_VERSION,
  sinks: {
    prometheus: prometheusSink,
    html: htmlSink,
  },
});

export default plugin;
export { PrometheusExporter, prometheusSink, parseListen, type PrometheusOptions } from './prometheus/sink.js';
export { buildFamilies, snapshotOf, STATUS_CODE, type Family, type Sample, type RunSnapshot } from './prometheus/model.js';
export { exposition, registryOf } from './prometheus/exposition.js';
export { encodeWriteRequest, remoteWriteBody, seriesOf } from './prometheus/remote-write.js';
export { prometheusName, sanitizeLabelName, sanitizeMetricName, unitSuffix } from './prometheus/names.js';
export { send, showUrl, ExportError, type SendOptions } from './transport/http.js';
export { FailureLog } from './transport/failures.js';
export { htmlSink } from './html/sink.js';
export { renderHtml, detectorCharts } from './html/report.js';
