import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { DataError, createRng, validateOptions, type ErasedDef, type Source, type SourceOutput, type VigiaEvent } from '@vigia/core';
import { createTestContext } from '@vigia/testing';
import plugin, { csv, CsvParser, jsonl, parseCsv, RecordCollector } from './index.js';

const fixtures = fileURLToPath(new URL('./__fixtures__/', import.meta.url));

async function read(
  def: ErasedDef<'source', Source>,
  options: Record<string, unknown>,
  { configDir = fixtures, seed = 42, id = 'current', events }: { configDir?: string; seed?: number; id?: string; events?: VigiaEvent[] } = {},
): Promise<SourceOutput> {
  const ctx = createTestContext({ seed, id, use: 'source', services: { configDir } });
  if (events) ctx.events.onAny((e) => events.push(e));
  const source = await def.create(validateOptions(def, options) as never, ctx);
  return source.read!(ctx);
}

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'vigia-sources-'));
  const lines: string[] = [];
  for (let i = 0; i < 1000; i++) lines.push(JSON.stringify({ i, latency_ms: i * 2 }));
  writeFileSync(join(tmp, 'thousand.jsonl'), lines.join('\n') + '\n');
  writeFileSync(join(tmp, 'thousand.jsonl.gz'), gzipSync(lines.join('\n') + '\n'));
  writeFileSync(join(tmp, 'thousand.csv'), 'i,latency_ms\n' + Array.from({ length: 1000 }, (_, i) => `${i},${i * 2}`).join('\n'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('plugin', () => {
  it('exposes jsonl, csv and parquet with schemas and descriptions', () => {
    const sources: Readonly<Record<string, ErasedDef>> = plugin.sources;
    expect(Object.keys(sources)).toEqual(['jsonl', 'csv', 'parquet']);
    for (const def of Object.values(sources)) {
      expect(def.kind).toBe('source');
      expect(def.description.length).toBeGreaterThan(20);
      expect((def.options as unknown as { required: string[] }).required).toContain('path');
    }
  });
  it('rejects a missing path and unknown options', () => {
    expect(() => validateOptions(jsonl, {})).toThrow('/with/path is required');
    expect(() => validateOptions(jsonl, { path: 'x', sampel: 3 })).toThrow('/with/sampel is not a known option');
    expect(validateOptions(jsonl, { path: 'x' })).toEqual({ path: 'x', onInvalid: 'error' });
  });
});

describe('jsonl', () => {
  it('reads objects, ignores blank lines, copes with CRLF and a missing final newline', async () => {
    const out = await read(jsonl, { path: 'basic.jsonl' });
    expect(out.skipped).toBe(0);
    expect(out.records.map((r) => r.id)).toEqual([1, 2, 3, 4]);
    expect(out.records[2]).toEqual({ id: 3, model: 'gpt-b', latency_ms: 240, attributes: { user_group: 'x' } });
  });

  it('fails on the first bad line, naming file and line', async () => {
    const error = await read(jsonl, { path: 'bad.jsonl' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).code).toBe('VIGIA_DATA_INVALID');
    expect((error as DataError).message).toMatch(/^bad\.jsonl:3: not valid JSON \(.+\); fix the line or set onInvalid: skip$/);
  });

  it('skips and counts bad lines, including valid JSON that is not an object', async () => {
    const out = await read(jsonl, { path: 'bad.jsonl', onInvalid: 'skip' });
    expect(out.records.map((r) => r.id)).toEqual([1, 2, 4, 8]);
    expect(out.skipped).toBe(4);
    expect(out.skippedExamples).toHaveLength(4);
    expect(out.skippedExamples![0]).toMatch(/^bad\.jsonl:3: not valid JSON/);
    expect(out.skippedExamples![1]).toBe('bad.jsonl:5: not a JSON object (got number 3); each line must be one {…} record');
    expect(out.skippedExamples![2]).toMatch(/^bad\.jsonl:6: not a JSON object \(got an array\)/);
    expect(out.skippedExamples![3]).toMatch(/^bad\.jsonl:7: not a JSON object \(got null\)/);
  });

  it('keeps at most five skipped examples', async () => {
    writeFileSync(join(tmp, 'many-bad.jsonl'), Array.from({ length: 9 }, () => 'oops').join('\n'));
    const out = await read(jsonl, { path: 'many-bad.jsonl', onInvalid: 'skip' }, { configDir: tmp });
    expect(out.skipped).toBe(9);
    expect(out.skippedExamples).toHaveLength(5);
    expect(out.records).toEqual([]);
  });

  it('reports a missing file with both the config-relative and the resolved path', async () => {
    const error = (await read(jsonl, { path: 'samples/nope.jsonl' }).catch((e: unknown) => e)) as DataError;
    expect(error).toBeInstanceOf(DataError);
    expect(error.code).toBe('VIGIA_DATA_NOT_FOUND');
    expect(error.message).toContain('samples/nope.jsonl');
    expect(error.message).toContain(join(fixtures, 'samples/nope.jsonl'));
  });

  it('limit keeps the first N records and stops', async () => {
    const out = await read(jsonl, { path: 'thousand.jsonl', limit: 7 }, { configDir: tmp });
    expect(out.records.map((r) => r.i)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('sample is seeded, in file order, and differs across seeds', async () => {
    const a = await read(jsonl, { path: 'thousand.jsonl', sample: 50 }, { configDir: tmp, seed: 7 });
    const b = await read(jsonl, { path: 'thousand.jsonl', sample: 50 }, { configDir: tmp, seed: 7 });
    const c = await read(jsonl, { path: 'thousand.jsonl', sample: 50 }, { configDir: tmp, seed: 8 });
    const ids = (o: SourceOutput) => o.records.map((r) => r.i as number);
    expect(ids(a)).toHaveLength(50);
    expect(ids(a)).toEqual(ids(b));
    expect(ids(a)).not.toEqual(ids(c));
    expect(ids(a)).toEqual([...ids(a)].sort((x, y) => x - y));
    expect(new Set(ids(a)).size).toBe(50);
    // A sample larger than the file keeps everything.
    const all = await read(jsonl, { path: 'thousand.jsonl', sample: 5000 }, { configDir: tmp });
    expect(all.records).toHaveLength(1000);
  });

  it('sample after limit draws from the first `limit` records', async () => {
    const out = await read(jsonl, { path: 'thousand.jsonl', limit: 100, sample: 10 }, { configDir: tmp });
    expect(out.records).toHaveLength(10);
    expect(out.records.every((r) => (r.i as number) < 100)).toBe(true);
  });

  it('reads gzip and gives the same records as the plain file', async () => {
    const plain = await read(jsonl, { path: 'thousand.jsonl' }, { configDir: tmp });
    const gz = await read(jsonl, { path: 'thousand.jsonl.gz' }, { configDir: tmp });
    expect(gz.records).toEqual(plain.records);
  });

  it('a file that is not gzip but named .gz is a clear DataError', async () => {
    writeFileSync(join(tmp, 'fake.jsonl.gz'), '{"a":1}\n');
    await expect(read(jsonl, { path: 'fake.jsonl.gz' }, { configDir: tmp })).rejects.toThrow(/fake\.jsonl\.gz: not a valid gzip file/);
  });

  it('handles lines that straddle chunk boundaries, multi-byte characters and long lines', async () => {
    const long = 'é€😀'.repeat(400_000); // ~3.6 MB line: crosses several 1 MiB chunks
    const records = [{ id: 1, text: 'a' }, { id: 2, text: long }, { id: 3, text: 'ü' }];
    writeFileSync(join(tmp, 'long.jsonl'), '\uFEFF' + records.map((r) => JSON.stringify(r)).join('\n'));
    const events: VigiaEvent[] = [];
    const out = await read(jsonl, { path: 'long.jsonl' }, { configDir: tmp, events });
    expect(out.records).toEqual(records);
  });

  it('reports progress on big files', async () => {
    const line = JSON.stringify({ pad: 'x'.repeat(1000) });
    writeFileSync(join(tmp, 'big.jsonl'), Array.from({ length: 9000 }, () => line).join('\n'));
    const events: VigiaEvent[] = [];
    const out = await read(jsonl, { path: 'big.jsonl' }, { configDir: tmp, events });
    expect(out.records).toHaveLength(9000);
    const progress = events.filter((e) => e.type === 'progress');
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(progress.at(-1)).toMatchObject({ label: 'reading big.jsonl', total: 9000 * line.length + 8999 });
  });
});

describe('csv parser', () => {
  it('follows RFC 4180: quotes, doubled quotes, delimiters and newlines inside quotes', () => {
    const rows = parseCsv('a,b,c\n"x, y","say ""hi""","multi\nline"\n,"",z');
    expect(rows).toEqual([
      { fields: ['a', 'b', 'c'], line: 1 },
      { fields: ['x, y', 'say "hi"', 'multi\nline'], line: 2 },
      { fields: [null, '', 'z'], line: 4 },
    ]);
  });
  it('gives the same rows however the text is split into pieces', () => {
    const text = 'id,name\r\n1,"a ""b"", c"\r\n2,"x\r\ny"\r\n3,plain\r\n';
    const whole = parseCsv(text);
    for (let cut = 1; cut < text.length; cut++) {
      const rows: unknown[] = [];
      const parser = new CsvParser(',', (fields, line, problem) => {
        rows.push(problem === undefined ? { fields, line } : { fields, line, problem });
        return true;
      });
      parser.push(text.slice(0, cut));
      parser.push(text.slice(cut));
      parser.end();
      expect(rows, `cut at ${cut}`).toEqual(whole);
    }
    expect(whole.map((r) => r.fields)).toEqual([['id', 'name'], ['1', 'a "b", c'], ['2', 'x\r\ny'], ['3', 'plain']]);
  });
  it('flags an unterminated quote and text after a closing quote', () => {
    expect(parseCsv('a\n"open')[1]!.problem).toMatch(/unterminated quoted field \(the " opened on line 2/);
    expect(parseCsv('a,b\n"x"y,1')[1]!.problem).toMatch(/unexpected "y" after the closing quote of field 1/);
  });
  it('supports another delimiter', () => {
    expect(parseCsv('a;b\n"1;2";3', ';')[1]!.fields).toEqual(['1;2', '3']);
  });
});

describe('csv', () => {
  it('reads quoted fields and detects numeric columns', async () => {
    const out = await read(csv, { path: 'quoted.csv' });
    expect(out.records).toEqual([
      { id: 1, model: 'gpt-a', latency_ms: 120.5, prompt: 'Hello, world', score: 0.5 },
      { id: 2, model: 'gpt-a', latency_ms: 98, prompt: 'She said "hi"', score: null },
      { id: 3, model: 'gpt-b', latency_ms: 240, prompt: 'two\nlines', score: 0.001 },
      { id: 4, model: 'gpt-b', latency_ms: 310, prompt: 'plain text', score: -2 },
    ]);
  });

  it('handles CRLF files', async () => {
    const out = await read(csv, { path: 'crlf.csv' });
    expect(out.records).toEqual([{ id: 1, name: 'a, b', value: 10 }, { id: 2, name: 'c"d', value: 20 }]);
  });

  it('column overrides: numbers kept as strings, JSON cells, booleans', async () => {
    writeFileSync(join(tmp, 'types.csv'), 'zip,emb,ok\n01234,"[0.1,0.2]",yes\n98765,"[1,2]",false\n');
    const out = await read(csv, { path: 'types.csv', columns: { zip: 'string', emb: 'json', ok: 'boolean' } }, { configDir: tmp });
    expect(out.records).toEqual([{ zip: '01234', emb: [0.1, 0.2], ok: true }, { zip: '98765', emb: [1, 2], ok: false }]);
    await expect(read(csv, { path: 'types.csv', columns: { zap: 'string' } }, { configDir: tmp })).rejects.toThrow(/`columns` names "zap", not in the header/);
  });

  it('a column with a non-numeric value stays text', async () => {
    writeFileSync(join(tmp, 'mixed.csv'), 'v\n1\n2\nthree\n');
    const out = await read(csv, { path: 'mixed.csv' }, { configDir: tmp });
    expect(out.records.map((r) => r.v)).toEqual(['1', '2', 'three']);
  });

  it('fails on a bad row with file:line, or skips and counts with onInvalid: skip', async () => {
    await expect(read(csv, { path: 'bad.csv' })).rejects.toThrow('bad.csv:3: has 2 fields, the header has 3 (check the delimiter and quoting); fix the line or set onInvalid: skip');
    const out = await read(csv, { path: 'bad.csv', onInvalid: 'skip' });
    expect(out.records.map((r) => r.id)).toEqual([1, 3, 6]);
    expect(out.records[1]).toEqual({ id: 3, latency_ms: 30, model: 'c' });
    expect(out.skipped).toBe(3);
    expect(out.skippedExamples).toEqual([
      'bad.csv:3: has 2 fields, the header has 3 (check the delimiter and quoting)',
      expect.stringMatching(/^bad\.csv:5: unexpected "x" after the closing quote/),
      'bad.csv:6: has 4 fields, the header has 3 (check the delimiter and quoting)',
    ]);
  });

  it('a number override rejects text with the column named', async () => {
    writeFileSync(join(tmp, 'num.csv'), 'a,b\n1,2\nx,3\n');
    await expect(read(csv, { path: 'num.csv', columns: { a: 'number' } }, { configDir: tmp })).rejects.toThrow('num.csv:3: column "a" is "x", not a number');
  });

  it('limit, seeded sample and gzip', async () => {
    const limited = await read(csv, { path: 'thousand.csv', limit: 3 }, { configDir: tmp });
    expect(limited.records).toEqual([{ i: 0, latency_ms: 0 }, { i: 1, latency_ms: 2 }, { i: 2, latency_ms: 4 }]);
    const a = await read(csv, { path: 'thousand.csv', sample: 20 }, { configDir: tmp, seed: 1 });
    const b = await read(csv, { path: 'thousand.csv', sample: 20 }, { configDir: tmp, seed: 1 });
    expect(a.records).toEqual(b.records);
    expect(a.records).toHaveLength(20);
    writeFileSync(join(tmp, 'q.csv.gz'), gzipSync('x,y\n"1,5",2\n'));
    expect((await read(csv, { path: 'q.csv.gz' }, { configDir: tmp })).records).toEqual([{ x: '1,5', y: 2 }]);
  });

  it('tab-separated files by extension, duplicate headers rejected', async () => {
    writeFileSync(join(tmp, 'x.tsv'), 'a\tb\n1\thello, there\n');
    expect((await read(csv, { path: 'x.tsv' }, { configDir: tmp })).records).toEqual([{ a: 1, b: 'hello, there' }]);
    writeFileSync(join(tmp, 'dup.csv'), 'a,a\n1,2\n');
    await expect(read(csv, { path: 'dup.csv' }, { configDir: tmp })).rejects.toThrow('dup.csv:1: the header names column "a" twice');
  });
});

describe('RecordCollector', () => {
  it('reservoir sampling is close to uniform', () => {
    const counts = new Array<number>(10).fill(0);
    for (let t = 0; t < 2000; t++) {
      const c = new RecordCollector<number>({ path: 'x', sample: 3 }, 'x', createRng(t));
      for (let i = 0; i < 10; i++) c.add(i);
      for (const v of c.finish().items) counts[v]!++;
    }
    // Each item is kept with probability 3/10: 600 of 2000 expected, sd ≈ 20.5.
    for (const n of counts) expect(Math.abs(n - 600)).toBeLessThan(90);
  });
});
