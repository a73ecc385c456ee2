import {
  DataError, defineSource, projector,
  type ComponentContext, type SourceBatch, type SourceOutput, type SourcePosition, type StreamOptions, type VigiaRecord,
} from '@vigia/core';
import {
  RecordCollector, Utf8Check, clip, commonProperties, isGzip, locateFile, readChunks, toOutput, type CommonOptions, type DataFile,
} from './common.js';

const OPEN_BRACE = 123;
const LF = 10;
/** Records per streamed batch when the reader gives no hint. */
export const DEFAULT_BATCH_SIZE = 4096;

/** Where a jsonl stream resumes: the byte offset after a record's line, the lines and valid records before it. */
export type JsonlPosition = {
  file: string;
  /** Byte offset (in the decompressed text for `.gz`) just after the last record yielded. */
  offset: number;
  /** Lines before `offset` (so line numbers in messages stay those of the file). */
  line: number;
  /** Valid records before `offset` (so `limit` still counts from the file's start). */
  records: number;
};

function resumePoint(from: SourcePosition | undefined, file: DataFile): JsonlPosition {
  if (from === undefined) return { file: file.display, offset: 0, line: 0, records: 0 };
  const { offset, line, records } = from as Partial<JsonlPosition>;
  const whole = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
  if (!whole(offset) || !whole(line) || (records !== undefined && !whole(records))) {
    throw new DataError(`${file.display}: cannot resume from position ${clip(JSON.stringify(from), 120)}: expected { file, offset, line } with whole numbers, as an earlier batch of this source gave`);
  }
  if (typeof from.file === 'string' && from.file !== file.display) {
    throw new DataError(`${file.display}: cannot resume from a position in ${from.file}: the source now reads another file; start afresh (drop the saved position) or point \`path\` back at ${from.file}`);
  }
  if (!isGzip(file.display) && offset > file.size) {
    throw new DataError(`${file.display}: cannot resume at byte ${offset}: the file has only ${file.size} bytes now (truncated or rotated?); start afresh`);
  }
  return { file: file.display, offset, line, records: records ?? 0 };
}

/**
 * Stream a JSON Lines file (optionally gzipped) in batches of about `batchSize` records, each with
 * the position after its last record; `fields` keeps only those dotted fields of each record.
 *
 * Hot path: 1 MiB chunks; the complete lines of a chunk are decoded to text at once (a line feed
 * never sits inside a multi-byte UTF-8 sequence), split on `\n` with `indexOf`, one `JSON.parse`
 * per line; no readline and no per-line promise, so it runs close to a bare `split` +
 * `JSON.parse` loop while never holding more than a chunk of text. Byte offsets are only worked
 * out at the end of a batch (directly when the text is ASCII).
 *
 * With `sample`, the reservoir is only known at the end: the records then come after the whole
 * file was read, and only the last batch carries a position (the end of the file).
 */
