/**
 * Formatting a report for people: number formats and the console table. Pure functions (no I/O,
 * no environment), so the CLI and tests can reuse them.
 */
import type { DetectorReport, MetricValue, Report, SegmentResult, Status } from '@vigia/core';

/** A statistic, threshold or metric value: 4 significant digits, exponent form when tiny or huge. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '-∞';
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (Number.isInteger(value) && abs < 1e6) return String(value);
  if (abs < 1e-3 || abs >= 1e6) return exponent(value, 3);
  return String(Number(value.toPrecision(4)));
}

/** A p-value: two significant digits, `3.2e-5` below 0.001, `< 1e-300` at the floating-point floor. */
export function formatPValue(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  if (Number.isNaN(value)) return 'NaN';
  if (value < 1e-300) return '< 1e-300';
  if (value < 1e-3) return exponent(value, 1);
  return String(Number(value.toPrecision(2)));
}

/** `x.toExponential(d)` without a `+` in the exponent or trailing zeros in the mantissa. */
function exponent(value: number, digits: number): string {
  const [mantissa, exp] = value.toExponential(digits).split('e') as [string, string];
  const m = mantissa.includes('.') ? mantissa.replace(/\.?0+$/, '') : mantissa;
  return `${m}e${exp.replace('+', '')}`;
}

/** A duration: `812 ms`, `1.23 s`, `2m 03s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
}

export interface TableOptions {
  /** ANSI colours (default false). */
  color?: boolean;
  /** Terminal width the table must fit; messages are truncated to it (default 100). */
  width?: number;
  /**
   * Print every message whole, on its own indented line under the row (for logs: CI systems keep
   * the whole line, a terminal would wrap it). Default false: messages are cut to `width`.
   */
  fullMessages?: boolean;
  /** Metric lines shown before the rest are summarised as "… N more" (default 12). */
  maxMetricLines?: number;
}

/** The last segment of a metric name that is a statistic of one quantity (`….duration.p95`). */
const STAT_SUFFIX = /^(p\d{1,2}(\.\d+)?|min|max|mean|median|overall|sum|count|std|rate)$/;

interface MetricGroup {
  base: string;
  labels: string;
  parts: string[];
}

/**
 * Metrics summarised for people: the values of one quantity (`gen_ai.client.operation.duration`
 * p50, p95, max … for one label set) on one line, `p50 2.45 s · p95 13 s · max 20.1 s`.
 */
function groupMetrics(metrics: readonly MetricValue[]): MetricGroup[] {
  const groups = new Map<string, MetricGroup>();
  for (const m of metrics) {
    const dot = m.name.lastIndexOf('.');
    const last = dot > 0 ? m.name.slice(dot + 1) : '';
    const grouped = STAT_SUFFIX.test(last);
    const base = grouped ? m.name.slice(0, dot) : m.name;
    const labels = formatLabels(m.labels);
    const key = `${base}\u0000${labels}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { base, labels, parts: [] }));
    const unit = formatUnit(m.unit);
    g.parts.push(`${grouped ? `${last} ` : ''}${formatNumber(m.value)}${unit ? ` ${unit}` : ''}`);
  }
  return [...groups.values()];
}

const ANSI = {
  reset: '\u001b[0m',
  bold: '\u001b[1m',
  dim: '\u001b[2m',
  red: '\u001b[31m',
  green: '\u001b[32m',
  yellow: '\u001b[33m',
  magenta: '\u001b[35m',
} as const;

const STATUS_COLOR: Record<Status, keyof typeof ANSI> = { pass: 'green', warn: 'yellow', fail: 'red', error: 'magenta' };

/** Printable width of a string (code points; good enough for the text a report holds). */
function visibleLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** Cut `text` to `max` printable characters, with an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  if (max <= 0) return '';
  const chars = [...text];
  if (chars.length <= max) return text;
  return `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/** One line of plain text: line breaks folded, control characters (ANSI escapes included) made visible. */
function oneLine(text: string): string {
  return text
    .replace(/\s*[\r\n]+\s*/g, ' ')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .trim();
}

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - visibleLength(text)));
}

function formatLabels(labels: Record<string, string> | undefined): string {
  if (!labels) return '';
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(' ');
}

