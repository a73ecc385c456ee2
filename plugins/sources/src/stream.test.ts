import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { validateOptions, type SourceBatch, type StreamOptions, type VigiaRecord } from '@vigia/core';
import { createTestContext } from '@vigia/testing';
import { jsonl } from './index.js';

let tmp: string;
const records: VigiaRecord[] = [];
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'vigia-stream-'));
  for (let i = 0; i < 1000; i++) {
    records.push({ i, latency_ms: i * 2, text: i % 7 === 0 ? `é ☃ ${i} 𝄞` : `t${i}`, usage: { input_tokens: i, output_tokens: i + 1 }, attributes: { g: i % 3 } });
  }
  const lines = records.map((r, i) => JSON.stringify(r) + (i % 5 === 0 ? '\r' : ''));
  lines.splice(10, 0, '', '   ');
  const text = `\uFEFF${lines.join('\n')}`; // a BOM and no final newline
  writeFileSync(join(tmp, 'data.jsonl'), text);
  writeFileSync(join(tmp, 'data.jsonl.gz'), gzipSync(text));
  writeFileSync(join(tmp, 'bad.jsonl'), ['{"a":1}', 'nope', '{"a":2}', '[1]', '{"a":3,"a":4}', '{"a":5}'].join('\n') + '\n');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function collect(options: Record<string, unknown>, stream: StreamOptions = {}): Promise<SourceBatch[]> {
  const ctx = createTestContext({ id: 'current', use: 'jsonl', services: { configDir: tmp } });
  const source = await jsonl.create(validateOptions(jsonl, options) as never, ctx);
  const out: SourceBatch[] = [];
  for await (const b of source.stream!(ctx, stream)) out.push(b);
  return out;
}

const all = (batches: SourceBatch[]) => batches.flatMap((b) => b.records);

describe('jsonl stream', () => {
  for (const path of ['data.jsonl', 'data.jsonl.gz']) {
    it(`${path}: yields batches of batchSize with the records of read, and resumes exactly after any batch`, async () => {
      const batches = await collect({ path }, { batchSize: 64 });
      expect(batches.slice(0, -1).every((b) => b.records.length === 64)).toBe(true);
      expect(all(batches)).toEqual(records);
      for (const k of [0, 3, 7, batches.length - 2]) {
        const position = batches[k]!.position!;
        expect(position).toMatchObject({ file: path, records: (k + 1) * 64 });
        const rest = await collect({ path }, { batchSize: 100, from: position });
        expect(all(rest)).toEqual(records.slice((k + 1) * 64));
      }
      const end = batches.at(-1)!.position!;
      expect(all(await collect({ path }, { from: end }))).toEqual([]);
    });
  }

  it('keeps only the requested fields', async () => {
    const batches = await collect({ path: 'data.jsonl' }, { fields: ['latency_ms', 'usage.output_tokens', 'attributes'] });
    expect(all(batches)).toEqual(records.map((r) => ({ latency_ms: r.latency_ms, usage: { output_tokens: (r.usage as { output_tokens: number }).output_tokens }, attributes: r.attributes })));
  });

  it('counts skipped lines per batch, names them with their file line, and gives warnings once at the end', async () => {
    const batches = await collect({ path: 'bad.jsonl', onInvalid: 'skip' }, { batchSize: 1 });
    expect(all(batches).map((r) => r.a)).toEqual([1, 2, 4, 5]);
    // the last, empty batch carries the warnings (known only at the end)
    expect(batches.map((b) => b.skipped)).toEqual([0, 1, 1, 0, 0]);
    expect(batches.flatMap((b) => b.skippedExamples ?? [])).toEqual([expect.stringMatching(/^bad\.jsonl:2: not valid JSON/), expect.stringMatching(/^bad\.jsonl:4: not a JSON object/)]);
    expect(batches.flatMap((b) => b.warnings ?? [])).toEqual([expect.stringMatching(/^1 record with duplicate JSON keys.*bad\.jsonl:5/)]);
    // line numbers continue after a resume
    const rest = await collect({ path: 'bad.jsonl', onInvalid: 'skip' }, { from: batches[0]!.position! });
    expect(rest.flatMap((b) => b.skippedExamples ?? [])[0]).toMatch(/^bad\.jsonl:2:/);
  });

  it('applies limit from the start of the file across a resume', async () => {
    const first = await collect({ path: 'data.jsonl', limit: 150 }, { batchSize: 100 });
    expect(all(first)).toEqual(records.slice(0, 150));
    const rest = await collect({ path: 'data.jsonl', limit: 150 }, { batchSize: 100, from: first[0]!.position! });
    expect(all(rest)).toEqual(records.slice(100, 150));
  });

  it('samples like read, in batches, with the position of the end', async () => {
    const batches = await collect({ path: 'data.jsonl', sample: 150 }, { batchSize: 100 });
    expect(batches.map((b) => b.records.length)).toEqual([100, 50]);
    expect(batches[0]!.position).toBeUndefined();
    const ctx = createTestContext({ id: 'current', use: 'jsonl', services: { configDir: tmp } });
    const read = await (await jsonl.create(validateOptions(jsonl, { path: 'data.jsonl', sample: 150 }) as never, ctx)).read!(ctx);
    expect(all(batches)).toEqual(read.records);
  });

  it('refuses a position from another file or beyond the end', async () => {
    await expect(collect({ path: 'data.jsonl' }, { from: { file: 'other.jsonl', offset: 0, line: 0 } })).rejects.toThrow(/another file/);
    await expect(collect({ path: 'data.jsonl' }, { from: { file: 'data.jsonl', offset: 1e9, line: 0 } })).rejects.toThrow(/truncated or rotated/);
    await expect(collect({ path: 'data.jsonl' }, { from: { offset: 'x' } })).rejects.toThrow(/cannot resume/);
  });
});