export async function* streamJsonl(options: CommonOptions, ctx: ComponentContext, stream: StreamOptions = {}): AsyncGenerator<SourceBatch> {
  const file = await locateFile(options.path, ctx);
  const from = resumePoint(stream.from, file);
  const project = stream.fields ? projector(stream.fields) : undefined;
  const batchSize = Math.max(1, Math.floor(stream.batchSize ?? DEFAULT_BATCH_SIZE));
  const collector = new RecordCollector<VigiaRecord>(options, file.display, ctx.rng, from.records);
  const sampling = collector.sampling;
  const utf8 = new Utf8Check(file.display);
  let lineNo = from.line;
  let more = true;
  let reportedSkipped = 0;
  let reportedExamples = 0;
  let yielded = false;

  // One line: blank lines are ignored; anything else must be a JSON object.
  const take = (line: string): boolean => {
    lineNo++;
    if (line.length === 0) return true;
    if (lineNo === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1); // UTF-8 byte-order mark
    if (line.charCodeAt(0) !== OPEN_BRACE && line.trim().length === 0) return true;
    if (utf8.seen) {
      const problem = utf8.problem(line);
      if (problem) {
        collector.invalid(lineNo, problem);
        return true;
      }
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      collector.invalid(lineNo, `not valid JSON (${clip((error as Error).message, 120)})`);
      return true;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      collector.invalid(lineNo, `not a JSON object (got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : `${typeof value} ${clip(JSON.stringify(value), 40)}`}); each line must be one {…} record`);
      return true;
    }
    const duplicate = duplicateKeyOf(line, value);
    if (duplicate !== undefined) collector.note('duplicate JSON keys (the last value of each was kept)', lineNo, `key "${clip(duplicate, 60)}" appears twice`);
    return collector.add(project ? project(value as VigiaRecord) : (value as VigiaRecord));
  };

  const batch = (records: VigiaRecord[], position: JsonlPosition | undefined, last: boolean): SourceBatch => {
    const skipped = collector.skipped - reportedSkipped;
    reportedSkipped = collector.skipped;
    const examples = collector.skippedExamples.slice(reportedExamples);
    reportedExamples = collector.skippedExamples.length;
    const out: SourceBatch = { records, skipped };
    if (examples.length > 0) out.skippedExamples = examples;
    if (last) {
      const { warnings } = collector.finish();
      if (warnings) out.warnings = warnings;
    }
    if (position) out.position = position;
    yielded = true;
    return out;
  };

  /**
   * The hot loop, in a plain function (not the generator's body, which engines optimise less):
   * take the lines of `text` (whole lines, each ending in \n) from `start` until the batch is
   * full or `limit` is reached; returns where it stopped.
   */
  const scan = (text: string, start: number): number => {
    const full = sampling ? Infinity : batchSize;
    while (more && start < text.length) {
      const nl = text.indexOf('\n', start);
      more = take(text.slice(start, nl));
      start = nl + 1;
      if (collector.items.length >= full) break;
    }
    return start;
  };

  /** Bytes of an incomplete line carried to the next chunk (copies: the chunk buffer is reused). */
  let carry: Buffer[] = [];
  /** Byte offset of the first carried byte (or of the next chunk when nothing is carried). */
  let offset = from.offset;
  for await (const chunk of readChunks(file, ctx, from.offset)) {
    const lastNl = chunk.lastIndexOf(LF);
    if (lastNl === -1) {
      carry.push(Buffer.from(chunk));
      continue;
    }
    const bytes = carry.length > 0 ? Buffer.concat([...carry, chunk.subarray(0, lastNl + 1)]) : chunk.subarray(0, lastNl + 1);
    carry = [];
    const text = bytes.toString('utf8');
    utf8.chunk(bytes, text);
    const ascii = text.length === bytes.length;
    const textStart = offset;
    /** The file offset just after character `end` of `text`. */
    const byteOffset = (end: number) => textStart + (ascii ? end : Buffer.byteLength(text.slice(0, end)));
    let start = 0;
    while (more && start < text.length) {
      start = scan(text, start);
      if (!sampling && collector.items.length >= batchSize) {
        yield batch(collector.drain(), { file: file.display, offset: byteOffset(start), line: lineNo, records: collector.seen }, false);
      }
    }
    if (!more) {
      offset = byteOffset(start);
      break;
    }
    offset = textStart + bytes.length;
    if (lastNl + 1 < chunk.length) carry.push(Buffer.from(chunk.subarray(lastNl + 1)));
  }
  if (more && carry.length > 0) {
    // The last line has no line feed after it.
    const bytes = Buffer.concat(carry);
    const text = bytes.toString('utf8');
    utf8.chunk(bytes, text);
    take(text);
    offset += bytes.length;
  }
  const end: JsonlPosition = { file: file.display, offset, line: lineNo, records: collector.seen };
  if (sampling) {
    const { items } = collector.finish();
    for (let i = 0; i + batchSize < items.length; i += batchSize) yield batch(items.slice(i, i + batchSize), undefined, false);
    const rest = items.length === 0 ? [] : items.slice(Math.floor((items.length - 1) / batchSize) * batchSize);
    yield batch(rest, end, true);
    return;
  }
  const rest = collector.drain();
  if (rest.length > 0 || !yielded || collector.skipped > reportedSkipped || collector.finish().warnings) yield batch(rest, end, true);
}

