import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attrs, decodeOtlp, startRecorder, type Json } from './receivers.js';
import { freePort, runConfig, sampleRecords } from './services.js';

const files = { 'reference.jsonl': sampleRecords(300, 0, 5), 'current.jsonl': sampleRecords(300, 900, 6) };
const config = (name: string, sink: string) => `version: 1
name: ${name}
data:
  reference: { use: jsonl, with: { path: reference.jsonl } }
  current: { use: jsonl, with: { path: current.jsonl } }
detectors:
  - { id: latency-drift, use: feature-drift, with: { field: latency_ms, test: ks } }
  - { id: category-drift, use: feature-drift, with: { field: category, test: chi2 }, severity: warn }
metrics:
  - { id: latency, use: latency }
  - { id: tokens, use: tokens }
sinks:
  - use: otlp
    with: ${sink}
`;

type Metric = { name: string; unit?: string; gauge?: { dataPoints: Json[] }; sum?: { dataPoints: Json[]; aggregationTemporality: number; isMonotonic?: boolean }; histogram?: { dataPoints: Json[]; aggregationTemporality: number } };

function metricsOf(request: Json): Metric[] {
  const rm = (request.resourceMetrics as Json[])[0]!;
  return ((rm.scopeMetrics as Json[])[0]!.metrics as Metric[]);
}

describe('otlp sink against an in-test OTLP/HTTP receiver', () => {
  let rx: Awaited<ReturnType<typeof startRecorder>>;
  beforeAll(async () => {
    rx = await startRecorder();
  });
  afterAll(async () => {
    await rx.close();
  });

  for (const [protocol, temporality] of [['http/protobuf', 'cumulative'], ['http/json', 'delta']] as const) {
    it(`sends metrics and gen_ai.evaluation.result events (${protocol}, ${temporality})`, async () => {
      rx.received.length = 0;
      const name = `otlp-${protocol.replace('/', '-')}`;
      const report = await runConfig(config(name, `{ endpoint: "${rx.url}", protocol: ${protocol}, temporality: ${temporality}, headers: { Authorization: "Bearer \${env:OTLP_TEST_TOKEN}" }, resourceAttributes: { deployment.environment.name: test } }`), { files, env: { ...process.env, OTLP_TEST_TOKEN: 'tok-otlp-12345' } });
      expect(report.warnings ?? []).toEqual([]);
      const metricsReq = rx.received.filter((r) => r.path === '/v1/metrics');
      const logsReq = rx.received.filter((r) => r.path === '/v1/logs');
      expect(metricsReq).toHaveLength(1);
      expect(logsReq).toHaveLength(1);
      const contentType = protocol === 'http/json' ? 'application/json' : 'application/x-protobuf';
      for (const r of [...metricsReq, ...logsReq]) {
        expect(r.headers['content-type']).toContain(contentType);
        expect(r.headers.authorization).toBe('Bearer tok-otlp-12345');
      }

      const m = decodeOtlp('metrics', contentType, metricsReq[0]!.body);
      const resource = attrs(((m.resourceMetrics as Json[])[0]!.resource as Json).attributes);
      expect(resource['service.name']).toBe('vigia');
      expect(resource['deployment.environment.name']).toBe('test');
      const metrics = metricsOf(m);
      const status = metrics.find((x) => x.name === 'vigia.detector.status')!;
      const byId = Object.fromEntries(status.gauge!.dataPoints.map((p) => [attrs(p.attributes).detector, Number(p.asDouble)]));
      const code = { pass: 0, warn: 1, fail: 2, error: 3 };
      for (const d of report.detectors) expect(byId[d.id as string], d.id).toBe(code[d.status]);
      const pv = metrics.find((x) => x.name === 'vigia.detector.p_value')!.gauge!.dataPoints.find((p) => attrs(p.attributes).detector === 'latency-drift')!;
      expect(Number(pv.asDouble)).toBe(report.detectors.find((d) => d.id === 'latency-drift')!.pValue);
      const hist = metrics.find((x) => x.name === 'gen_ai.client.operation.duration' && x.histogram)!;
      expect(hist.unit).toBe('s');
      expect(hist.histogram!.aggregationTemporality).toBe(temporality === 'delta' ? 1 : 2);
      const current = hist.histogram!.dataPoints.find((p) => attrs(p.attributes).dataset === 'current')!;
      expect(Number(current.count)).toBe(300);
      expect((current.bucketCounts as string[]).map(Number).reduce((a, b) => a + b, 0)).toBe(300);
      expect((current.explicitBounds as number[]).slice(0, 3)).toEqual([0.01, 0.02, 0.04]);
      const tokens = metrics.find((x) => x.name === 'gen_ai.client.token.usage' && x.histogram)!;
      expect(new Set(tokens.histogram!.dataPoints.map((p) => attrs(p.attributes)['gen_ai.token.type']))).toEqual(new Set(['input', 'output']));
      const sum = metrics.find((x) => x.sum);
      if (sum) expect(sum.sum!.aggregationTemporality).toBe(temporality === 'delta' ? 1 : 2);
      // Data points cover the run: start at its start, end after it.
      expect(BigInt(current.startTimeUnixNano as string) / 1_000_000n).toBe(BigInt(Date.parse(report.startedAt)));
      expect(BigInt(current.timeUnixNano as string) > BigInt(current.startTimeUnixNano as string)).toBe(true);

      const l = decodeOtlp('logs', contentType, logsReq[0]!.body);
      const records = ((((l.resourceLogs as Json[])[0]!.scopeLogs as Json[])[0]!.logRecords) as Json[]);
      expect(records).toHaveLength(report.detectors.length);
      for (const d of report.detectors) {
        const rec = records.find((r) => attrs(r.attributes)['gen_ai.evaluation.name'] === d.id)!;
        expect(rec.eventName).toBe('gen_ai.evaluation.result');
        const a = attrs(rec.attributes);
        expect(a['gen_ai.evaluation.score.label']).toBe(d.status);
        expect(a['gen_ai.evaluation.score.value']).toBe(d.statistic);
        expect(a['gen_ai.evaluation.explanation']).toBe(d.message);
        expect(a['vigia.p_value']).toBe(d.pValue);
        expect(a['vigia.threshold']).toBe(d.threshold);
        expect(a['vigia.component']).toBe('feature-drift');
        expect(Number(rec.severityNumber)).toBe(d.status === 'pass' ? 9 : d.status === 'warn' ? 13 : 17);
      }
    });
  }

  it('a refused or failing endpoint is one counted warning, bounded in time', async () => {
    const failing = await startRecorder(() => ({ status: 400, body: 'bad request' }));
    try {
      const t = Date.now();
      const report = await runConfig(config('otlp-fail', `{ endpoint: "${failing.url}", timeoutMs: 1000 }`), { files });
      const w = (report.warnings ?? []).filter((x) => x.includes('otlp sink'));
      expect(w).toHaveLength(1);
      expect(w[0]).toMatch(/2 of 2 exports failed/);
      expect(Date.now() - t).toBeLessThan(20_000);
    } finally {
      await failing.close();
    }
    const port = await freePort();
    const t = Date.now();
    const report = await runConfig(config('otlp-dead', `{ endpoint: "http://127.0.0.1:${port}", timeoutMs: 500, events: false }`), { files });
    expect((report.warnings ?? []).filter((x) => /otlp sink: 1 of 1 export failed: metrics/.test(x))).toHaveLength(1);
    expect(Date.now() - t).toBeLessThan(20_000);
  });
});
