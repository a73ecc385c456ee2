import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SourceBatch } from '@vigia/core';
import { followJsonl } from './follow.js';
import { IngestServer, jsonlRecords, otlpRecords } from './ingest.js';

const dir = mkdtempSync(join(tmpdir(), 'vigia-ingest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const span = (id: string, attrs: Record<string, unknown>) => ({
  spanId: id, name: 'chat', startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000001500000000',
  attributes: Object.entries(attrs).map(([key, v]) => ({ key, value: typeof v === 'number' ? { intValue: String(v) } : { stringValue: String(v) } })),
});
const traces = {
  resourceSpans: [{
    resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop' } }] },
    scopeSpans: [{ spans: [
      span('a1', { 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 12, 'gen_ai.usage.output_tokens': 30 }),
      span('b2', { 'http.route': '/health' }), // not an LLM span
      { spanId: 'c3' }, // no start time
    ] }],
  }],
};

async function post(url: string, path: string, body: string, type = 'application/json') {
  const r = await fetch(`${url}${path}`, { method: 'POST', body, headers: { 'Content-Type': type } });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

describe('http source', () => {
  it('parses JSON Lines and OTLP JSON bodies, counting what it rejects', () => {
    expect(jsonlRecords('{"a":1}\n\nnope\n[2]\n{"a":2}\n')).toEqual({ records: [{ a: 1 }, { a: 2 }], rejected: 2, problems: [expect.stringMatching(/^line 3: not valid JSON/), 'line 4: not a JSON object'] });
    expect(jsonlRecords('[{"a":1},{"a":2}]').records).toHaveLength(2);
    const o = otlpRecords(traces, 'llm');
    expect(o.records).toHaveLength(1);
    expect(o.records[0]).toMatchObject({ model: 'gpt-4o', input_tokens: 12, output_tokens: 30, latency_ms: 1500 });
    expect(o.rejected).toBe(1);
    expect(otlpRecords(traces, 'all').records).toHaveLength(2);
  });

  it('spools accepted records durably before answering; the watcher follows the spool', async () => {
    const spool = join(dir, 'spool');
    const server = new IngestServer({ listen: '127.0.0.1:0', spool, maxBodyBytes: 4096, spans: 'llm', rotateBytes: 200 });
    await server.start();
    const url = `http://127.0.0.1:${server.address!.port}`;
    try {
      const a = await post(url, '/v1/records', '{"i":0}\n{"i":1}\nbroken\n', 'application/x-ndjson');
      expect(a).toEqual({ status: 200, body: { accepted: 2, rejected: 1, errors: [expect.stringMatching(/^line 3/)] } });
      expect((await post(url, '/v1/records', 'broken')).status).toBe(400);
      const t = await post(url, '/v1/traces', JSON.stringify(traces));
      expect(t).toEqual({ status: 200, body: { partialSuccess: { rejectedSpans: 1, errorMessage: expect.stringMatching(/c3 has no startTimeUnixNano/) } } });
      expect((await post(url, '/v1/traces', 'x', 'application/x-protobuf')).status).toBe(415);
      expect((await post(url, '/v1/records', 'x'.repeat(5000))).status).toBe(413);
      expect((await fetch(`${url}/v1/records`)).status).toBe(405);
      for (let k = 0; k < 5; k++) await post(url, '/v1/records', Array.from({ length: 4 }, (_, i) => JSON.stringify({ i: 2 + k * 4 + i, pad: 'x'.repeat(20) })).join('\n'));
      // Rotated into several files; following the directory gives every record once, in order.
      expect(readdirSync(spool).length).toBeGreaterThan(1);
      const got: SourceBatch[] = [];
      for await (const b of followJsonl({ path: spool, stopAtEnd: true })) got.push(b);
      const records = got.flatMap((b) => b.records);
      expect(records.filter((r) => typeof r.i === 'number').map((r) => r.i)).toEqual(Array.from({ length: 22 }, (_, i) => i));
      expect(records.filter((r) => r.model === 'gpt-4o')).toHaveLength(1);
      // Files before the committed position are pruned.
      const last = got.at(-1)!.position!.file as string;
      expect(await server.prune(last)).toBeGreaterThan(0);
      expect(readdirSync(spool).every((f) => f >= last)).toBe(true);
      // Rejected: a bad line, the all-bad body, the span without a start time.
      expect(server.stats).toMatchObject({ accepted: 23, rejected: 3, rejectedRequests: 3 });
    } finally {
      await server.close();
    }
  });
});
