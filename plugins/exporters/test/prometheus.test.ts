import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../packages/cli/src/main.js';
import { PrometheusExporter, dashboardQueries } from '../src/index.js';
import { hasBinaries, promQueryUntil, runConfig, sampleRecords, startPrometheus, startPushgateway, freePort, type Service } from './services.js';

const missing = hasBinaries(['prometheus'], ['prometheus-pushgateway', 'pushgateway']);
if (missing) console.warn(`skipping the Prometheus end-to-end tests: ${missing}`);

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const files = { 'reference.jsonl': sampleRecords(300, 0, 1), 'current.jsonl': sampleRecords(300, 900, 2) };

function config(name: string, sink: string, detectors = ['latency', 'category']): string {
  const all: Record<string, string> = {
    latency: '  - { id: latency-drift, use: feature-drift, with: { field: latency_ms, test: ks } }',
    category: '  - { id: category-drift, use: feature-drift, with: { field: category, test: chi2 }, severity: warn }',
    tokens: '  - { id: tokens-drift, use: feature-drift, with: { field: input_tokens, test: ks } }',
  };
  return [
    'version: 1',
    `name: ${name}`,
    'data:',
    '  reference: { use: jsonl, with: { path: reference.jsonl } }',
    '  current: { use: jsonl, with: { path: current.jsonl } }',
    'detectors:',
    ...detectors.map((d) => all[d]!),
    'metrics:',
    '  - { id: latency, use: latency }',
    '  - { id: tokens, use: tokens }',
    'sinks:',
    `  - use: prometheus`,
    `    with: ${sink}`,
    '',
  ].join('\n');
}

