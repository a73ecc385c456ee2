import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateOptions, type ErasedDef, type Report, type Sink } from '@vigia/core';
import { createTestContext } from '@vigia/testing';
import plugin, {
  createConsoleSink, escapeXmlAttribute, escapeXmlText, formatDuration, formatJunit, formatNumber, formatPValue,
  formatReportTable, jsonSink, junitSink, shouldColor,
} from './index.js';

const report: Report = {
  version: 1,
  name: 'quickstart',
  status: 'fail',
  startedAt: '2024-06-01T12:00:00.000Z',
  durationMs: 812,
  seed: 42,
  datasets: { reference: { records: 1000, skipped: 0 }, current: { records: 998, skipped: 2 } },
  detectors: [
    { id: 'response-drift', use: 'embedding-drift', status: 'fail', statistic: 0.012345, pValue: 0.000032, threshold: 0.05, durationMs: 140, message: 'MMD² 0.01235 exceeds the permutation threshold; responses drifted', details: { method: 'mmd' } },
    { id: 'latency-shift', use: 'feature-drift', status: 'warn', statistic: 0.1834, pValue: 0.043, threshold: 0.05, durationMs: 12.5, message: 'latency_ms: KS 0.1834 <between> & "warn"' },
    { id: 'tokens', use: 'feature-drift', status: 'pass', statistic: 1234567, pValue: 0.62, threshold: null, durationMs: 3, message: 'no drift in output_tokens' },
    { id: 'broken', use: 'anomaly', status: 'error', statistic: null, pValue: null, threshold: null, durationMs: 1, message: 'field "x" is missing\nin every record\u0001' },
  ],
  metrics: [
    { name: 'latency_ms.p95', value: 812.5, unit: 'ms', labels: { model: 'gpt-4o-mini' } },
    { name: 'output_tokens.mean', value: 153.25, unit: '{token}' },
    { name: 'records', value: 998, unit: '1' },
    { name: 'throughput', value: 0.5691, unit: '{request}/s' },
  ],
  warnings: ['2 records skipped in current (samples/current.jsonl:12: not valid JSON)'],
};

describe('number formats', () => {
  it('statistics to 4 significant digits, p-values like 3.2e-5', () => {
    expect(formatNumber(0.012345)).toBe('0.01235');
    expect(formatNumber(812.54)).toBe('812.5');
    expect(formatNumber(42)).toBe('42');
    expect(formatNumber(1234567)).toBe('1.235e6');
    expect(formatNumber(0.00001234)).toBe('1.234e-5');
    expect(formatNumber(null)).toBe('—');
    expect(formatNumber(Infinity)).toBe('∞');
    expect(formatPValue(0.000032)).toBe('3.2e-5');
    expect(formatPValue(0.0432)).toBe('0.043');
    expect(formatPValue(1)).toBe('1');
    expect(formatPValue(0)).toBe('< 1e-300');
    expect(formatPValue(4.9e-324)).toBe('< 1e-300');
    expect(formatPValue(2e-300)).toBe('2e-300');
    expect(formatPValue(null)).toBe('—');
    expect(formatDuration(812)).toBe('812 ms');
    expect(formatDuration(1234)).toBe('1.23 s');
    expect(formatDuration(125_000)).toBe('2m 05s');
  });
});

