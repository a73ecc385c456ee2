/**
 * What every file source shares: the common options, opening a file with a clear "not found"
 * error, chunked reading (plain or gzip) with throttled progress, and the collector that applies
 * `limit`, `sample` and `onInvalid` to the records as they stream past.
 */
import { open, stat } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { DataError, type ComponentContext, type Rng, type SourceOutput } from '@vigia/core';

/** Options every source accepts (spread into each source's schema). */
export const commonProperties = {
  path: {
    type: 'string',
    minLength: 1,
    description: 'The file to read, relative to the config file.',
  },
  limit: {
    type: 'integer',
    minimum: 1,
    description: 'Keep only the first N valid records (reading stops there).',
  },
  sample: {
    type: 'integer',
    minimum: 1,
    description: 'Keep a seeded uniform random sample of N records (reservoir sampling), in file order. Applied after `limit`.',
  },
  onInvalid: {
    type: 'string',
    enum: ['error', 'skip'],
    default: 'error',
    description: 'What to do with a bad record: `error` stops with the file and line; `skip` counts it and goes on.',
  },
} as const;

export interface CommonOptions {
  path: string;
  limit?: number;
  sample?: number;
  onInvalid?: 'error' | 'skip';
}

/** How many bytes between two progress reports. */
export const PROGRESS_EVERY_BYTES = 8 * 1024 * 1024;
/** Size of one read from disk. */
export const CHUNK_BYTES = 1024 * 1024;
/** How many skipped-record examples a source keeps. */
export const MAX_SKIPPED_EXAMPLES = 5;

/** A file as the user wrote it and as it resolved. */
export interface DataFile {
  /** As written in the config (used in messages: `samples/current.jsonl:12: …`). */
  display: string;
  /** Absolute path. */
  resolved: string;
  size: number;
}

/**
 * Resolve `path` against the config directory and check it is a readable file; a missing file is a
 * {@link DataError} with code `VIGIA_DATA_NOT_FOUND` naming both paths.
 */
export async function locateFile(path: string, ctx: ComponentContext): Promise<DataFile> {
  const resolved = ctx.resolvePath(path);
  try {
    const info = await stat(resolved);
    if (!info.isFile()) {
      throw new DataError(`${path} is not a file (resolved to ${resolved}); point \`path\` at a data file`, { code: 'VIGIA_DATA_NOT_FOUND' });
    }
    return { display: path, resolved, size: info.size };
  } catch (error) {
    if (error instanceof DataError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new DataError(
        `data file not found: ${path} (resolved to ${resolved}); check \`path\`, which is relative to the config file`,
        { code: 'VIGIA_DATA_NOT_FOUND', cause: error },
      );
    }
    throw new DataError(`cannot read ${path} (resolved to ${resolved}): ${(error as Error).message}`, { code: 'VIGIA_DATA_NOT_FOUND', cause: error });
  }
}

export function isGzip(path: string): boolean {
  return /\.gz$/i.test(path);
}

/**
 * The file's bytes in chunks of about {@link CHUNK_BYTES}, gunzipped when the name ends in `.gz`.
 * The yielded buffer may be reused for the next chunk: consume it before asking for the next one.
 * Reports progress in (compressed) bytes every {@link PROGRESS_EVERY_BYTES}. Breaking out of the
 * loop closes the file.
 */
