/**
 * OpenTelemetry → Prometheus names, as the OpenTelemetry Prometheus translation writes them
 * (the Collector's `prometheus` exporter and Prometheus's OTLP receiver with suffixes):
 * invalid characters become `_`, the unit is appended in base-unit words (`s` → `_seconds`,
 * `By` → `_bytes`, `{token}` annotations dropped, `X/Y` → `_X_per_Y`), gauges of unit `1` get
 * `_ratio`, and counters end in `_total`.
 */
const UNIT_WORDS: Record<string, string> = {
  d: 'days', h: 'hours', min: 'minutes', s: 'seconds', ms: 'milliseconds', us: 'microseconds', ns: 'nanoseconds',
  By: 'bytes', KiBy: 'kibibytes', MiBy: 'mebibytes', GiBy: 'gibibytes', KBy: 'kilobytes', MBy: 'megabytes', GBy: 'gigabytes',
  m: 'meters', V: 'volts', A: 'amperes', J: 'joules', W: 'watts', g: 'grams', Cel: 'celsius', Hz: 'hertz', '%': 'percent',
};
const PER_WORDS: Record<string, string> = { s: 'second', m: 'minute', h: 'hour', d: 'day', w: 'week', mo: 'month', y: 'year' };

/** A valid Prometheus metric name from any string (`[a-zA-Z_:][a-zA-Z0-9_:]*`, no repeated `_`). */
export function sanitizeMetricName(name: string): string {
  let out = name.replace(/[^a-zA-Z0-9_:]+/g, '_').replace(/_+/g, '_').replace(/^_+|_+$/g, '');
  if (out === '' || /^[0-9]/.test(out)) out = `_${out}`;
  return out;
}

/** A valid label name (`[a-zA-Z_][a-zA-Z0-9_]*`); `__` prefixes are reserved, so they are kept single. */
export function sanitizeLabelName(name: string): string {
  let out = name.replace(/[^a-zA-Z0-9_]+/g, '_');
  if (out === '' || /^[0-9]/.test(out)) out = `key_${out}`;
  if (out.startsWith('__')) out = out.replace(/^_+/, '_');
  return out;
}

/** The unit as name words: `s` → `seconds`, `{token}/s` → `per_second`, `1` and `{…}` → nothing. */
export function unitSuffix(unit: string, kind: 'gauge' | 'counter' | 'histogram'): string {
  const u = unit.trim();
  if (u === '' ) return '';
  if (u === '1') return kind === 'gauge' ? 'ratio' : '';
  const [main = '', per] = u.split('/', 2);
  const words: string[] = [];
  const mainClean = main.replace(/\{[^}]*\}/g, '').trim();
  if (mainClean) words.push(UNIT_WORDS[mainClean] ?? mainClean);
  if (per !== undefined) {
    const perClean = per.replace(/\{[^}]*\}/g, '').trim();
    if (perClean) words.push('per', PER_WORDS[perClean] ?? UNIT_WORDS[perClean] ?? perClean);
  }
  return words.join('_');
}

/** The full Prometheus name of an OpenTelemetry-style metric. */
export function prometheusName(name: string, unit: string, kind: 'gauge' | 'counter' | 'histogram'): string {
  let out = sanitizeMetricName(name);
  const suffix = sanitizeMetricName(unitSuffix(unit, kind)).replace(/^_$/, '');
  if (suffix && !out.endsWith(`_${suffix}`) && out !== suffix) out = `${out}_${suffix}`;
  if (kind === 'counter' && !out.endsWith('_total')) out = `${out}_total`;
  return out;
}
