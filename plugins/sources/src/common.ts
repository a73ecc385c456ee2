/**
 * What every file source shares: the common options, opening a file with a clear "not found"
 * error, chunked reading (plain or gzip) with throttled progress, and the collector that applies
 * `limit`, `sample` and `onInvalid` to the records as they stream past.
 */
import { open, stat } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { DataError, describeFsError, type ComponentContext, type Rng, type SourceOutput } from '@vigia/core';

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
    throw new DataError(`cannot read ${path} (resolved to ${resolved}): ${describeFsError(error)}`, { code: 'VIGIA_DATA_NOT_FOUND', cause: error });
  }
}

/** Open a data file for reading, with a fix in the message when it cannot be opened (EACCES, …). */
async function openForReading(file: DataFile): Promise<Awaited<ReturnType<typeof open>>> {
  try {
    return await open(file.resolved, 'r');
  } catch (error) {
    throw cannotOpen(file, error);
  }
}

/** The error for a data file that exists but cannot be opened, with the fix for permissions. */
export function cannotOpen(file: Pick<DataFile, 'display' | 'resolved'>, error: unknown): DataError {
  const code = (error as NodeJS.ErrnoException).code;
  const fix = code === 'EACCES' || code === 'EPERM'
    ? `; let the user running vigia read it (e.g. chmod a+r ${file.display}) or copy it somewhere readable`
    : '';
  return new DataError(`cannot read ${file.display} (resolved to ${file.resolved}): ${describeFsError(error)}${fix}`, { code: 'VIGIA_DATA_NOT_FOUND', cause: error });
}

/** Magic numbers of compressed or archived files that are not read as text. */
const MAGIC: Array<{ bytes: number[]; what: string; fix: string }> = [
  { bytes: [0x1f, 0x8b], what: 'gzip-compressed', fix: 'name it with a .gz suffix (it is then read while decompressing) or decompress it (gunzip)' },
  { bytes: [0x28, 0xb5, 0x2f, 0xfd], what: 'zstd-compressed', fix: 'decompress it first (zstd -d)' },
  { bytes: [0x42, 0x5a, 0x68], what: 'bzip2-compressed', fix: 'decompress it first (bunzip2)' },
  { bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], what: 'xz-compressed', fix: 'decompress it first (unxz)' },
  { bytes: [0x50, 0x4b, 0x03, 0x04], what: 'a zip archive', fix: 'extract the file from it first (unzip)' },
];

/**
 * Refuse a file that is not UTF-8 text at all, from its first bytes: a UTF-16 or UTF-32 byte-order
 * mark (or the NUL bytes of BOM-less UTF-16), or the magic number of a compressed file, with the
 * command that fixes it.
 */
export function sniffText(head: Buffer, display: string): void {
  const starts = (bytes: number[]) => bytes.every((b, i) => head[i] === b);
  for (const m of MAGIC) {
    if (head.length >= m.bytes.length && starts(m.bytes)) {
      throw new DataError(`${display}: the file is ${m.what} (it starts with bytes ${m.bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ')}), not text; ${m.fix}`);
    }
  }
  let encoding: string | undefined;
  if (starts([0xff, 0xfe, 0, 0]) || starts([0, 0, 0xfe, 0xff])) encoding = 'UTF-32';
  else if (starts([0xff, 0xfe])) encoding = 'UTF-16 (little-endian, with a byte-order mark)';
  else if (starts([0xfe, 0xff])) encoding = 'UTF-16 (big-endian, with a byte-order mark)';
  else if (head.length >= 4) {
    // ASCII text in UTF-16 has a NUL in every other byte.
    let evenNul = 0, oddNul = 0;
    const n = Math.min(head.length, 512) & ~1;
    for (let i = 0; i < n; i += 2) {
      if (head[i] === 0) evenNul++;
      if (head[i + 1] === 0) oddNul++;
    }
    if (oddNul > n / 4 && evenNul === 0) encoding = 'UTF-16 (little-endian, no byte-order mark)';
    else if (evenNul > n / 4 && oddNul === 0) encoding = 'UTF-16 (big-endian, no byte-order mark)';
  }
  if (encoding) {
    throw new DataError(`${display}: the file is ${encoding} encoded, not UTF-8; convert it, e.g. iconv -f ${encoding.startsWith('UTF-32') ? 'UTF-32' : 'UTF-16'} -t UTF-8 ${display} > converted.${display.split('.').pop()}`);
  }
}