/** Read a whole JSON Lines file: {@link streamJsonl}'s batches, collected. */
export async function readJsonl(options: CommonOptions, ctx: ComponentContext): Promise<SourceOutput> {
  let records: VigiaRecord[] = [];
  let skipped = 0;
  const examples: string[] = [];
  let warnings: string[] | undefined;
  // One batch for the whole file: the collector's array becomes the dataset, nothing is copied.
  for await (const b of streamJsonl(options, ctx, { batchSize: Number.MAX_SAFE_INTEGER })) {
    if (records.length === 0) records = b.records;
    else for (const r of b.records) records.push(r);
    skipped += b.skipped;
    if (b.skippedExamples) examples.push(...b.skippedExamples);
    if (b.warnings) warnings = b.warnings;
  }
  return toOutput({ items: records, skipped, ...(skipped > 0 ? { skippedExamples: examples } : {}), ...(warnings ? { warnings } : {}) });
}

/**
 * A key that occurs twice in one object of `line` (JSON.parse silently keeps the last), or
 * undefined. Cheap in the usual case: the parsed value's keys are counted and compared with the
 * `":` pairs in the text; only when they differ (a duplicate, or `":` inside a string) is the line
 * scanned exactly.
 */
export function duplicateKeyOf(line: string, value: unknown): string | undefined {
  let keys = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      for (const x of v) if (x !== null && typeof x === 'object') stack.push(x);
      continue;
    }
    for (const k in v) {
      keys++;
      const x = (v as Record<string, unknown>)[k];
      if (x !== null && typeof x === 'object') stack.push(x);
    }
  }
  let pairs = 0;
  for (let i = line.indexOf('":'); i !== -1; i = line.indexOf('":', i + 2)) pairs++;
  return pairs === keys ? undefined : scanDuplicateKey(line);
}

/** The exact scan: tracks the keys of every open object of a valid JSON text. */
function scanDuplicateKey(text: string): string | undefined {
  const stack: Array<{ keys: Set<string> | null; expectKey: boolean }> = [];
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      let j = i + 1;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d === 92) j += 2;
        else if (d === 34) break;
        else j++;
      }
      const top = stack[stack.length - 1];
      if (top?.keys && top.expectKey) {
        const raw = text.slice(i + 1, j);
        const key = raw.includes('\\') ? (JSON.parse(text.slice(i, j + 1)) as string) : raw;
        if (top.keys.has(key)) return key;
        top.keys.add(key);
        top.expectKey = false;
      }
      i = j;
    } else if (c === 123) stack.push({ keys: new Set(), expectKey: true });
    else if (c === 91) stack.push({ keys: null, expectKey: false });
    else if (c === 125 || c === 93) stack.pop();
    else if (c === 44) {
      const top = stack[stack.length - 1];
      if (top?.keys) top.expectKey = true;
    }
  }
  return undefined;
}

export const jsonl = defineSource({
  description:
    'Reads a JSON Lines file (one JSON object per line; `.jsonl.gz` is gunzipped while streaming). Blank lines are ignored; a line that is not a JSON object is an error, or skipped and counted with `onInvalid: skip`.',
  options: {
    type: 'object',
    properties: {
      ...commonProperties,
      // Read by `vigia watch` (@vigia/monitor tails the file from a stored byte position); a batch run reads what is there.
      follow: { type: 'boolean', description: '`vigia watch`: tail the file as it grows (or, when `path` is a directory, its rotated `*.jsonl` files in name order), resuming after a restart from the stored position. `vigia run` reads what is there.' },
    },
    required: ['path'],
    additionalProperties: false,
  },
  example: { path: './samples/current.jsonl', sample: 1000 },
  create: (options) => ({
    read: (ctx) => readJsonl(options, ctx),
    stream: (ctx, stream) => streamJsonl(options, ctx, stream),
  }),
});