export async function* readChunks(file: DataFile, ctx: ComponentContext): AsyncGenerator<Buffer> {
  const label = `reading ${file.display}`;
  let nextReport = PROGRESS_EVERY_BYTES;
  const report = (bytes: number) => {
    if (bytes >= nextReport) {
      ctx.progress(bytes, file.size, label);
      nextReport = bytes + PROGRESS_EVERY_BYTES;
    }
  };
  if (isGzip(file.display)) {
    const raw = createReadStream(file.resolved, { highWaterMark: CHUNK_BYTES });
    const gunzip = createGunzip({ chunkSize: CHUNK_BYTES });
    raw.on('error', (error) => gunzip.destroy(error));
    raw.pipe(gunzip);
    try {
      for await (const chunk of gunzip as AsyncIterable<Buffer>) {
        if (ctx.signal.aborted) throw ctx.signal.reason ?? new Error('aborted');
        yield chunk;
        report(raw.bytesRead);
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code?.startsWith('Z_')) {
        throw new DataError(`${file.display}: not a valid gzip file (${(error as Error).message}); decompress it or remove the .gz suffix`, { cause: error });
      }
      throw error;
    } finally {
      raw.destroy();
      gunzip.destroy();
    }
    if (file.size >= PROGRESS_EVERY_BYTES) ctx.progress(file.size, file.size, label);
    return;
  }
  const handle = await open(file.resolved, 'r');
  try {
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    let position = 0;
    while (true) {
      if (ctx.signal.aborted) throw ctx.signal.reason ?? new Error('aborted');
      const { bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      yield bytesRead === CHUNK_BYTES ? buffer : buffer.subarray(0, bytesRead);
      report(position);
    }
    if (file.size >= PROGRESS_EVERY_BYTES) ctx.progress(position, file.size, label);
  } finally {
    await handle.close();
  }
}

/** Shorten a reason so that one bad line cannot flood the terminal. */
export function clip(text: string, max = 160): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * Applies `limit`, `sample` and `onInvalid` to records as they are read.
 *
 * Sampling is Algorithm R (Vitter 1985, "Random sampling with a reservoir") driven by the
 * component's seeded RNG, so the same seed and dataset name give the same sample; the sample is
 * returned in original file order.
 */
export class RecordCollector<T> {
  readonly items: T[] = [];
  /** With sampling: the position among valid records of each kept item. */
  readonly #order: number[] = [];
  #seen = 0;
  #skipped = 0;
  readonly #examples: string[] = [];
  readonly #limit: number;
  readonly #sample: number;
  readonly #skip: boolean;
  readonly #rng: Rng | undefined;
  readonly #file: string;

  constructor(options: CommonOptions, file: string, rng: Rng) {
    this.#limit = options.limit ?? Infinity;
    this.#sample = options.sample ?? Infinity;
    this.#skip = options.onInvalid === 'skip';
    this.#rng = options.sample !== undefined ? rng.fork('sample') : undefined;
    this.#file = file;
  }

  /** Add a valid record; returns false once `limit` is reached (stop reading). */
  add(item: T): boolean {
    const i = this.#seen++;
    if (this.#rng === undefined) {
      this.items.push(item);
    } else if (i < this.#sample) {
      this.items.push(item);
      this.#order.push(i);
    } else {
      const j = this.#rng.int(i + 1);
      if (j < this.#sample) {
        this.items[j] = item;
        this.#order[j] = i;
      }
    }
    return this.#seen < this.#limit;
  }

  /** A bad record at `line`: a {@link DataError} under `onInvalid: error`, else counted. */
  invalid(line: number, reason: string): void {
    if (!this.#skip) throw new DataError(`${this.#file}:${line}: ${reason}; fix the line or set onInvalid: skip`);
    this.#skipped++;
    if (this.#examples.length < MAX_SKIPPED_EXAMPLES) this.#examples.push(`${this.#file}:${line}: ${reason}`);
  }

  /** Valid records seen so far (before sampling). */
  get seen(): number {
    return this.#seen;
  }

  get limitReached(): boolean {
    return this.#seen >= this.#limit;
  }

  finish(): { items: T[]; skipped: number; skippedExamples?: string[] } {
    let items = this.items;
    if (this.#rng !== undefined && this.#seen > this.#sample) {
      const order = this.#order;
      const idx = order.map((_, k) => k).sort((a, b) => order[a]! - order[b]!);
      items = idx.map((k) => this.items[k]!);
    }
    return { items, skipped: this.#skipped, ...(this.#skipped > 0 ? { skippedExamples: [...this.#examples] } : {}) };
  }
}

/** Convert a collector's result to a {@link SourceOutput}. */
export function toOutput(result: { items: SourceOutput['records']; skipped: number; skippedExamples?: string[] }): SourceOutput {
  return { records: result.items, skipped: result.skipped, ...(result.skippedExamples ? { skippedExamples: result.skippedExamples } : {}) };
}
