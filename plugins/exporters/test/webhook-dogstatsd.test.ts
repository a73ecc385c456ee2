import { describe, expect, it } from 'vitest';
import { startRecorder, startUdp } from './receivers.js';
import { runConfig, sampleRecords } from './services.js';

const files = { 'reference.jsonl': sampleRecords(200, 0, 7), 'current.jsonl': sampleRecords(200, 900, 8) };
const config = (name: string, sink: string, severity = 'fail') => `version: 1
name: ${name}
data:
  reference: { use: jsonl, with: { path: reference.jsonl } }
  current: { use: jsonl, with: { path: current.jsonl } }
detectors:
  - { id: latency-drift, use: feature-drift, with: { field: latency_ms, test: ks }, severity: ${severity} }
  - { id: category-drift, use: feature-drift, with: { field: category, test: chi2 }, severity: warn }
metrics:
  - { id: latency, use: latency }
sinks:
  - ${sink}
`;

describe('webhook sink', () => {
  it('POSTs the generic JSON body, retries a 503 with the same Idempotency-Key, one key per detector', async () => {
    const rx = await startRecorder((_r, n) => (n === 1 ? 503 : 200));
    try {
      const report = await runConfig(config('hook-json', `{ use: webhook, with: { url: "${rx.url}/hook", retries: 2, backoffMs: 20 } }`), { files });
      expect(report.warnings ?? []).toEqual([]);
      expect(rx.received).toHaveLength(2);
      const [a, b] = rx.received;
      expect(a!.headers['idempotency-key']).toBe(b!.headers['idempotency-key']);
      expect(a!.body.equals(b!.body)).toBe(true);
      const body = JSON.parse(b!.body.toString('utf8'));
      expect(body).toMatchObject({ type: 'vigia.run.completed', config: 'hook-json', status: report.status, idempotencyKey: b!.headers['idempotency-key'] });
      expect(body.detectors.map((d: { id: string }) => d.id)).toEqual(['latency-drift', 'category-drift']);
      const keys = body.detectors.map((d: { idempotencyKey: string }) => d.idempotencyKey);
      expect(new Set(keys).size).toBe(2);
      expect(body.detectors[0].pValue).toBe(report.detectors[0]!.pValue);
      expect(body.counts).toEqual({ pass: 0, warn: 1, fail: 1, error: 0 });
    } finally {
      await rx.close();
    }
  });

  it('slack format, only on fail/error: a warning run sends nothing, a failing run sends text and blocks', async () => {
    const rx = await startRecorder();
    try {
      const sink = `{ use: webhook, with: { url: "${rx.url}/slack", format: slack, notifyOn: [fail, error] } }`;
      const warnRun = await runConfig(config('hook-slack', sink, 'warn'), { files });
      expect(warnRun.status).toBe('warn');
      expect(rx.received).toHaveLength(0);
      const failRun = await runConfig(config('hook-slack', sink, 'fail'), { files });
      expect(failRun.status).toBe('fail');
      expect(rx.received).toHaveLength(1);
      const body = JSON.parse(rx.received[0]!.body.toString('utf8'));
      expect(body.text).toMatch(/Vigia hook-slack: FAIL \(1 fail, 1 warn\)/);
      expect(body.blocks[0].type).toBe('section');
      expect(body.blocks[1].text.text.split('\n')[0]).toMatch(/^:x: `latency-drift` latency_ms: median .*KS D=/);
    } finally {
      await rx.close();
    }
  });

  it('a delivery that keeps failing is retried with backoff, then reported once, never silently dropped', async () => {
    const rx = await startRecorder(() => 503);
    try {
      const t = Date.now();
      const report = await runConfig(config('hook-down', `{ use: webhook, with: { url: "${rx.url}/hook", retries: 2, backoffMs: 100 } }`), { files });
      const elapsed = Date.now() - t;
      expect(rx.received).toHaveLength(3);
      expect(elapsed).toBeGreaterThan(100 * 0.8 + 200 * 0.8);
      const w = (report.warnings ?? []).filter((x) => x.includes('webhook sink'));
      expect(w).toEqual([expect.stringMatching(/webhook sink: 1 of 1 export failed: delivery: http:\/\/127\.0\.0\.1:\d+\*\*\*: HTTP 503.*\(after 3 attempts\)/)]);
    } finally {
      await rx.close();
    }
  });
});

describe('dogstatsd sink', () => {
  it('sends gauges, counts and service checks with tags as DogStatsD datagrams', async () => {
    const udp = await startUdp();
    try {
      const report = await runConfig(config('dd', `{ use: dogstatsd, with: { port: ${udp.port}, tags: ["env:test"], maxPacketBytes: 600 } }`), { files });
      expect(report.warnings ?? []).toEqual([]);
      const deadline = Date.now() + 5000;
      while (!udp.datagrams.join('\n').includes('vigia.run.status') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(udp.datagrams.every((d) => Buffer.byteLength(d) <= 600)).toBe(true);
      expect(udp.datagrams.length).toBeGreaterThan(1);
      const lines = udp.datagrams.flatMap((d) => d.split('\n'));
      const status = lines.find((l) => l.startsWith('vigia.detector.status:') && l.includes('detector:latency-drift'))!;
      expect(status).toBe('vigia.detector.status:2|g|#env:test,config:dd,detector:latency-drift,use:feature-drift');
      const p = lines.find((l) => l.startsWith('vigia.detector.p_value:') && l.includes('detector:latency-drift'))!;
      expect(Number(p.split(':')[1]!.split('|')[0])).toBeCloseTo(report.detectors[0]!.pValue!, 12);
      expect(lines).toContain('vigia.dataset.records:200|g|#env:test,config:dd,dataset:current');
      expect(lines.find((l) => l.startsWith('vigia.gen_ai.client.operation.duration.count:200|g|') && l.includes('dataset:current'))).toBeTruthy();
      const check = lines.find((l) => l.startsWith('_sc|vigia.detector|') && l.includes('detector:latency-drift'))!;
      expect(check).toMatch(/^_sc\|vigia\.detector\|2\|#env:test,config:dd,detector:latency-drift,use:feature-drift\|m:latency_ms: median .*KS D=/);
      // Every line parses as the DogStatsD format.
      for (const l of lines) expect(l).toMatch(/^(?:[A-Za-z][\w.]*:-?[\d.e+-]+\|[gc](?:\|#[^|]+)?|_sc\|[\w.]+\|[0-3]\|#[^|]+\|m:.*)$/);
    } finally {
      await udp.close();
    }
  });
});
