import type { DetectorReport, MetricValue, Report, SegmentResult } from '@vigia/core';
import { CUR, FLAG, REF, barChart, ecdfChart, esc, fmt, histogramChart, markerChart, nullChart, timeChart } from './svg.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

const QUANTILE_LEVELS: Record<string, number> = { p01: 0.01, p05: 0.05, p10: 0.1, p25: 0.25, p50: 0.5, p75: 0.75, p90: 0.9, p95: 0.95, p99: 0.99 };

/** ECDF points from a summary `{ min, max, quantiles: { p05: …, … } }`. */
function summaryEcdf(s: Obj): Array<[number, number]> | undefined {
  const q = isObj(s.quantiles) ? s.quantiles : undefined;
  if (!q) return undefined;
  const pts: Array<[number, number]> = [];
  const min = num(s.min);
  const max = num(s.max);
  if (min !== undefined) pts.push([min, 0]);
  for (const [k, level] of Object.entries(QUANTILE_LEVELS)) {
    const v = num(q[k]);
    if (v !== undefined) pts.push([v, level]);
  }
  if (max !== undefined) pts.push([max, 1]);
  return pts.length >= 3 ? pts : undefined;
}

interface Chart { svg: string; caption: string }

/**
 * The charts a detector's details support, recognised by shape (not by detector name) so new
 * detectors that report the same shapes get charts too:
 * reference/current quantile summaries → ECDFs; reference/current `shares` → category bars;
 * `clusters[]` with reference/current shares → intent shares; `anomalies[]` with timestamps →
 * flagged points over time; `nullMean`/`nullSd` → the permutation null against the statistic;
 * `explanation.directions[]` → the embedding shift per principal direction; `groups[]` with
 * rates → group comparison; `prompts[]` with instability → per-prompt instability.
 */