function formatUnit(unit: string): string {
  if (unit === '1' || unit === '') return '';
  // UCUM annotations such as {token} or {request}/s read better without braces.
  return unit.replace(/\{([^{}]*)\}/g, '$1');
}

/** `details.segments` of a detector run with `by:` (empty otherwise). */
export function segmentsOf(d: DetectorReport): SegmentResult[] {
  const segments = (d.details as { segments?: unknown } | undefined)?.segments;
  return Array.isArray(segments) ? (segments as SegmentResult[]) : [];
}

/**
 * The report as a readable table: one row per detector (id, status, statistic, p-value, threshold,
 * message cut to `width`, or whole on its own line with `fullMessages`), then the metrics
 * summarised (one line per quantity), then a one-line summary and every error and warning whole.
 * With `color`, statuses are coloured with ANSI codes.
 */
export function formatReportTable(report: Report, options: TableOptions = {}): string {
  const width = Math.max(40, Math.floor(options.width ?? 100));
  const color = options.color === true;
  const paint = (style: keyof typeof ANSI, text: string) => (color ? `${ANSI[style]}${text}${ANSI.reset}` : text);
  const lines: string[] = [];

  lines.push(`${paint('bold', report.name)}  ${paint(STATUS_COLOR[report.status], report.status.toUpperCase())}`);
  lines.push('');

  // A windowed run: one line per window (the worst first lines of a long run are kept), then the
  // last window's detectors and metrics in full.
  const windows = report.windows ?? [];
  if (windows.length > 0) {
    const max = 30;
    const shown = windows.length > max ? [...windows.slice(0, 5), ...windows.slice(-(max - 5))] : windows;
    lines.push(paint('dim', `WINDOWS (${windows.length})`));
    shown.forEach((w, k) => {
      if (windows.length > max && k === 5) lines.push(paint('dim', `… ${windows.length - max} more windows in the JSON report`));
      const rank = { error: 0, fail: 1, warn: 2, pass: 3 } as const;
      const moved = w.detectors.filter((d) => d.status !== 'pass').sort((a, b) => rank[a.status] - rank[b.status]).map((d) => `${d.id} ${d.status}`);
      const span = w.window.start || w.window.end ? `${w.window.start ?? '?'} → ${w.window.end ?? '?'}` : '';
      const text = `#${w.window.index}  ${pad(w.status, 5)}  ${w.window.records} records${w.window.partial ? ' (partial)' : ''}${span ? `  ${span}` : ''}${moved.length ? `  ${moved.join(', ')}` : ''}`;
      lines.push(paint(STATUS_COLOR[w.status], truncate(text, width)));
    });
    lines.push('');
    lines.push(paint('dim', `last window #${windows[windows.length - 1]!.window.index}:`));
  }

  const detectors: DetectorReport[] = report.detectors ?? [];
  if (detectors.length > 0) {
    const adjusted = detectors.some((d) => d.pValueAdjusted !== undefined && d.pValueAdjusted !== null);
    const header = ['ID', 'STATUS', 'STATISTIC', 'P-VALUE', ...(adjusted ? ['P-ADJ'] : []), 'THRESHOLD'];
    const rows = detectors.map((d) => [
      d.id,
      d.status,
      formatNumber(d.statistic),
      formatPValue(d.pValue),
      ...(adjusted ? [formatPValue(d.pValueAdjusted)] : []),
      formatNumber(d.threshold),
    ]);
    const widths = header.map((h, k) => Math.max(visibleLength(h), ...rows.map((r) => visibleLength(r[k]!))));
    const used = widths.reduce((a, b) => a + b + 2, 0);
    // On a narrow terminal, and whenever messages are printed whole, the message goes on its own
    // indented line instead of being cut to nothing.
    const full = options.fullMessages === true;
    const stacked = full || width - used < 20;
    const messageWidth = stacked ? width - 4 : width - used;
    const statusColumn = 1;
    lines.push(paint('dim', [...header.map((h, k) => pad(h, widths[k]!)), ...(stacked ? [] : ['MESSAGE'])].join('  ').trimEnd()));
    detectors.forEach((d, r) => {
      const cells = rows[r]!.map((cell, k) => {
        const padded = pad(cell, widths[k]!);
        return k === statusColumn ? paint(STATUS_COLOR[d.status], padded) : padded;
      });
      const message = full ? oneLine(d.message ?? '') : truncate(oneLine(d.message ?? ''), messageWidth);
      if (stacked) {
        lines.push(cells.join('  ').trimEnd());
        if (message) lines.push(`    ${message}`);
      } else {
        cells.push(message);
        lines.push(cells.join('  ').trimEnd());
      }
      // A detector run with `by:`: one indented line per segment.
      for (const seg of segmentsOf(d)) {
        const status = seg.status === 'too-small' ? 'too small' : seg.status;
        const text = `  ${d.id}[${seg.segment}] n=${seg.n}${seg.nReference !== undefined ? `/${seg.nReference}` : ''}  ${status}${seg.pValue !== null ? `  p=${formatPValue(seg.pValue)}${seg.pValueAdjusted != null ? ` (adj ${formatPValue(seg.pValueAdjusted)})` : ''}` : ''}${seg.statistic !== null ? `  stat=${formatNumber(seg.statistic)}` : ''}`;
        lines.push(seg.status === 'too-small' ? paint('dim', text) : paint(STATUS_COLOR[seg.status], text));
      }
    });
  } else {
    lines.push(paint('dim', 'no detectors'));
  }

  // Metrics after the detectors, summarised: one line per quantity and label set, at most
  // maxMetricLines of them; every value is in the JSON report.
  const metrics: MetricValue[] = report.metrics ?? [];
  if (metrics.length > 0) {
    const groups = groupMetrics(metrics);
    const max = Math.max(1, Math.floor(options.maxMetricLines ?? 12));
    const shown = groups.length > max ? groups.slice(0, max - 1) : groups;
    lines.push('');
    lines.push(paint('dim', `METRICS (${metrics.length} value${metrics.length === 1 ? '' : 's'})`));
    const nameWidth = Math.max(...shown.map((g) => visibleLength(g.base)));
    for (const g of shown) {
      const values = g.parts.join(' · ');
      const line = `${pad(g.base, nameWidth)}  ${values}${g.labels ? `  ${g.labels}` : ''}`;
      lines.push(options.fullMessages ? line.trimEnd() : truncate(line, width).trimEnd());
    }
    if (shown.length < groups.length) {
      const rest = groups.slice(shown.length).reduce((n, g) => n + g.parts.length, 0);
      lines.push(paint('dim', `… ${rest} more value${rest === 1 ? '' : 's'} of ${groups.length - shown.length} other metric${groups.length - shown.length === 1 ? '' : 's'} in the JSON report`));
    }
  }

  lines.push('');
  const count = (s: Status) => detectors.filter((d) => d.status === s).length;
  const metricErrors = report.metricErrors ?? [];
  const parts = [
    paint(count('pass') > 0 ? 'green' : 'dim', `${count('pass')} passed`),
    paint(count('warn') > 0 ? 'yellow' : 'dim', `${count('warn')} warned`),
    paint(count('fail') > 0 ? 'red' : 'dim', `${count('fail')} failed`),
    paint(count('error') + metricErrors.length > 0 ? 'magenta' : 'dim', `${count('error') + metricErrors.length} errored${metricErrors.length ? ` (${metricErrors.length} metric${metricErrors.length === 1 ? '' : 's'})` : ''}`),
  ];
  const datasets = Object.entries(report.datasets ?? {}).map(
    ([name, d]) => `${name} ${d.records} record${d.records === 1 ? '' : 's'}${d.skipped > 0 ? ` (${d.skipped} skipped)` : ''}`,
  );
  const summary = [parts.join(', ')];
  if (datasets.length > 0) summary.push(`datasets: ${datasets.join(', ')}`);
  summary.push(formatDuration(report.durationMs));
  lines.push(summary.join(' · '));

  // An error message says what to fix (dataset, record, field): show it whole, not cut to the column.
  for (const d of detectors.filter((x) => x.status === 'error')) {
    lines.push(`${paint('magenta', 'error:')} ${d.id}: ${oneLine(d.message ?? '')}`);
  }
  for (const m of metricErrors) {
    lines.push(`${paint('magenta', 'error:')} metric ${m.id} (${m.use}): ${oneLine(m.message)}`);
  }
  for (const warning of report.warnings ?? []) {
    lines.push(`${paint('yellow', 'warning:')} ${oneLine(warning)}`); // never cut: it may name a path
  }
  return `${lines.join('\n')}\n`;
}
