import { DataError, defineSource, type ComponentContext, type SourceOutput, type VigiaRecord } from '@vigia/core';
// Types only: the DuckDB binding is loaded inside `read`, never when the plugin is imported, so
// the CLI starts fast when no parquet dataset is configured.
import type { DuckDBValue } from '@duckdb/node-api';
import { RecordCollector, clip, commonProperties, locateFile, type CommonOptions } from './common.js';

type DuckDBModule = typeof import('@duckdb/node-api');

export interface ParquetOptions extends CommonOptions {
  columns?: string[];
}

const GLOB = /[*?[]/;

function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

function sqlIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** An ISO 8601 string for epoch milliseconds, or undefined outside the JS Date range. */
function isoFromMillis(ms: bigint): string | undefined {
  const n = Number(ms);
  if (!Number.isFinite(n) || Math.abs(n) > 8.64e15) return undefined;
  return new Date(n).toISOString();
}

/**
 * A DuckDB value as plain JSON-friendly JS: integers as numbers (as strings beyond 2^53),
 * decimals as numbers, timestamps as ISO 8601 strings (UTC), dates as `YYYY-MM-DD`, lists and
 * arrays as arrays, structs as objects, maps with string keys as objects (else `[{key, value}]`),
 * blobs as base64, everything else by its DuckDB text form.
 */
export function toPlain(value: DuckDBValue, duckdb: DuckDBModule): unknown {
  if (value === null || typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value.toString();
  }
  if (value instanceof duckdb.DuckDBListValue || value instanceof duckdb.DuckDBArrayValue) {
    return value.items.map((item) => toPlain(item, duckdb));
  }
  if (value instanceof duckdb.DuckDBStructValue) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value.entries)) out[k] = toPlain(v, duckdb);
    return out;
  }
  if (value instanceof duckdb.DuckDBMapValue) {
    if (value.entries.every((e) => typeof e.key === 'string')) {
      const out: Record<string, unknown> = {};
      for (const e of value.entries) out[e.key as string] = toPlain(e.value, duckdb);
      return out;
    }
    return value.entries.map((e) => ({ key: toPlain(e.key, duckdb), value: toPlain(e.value, duckdb) }));
  }
  if (value instanceof duckdb.DuckDBTimestampValue || value instanceof duckdb.DuckDBTimestampTZValue) {
    return (value.isFinite && isoFromMillis(value.micros / 1000n)) || value.toString();
  }
  if (value instanceof duckdb.DuckDBTimestampMillisecondsValue) return (value.isFinite && isoFromMillis(value.millis)) || value.toString();
  if (value instanceof duckdb.DuckDBTimestampSecondsValue) return (value.isFinite && isoFromMillis(value.seconds * 1000n)) || value.toString();
  if (value instanceof duckdb.DuckDBTimestampNanosecondsValue) return (value.isFinite && isoFromMillis(value.nanos / 1000000n)) || value.toString();
  if (value instanceof duckdb.DuckDBDecimalValue) return value.toDouble();
  if (value instanceof duckdb.DuckDBBlobValue) return Buffer.from(value.bytes).toString('base64');
  if (value instanceof duckdb.DuckDBUnionValue) return toPlain(value.value, duckdb);
  return String(value); // DATE (YYYY-MM-DD), TIME, INTERVAL, UUID, BIT, …
}

/** Read a Parquet file (or a glob of them) through DuckDB's `read_parquet`. */
export async function readParquet(options: ParquetOptions, ctx: ComponentContext): Promise<SourceOutput> {
  const isGlob = GLOB.test(options.path);
  const resolved = isGlob ? ctx.resolvePath(options.path) : (await locateFile(options.path, ctx)).resolved;
  const duckdb = await import('@duckdb/node-api');
  const instance = await duckdb.DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const source = `read_parquet(${sqlString(resolved)})`;
  const projection = options.columns && options.columns.length > 0 ? options.columns.map(sqlIdentifier).join(', ') : '*';
  const limit = options.limit !== undefined ? ` LIMIT ${options.limit}` : '';
  const label = `reading ${options.path}`;
  const collector = new RecordCollector<Record<string, DuckDBValue>>(options, options.path, ctx.rng);
  try {
    let total: number | undefined;
    try {
      const meta = await connection.runAndReadAll(`SELECT sum(num_rows)::DOUBLE AS n FROM parquet_file_metadata(${sqlString(resolved)})`);
      total = Number(meta.getRows()[0]?.[0] ?? NaN) || undefined;
    } catch (error) {
      throw parquetError(error, options.path, resolved);
    }
    if (total !== undefined && options.limit !== undefined) total = Math.min(total, options.limit);
    let result;
    try {
      result = await connection.stream(`SELECT ${projection} FROM ${source}${limit}`);
    } catch (error) {
      throw parquetError(error, options.path, resolved);
    }
    const names = result.columnNames();
    let rows = 0;
    let nextReport = 100_000;
    while (true) {
      if (ctx.signal.aborted) throw ctx.signal.reason ?? new Error('aborted');
      const chunk = await result.fetchChunk();
      if (chunk === null || chunk.rowCount === 0) break;
      for (const row of chunk.getRowObjects(names)) collector.add(row);
      rows += chunk.rowCount;
      if (rows >= nextReport) {
        ctx.progress(rows, total, label);
        nextReport = rows + 100_000;
      }
    }
    const { items, skipped, skippedExamples } = collector.finish();
    const records: VigiaRecord[] = items.map((row) => {
      const record: VigiaRecord = {};
      for (const name of names) record[name] = toPlain(row[name]!, duckdb);
      return record;
    });
    return { records, skipped, ...(skippedExamples ? { skippedExamples } : {}) };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

function parquetError(error: unknown, path: string, resolved: string): DataError {
  const message = (error as Error).message ?? String(error);
  if (/no files found/i.test(message)) {
    return new DataError(`data file not found: ${path} (resolved to ${resolved}); check \`path\`, which is relative to the config file`, { code: 'VIGIA_DATA_NOT_FOUND', cause: error });
  }
  if (/Binder Error.*column/is.test(message) || /Referenced column/i.test(message)) {
    return new DataError(`${path}: ${clip(message.split('\n')[0]!, 200)}; check \`columns\` against the file's schema`, { cause: error });
  }
  return new DataError(`${path}: cannot read as Parquet (${clip(message.split('\n')[0]!, 200)}); check that the file is a valid Parquet file`, { cause: error });
}

export const parquet = defineSource({
  description:
    'Reads a Parquet file (or a glob such as `logs/*.parquet`) through DuckDB, converting values to plain JSON: timestamps to ISO strings, lists to arrays, structs to objects.',
  options: {
    type: 'object',
    properties: {
      ...commonProperties,
      columns: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        description: 'Read only these columns (faster on wide files, e.g. with embedding columns you do not need). Default: all.',
      },
    },
    required: ['path'],
    additionalProperties: false,
  },
  example: { path: './samples/current.parquet', columns: ['latency_ms', 'model'] },
  create: (options) => ({
    read: (ctx) => readParquet(options as ParquetOptions, ctx),
  }),
});
