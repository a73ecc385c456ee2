import type { DetectorReport, MetricValue, Report, SegmentResult, Status } from '@vigia/core';
import { prometheusName, sanitizeLabelName } from './names.js';

/**
 * The Prometheus view of a run, independent of how it leaves the process (exposition text for
 * `/metrics` and the Pushgateway, remote-write protobuf): metric families with their samples.
 */
export type FamilyType = 'gauge' | 'counter' | 'histogram';

export interface Sample {
  /** Full series name (a histogram's `_bucket`, `_sum`, `_count`). */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  help: string;
  type: FamilyType;
  samples: Sample[];
}

/** What the model is built from: a finished report, or the part of one seen so far. */
export interface RunSnapshot {
  name: string;
  status?: Status;
  durationMs?: number;
  /** Seconds since the epoch when the run ended. */
  endedAt?: number;
  datasets: Record<string, { records: number; skipped: number }>;
  detectors: DetectorReport[];
  metrics: MetricValue[];
}

export const STATUS_CODE: Record<Status, number> = { pass: 0, warn: 1, fail: 2, error: 3 };

/** Status code of a segment: as the detector's, and -1 for a segment too small to test. */
export const SEGMENT_TOO_SMALL = -1;

/** `details.segments` of a detector run with `by:` (empty otherwise; entries without a segment name are skipped). */
export function segmentsOf(d: DetectorReport): SegmentResult[] {
  const segments = (d.details as { segments?: unknown } | undefined)?.segments;
  if (!Array.isArray(segments)) return [];
  return segments.filter((s): s is SegmentResult => typeof s === 'object' && s !== null && typeof (s as SegmentResult).segment === 'string');
}

export function snapshotOf(report: Report, endedAt = Date.now() / 1000): RunSnapshot {
  return { name: report.name, status: report.status, durationMs: report.durationMs, endedAt, datasets: report.datasets ?? {}, detectors: report.detectors ?? [], metrics: report.metrics ?? [] };
}

class Families {
  readonly byName = new Map<string, Family>();
  /** Position of each series in its family's samples, for replace-by-labels in O(1). */
  readonly #index = new Map<Family, Map<string, number>>();
  /** Metric values left out (a name reused with another type), for the sink's warning. */
  readonly dropped: string[] = [];

  family(name: string, type: FamilyType, help: string): Family | undefined {
    const existing = this.byName.get(name);
    if (existing) return existing.type === type ? existing : undefined;
    const f: Family = { name, help, type, samples: [] };
    this.byName.set(name, f);
    return f;
  }

  add(f: Family | undefined, sample: Sample): void {
    if (!f) return;
    // One value per series: a later value with the same labels replaces the earlier one.
    let index = this.#index.get(f);
    if (!index) this.#index.set(f, (index = new Map()));
    const key = seriesKey(sample);
    const i = index.get(key);
    if (i !== undefined) f.samples[i] = sample;
    else index.set(key, f.samples.push(sample) - 1);
  }
}

function seriesKey(s: Sample): string {
  return `${s.name}{${Object.keys(s.labels).sort().map((k) => `${k}=${s.labels[k]}`).join(',')}}`;
}

/** Prometheus's text format cannot carry NaN for absent values; null values are left out. */
function finite(v: number | null | undefined): v is number {
  return typeof v === 'number' && !Number.isNaN(v);
}

/**
 * Families for a run: detector gauges labelled `config`, `detector`, `use`; run and dataset
 * gauges; every metric value under its translated name with its labels (dots become `_`) plus
 * `config`. `extraLabels` (e.g. `job` for remote write) go on every series.
 */
