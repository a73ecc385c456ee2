import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { DataError, validateOptions } from '@vigia/core';
import { createTestContext } from '@vigia/testing';
import { parquet } from './index.js';

let dir: string;

async function read(options: Record<string, unknown>, seed = 42) {
  const ctx = createTestContext({ seed, id: 'current', use: 'parquet', services: { configDir: dir } });
  const source = await parquet.create(validateOptions(parquet, options) as never, ctx);
  return source.read!(ctx);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigia-parquet-'));
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const out = join(dir, 'logs.parquet').replaceAll("'", "''");
  await connection.run(`
    COPY (
      SELECT
        i::BIGINT AS id,
        'model-' || (i % 2) AS model,
        (100 + i * 1.5)::DOUBLE AS latency_ms,
        (i * 10)::INTEGER AS input_tokens,
        TIMESTAMP '2024-05-01 12:00:00' + INTERVAL (i) MINUTE AS timestamp,
        DATE '2024-05-01' AS day,
        [i, i + 1]::INTEGER[] AS pair,
        {'user_group': CASE WHEN i % 2 = 0 THEN 'a' ELSE 'b' END, 'flag': i % 3 = 0} AS attributes,
        (i / 4)::DECIMAL(10, 2) AS quarter,
        CASE WHEN i = 0 THEN 9007199254740993::BIGINT ELSE NULL END AS huge,
        CASE WHEN i = 1 THEN NULL ELSE 'text ' || i END AS note
      FROM range(50) t(i)
    ) TO '${out}' (FORMAT parquet)`);
  const more = join(dir, 'logs-more.parquet').replaceAll("'", "''");
  await connection.run(`COPY (SELECT i::BIGINT AS id FROM range(50, 60) t(i)) TO '${more}' (FORMAT parquet)`);
  connection.closeSync();
  instance.closeSync();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parquet', () => {
  it('reads a file written by DuckDB and converts values to plain JS', async () => {
    const out = await read({ path: 'logs.parquet' });
    expect(out.records).toHaveLength(50);
    expect(out.skipped).toBe(0);
    expect(out.records[1]).toEqual({
      id: 1,
      model: 'model-1',
      latency_ms: 101.5,
      input_tokens: 10,
      timestamp: '2024-05-01T12:01:00.000Z',
      day: '2024-05-01',
      pair: [1, 2],
      attributes: { user_group: 'b', flag: false },
      quarter: 0.25,
      huge: null,
      note: null,
    });
    // Beyond 2^53 a BIGINT is kept exact, as a string.
    expect(out.records[0]!.huge).toBe('9007199254740993');
    expect(JSON.parse(JSON.stringify(out.records))).toEqual(out.records);
  });

  it('columns, limit and a seeded sample in file order', async () => {
    const limited = await read({ path: 'logs.parquet', columns: ['id', 'latency_ms'], limit: 3 });
    expect(limited.records).toEqual([{ id: 0, latency_ms: 100 }, { id: 1, latency_ms: 101.5 }, { id: 2, latency_ms: 103 }]);
    const a = await read({ path: 'logs.parquet', columns: ['id'], sample: 10 }, 3);
    const b = await read({ path: 'logs.parquet', columns: ['id'], sample: 10 }, 3);
    const ids = a.records.map((r) => r.id as number);
    expect(ids).toHaveLength(10);
    expect(ids).toEqual(b.records.map((r) => r.id));
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
  });

  it('missing files, unknown columns and non-parquet files are DataErrors', async () => {
    const missing = (await read({ path: 'nope.parquet' }).catch((e: unknown) => e)) as DataError;
    expect(missing).toBeInstanceOf(DataError);
    expect(missing.code).toBe('VIGIA_DATA_NOT_FOUND');
    expect(missing.message).toContain(join(dir, 'nope.parquet'));
    await expect(read({ path: 'logs.parquet', columns: ['nope'] })).rejects.toThrow(/logs\.parquet: .*nope.*check `columns`/s);
    writeFileSync(join(dir, 'fake.parquet'), 'not parquet at all');
    await expect(read({ path: 'fake.parquet' })).rejects.toThrow(/fake\.parquet: cannot read as Parquet/);
  });

  it('reads a glob of files', async () => {
    const out = await read({ path: 'logs*.parquet', columns: ['id'] });
    expect(out.records.map((r) => r.id as number).sort((x, y) => x - y)).toEqual(Array.from({ length: 60 }, (_, i) => i));
  });
});