/**
 * Tracks whether decoded text hides invalid UTF-8: the decoder turns each invalid byte into U+FFFD,
 * so a chunk whose text has more U+FFFD than the chunk has encoded U+FFFD (EF BF BD) had invalid
 * bytes. From then on a line or row holding U+FFFD is invalid (counted under `onInvalid: skip`),
 * and the reason names the likely encoding.
 */
export class Utf8Check {
  #reason: string | undefined;

  constructor(private readonly display: string) {}

  /** Look at one chunk and its decoded text (cheap unless the text holds U+FFFD). */
  chunk(bytes: Buffer, text: string): void {
    if (this.#reason !== undefined || !text.includes('\uFFFD')) return;
    let decoded = 0;
    for (let i = text.indexOf('\uFFFD'); i !== -1; i = text.indexOf('\uFFFD', i + 1)) decoded++;
    let encoded = 0;
    for (let i = bytes.indexOf(REPLACEMENT); i !== -1; i = bytes.indexOf(REPLACEMENT, i + 1)) encoded++;
    if (decoded > encoded) this.#reason = invalidUtf8Reason(bytes, this.display);
  }

  /** Why `text` (a line or a field) is invalid, or undefined when it is fine. */
  problem(text: string): string | undefined {
    return this.#reason !== undefined && text.includes('\uFFFD') ? this.#reason : undefined;
  }

  get seen(): boolean {
    return this.#reason !== undefined;
  }
}

const REPLACEMENT = Buffer.from([0xef, 0xbf, 0xbd]);

/** The first invalid byte of a chunk and the likely encoding. */
function invalidUtf8Reason(bytes: Buffer, display: string): string {
  let offending = -1;
  for (let i = 0; i < bytes.length && offending < 0;) {
    const b = bytes[i]!;
    const need = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (need === -1) offending = b;
    else if (i + need >= bytes.length) break; // a sequence cut at the chunk's end
    else for (let k = 1; k <= need; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) offending = b;
    i += need + 1;
  }
  const byte = offending >= 0 ? `, e.g. byte 0x${offending.toString(16).padStart(2, '0')}` : '';
  return `not valid UTF-8${byte}; the file looks Latin-1 (ISO-8859-1) or Windows-1252 encoded: convert it, e.g. iconv -f WINDOWS-1252 -t UTF-8 ${display} > converted.${display.split('.').pop()}`;
}

export function isGzip(path: string): boolean {
  return /\.gz$/i.test(path);
}

/**
 * The file's bytes in chunks of about {@link CHUNK_BYTES}, gunzipped when the name ends in `.gz`.
 * The yielded buffer may be reused for the next chunk: consume it before asking for the next one.
 * Reports progress in (compressed) bytes every {@link PROGRESS_EVERY_BYTES}. Breaking out of the
 * loop closes the file. `start` skips that many (decompressed) bytes first: a plain file is read
 * from that offset; a gzipped one is decompressed from its start and the first bytes dropped.
 */
export async function* readChunks(file: DataFile, ctx: ComponentContext, start = 0): AsyncGenerator<Buffer> {
  const label = `reading ${file.display}`;
  let nextReport = PROGRESS_EVERY_BYTES;
  const report = (bytes: number) => {
    if (bytes >= nextReport) {
      ctx.progress(bytes, file.size, label);
      nextReport = bytes + PROGRESS_EVERY_BYTES;
    }
  };
  if (isGzip(file.display)) {
    await (await openForReading(file)).close();
    const raw = createReadStream(file.resolved, { highWaterMark: CHUNK_BYTES });
    const gunzip = createGunzip({ chunkSize: CHUNK_BYTES });
    raw.on('error', (error) => gunzip.destroy(error));
    raw.pipe(gunzip);
    try {
      let first = true;
      let toSkip = start;
      for await (let chunk of gunzip as AsyncIterable<Buffer>) {
        if (ctx.signal.aborted) throw ctx.signal.reason ?? new Error('aborted');
        if (first) {
          first = false;
          sniffText(chunk, file.display);
        }
        if (toSkip > 0) {
          const drop = Math.min(toSkip, chunk.length);
          toSkip -= drop;
          chunk = chunk.subarray(drop);
          if (chunk.length === 0) continue;
        }
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
  const handle = await openForReading(file);
  try {
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    if (start > 0) {
      // Resuming: the file's start was checked when it was first read; check it again cheaply.
      const head = Buffer.alloc(Math.min(512, start));
      const { bytesRead } = await handle.read(head, 0, head.length, 0);
      sniffText(head.subarray(0, bytesRead), file.display);
    }
    let position = start;
    while (true) {
      if (ctx.signal.aborted) throw ctx.signal.reason ?? new Error('aborted');
      const { bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, position);
      if (bytesRead === 0) break;
      if (position === 0) sniffText(buffer.subarray(0, bytesRead), file.display);
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
  items: T[] = [];
  /** With sampling: the position among valid records of each kept item. */
  readonly #order: number[] = [];
  #seen = 0;
  #skipped = 0;
  readonly #examples: string[] = [];
  /** Kept records with a problem worth a warning (duplicate keys, …), by kind. */
  readonly #notes = new Map<string, { count: number; example: string }>();
  readonly #limit: number;
  readonly #sample: number;
  readonly #skip: boolean;
  readonly #rng: Rng | undefined;
  readonly #file: string;

  /**
   * `seenBefore`: valid records read before a resume position, so `limit` counts from the file's
   * start when a stream resumes.
   */
  constructor(options: CommonOptions, file: string, rng: Rng, seenBefore = 0) {
    this.#seen = seenBefore;
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

  /**
   * A record that is kept but has a problem of some `kind` (e.g. `duplicate keys`): counted, and
   * reported as one warning per kind with the count and the first example.
   */
  note(kind: string, line: number, detail: string): void {
    const known = this.#notes.get(kind);
    if (known) known.count++;
    else this.#notes.set(kind, { count: 1, example: `${this.#file}:${line}: ${detail}` });
  }

  /** Valid records seen so far (before sampling). */
  get seen(): number {
    return this.#seen;
  }

  get limitReached(): boolean {
    return this.#seen >= this.#limit;
  }

  /** Without `sample`: hand over the records kept so far and forget them (a streamed batch). */
  drain(): T[] {
    if (this.#rng !== undefined) throw new Error('RecordCollector.drain: a sample is only known at the end');
    const out = this.items;
    this.items = [];
    return out;
  }

  /** Records skipped so far. */
  get skipped(): number {
    return this.#skipped;
  }

  /** Examples of skipped records so far (at most {@link MAX_SKIPPED_EXAMPLES}). */
  get skippedExamples(): readonly string[] {
    return this.#examples;
  }

  /** Whether records are sampled (then nothing can be handed over before the end). */
  get sampling(): boolean {
    return this.#rng !== undefined;
  }

  finish(): { items: T[]; skipped: number; skippedExamples?: string[]; warnings?: string[] } {
    let items = this.items;
    if (this.#rng !== undefined && this.#seen > this.#sample) {
      const order = this.#order;
      const idx = order.map((_, k) => k).sort((a, b) => order[a]! - order[b]!);
      items = idx.map((k) => this.items[k]!);
    }
    const warnings = [...this.#notes].map(([kind, n]) => `${n.count} record${n.count === 1 ? '' : 's'} with ${kind} (e.g. ${n.example})`);
    return { items, skipped: this.#skipped, ...(this.#skipped > 0 ? { skippedExamples: [...this.#examples] } : {}), ...(warnings.length ? { warnings } : {}) };
  }
}

/** Convert a collector's result to a {@link SourceOutput}. */
export function toOutput(result: { items: SourceOutput['records']; skipped: number; skippedExamples?: string[]; warnings?: string[] }): SourceOutput {
  return {
    records: result.items,
    skipped: result.skipped,
    ...(result.skippedExamples ? { skippedExamples: result.skippedExamples } : {}),
    ...(result.warnings ? { warnings: result.warnings } : {}),
  };
}