describe('formatReportTable', () => {
  it('renders the table, metrics and summary (snapshot, colour off)', () => {
    expect(formatReportTable(report, { color: false, width: 100 })).toMatchInlineSnapshot(`
      "quickstart  FAIL

      ID              STATUS  STATISTIC  P-VALUE  THRESHOLD  MESSAGE
      response-drift  fail    0.01235    3.2e-5   0.05       MMD² 0.01235 exceeds the permutation thresho…
      latency-shift   warn    0.1834     0.043    0.05       latency_ms: KS 0.1834 <between> & "warn"
      tokens          pass    1.235e6    0.62     —          no drift in output_tokens
      broken          error   —          —        —          field "x" is missing in every record\\u0001

      METRICS (4 values)
      latency_ms     p95 812.5 ms  model=gpt-4o-mini
      output_tokens  mean 153.3 token
      records        998
      throughput     0.5691 request/s

      1 passed, 1 warned, 1 failed, 1 errored · datasets: reference 1000 records, current 998 records (2 skipped) · 812 ms
      error: broken: field "x" is missing in every record\\u0001
      warning: 2 records skipped in current (samples/current.jsonl:12: not valid JSON)
      "
    `);
  });

  it('fits every detector row in the width and colours statuses only when asked', () => {
    const narrow = formatReportTable(report, { color: false, width: 60 });
    for (const line of narrow.split('\n').slice(2, 7)) expect([...line].length).toBeLessThanOrEqual(60);
    expect(narrow).not.toContain('\u001b[');
    const coloured = formatReportTable(report, { color: true, width: 100 });
    expect(coloured).toContain('\u001b[31mfail');
    expect(coloured).toContain('\u001b[32mpass');
    // eslint-disable-next-line no-control-regex
    expect(coloured.replaceAll(/\u001b\[\d+m/g, '')).toBe(formatReportTable(report, { color: false, width: 100 }));
  });

  it('shows adjusted p-values when the run applied a correction', () => {
    const adjusted: Report = { ...report, correction: 'bh', detectors: report.detectors.map((d) => ({ ...d, pValueAdjusted: d.pValue === null ? null : Math.min(1, d.pValue * 4) })) };
    const text = formatReportTable(adjusted, { width: 120 });
    expect(text).toContain('P-ADJ');
    expect(text).toMatch(/response-drift\s+fail\s+0\.01235\s+3\.2e-5\s+1\.3e-4/);
  });

  it('prints messages whole for logs, summarises many metrics after the detectors, counts errored metrics', () => {
    const long = 'x'.repeat(300);
    const many: Report = {
      ...report,
      status: 'error',
      detectors: [{ ...report.detectors[0]!, message: long }],
      metrics: ['duration', 'ttft', 'tpot'].flatMap((q) => ['p50', 'p90', 'p95', 'p99', 'max', 'mean'].flatMap((st) => ['current', 'reference'].map((ds) => ({ name: `gen_ai.${q}.${st}`, value: 1.5, unit: 's', labels: { dataset: ds } })))),
      metricErrors: [{ id: 'cost', use: 'token-cost', message: 'no price for model "x"' }],
    };
    const text = formatReportTable(many, { width: 100, fullMessages: true, maxMetricLines: 4 });
    expect(text).toContain(`    ${long}\n`);
    const lines = text.split('\n');
    expect(lines.indexOf('METRICS (36 values)')).toBeGreaterThan(lines.findIndex((l) => l.startsWith('response-drift')));
    expect(lines.filter((l) => l.startsWith('gen_ai.'))).toHaveLength(3);
    expect(text).toContain('gen_ai.duration  p50 1.5 s · p90 1.5 s · p95 1.5 s · p99 1.5 s · max 1.5 s · mean 1.5 s  dataset=current');
    expect(text).toContain('… 18 more values of 3 other metrics in the JSON report');
    expect(text).toMatch(/1 failed, 1 errored \(1 metric\)/);
    expect(text).toContain('error: metric cost (token-cost): no price for model "x"');
    expect(formatReportTable(many, { width: 100 })).not.toContain(long);
  });

  it('copes with a report without detectors or metrics', () => {
    const empty: Report = { ...report, status: 'pass', detectors: [], metrics: [], warnings: undefined, datasets: {} };
    expect(formatReportTable(empty)).toBe('quickstart  PASS\n\nno detectors\n\n0 passed, 0 warned, 0 failed, 0 errored · 812 ms\n');
  });
});

describe('console sink', () => {
  it('colour follows the option, FORCE_COLOR, NO_COLOR and the TTY', () => {
    expect(shouldColor('always', { isTTY: false }, {})).toBe(true);
    expect(shouldColor('never', { isTTY: true }, { FORCE_COLOR: '1' })).toBe(false);
    expect(shouldColor('auto', { isTTY: true }, {})).toBe(true);
    expect(shouldColor('auto', { isTTY: false }, {})).toBe(false);
    expect(shouldColor('auto', { isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(shouldColor('auto', { isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
    expect(shouldColor('auto', { isTTY: true }, { FORCE_COLOR: '0' })).toBe(true);
    expect(shouldColor('auto', { isTTY: true }, { FORCE_COLOR: '0', NO_COLOR: 'x' })).toBe(false);
  });

  it('writes the table to its stream, using the terminal width', async () => {
    let written = '';
    const output = { isTTY: true, columns: 80, write: (chunk: string, cb?: (e?: Error | null) => void) => { written += chunk; cb?.(); return true; } };
    const sink = createConsoleSink({ output, color: 'auto', env: { NO_COLOR: '1' } });
    await sink.report(report);
    await sink.flush();
    expect(written).toBe(formatReportTable(report, { color: false, width: 80 }));
  });

  it('validates its options', () => {
    expect(validateOptions(plugin.sinks.console, {})).toEqual({ stream: 'stdout', color: 'auto' });
    expect(() => validateOptions(plugin.sinks.console, { color: 'sometimes' })).toThrow('/with/color must be one of "auto", "always", "never"');
  });
});

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigia-sinks-'));
});
afterAll(() => {
  chmodSync(dir, 0o755);
  rmSync(dir, { recursive: true, force: true });
});

async function sinkFor(def: ErasedDef<'sink', Sink>, options: Record<string, unknown>): Promise<Sink> {
  const ctx = createTestContext({ use: 'sink', services: { configDir: dir } });
  return def.create(validateOptions(def, options) as never, ctx);
}

describe('json sink', () => {
  it('writes the report pretty-printed, creating parent directories, with no temp file left', async () => {
    const sink = await sinkFor(jsonSink, { path: 'out/nested/report.json' });
    await sink.report!(report);
    const text = readFileSync(join(dir, 'out/nested/report.json'), 'utf8');
    expect(JSON.parse(text)).toEqual(report);
    expect(text).toContain('\n  "name": "quickstart"');
    expect(readdirSync(join(dir, 'out/nested'))).toEqual(['report.json']);
  });

  it('replaces an existing report', async () => {
    const sink = await sinkFor(jsonSink, { path: 'again.json', indent: 0 });
    writeFileSync(join(dir, 'again.json'), 'old');
    await sink.report!({ ...report, name: 'second' });
    const text = readFileSync(join(dir, 'again.json'), 'utf8');
    expect(JSON.parse(text).name).toBe('second');
    expect(text.trimEnd()).not.toContain('\n');
  });

  it('fails with the path and the reason when the file cannot be written', async () => {
    writeFileSync(join(dir, 'blocker'), 'a file, not a directory');
    const sink = await sinkFor(jsonSink, { path: 'blocker/report.json' });
    await expect(sink.report!(report)).rejects.toThrow(/^json sink: cannot (create the directory for|write) blocker\/report\.json \(resolved to .*blocker\/report\.json\): /);
  });
});

/**
 * A small XML 1.0 well-formedness check: one root, balanced tags, quoted attributes without raw
 * `<` or `&`, only known entities, no characters XML forbids.
 */
function checkWellFormed(xml: string): void {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/.test(xml)) throw new Error('forbidden character');
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const stack: string[] = [];
  let roots = 0;
  const token = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"<]*")*)\s*(\/?)>|([^<]+)|(<)/g;
  let m: RegExpExecArray | null;
  while ((m = token.exec(body)) !== null) {
    const [, close, name, attributes, selfClose, text, stray] = m;
    if (stray) throw new Error(`stray < at ${m.index}: ${body.slice(m.index, m.index + 40)}`);
    const checkEntities = (s: string) => {
      for (const e of s.match(/&[^;\s]*;?/g) ?? []) {
        if (!/^&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);$/.test(e)) throw new Error(`bad entity ${e}`);
      }
    };
    if (text !== undefined) {
      if (stack.length === 0 && text.trim() !== '') throw new Error('text outside the root');
      checkEntities(text);
      continue;
    }
    checkEntities(attributes ?? '');
    if (close) {
      if (stack.pop() !== name) throw new Error(`unbalanced </${name}>`);
    } else {
      if (stack.length === 0 && ++roots > 1) throw new Error('more than one root');
      if (!selfClose) stack.push(name!);
    }
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack.join('>, <')}>`);
  if (roots !== 1) throw new Error('no root element');
}

describe('junit sink', () => {
  it('the well-formedness check catches broken XML', () => {
    expect(() => checkWellFormed('<a><b></a>')).toThrow('unbalanced');
    expect(() => checkWellFormed('<a x="1 & 2"/>')).toThrow('bad entity');
    expect(() => checkWellFormed('<a>1 < 2</a>')).toThrow('stray');
    expect(() => checkWellFormed('<a>\u0001</a>')).toThrow('forbidden');
    expect(() => checkWellFormed('<a/><b/>')).toThrow('more than one root');
  });

  it('escapes markup, quotes, line breaks and characters XML cannot hold', () => {
    expect(escapeXmlText('a < b && c > "d"')).toBe('a &lt; b &amp;&amp; c &gt; "d"');
    expect(escapeXmlAttribute('say "hi"\n\'x\'\t<y>')).toBe('say &quot;hi&quot;&#10;&apos;x&apos;&#9;&lt;y&gt;');
    expect(escapeXmlText('bell\u0007 nul\u0000 ok\u00e9 lone\ud800 pair\ud83d\ude00')).toBe('bell\\u0007 nul\\u0000 oké lone\\ud800 pair😀');
  });

  it('one testcase per detector with failure, error and warn notes', () => {
    const xml = formatJunit(report);
    checkWellFormed(xml);
    expect(xml).toContain('<testsuites name="vigia" tests="4" failures="1" errors="1" skipped="0" time="0.812">');
    expect(xml).toContain('<testsuite name="quickstart" tests="4" failures="1" errors="1" skipped="0" time="0.812" timestamp="2024-06-01T12:00:00.000Z">');
    expect(xml).toContain('<testcase name="response-drift" classname="embedding-drift" time="0.140">');
    expect(xml).toContain('<failure message="MMD² 0.01235 exceeds the permutation threshold; responses drifted" type="fail">MMD² 0.01235 exceeds the permutation threshold; responses drifted\nstatistic: 0.01235, p-value: 3.2e-5, threshold: 0.05\ndetails: {\n  "method": "mmd"\n}</failure>');
    expect(xml).toContain('<error message="field &quot;x&quot; is missing&#10;in every record\\u0001" type="error">');
    expect(xml).toContain('<system-out>WARN: latency_ms: KS 0.1834 &lt;between&gt; &amp; "warn"');
    expect(xml).toContain('<property name="statistic" value="0.012345"/>');
    expect(xml).toContain('<property name="pValue" value="0.000032"/>');
    expect(xml).toContain('<property name="threshold" value=""/>');
    expect(xml).toContain('<property name="metric.latency_ms.p95{model=gpt-4o-mini}" value="812.5 ms"/>');
    expect(xml).toContain('<property name="dataset.current.skipped" value="2"/>');
    expect(xml).toContain('<system-err>warning: 2 records skipped');
    // The passing detector has no failure, error or note.
    const tokens = xml.slice(xml.indexOf('<testcase name="tokens"'), xml.indexOf('</testcase>', xml.indexOf('<testcase name="tokens"')));
    expect(tokens).not.toMatch(/<failure|<error|<system-out/);
  });

  it('writes the XML file atomically and reports unwritable paths', async () => {
    const sink = await sinkFor(junitSink, { path: 'ci/junit.xml' });
    await sink.report!(report);
    const xml = readFileSync(join(dir, 'ci/junit.xml'), 'utf8');
    expect(xml).toBe(formatJunit(report));
    const bad = await sinkFor(junitSink, { path: 'blocker/x/junit.xml' });
    writeFileSync(join(dir, 'blocker'), 'file');
    await expect(bad.report!(report)).rejects.toThrow(/junit sink: cannot write blocker\/x\/junit\.xml .*(a parent of the path is a file, not a directory \(ENOTDIR\)|blocker is not a regular file, not a directory)/);
  });
});

describe('plugin', () => {
  it('names console, json and junit', () => {
    expect(Object.keys(plugin.sinks)).toEqual(['console', 'json', 'junit']);
  });
});
