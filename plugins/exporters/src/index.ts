import { CORE_API_VERSION, definePlugin } from '@vigia/core';
import { htmlSink } from './html/sink.js';
import { otlpSink } from './otlp/definition.js';
import { webhookSink } from './webhook.js';
import { dogstatsdSink } from './dogstatsd.js';
import { otlpJsonSource } from './otlp-json-source.js';
import { prometheusSink } from './prometheus/sink.js';

/** Exporters: where monitoring teams look. */
const plugin = definePlugin({
  name: '@vigia/plugin-exporters',
  apiVersion: CORE_API_VERSION,
  sinks: {
    prometheus: prometheusSink,
    html: htmlSink,
    otlp: otlpSink,
    dogstatsd: dogstatsdSink,
    webhook: webhookSink,
  },
  sources: {
    'otlp-json': otlpJsonSource,
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
export { otlpSink } from './otlp/definition.js';
export type { OtlpOptions } from './otlp/sink.js';
export type { Temporality } from './otlp/model.js';
export { evaluationEvent, EVALUATION_EVENT } from './otlp/events.js';
export { WebhookExporter, webhookSink, genericBody, slackBody, runKey, detectorKey, type WebhookOptions } from './webhook.js';
export { DogStatsdExporter, dogstatsdSink, dogstatsdLines, packDatagrams, dogName, dogTag, type DogStatsdOptions } from './dogstatsd.js';
export { grafanaDashboard, dashboardQueries, provisioningYaml, type DashboardInput } from './grafana.js';
export { otlpJsonSource, readOtlpJson, spanToRecord, isLlmSpan, attributeMap, anyValue, type OtlpJsonOptions } from './otlp-json-source.js';