export function detectorCharts(d: DetectorReport): Chart[] {
  const det = isObj(d.details) ? d.details : {};
  const out: Chart[] = [];
  const ref = isObj(det.reference) ? det.reference : undefined;
  const cur = isObj(det.current) ? det.current : undefined;
  const field = typeof det.field === 'string' ? det.field : 'value';

  const refEcdf = ref && summaryEcdf(ref);
  const curEcdf = cur && summaryEcdf(cur);
  if (refEcdf && curEcdf) {
    out.push({ svg: ecdfChart([{ name: 'reference', color: REF, points: refEcdf }, { name: 'current', color: CUR, points: curEcdf }], { label: `${d.id}: distribution of ${field}`, xLabel: field }), caption: `Distribution of ${field}: share of records at or below each value, known at the minimum, p5, p25, median, p75, p95 and maximum of each window (straight lines in between).` });
  }

  if (ref && cur && isObj(ref.shares) && isObj(cur.shares)) {
    const names = [...new Set([...Object.keys(ref.shares), ...Object.keys(cur.shares)])];
    const rows = names.map((n) => ({ label: n, values: [num((ref.shares as Obj)[n]) ?? 0, num((cur.shares as Obj)[n]) ?? 0] }));
    rows.sort((a, b) => Math.max(b.values[1]!, b.values[0]!) - Math.max(a.values[1]!, a.values[0]!));
    out.push({ svg: barChart(rows.map((r) => ({ label: r.label, values: r.values.map((v) => v * 100) })), [{ name: 'reference', color: REF }, { name: 'current', color: CUR }], { label: `${d.id}: category shares`, unit: '%' }), caption: `Share of each ${field} value in reference and current.` });
  }

  if (Array.isArray(det.clusters) && det.clusters.every((c) => isObj(c) && num(c.referenceShare) !== undefined)) {
    const rows = (det.clusters as Obj[]).map((c) => ({ label: `cluster ${String(c.cluster ?? '?')}${Array.isArray(c.examples) && typeof c.examples[0] === 'string' ? `: ${c.examples[0]}` : ''}`, values: [num(c.referenceShare)! * 100, (num(c.currentShare) ?? 0) * 100] }));
    if (isObj(det.newIntents) && num(det.newIntents.share) !== undefined) rows.push({ label: 'new intents (far from every cluster)', values: [(num(det.newIntents.expectedShare) ?? 0) * 100, num(det.newIntents.share)! * 100] });
    out.push({ svg: barChart(rows, [{ name: 'reference', color: REF }, { name: 'current', color: CUR }], { label: `${d.id}: intent shares`, unit: '%' }), caption: 'Share of prompts per intent cluster (learned on the reference), with the first example prompt of each.' });
  }

  if (Array.isArray(det.anomalies) && det.anomalies.length > 0) {
    const pts = (det.anomalies as Obj[]).flatMap((a) => {
      const t = typeof a.timestamp === 'string' ? Date.parse(a.timestamp) : num(a.timestamp) ?? num(a.index);
      const v = num(a.value);
      return t !== undefined && !Number.isNaN(t) && v !== undefined ? [{ t, value: v, score: num(a.score), label: `${typeof a.timestamp === 'string' ? a.timestamp : `#${String(a.index)}`}: ${fmt(v)} (score ${fmt(num(a.score))})` }] : [];
    });
    if (pts.length) {
      const fields = Array.isArray(det.fields) ? det.fields.join(', ') : field;
      out.push({ svg: timeChart(pts, { label: `${d.id}: flagged points`, yLabel: fields }), caption: `The ${pts.length} highest-scoring points of ${fields} over time (circle size: anomaly score); ${fmt(num(det.exceedances) ?? null, 0)} points were above the alarm level out of ${fmt(num(det.scored) ?? null, 0)} scored.` });
    }
  }

  if (num(det.nullMean) !== undefined && num(det.nullSd) !== undefined && num(d.statistic ?? undefined) !== undefined && num(det.nullSd)! > 0) {
    out.push({ svg: nullChart(num(det.nullMean)!, num(det.nullSd)!, d.statistic!, { label: `${d.id}: statistic against its null` }), caption: `The statistic against its permutation null distribution (normal curve with the permutations' mean and sd).` });
  }

  const directions = isObj(det.explanation) && Array.isArray(det.explanation.directions) ? (det.explanation.directions as Obj[]) : undefined;
  if (directions?.length) {
    const rows = directions.map((x) => ({ label: `direction ${String(x.component)} (${fmt((num(x.share) ?? 0) * 100, 2)}% of variance)`, values: [num(x.shiftSd) ?? 0] }));
    out.push({ svg: barChart(rows, [{ name: 'mean shift of current, in reference SDs', color: CUR }], { label: `${d.id}: projection shift` }), caption: 'Current prompts projected on the principal directions of the embeddings that moved most: the mean shift along each, in reference standard deviations.' });
  }

  if (Array.isArray(det.groups) && det.groups.every((g) => isObj(g) && (num(g.rate) !== undefined || num(g.value) !== undefined))) {
    const rows = (det.groups as Obj[]).map((g) => ({ label: String(g.name ?? g.group ?? '?'), values: [num(g.rate) ?? num(g.value) ?? 0] }));
    out.push({ svg: barChart(rows, [{ name: 'rate per group', color: CUR }], { label: `${d.id}: group comparison` }), caption: 'The compared quantity per group.' });
  }

  if (Array.isArray(det.prompts) && det.prompts.every((p) => isObj(p) && num(p.instability) !== undefined)) {
    const rows = (det.prompts as Obj[]).map((p) => ({ label: String(p.prompt ?? p.id ?? '?'), values: [num(p.instability)!] }));
    out.push({ svg: barChart(rows, [{ name: 'instability per prompt', color: CUR }], { label: `${d.id}: instability per prompt` }), caption: 'How much repeated answers to each prompt disagree.' });
  }

  if (out.length === 0 && num(d.statistic ?? undefined) !== undefined) {
    const marks = [{ name: 'statistic', value: d.statistic!, color: CUR }];
    if (num(d.threshold ?? undefined) !== undefined) marks.push({ name: 'threshold', value: d.threshold!, color: FLAG });
    out.push({ svg: markerChart(marks, { label: `${d.id}: statistic and threshold` }), caption: 'The statistic and the threshold it is compared with.' });
  }
  return out;
}

const STATUS_COLOR: Record<string, string> = { pass: '#2e7d32', warn: '#b7791f', fail: '#c0392b', error: '#6a1b9a', 'too-small': '#8a8f98' };

/** `details.segments` of a detector run with `by:` (empty otherwise). */
function segmentsOf(d: DetectorReport): SegmentResult[] {
  const det = isObj(d.details) ? d.details : {};
  return Array.isArray(det.segments) ? (det.segments as unknown[]).filter((s): s is SegmentResult => isObj(s) && typeof s.segment === 'string') : [];
}

/**
 * A detector run with `by:`: one row per segment (as the engine orders them, largest first) with
 * its records (current / reference), status, statistic, raw and adjusted p-value. Too-small
 * segments were not tested and say so.
 */
function segmentsTable(d: DetectorReport): string {
  const segments = segmentsOf(d);
  if (!segments.length) return '';
  const by = isObj(d.details) && typeof d.details.by === 'string' ? d.details.by : undefined;
  const moved = segments.filter((s) => s.status === 'fail' || s.status === 'warn' || s.status === 'error').length;
  const rows = segments.map((s) => `<tr data-segment="${esc(s.segment)}" data-status="${esc(s.status)}"><td>${esc(s.segment)}</td><td class="n">${esc(String(s.n))}${s.nReference !== undefined ? ` / ${esc(String(s.nReference))}` : ''}</td><td>${badge(s.status)}</td><td class="n">${esc(fmt(s.statistic))}</td><td class="n">${esc(fmt(s.pValue))}</td><td class="n">${s.pValueAdjusted != null ? esc(fmt(s.pValueAdjusted)) : '—'}</td></tr>`);
  return `<div class="segments" data-segments="${segments.length}"><h3>Segments${by ? ` by ${esc(by)}` : ''} <small>${moved} of ${segments.length} moved</small></h3>
<table><thead><tr><th>segment</th><th>n (current${segments.some((s) => s.nReference !== undefined) ? ' / reference' : ''})</th><th>status</th><th>statistic</th><th>p-value</th><th>adjusted p-value</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

function badge(status: string): string {
  return `<span class="badge" style="background:${STATUS_COLOR[status] ?? '#555'}">${esc(status)}</span>`;
}

function detectorSection(d: DetectorReport): string {
  const charts = detectorCharts(d);
  const p = d.pValueAdjusted ?? d.pValue;
  return `<section class="detector" id="d-${esc(d.id)}" data-detector="${esc(d.id)}" data-status="${esc(d.status)}">
<h2>${badge(d.status)} ${esc(d.id)} <small>${esc(d.use)}</small></h2>
<p class="msg">${esc(d.message)}</p>
<p class="nums">statistic <b>${esc(fmt(d.statistic))}</b> · p-value <b>${esc(fmt(p))}</b>${d.pValueAdjusted != null ? ' (adjusted)' : ''} · threshold <b>${esc(fmt(d.threshold))}</b> · ${esc(fmt(d.durationMs / 1000, 2))} s</p>
${segmentsTable(d)}
${charts.map((c) => `<figure>${c.svg}<figcaption>${esc(c.caption)}</figcaption></figure>`).join('\n')}
</section>`;
}

function metricKey(m: MetricValue): string {
  return Object.entries(m.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(', ');
}

function metricsSection(metrics: readonly MetricValue[]): string {
  if (!metrics.length) return '';
  const hists = metrics.filter((m) => m.kind === 'histogram' && m.histogram && m.histogram.count > 0);
  const rows = metrics.filter((m) => m.kind !== 'histogram').map((m) => `<tr><td>${esc(m.name)}</td><td>${esc(metricKey(m))}</td><td class="n">${esc(fmt(m.value, 4))}</td><td>${esc(m.unit)}</td></tr>`);
  return `<section class="metrics"><h2>Metrics</h2>
${hists.map((m) => `<figure>${histogramChart(m.histogram!.bounds, m.histogram!.counts, { label: `${m.name} ${metricKey(m)}`, unit: m.unit })}<figcaption>${esc(`${m.name} (${metricKey(m)}): ${m.histogram!.count} values, mean ${fmt(m.histogram!.sum / m.histogram!.count)} ${m.unit}`)}</figcaption></figure>`).join('\n')}
${rows.length ? `<table><thead><tr><th>metric</th><th>labels</th><th>value</th><th>unit</th></tr></thead><tbody>${rows.join('')}</tbody></table>` : ''}
</section>`;
}

const CSS = `body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
main{max-width:1000px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:0 0 6px}h3{font-size:14px;margin:10px 0 4px}h3 small{color:#667;font-weight:normal}h2 small{color:#667;font-weight:normal;font-size:13px}
.meta{color:#556;margin:0 0 16px}.badge{color:#fff;border-radius:4px;padding:1px 7px;font-size:12px;font-weight:600;text-transform:uppercase;vertical-align:2px}
section{background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:16px 18px;margin:0 0 16px}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eceff3;vertical-align:top}td.n{text-align:right;font-variant-numeric:tabular-nums}
.msg{margin:4px 0}.nums{color:#445;margin:4px 0 8px}figure{margin:8px 0}figcaption{color:#667;font-size:12px}
svg.chart{max-width:100%;height:auto;display:block}svg .ax{stroke:#889;stroke-width:1}svg .grid{stroke:#eceff3;stroke-width:1}
svg text{font:11px system-ui,sans-serif;fill:#445}svg .al{fill:#667}svg .lg{fill:#334}svg .vl{fill:#556;font-size:10px}
.warn{background:#fff8e6;border-color:#f0d9a0}a{color:#2b5d9c}`;

/** The whole report as one self-contained HTML page (no script, no external resource). */
export function renderHtml(report: Report, options: { title?: string } = {}): string {
  const title = options.title ?? `Vigia report: ${report.name}`;
  const detectors = report.detectors ?? [];
  const counts = ['pass', 'warn', 'fail', 'error'].map((s) => [s, detectors.filter((d) => d.status === s).length] as const).filter(([, n]) => n > 0);
  const datasets = Object.entries(report.datasets ?? {});
  const summary = detectors.map((d) => `<tr><td><a href="#d-${esc(d.id)}">${esc(d.id)}</a></td><td>${esc(d.use)}</td><td>${badge(d.status)}</td><td class="n">${esc(fmt(d.statistic))}</td><td class="n">${esc(fmt(d.pValueAdjusted ?? d.pValue))}</td><td class="n">${esc(fmt(d.threshold))}</td><td>${esc(d.message.length > 160 ? `${d.message.slice(0, 159)}…` : d.message)}</td></tr>`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="vigia">
<title>${esc(title)}</title>
<style>${CSS}</style></head>
<body><main>
<header><h1>${esc(title)} ${badge(report.status)}</h1>
<p class="meta">started ${esc(report.startedAt)} · ${esc(fmt(report.durationMs / 1000, 2))} s · seed ${esc(report.seed)}${report.correction ? ` · correction ${esc(report.correction)}` : ''} · ${counts.map(([s, n]) => `${n} ${s}`).join(', ') || 'no detectors'}</p></header>
<section class="summary" data-summary="detectors"><h2>Summary</h2>
<table><thead><tr><th>detector</th><th>use</th><th>status</th><th>statistic</th><th>p-value</th><th>threshold</th><th>message</th></tr></thead><tbody>${summary.join('')}</tbody></table>
${datasets.length ? `<p class="meta">datasets: ${datasets.map(([n, d]) => `${esc(n)} ${d.records} records${d.skipped ? ` (${d.skipped} skipped)` : ''}`).join(' · ')}</p>` : ''}
</section>
${report.warnings?.length ? `<section class="warn"><h2>Warnings</h2><ul>${report.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul></section>` : ''}
${detectors.map(detectorSection).join('\n')}
${metricsSection(report.metrics ?? [])}
</main></body></html>
`;
}