export function buildFamilies(run: RunSnapshot, extraLabels: Record<string, string> = {}): { families: Family[]; dropped: string[] } {
  const fs = new Families();
  const base = { ...extraLabels, config: run.name };
  const gauge = (name: string, help: string) => fs.family(name, 'gauge', help);

  const status = gauge('vigia_detector_status', 'Detector status: 0 pass, 1 warn, 2 fail, 3 error.');
  const statistic = gauge('vigia_detector_statistic', "The detector's test statistic (its meaning depends on the detector's use).");
  const pValue = gauge('vigia_detector_p_value', "The detector's p-value (after the run's multiple-testing correction when one is configured).");
  const threshold = gauge('vigia_detector_threshold', "The detector's decision threshold (for the statistic or the p-value).");
  const duration = gauge('vigia_detector_duration_seconds', 'Time the detector took.');
  for (const d of run.detectors) {
    const labels = { ...base, detector: d.id, use: d.use };
    fs.add(status, { name: 'vigia_detector_status', labels, value: STATUS_CODE[d.status] ?? 3 });
    if (finite(d.statistic)) fs.add(statistic, { name: 'vigia_detector_statistic', labels, value: d.statistic });
    const p = d.pValueAdjusted ?? d.pValue;
    if (finite(p)) fs.add(pValue, { name: 'vigia_detector_p_value', labels, value: p });
    if (finite(d.threshold)) fs.add(threshold, { name: 'vigia_detector_threshold', labels, value: d.threshold });
    if (finite(d.durationMs)) fs.add(duration, { name: 'vigia_detector_duration_seconds', labels, value: d.durationMs / 1000 });
  }

  // Detectors run with `by:`: one series per segment, labelled with the segment's value (the
  // engine bounds segments to 200 per detector, so the cardinality is the config's choice).
  const segmented = run.detectors.filter((d) => segmentsOf(d).length > 0);
  if (segmented.length) {
    const segStatus = gauge('vigia_detector_segment_status', "Status of one segment of a detector run with by: 0 pass, 1 warn, 2 fail, 3 error, -1 too small to test.");
    const segStatistic = gauge('vigia_detector_segment_statistic', "The segment's test statistic.");
    const segPValue = gauge('vigia_detector_segment_p_value', "The segment's p-value (after the run's multiple-testing correction when one is configured).");
    const segRecords = gauge('vigia_detector_segment_records', "Records of the segment in the current dataset.");
    for (const d of segmented) {
      for (const seg of segmentsOf(d)) {
        const labels = { ...base, detector: d.id, use: d.use, segment: seg.segment };
        fs.add(segStatus, { name: 'vigia_detector_segment_status', labels, value: seg.status === 'too-small' ? SEGMENT_TOO_SMALL : (STATUS_CODE[seg.status] ?? 3) });
        if (finite(seg.statistic)) fs.add(segStatistic, { name: 'vigia_detector_segment_statistic', labels, value: seg.statistic });
        const p = seg.pValueAdjusted ?? seg.pValue;
        if (finite(p)) fs.add(segPValue, { name: 'vigia_detector_segment_p_value', labels, value: p });
        if (finite(seg.n)) fs.add(segRecords, { name: 'vigia_detector_segment_records', labels, value: seg.n });
      }
    }
  }

  if (run.status !== undefined) {
    fs.add(gauge('vigia_run_status', 'Overall run status: 0 pass, 1 warn, 2 fail, 3 error.'), { name: 'vigia_run_status', labels: base, value: STATUS_CODE[run.status] });
  }
  if (finite(run.durationMs)) {
    fs.add(gauge('vigia_run_duration_seconds', 'Wall time of the run.'), { name: 'vigia_run_duration_seconds', labels: base, value: run.durationMs / 1000 });
  }
  if (finite(run.endedAt)) {
    fs.add(gauge('vigia_run_timestamp_seconds', 'When the run ended (Unix time); alert when it stops advancing.'), { name: 'vigia_run_timestamp_seconds', labels: base, value: run.endedAt });
  }
  const records = gauge('vigia_dataset_records', 'Records read into the dataset.');
  const skipped = gauge('vigia_dataset_skipped_records', 'Invalid records skipped while reading the dataset.');
  for (const [dataset, d] of Object.entries(run.datasets)) {
    fs.add(records, { name: 'vigia_dataset_records', labels: { ...base, dataset }, value: d.records });
    fs.add(skipped, { name: 'vigia_dataset_skipped_records', labels: { ...base, dataset }, value: d.skipped });
  }

  for (const m of run.metrics) {
    const kind = m.kind === 'histogram' && m.histogram ? 'histogram' : m.kind === 'counter' ? 'counter' : 'gauge';
    const name = prometheusName(m.name, m.unit, kind);
    const labels: Record<string, string> = { ...base };
    for (const [k, v] of Object.entries(m.labels ?? {})) {
      const key = sanitizeLabelName(k);
      if (key === 'config' || key === 'job' || key === 'le' || key in extraLabels) continue;
      labels[key] = String(v);
    }
    const f = fs.family(name, kind, m.description ? `${m.description} (${m.name}, ${m.unit})` : `${m.name} (${m.unit})`);
    if (!f) {
      fs.dropped.push(`${m.name} as ${kind} (${name} is already a ${fs.byName.get(name)!.type})`);
      continue;
    }
    if (kind === 'histogram') {
      const h = m.histogram!;
      let cumulative = 0;
      h.bounds.forEach((bound, i) => {
        cumulative += h.counts[i] ?? 0;
        fs.add(f, { name: `${name}_bucket`, labels: { ...labels, le: String(bound) }, value: cumulative });
      });
      fs.add(f, { name: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: h.count });
      fs.add(f, { name: `${name}_sum`, labels, value: h.sum });
      fs.add(f, { name: `${name}_count`, labels, value: h.count });
    } else if (finite(m.value)) {
      fs.add(f, { name, labels, value: m.value });
    }
  }
  return { families: [...fs.byName.values()].filter((f) => f.samples.length > 0), dropped: fs.dropped };
}