describe.skipIf(Boolean(missing))('prometheus sink against real Prometheus and Pushgateway', () => {
  let prom: Service;
  let push: Service;
  let live: PrometheusExporter;

  beforeAll(async () => {
    push = await startPushgateway();
    live = new PrometheusExporter({ listen: '127.0.0.1:0', job: 'vigia', timeoutMs: 1000, retries: 0, backoffMs: 0 }, { logger: silent });
    await live.start();
    prom = await startPrometheus([`127.0.0.1:${push.port}`], [`127.0.0.1:${live.address!.port}`]);
  });
  afterAll(async () => {
    await prom?.stop();
    await push?.stop();
    await live?.shutdown();
  });

  it('Prometheus scrapes the listen endpoint: PromQL returns the values the sink serves', async () => {
    const report = await runConfig(config('e2e-scrape', '{ listen: "127.0.0.1:0" }'), { files });
    await live.report(report);
    const status = await promQueryUntil(prom.url, 'vigia_detector_status{job="vigia-listen",config="e2e-scrape"}', 2);
    const code = { pass: 0, warn: 1, fail: 2, error: 3 };
    for (const d of report.detectors) expect(Number(status.find((r) => r.metric.detector === d.id)!.value[1]), d.id).toBe(code[d.status]);
    const count = await promQueryUntil(prom.url, 'gen_ai_client_operation_duration_seconds_count{job="vigia-listen",dataset="current"}');
    expect(Number(count[0]!.value[1])).toBe(300);
  });

  it('pushes to the Pushgateway; Prometheus scrapes it and PromQL returns the run\'s values', async () => {
    const report = await runConfig(config('e2e-push', `{ pushgateway: "${push.url}", job: vigia-push }`), { files });
    expect(report.warnings ?? []).toEqual([]);
    const status = await promQueryUntil(prom.url, 'vigia_detector_status{job="vigia-push",config="e2e-push"}', 2);
    const byId = Object.fromEntries(status.map((r) => [r.metric.detector, Number(r.value[1])]));
    const code = { pass: 0, warn: 1, fail: 2, error: 3 };
    for (const d of report.detectors) expect(byId[d.id], d.id).toBe(code[d.status]);
    expect(status.every((r) => r.metric.use === 'feature-drift')).toBe(true);
    const p = await promQueryUntil(prom.url, 'vigia_detector_p_value{job="vigia-push",detector="latency-drift"}');
    expect(Number(p[0]!.value[1])).toBeCloseTo(report.detectors.find((d) => d.id === 'latency-drift')!.pValue!, 12);
    const records = await promQueryUntil(prom.url, 'vigia_dataset_records{job="vigia-push",dataset="current"}');
    expect(Number(records[0]!.value[1])).toBe(300);
    // The GenAI histogram under its OpenTelemetry→Prometheus name, usable by histogram_quantile.
    const p95 = await promQueryUntil(prom.url, 'histogram_quantile(0.95, sum by (le) (gen_ai_client_operation_duration_seconds_bucket{job="vigia-push",dataset="current"}))');
    expect(Number(p95[0]!.value[1])).toBeGreaterThan(0.2);
    const tokens = await promQueryUntil(prom.url, 'gen_ai_client_token_usage_count{job="vigia-push",dataset="current"}', 2);
    expect(tokens.map((t) => t.metric.gen_ai_token_type).sort()).toEqual(['input', 'output']);
  });

  it('a second push of the same config replaces the group: a removed detector disappears', async () => {
    await runConfig(config('e2e-replace', `{ pushgateway: "${push.url}", job: vigia-replace }`, ['latency', 'tokens']), { files });
    let text = await (await fetch(`${push.url}/metrics`)).text();
    expect(text).toMatch(/vigia_detector_status\{[^}]*detector="tokens-drift"[^}]*job="vigia-replace"/);
    await runConfig(config('e2e-replace', `{ pushgateway: "${push.url}", job: vigia-replace }`, ['latency']), { files });
    text = await (await fetch(`${push.url}/metrics`)).text();
    expect(text).not.toMatch(/detector="tokens-drift"[^}]*job="vigia-replace"/);
    expect(text).toMatch(/vigia_detector_status\{[^}]*detector="latency-drift"[^}]*job="vigia-replace"/);
  });

  it('remote-writes snappy protobuf that Prometheus ingests', async () => {
    const report = await runConfig(config('e2e-rw', `{ remoteWrite: "${prom.url}/api/v1/write", job: vigia-rw }`), { files });
    expect(report.warnings ?? []).toEqual([]);
    const stat = await promQueryUntil(prom.url, 'vigia_detector_statistic{job="vigia-rw",config="e2e-rw"}', 2);
    for (const d of report.detectors) {
      const got = stat.find((r) => r.metric.detector === d.id);
      expect(Number(got!.value[1]), d.id).toBeCloseTo(d.statistic!, 12);
    }
    const dur = await promQueryUntil(prom.url, 'vigia_run_duration_seconds{job="vigia-rw",config="e2e-rw"}');
    expect(Number(dur[0]!.value[1])).toBeCloseTo(report.durationMs / 1000, 6);
    const buckets = await promQueryUntil(prom.url, 'gen_ai_client_operation_duration_seconds_bucket{job="vigia-rw",dataset="current",le="+Inf"}');
    expect(Number(buckets[0]!.value[1])).toBe(300);
  });

  it('per-segment gauges reach Prometheus by remote write: PromQL returns one series per segment', async () => {
    const yaml = config('e2e-rw-seg', `{ remoteWrite: "${prom.url}/api/v1/write", job: vigia-rw-seg }`).replace(
      '  - { id: latency-drift, use: feature-drift, with: { field: latency_ms, test: ks } }',
      '  - { id: latency-drift, use: feature-drift, with: { field: latency_ms, test: ks }, by: model }',
    );
    const report = await runConfig(yaml, { files });
    expect(report.warnings ?? []).toEqual([]);
    const segments = (report.detectors[0]!.details as { segments: Array<{ segment: string; pValue: number }> }).segments;
    const p = await promQueryUntil(prom.url, 'vigia_detector_segment_p_value{job="vigia-rw-seg",detector="latency-drift"}', segments.length);
    for (const seg of segments) expect(Number(p.find((r) => r.metric.segment === seg.segment)!.value[1]), seg.segment).toBeCloseTo(seg.pValue, 12);
  });
});

