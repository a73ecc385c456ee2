import { defineSink, type DetectorReport, type MetricValue, type Report } from '@vigia/core';
import { formatNumber, formatPValue, segmentsOf } from './format.js';
import { writeFileAtomic } from './write.js';

/**
 * Characters XML 1.0 cannot hold even as references: C0 controls other than tab, LF and CR,
 * lone surrogates, U+FFFE and U+FFFF. They are written as visible `\uXXXX` text instead.
 */
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function visible(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** Escape text content. */
export function escapeXmlText(text: string): string {
  return text.replace(NOT_XML, visible).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escape an attribute value (double-quoted); line breaks and tabs survive as references. */
export function escapeXmlAttribute(text: string): string {
  return escapeXmlText(text).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

function attrs(values: Record<string, string | number>): string {
  return Object.entries(values).map(([k, v]) => ` ${k}="${escapeXmlAttribute(String(v))}"`).join('');
}

function seconds(ms: number): string {
  return Number.isFinite(ms) ? (ms / 1000).toFixed(3) : '0';
}

function property(name: string, value: string): string {
  return `<property${attrs({ name, value })}/>`;
}

function metricProperty(m: MetricValue): string {
  const labels = m.labels && Object.keys(m.labels).length > 0 ? `{${Object.entries(m.labels).map(([k, v]) => `${k}=${v}`).join(',')}}` : '';
  const unit = m.unit && m.unit !== '1' ? ` ${m.unit}` : '';
  return property(`metric.${m.name}${labels}`, `${m.value}${unit}`);
}

function detectorBody(d: DetectorReport): string {
  const lines = [d.message];
  lines.push(`statistic: ${formatNumber(d.statistic)}, p-value: ${formatPValue(d.pValue)}${d.pValueAdjusted !== undefined && d.pValueAdjusted !== null ? ` (adjusted ${formatPValue(d.pValueAdjusted)})` : ''}, threshold: ${formatNumber(d.threshold)}`);
  if (d.details && Object.keys(d.details).length > 0) lines.push(`details: ${JSON.stringify(d.details, null, 2)}`);
  return lines.join('\n');
}

/**
 * The report as JUnit XML: one `<testsuite>` named after the report, one `<testcase>` per detector
 * (classname = the detector's `use`), `<failure>` for fail, `<error>` for error, a `<system-out>`
 * note for warn (a warning passes), statistic/p-value/threshold as testcase properties and the
 * datasets and metrics as suite properties.
 */
export function formatJunit(report: Report): string {
  const detectors = report.detectors ?? [];
  const segments = detectors.flatMap(segmentsOf);
  const failures = detectors.filter((d) => d.status === 'fail').length + segments.filter((s) => s.status === 'fail').length;
  const errors = detectors.filter((d) => d.status === 'error').length + segments.filter((s) => s.status === 'error').length;
  const skipped = segments.filter((s) => s.status === 'too-small').length;
  const counts = { tests: detectors.length + segments.length, failures, errors, skipped, time: seconds(report.durationMs) };
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(`<testsuites${attrs({ name: 'vigia', ...counts })}>`);
  out.push(`  <testsuite${attrs({ name: report.name, ...counts, timestamp: report.startedAt ?? '' })}>`);
  out.push('    <properties>');
  out.push(`      ${property('status', report.status)}`);
  out.push(`      ${property('seed', String(report.seed))}`);
  if (report.correction) out.push(`      ${property('correction', report.correction)}`);
  for (const [name, d] of Object.entries(report.datasets ?? {})) {
    out.push(`      ${property(`dataset.${name}.records`, String(d.records))}`);
    out.push(`      ${property(`dataset.${name}.skipped`, String(d.skipped))}`);
  }
  for (const m of report.metrics ?? []) out.push(`      ${metricProperty(m)}`);
  out.push('    </properties>');
  for (const d of detectors) {
    out.push(`    <testcase${attrs({ name: d.id, classname: d.use, time: seconds(d.durationMs) })}>`);
    out.push('      <properties>');
    out.push(`        ${property('status', d.status)}`);
    out.push(`        ${property('statistic', d.statistic === null ? '' : String(d.statistic))}`);
    out.push(`        ${property('pValue', d.pValue === null ? '' : String(d.pValue))}`);
    if (d.pValueAdjusted !== undefined) out.push(`        ${property('pValueAdjusted', d.pValueAdjusted === null ? '' : String(d.pValueAdjusted))}`);
    out.push(`        ${property('threshold', d.threshold === null ? '' : String(d.threshold))}`);
    out.push('      </properties>');
    if (d.status === 'fail') {
      out.push(`      <failure${attrs({ message: d.message, type: 'fail' })}>${escapeXmlText(detectorBody(d))}</failure>`);
    } else if (d.status === 'error') {
      out.push(`      <error${attrs({ message: d.message, type: 'error' })}>${escapeXmlText(detectorBody(d))}</error>`);
    } else if (d.status === 'warn') {
      out.push(`      <system-out>${escapeXmlText(`WARN: ${detectorBody(d)}`)}</system-out>`);
    }
    out.push('    </testcase>');
    // A detector run with `by:`: one testcase per segment too, so CI lists the segment that moved.
    for (const seg of segmentsOf(d)) {
      out.push(`    <testcase${attrs({ name: `${d.id}[${seg.segment}]`, classname: d.use, time: '0' })}>`);
      const body = `${seg.message}\nn: ${seg.n}${seg.nReference !== undefined ? ` (reference ${seg.nReference})` : ''}, statistic: ${formatNumber(seg.statistic)}, p-value: ${formatPValue(seg.pValue)}${seg.pValueAdjusted != null ? ` (adjusted ${formatPValue(seg.pValueAdjusted)})` : ''}`;
      if (seg.status === 'fail') out.push(`      <failure${attrs({ message: seg.message, type: 'fail' })}>${escapeXmlText(body)}</failure>`);
      else if (seg.status === 'error') out.push(`      <error${attrs({ message: seg.message, type: 'error' })}>${escapeXmlText(body)}</error>`);
      else if (seg.status === 'too-small') out.push(`      <skipped${attrs({ message: seg.message })}/>`);
      else if (seg.status === 'warn') out.push(`      <system-out>${escapeXmlText(`WARN: ${body}`)}</system-out>`);
      out.push('    </testcase>');
    }
  }
  if (report.warnings && report.warnings.length > 0) {
    out.push(`    <system-err>${escapeXmlText(report.warnings.map((w) => `warning: ${w}`).join('\n'))}</system-err>`);
  }
  out.push('  </testsuite>');
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}

export const junitSink = defineSink({
  description: 'Writes the report as JUnit XML so CI systems show each detector as a test case: fail → <failure>, error → <error>, warn → passed with a note.',
  options: {
    type: 'object',
    properties: {
      path: { type: 'string', minLength: 1, description: 'XML file, relative to the config file (e.g. `out/vigia-junit.xml`).' },
    },
    required: ['path'],
    additionalProperties: false,
  },
  example: { path: 'out/junit.xml' },
  create: (options, ctx) => {
    const resolved = ctx.resolvePath(options.path);
    return {
      async report(report: Report) {
        await writeFileAtomic(resolved, formatJunit(report), 'junit sink', options.path);
      },
    };
  },
});
