import { AggregationTemporality, DataPointType, type MetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api';
import type { DetectorReport, MetricValue, Report } from '@vigia/core';
import { STATUS_CODE } from '../prometheus/model.js';

/**
 * The OpenTelemetry view of a run, as the SDK's exporters take it (`ResourceMetrics`), built
 * directly from the report: Vigia's metrics arrive already aggregated (histograms with their
 * bucket counts), so they are handed to the exporter as data points rather than re-recorded
 * through instruments. Detector results become gauges; the evaluation events are in events.ts.
 */
export type Temporality = 'cumulative' | 'delta';

export interface OtlpModelOptions {
  temporality: Temporality;
  serviceName: string;
  resourceAttributes?: Record<string, string>;
  /** The window the values cover (ms since the epoch). */
  startMs: number;
  endMs: number;
}

export function hrTime(ms: number): HrTime {
  const s = Math.floor(ms / 1000);
  return [s, Math.round((ms - s * 1000) * 1e6)];
}

export function resourceOf(options: Pick<OtlpModelOptions, 'serviceName' | 'resourceAttributes'>) {
  return resourceFromAttributes({ 'service.name': options.serviceName, 'telemetry.sdk.name': 'vigia', ...(options.resourceAttributes ?? {}) });
}

interface Group { descriptor: { name: string; description: string; unit: string }; kind: 'gauge' | 'counter' | 'histogram'; points: Array<{ attributes: Attributes; value: number | MetricValue['histogram'] }> }

export function resourceMetricsOf(report: Report, options: OtlpModelOptions): ResourceMetrics {
  const temporality = options.temporality === 'delta' ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE;
  const startTime = hrTime(options.startMs);
  const endTime = hrTime(options.endMs);
  const groups = new Map<string, Group>();
  const add = (name: string, unit: string, description: string, kind: Group['kind'], attributes: Attributes, value: Group['points'][number]['value']) => {
    const key = `${name}\u0000${kind}`;
    let g = groups.get(key);
    if (!g) {
      g = { descriptor: { name, unit, description }, kind, points: [] };
      groups.set(key, g);
    }
    g.points.push({ attributes, value });
  };
  const base = { config: report.name };
  const detector = (d: DetectorReport) => ({ ...base, detector: d.id, use: d.use });
  for (const d of report.detectors ?? []) {
    add('vigia.detector.status', '', 'Detector status: 0 pass, 1 warn, 2 fail, 3 error.', 'gauge', detector(d), STATUS_CODE[d.status] ?? 3);
    if (typeof d.statistic === 'number') add('vigia.detector.statistic', '', "The detector's test statistic.", 'gauge', detector(d), d.statistic);
    const p = d.pValueAdjusted ?? d.pValue;
    if (typeof p === 'number') add('vigia.detector.p_value', '', "The detector's p-value (adjusted under a correction).", 'gauge', detector(d), p);
    if (typeof d.threshold === 'number') add('vigia.detector.threshold', '', "The detector's decision threshold.", 'gauge', detector(d), d.threshold);
  }
  add('vigia.run.status', '', 'Overall run status: 0 pass, 1 warn, 2 fail, 3 error.', 'gauge', base, STATUS_CODE[report.status] ?? 3);
  add('vigia.run.duration', 's', 'Wall time of the run.', 'gauge', base, report.durationMs / 1000);
  for (const [dataset, d] of Object.entries(report.datasets ?? {})) {
    add('vigia.dataset.records', '{record}', 'Records read into the dataset.', 'gauge', { ...base, dataset }, d.records);
    add('vigia.dataset.skipped_records', '{record}', 'Invalid records skipped.', 'gauge', { ...base, dataset }, d.skipped);
  }
  for (const m of report.metrics ?? []) {
    const kind = m.kind === 'histogram' && m.histogram ? 'histogram' : m.kind === 'counter' ? 'counter' : 'gauge';
    if (kind !== 'histogram' && !Number.isFinite(m.value)) continue;
    add(m.name, m.unit, m.description ?? '', kind, { ...base, ...(m.labels ?? {}) }, kind === 'histogram' ? m.histogram : m.value);
  }

  const metrics: MetricData[] = [];
  for (const g of groups.values()) {
    const descriptor = { ...g.descriptor, valueType: ValueType.DOUBLE };
    if (g.kind === 'histogram') {
      metrics.push({
        descriptor, aggregationTemporality: temporality, dataPointType: DataPointType.HISTOGRAM,
        dataPoints: g.points.map((p) => {
          const h = p.value as NonNullable<MetricValue['histogram']>;
          return { startTime, endTime, attributes: p.attributes, value: { buckets: { boundaries: [...h.bounds], counts: [...h.counts] }, sum: h.sum, count: h.count, min: h.min, max: h.max } };
        }),
      });
    } else if (g.kind === 'counter') {
      metrics.push({ descriptor, aggregationTemporality: temporality, dataPointType: DataPointType.SUM, isMonotonic: true, dataPoints: g.points.map((p) => ({ startTime, endTime, attributes: p.attributes, value: p.value as number })) });
    } else {
      metrics.push({ descriptor, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.GAUGE, dataPoints: g.points.map((p) => ({ startTime, endTime, attributes: p.attributes, value: p.value as number })) });
    }
  }
  return { resource: resourceOf(options), scopeMetrics: [{ scope: { name: '@vigia/plugin-exporters', version: '0.1.0' }, metrics }] };
}