describe('prometheus sink without services', () => {
  it('serves /metrics on listen: live from events during the run, then the final report; closed at shutdown', async () => {
    const report = await runConfig(config('e2e-listen', `{ listen: "127.0.0.1:0" }`), { files });
    const exporter = new PrometheusExporter({ listen: '127.0.0.1:0', job: 'vigia', timeoutMs: 1000, retries: 0, backoffMs: 0 }, { logger: silent });
    await exporter.start();
    const url = `http://127.0.0.1:${exporter.address!.port}`;
    try {
      exporter.onEvent({ type: 'run:start', name: 'e2e-listen', startedAt: report.startedAt, seed: 1 });
      exporter.onEvent({ type: 'detector:end', result: report.detectors[0]! });
      let text = await (await fetch(`${url}/metrics`)).text();
      expect(text).toMatch(/vigia_detector_status\{config="e2e-listen",detector="latency-drift",use="feature-drift"\} [0-3]/);
      expect(text).not.toContain('category-drift');
      await exporter.report(report);
      text = await (await fetch(`${url}/metrics`)).text();
      expect(text).toContain('# TYPE vigia_detector_status gauge');
      expect(text).toMatch(/vigia_detector_status\{config="e2e-listen",detector="category-drift",use="feature-drift"\} [0-3]/);
      expect(text).toContain('# TYPE gen_ai_client_operation_duration_seconds histogram');
      expect(text).toMatch(/gen_ai_client_operation_duration_seconds_bucket\{config="e2e-listen",dataset="current",le="\+Inf"\} 300/);
      expect((await fetch(`${url}/other`)).status).toBe(404);
    } finally {
      await exporter.shutdown();
    }
    await expect(fetch(`${url}/metrics`)).rejects.toThrow();
  });

  it('serves per-segment gauges for a detector run with by:, labelled with the segment', async () => {
    const rare = (text: string) => text.split('\n').map((l, i) => (i < 5 ? l.replace(/"model":"[^"]*"/, '"model":"gpt-rare"') : l)).join('\n');
    const yaml = config('e2e-segments', '{ listen: "127.0.0.1:0" }').replace(
      '  - { id: latency-drift, use: feature-drift, with: { field: latency_ms, test: ks } }',
      '  - { id: latency-drift, use: feature-drift, with: { field: latency_ms, test: ks }, by: model, minSegmentSize: 30 }',
    );
    const report = await runConfig(yaml, { files: { 'reference.jsonl': rare(files['reference.jsonl']), 'current.jsonl': rare(files['current.jsonl']) } });
    const segments = (report.detectors[0]!.details as { segments: Array<{ segment: string; n: number; status: string; statistic: number | null; pValue: number | null }> }).segments;
    expect(segments.length).toBe(3);
    const exporter = new PrometheusExporter({ listen: '127.0.0.1:0', job: 'vigia', timeoutMs: 1000, retries: 0, backoffMs: 0 }, { logger: silent });
    await exporter.start();
    try {
      await exporter.report(report);
      const text = await (await fetch(`http://127.0.0.1:${exporter.address!.port}/metrics`)).text();
      for (const name of ['vigia_detector_segment_status', 'vigia_detector_segment_statistic', 'vigia_detector_segment_p_value', 'vigia_detector_segment_records']) expect(text).toContain(`# TYPE ${name} gauge`);
      const value = (name: string, segment: string): number | undefined => {
        for (const line of text.split('\n')) {
          const m = /^(\w+)\{([^}]*)\} (\S+)$/.exec(line);
          if (!m || m[1] !== name) continue;
          const labels = Object.fromEntries([...m[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
          if (labels.config === 'e2e-segments' && labels.detector === 'latency-drift' && labels.use === 'feature-drift' && labels.segment === segment) return Number(m[3]);
        }
        return undefined;
      };
      const code: Record<string, number> = { pass: 0, warn: 1, fail: 2, error: 3, 'too-small': -1 };
      for (const seg of segments) {
        expect(value('vigia_detector_segment_status', seg.segment), seg.segment).toBe(code[seg.status]);
        expect(value('vigia_detector_segment_records', seg.segment)).toBe(seg.n);
        if (seg.statistic === null) expect(value('vigia_detector_segment_statistic', seg.segment)).toBeUndefined();
        else expect(value('vigia_detector_segment_statistic', seg.segment)).toBeCloseTo(seg.statistic, 12);
        if (seg.pValue === null) expect(value('vigia_detector_segment_p_value', seg.segment)).toBeUndefined();
        else expect(value('vigia_detector_segment_p_value', seg.segment)).toBeCloseTo(seg.pValue, 12);
      }
      expect(value('vigia_detector_segment_status', 'gpt-rare')).toBe(-1);
      // the unsegmented detector has no segment series
      expect(text).not.toMatch(/vigia_detector_segment_status\{[^}]*detector="category-drift"/);
    } finally {
      await exporter.shutdown();
    }
  });

  it('a dead endpoint is one counted warning, bounded in time, and the run still reports', async () => {
    const port = await freePort();
    const t = Date.now();
    const report = await runConfig(config('e2e-dead', `{ remoteWrite: "http://127.0.0.1:${port}/api/v1/write?token=s3cr3t-in-url", pushgateway: "http://127.0.0.1:${port}", timeoutMs: 500, retries: 1, backoffMs: 50 }`), { files });
    expect(Date.now() - t).toBeLessThan(15_000);
    const w = (report.warnings ?? []).filter((x) => x.includes('prometheus sink'));
    expect(w).toHaveLength(1);
    expect(w[0]).toMatch(/2 of 2 exports failed/);
    expect(w[0]).toMatch(/connection refused/);
    expect(w[0]).not.toContain('s3cr3t-in-url');
    expect(report.detectors).toHaveLength(2);
  });

  it('rejects a config with no way out, or a bad listen address, as a config error', async () => {
    await expect(runConfig(config('bad', '{ job: x }'), { files })).rejects.toThrow(/pushgateway|remoteWrite|listen/);
    await expect(runConfig(config('bad', '{ listen: "nope" }'), { files })).rejects.toThrow(/HOST:PORT/);
  });
});

describe.skipIf(Boolean(missing))('vigia dashboard: every panel query returns data from a real Prometheus after a run', () => {
  let prom: Service;
  beforeAll(async () => {
    prom = await startPrometheus([]);
  });
  afterAll(async () => {
    await prom?.stop();
  });

  it('writes a provisioning-ready dashboard whose PromQL all returns series', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigia-dashboard-'));
    const yaml = config('e2e-dash', `{ remoteWrite: "${prom.url}/api/v1/write", job: vigia-dash }`)
      .replace("  - { id: tokens, use: tokens }\n", "  - { id: tokens, use: tokens }\n  - { id: throughput, use: throughput, with: { window: 1m } }\n  - { id: errors, use: errors }\n");
    const report = await runConfig(yaml, { dir, files });
    expect(report.warnings ?? []).toEqual([]);
    const out: string[] = [];
    const io = { stdout: (t: string) => out.push(t), stderr: (t: string) => out.push(t), stderrIsTTY: false, stdoutIsTTY: false, env: process.env, cwd: dir };
    expect(await main(['dashboard', join(dir, 'vigia.yaml'), '--out', 'grafana/vigia.json', '--provisioning', 'grafana/provisioning.yaml'], io)).toBe(0);
    const dashboard = JSON.parse(readFileSync(join(dir, 'grafana', 'vigia.json'), 'utf8')) as Record<string, unknown>;
    expect(readFileSync(join(dir, 'grafana', 'provisioning.yaml'), 'utf8')).toMatch(/providers:\n\s+- name: vigia/);
    expect(dashboard).toMatchObject({ title: 'Vigia: e2e-dash', schemaVersion: 39 });
    const vars = (dashboard.templating as { list: Array<{ name: string; type: string; query: unknown }> }).list;
    expect(vars.find((v) => v.name === 'datasource')).toMatchObject({ type: 'datasource', query: 'prometheus' });
    const queries = dashboardQueries(dashboard);
    expect(queries.length).toBeGreaterThanOrEqual(14);
    for (const title of ['Run status', 'latency-drift', 'category-drift', 'Statistic', 'p-value', 'Request latency percentiles', 'Output tokens per second', 'Tokens per request (mean)', 'Success rate', 'Records read', 'Records skipped']) {
      expect(queries.some((q) => q.panel === title), title).toBe(true);
    }
    // Grafana's $job (All) becomes .* in a regex matcher.
    await promQueryUntil(prom.url, 'vigia_run_status{config="e2e-dash"}');
    const empty: string[] = [];
    for (const { panel, expr } of queries) {
      const result = await promQueryUntil(prom.url, expr.replace(/\$job/g, '.*'), 1, 5000);
      if (result.length === 0) empty.push(`${panel}: ${expr}`);
      else expect(result.every((r) => Number.isFinite(Number(r.value[1]))), `${panel}: ${expr}`).toBe(true);
    }
    expect(empty).toEqual([]);
    const variable = vars.find((v) => v.name === 'job')!.query as { query: string };
    const jobs = await fetch(`${prom.url}/api/v1/series?match[]=${encodeURIComponent(variable.query.replace(/^label_values\((.*), job\)$/, '$1'))}`).then((r) => r.json()) as { data: Array<{ job: string }> };
    expect(jobs.data.map((s) => s.job)).toContain('vigia-dash');
  });
});
