/**
 * Word-vector tables: conversion of a JSON (wink-embeddings format) or text (GloVe / word2vec /
 * fastText `.vec`) table into a compact binary file, and loading that file in one read.
 *
 * Binary layout (little-endian), version 1:
 *   bytes 0..7   magic "VIGIAWV1"
 *   uint32 × 4   dimension, rows, vocabulary byte length, flags (bit 0: rows are in frequency order)
 *   float32      rows × dimension matrix, row-major
 *   utf-8        the rows' words joined by "\n"
 * The header is 24 bytes, so the matrix starts 4-byte aligned and is viewed in place as a
 * Float32Array over the file's Buffer: no per-row parsing, no copy.
 */
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { endianness } from 'node:os';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';

const MAGIC = 'VIGIAWV1';
const HEADER_BYTES = 24;
const FLAG_FREQUENCY_ORDER = 1;

export interface WordVectors {
  readonly dimension: number;
  readonly size: number;
  /** rows × dimension, row `i` is the vector of `words[i]`. */
  readonly matrix: Float32Array;
  readonly words: readonly string[];
  /** Word → row. */
  readonly index: ReadonlyMap<string, number>;
  /** Rows are ordered from the most to the least frequent word (the row is the word's rank). */
  readonly frequencyOrdered: boolean;
}

export interface ConversionResult {
  dimension: number;
  size: number;
  /** Words dropped because they cannot be stored (contain a newline) or repeat an earlier word. */
  dropped: number;
  durationMs: number;
}

function assertLittleEndian(): void {
  if (endianness() !== 'LE') throw new Error('word-vector binary tables need a little-endian machine');
}

/** Growable row-major Float32 matrix. */
class RowBuffer {
  data: Float32Array;
  rows = 0;
  constructor(readonly width: number, initialRows = 4096) {
    this.data = new Float32Array(width * initialRows);
  }
  /** Make room for one more row. */
  reserve(): void {
    if ((this.rows + 1) * this.width > this.data.length) {
      const next = new Float32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
  }
  push(values: ArrayLike<number>, from: number, count: number): void {
    this.reserve();
    const base = this.rows * this.width;
    for (let j = 0; j < count; j++) this.data[base + j] = values[from + j]!;
    this.rows++;
  }
}

async function writeBinary(outPath: string, dimension: number, words: readonly string[], matrix: Float32Array, frequencyOrdered: boolean): Promise<void> {
  assertLittleEndian();
  const vocab = Buffer.from(words.join('\n'), 'utf8');
  const header = Buffer.alloc(HEADER_BYTES);
  header.write(MAGIC, 0, 'latin1');
  header.writeUInt32LE(dimension, 8);
  header.writeUInt32LE(words.length, 12);
  header.writeUInt32LE(vocab.length, 16);
  header.writeUInt32LE(frequencyOrdered ? FLAG_FREQUENCY_ORDER : 0, 20);
  await mkdir(dirname(outPath), { recursive: true });
  const tmp = `${outPath}.${process.pid}.${Date.now()}.tmp`;
  const file = await open(tmp, 'w');
  try {
    await file.write(header);
    const bytes = new Uint8Array(matrix.buffer, matrix.byteOffset, words.length * dimension * 4);
    for (let offset = 0; offset < bytes.length; offset += 1 << 24) await file.write(bytes.subarray(offset, Math.min(bytes.length, offset + (1 << 24))));
    await file.write(vocab);
  } finally {
    await file.close();
  }
  await rename(tmp, outPath).catch(async (error: unknown) => {
    await rm(tmp, { force: true });
    throw error;
  });
}

/** The header of a binary table (dimension and row count), or undefined when the file is not one. */
export function readWordVectorsHeader(binaryPath: string): { dimension: number; size: number } | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(binaryPath, 'r');
    const header = Buffer.alloc(HEADER_BYTES);
    if (readSync(fd, header, 0, HEADER_BYTES, 0) !== HEADER_BYTES || header.toString('latin1', 0, 8) !== MAGIC) return undefined;
    return { dimension: header.readUInt32LE(8), size: header.readUInt32LE(12) };
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Load a binary table written by {@link convertWordVectors}: one file read, the matrix viewed in place. */
export async function loadWordVectors(binaryPath: string): Promise<WordVectors> {
  assertLittleEndian();
  let buffer = await readFile(binaryPath);
  if (buffer.length < HEADER_BYTES || buffer.toString('latin1', 0, 8) !== MAGIC) {
    throw new Error(`${binaryPath} is not a Vigia word-vector table (bad magic); delete it to convert again`);
  }
  const dimension = buffer.readUInt32LE(8);
  const size = buffer.readUInt32LE(12);
  const vocabBytes = buffer.readUInt32LE(16);
  const flags = buffer.readUInt32LE(20);
  const matrixBytes = size * dimension * 4;
  if (buffer.length !== HEADER_BYTES + matrixBytes + vocabBytes) {
    throw new Error(`${binaryPath} is truncated (${buffer.length} bytes, expected ${HEADER_BYTES + matrixBytes + vocabBytes}); delete it to convert again`);
  }
  if (buffer.byteOffset % 4 !== 0) buffer = Buffer.from(buffer); // readFile of a large file is never pooled, but be safe
  const matrix = new Float32Array(buffer.buffer, buffer.byteOffset + HEADER_BYTES, size * dimension);
  const words = size === 0 ? [] : buffer.toString('utf8', HEADER_BYTES + matrixBytes).split('\n');
  if (words.length !== size) throw new Error(`${binaryPath}: vocabulary has ${words.length} words for ${size} rows; delete it to convert again`);
  const index = new Map<string, number>();
  for (let i = 0; i < words.length; i++) index.set(words[i]!, i);
  return { dimension, size, matrix, words, index, frequencyOrdered: (flags & FLAG_FREQUENCY_ORDER) !== 0 };
}

/**
 * Convert a word-vector table to the binary format. The source format follows the extension:
 * `.json` is the wink-embeddings format (`{ dimensions, wordIndex, vectors: { word: [v…, l2norm, rank] } }`),
 * anything else is text with one `word v1 v2 …` per line (GloVe, word2vec text, fastText `.vec`;
 * a first line of two integers is taken as a `count dimension` header).
 */
export async function convertWordVectors(sourcePath: string, outPath: string, tuning: ConversionTuning = {}): Promise<ConversionResult> {
  const started = performance.now();
  const table = sourcePath.toLowerCase().endsWith('.json') ? await readWinkJson(sourcePath, tuning) : await readTextVectors(sourcePath);
  await writeBinary(outPath, table.dimension, table.words, table.matrix, table.frequencyOrdered);
  return { dimension: table.dimension, size: table.words.length, dropped: table.dropped, durationMs: performance.now() - started };
}

/** Buffer sizes of the streaming JSON reader (defaults: 4 MiB reads, ~4 MiB slices per JSON.parse). */
export interface ConversionTuning {
  chunkBytes?: number;
  sliceBytes?: number;
}

interface Table {
  dimension: number;
  words: string[];
  matrix: Float32Array;
  frequencyOrdered: boolean;
  dropped: number;
}

/** Drop repeated words and words that cannot be stored, keeping the first occurrence. */
function dedupe(words: string[], rows: RowBuffer, order: Int32Array | undefined, width: number, dimension: number): Table & { frequencyOrdered: boolean } {
  const n = words.length;
  const permutation = order ?? Int32Array.from({ length: n }, (_, i) => i);
  const seen = new Set<string>();
  const keptWords: string[] = [];
  const matrix = new Float32Array(n * dimension);
  let kept = 0;
  for (let r = 0; r < n; r++) {
    const row = permutation[r]!;
    const word = words[row]!;
    if (word.includes('\n') || word.length === 0 || seen.has(word)) continue;
    seen.add(word);
    keptWords.push(word);
    matrix.set(rows.data.subarray(row * width, row * width + dimension), kept * dimension);
    kept++;
  }
  return { dimension, words: keptWords, matrix: matrix.subarray(0, kept * dimension), frequencyOrdered: order !== undefined, dropped: n - kept };
}

const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * Parse `"word": [n, n, …], …` (the inside of a `vectors` object, whole entries only) straight
 * into `rows`. Numbers take the exact fast path (Clinger 1990): an integer mantissa below 2^53
 * scaled by an exact power of ten ≤ 10^22 is one correctly rounded operation, the same double
 * JSON.parse gives; anything longer falls back to Number().
 */
function parseVectorEntries(bytes: Buffer, words: string[], rows: RowBuffer | undefined, path: string): RowBuffer | undefined {
  const n = bytes.length;
  let pos = 0;
  let first: number[] | undefined;
  const fail = (what: string): never => {
    const near = bytes.toString('utf8', Math.max(0, pos - 20), Math.min(n, pos + 20)).replace(/\s+/g, ' ');
    throw new Error(`${path}: "vectors" is not valid JSON after ${words.length} entries: ${what} near "${near}"; expected { "word": [numbers…], … }`);
  };
  const skipSpace = () => {
    while (pos < n) {
      const c = bytes[pos]!;
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
      else break;
    }
  };
  while (true) {
    skipSpace();
    if (pos >= n) break;
    if (bytes[pos] === 0x2c) {
      pos++;
      continue;
    }
    if (bytes[pos] !== 0x22) fail('expected a quoted word');
    const keyStart = pos;
    let escapes = false;
    pos++;
    while (pos < n && bytes[pos] !== 0x22) {
      if (bytes[pos] === 0x5c) {
        escapes = true;
        pos++;
      }
      pos++;
    }
    if (pos >= n) fail('unterminated word');
    pos++;
    const word = escapes ? (JSON.parse(bytes.toString('utf8', keyStart, pos)) as string) : bytes.toString('utf8', keyStart + 1, pos - 1);
    skipSpace();
    if (bytes[pos] !== 0x3a) fail('expected ":"');
    pos++;
    skipSpace();
    if (bytes[pos] !== 0x5b) fail(`vectors["${word}"] is not an array of numbers`);
    pos++;
    let count = 0;
    let base = 0;
    if (rows) {
      rows.reserve();
      base = rows.rows * rows.width;
    } else first = [];
    while (true) {
      skipSpace();
      if (bytes[pos] === 0x5d) {
        pos++;
        break;
      }
      if (count > 0) {
        if (bytes[pos] !== 0x2c) fail('expected "," or "]"');
        pos++;
        skipSpace();
      }
      // number: -?digits(.digits)?([eE][+-]?digits)?
      const numberStart = pos;
      let negative = false;
      if (bytes[pos] === 0x2d) {
        negative = true;
        pos++;
      }
      let mantissa = 0;
      let digits = 0;
      let scale = 0;
      let c = bytes[pos]!;
      while (c >= 0x30 && c <= 0x39) {
        mantissa = mantissa * 10 + (c - 0x30);
        digits++;
        c = bytes[++pos]!;
      }
      if (c === 0x2e) {
        c = bytes[++pos]!;
        while (c >= 0x30 && c <= 0x39) {
          mantissa = mantissa * 10 + (c - 0x30);
          digits++;
          scale--;
          c = bytes[++pos]!;
        }
      }
      let exact = digits > 0 && digits <= 15;
      if (c === 0x65 || c === 0x45) {
        c = bytes[++pos]!;
        let expNegative = false;
        if (c === 0x2b || c === 0x2d) {
          expNegative = c === 0x2d;
          c = bytes[++pos]!;
        }
        let exponent = 0;
        let expDigits = 0;
        while (c >= 0x30 && c <= 0x39) {
          exponent = exponent * 10 + (c - 0x30);
          expDigits++;
          c = bytes[++pos]!;
        }
        if (expDigits === 0) exact = false;
        scale += expNegative ? -exponent : exponent;
      }
      if (digits === 0) fail(`vectors["${word}"] holds a value that is not a number`);
      let value: number;
      if (exact && scale >= -22 && scale <= 22) value = scale < 0 ? mantissa / POW10[-scale]! : mantissa * POW10[scale]!;
      else {
        value = Math.abs(Number(bytes.toString('latin1', negative ? numberStart + 1 : numberStart, pos)));
        if (!Number.isFinite(value)) fail(`vectors["${word}"] holds a value that is not a number`);
      }
      if (negative) value = -value;
      if (first) first.push(value);
      else {
        if (count >= rows!.width) fail(`vectors["${word}"] has more than ${rows!.width} values, the first entry had ${rows!.width}`);
        rows!.data[base + count] = value;
      }
      count++;
    }
    if (first) {
      if (count === 0) fail(`vectors["${word}"] is empty`);
      rows = new RowBuffer(count);
      rows.push(first, 0, count);
      first = undefined;
    } else {
      if (count !== rows!.width) fail(`vectors["${word}"] has ${count} values, the first entry had ${rows!.width}`);
      rows!.rows++;
    }
    words.push(word);
  }
  return rows;
}

/**
 * Stream a wink-embeddings JSON: the `vectors` object is cut into ~4 MB slices at entry
 * boundaries and each slice is parsed straight into a Float32 matrix, so memory stays near the
 * output size instead of the ~1 GB a whole-file JSON.parse needs. Everything outside `vectors`
 * (a few MB) goes through JSON.parse at the end.
 */
async function readWinkJson(path: string, tuning: ConversionTuning): Promise<Table> {
  const sliceLimit = tuning.sliceBytes ?? 1 << 22;
  const outside: Buffer[] = [];
  let slice: Buffer[] = [];
  let sliceBytes = 0;
  const words: string[] = [];
  let rows: RowBuffer | undefined;

  // Scanner state, carried across chunks.
  let inVectors = false;
  let depth = 0; // nesting depth outside `vectors`; inside, depth relative to the vectors object
  let inString = false;
  let escaped = false;
  let keyBytes: number[] = [];
  let lastKey = '';
  let afterColon = false;

  const parseSlice = () => {
    if (sliceBytes === 0) return;
    const bytes = slice.length === 1 ? slice[0]! : Buffer.concat(slice);
    slice = [];
    sliceBytes = 0;
    rows = parseVectorEntries(bytes, words, rows, path);
  };

  const stream = createReadStream(path, { highWaterMark: tuning.chunkBytes ?? 1 << 22 });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let segment = 0; // start of the bytes of this chunk not yet assigned to `outside` or `slice`
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 0x5c) escaped = true;
        else if (c === 0x22) {
          inString = false;
          if (!inVectors && depth === 1) lastKey = Buffer.from(keyBytes).toString('utf8');
        } else if (!inVectors && depth === 1 && keyBytes.length < 64) keyBytes.push(c);
        continue;
      }
      if (inVectors) {
        if (c === 0x22) inString = true;
        else if (c === 0x5b || c === 0x7b) {
          depth++;
          if (c === 0x5b && depth === 1) {
            // An array of numbers: jump to its end (numbers contain no brackets or quotes).
            const end = chunk.indexOf(0x5d, i);
            if (end >= 0) {
              i = end;
              depth--;
            }
          }
        } else if (c === 0x5d || c === 0x7d) {
          if (depth === 0) {
            // end of `vectors`
            slice.push(chunk.subarray(segment, i));
            sliceBytes += i - segment;
            parseSlice();
            inVectors = false;
            depth = 1;
            segment = i;
          } else depth--;
        } else if (c === 0x2c && depth === 0) {
          slice.push(chunk.subarray(segment, i));
          sliceBytes += i - segment;
          segment = i + 1;
          if (sliceBytes >= sliceLimit) parseSlice();
          else {
            slice.push(Buffer.from(','));
            sliceBytes += 1;
          }
        }
        continue;
      }
      if (c === 0x22) {
        inString = true;
        keyBytes = [];
      } else if (c === 0x3a) afterColon = true;
      else if (c === 0x7b || c === 0x5b) {
        if (c === 0x7b && depth === 1 && afterColon && lastKey === 'vectors') {
          outside.push(chunk.subarray(segment, i + 1));
          segment = i + 1;
          inVectors = true;
          depth = 0;
          afterColon = false;
          continue;
        }
        depth++;
        afterColon = false;
      } else if (c === 0x7d || c === 0x5d) depth--;
      else if (c === 0x2c) afterColon = false;
    }
    if (inVectors) {
      slice.push(chunk.subarray(segment));
      sliceBytes += chunk.length - segment;
    } else outside.push(chunk.subarray(segment));
  }
  if (inVectors) throw new Error(`${path}: ends inside the "vectors" object (truncated file?)`);
  let header: { dimensions?: unknown; wordIndex?: unknown; vectors?: unknown };
  try {
    header = JSON.parse(Buffer.concat(outside).toString('utf8')) as typeof header;
  } catch (error) {
    throw new Error(`${path} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (typeof header !== 'object' || header === null || typeof header.vectors !== 'object') {
    throw new Error(`${path} has no "vectors" object; expected the wink-embeddings format { dimensions, vectors: { word: [numbers…] } }`);
  }
  if (!rows) throw new Error(`${path}: "vectors" is empty`);
  const dimension = typeof header.dimensions === 'number' ? header.dimensions : rows.width;
  if (dimension > rows.width) throw new Error(`${path}: "dimensions" is ${dimension} but entries have ${rows.width} values`);
  // In the wink format each entry is [v_0 … v_{d-1}, l2norm, rank]: order the rows by rank.
  let order: Int32Array | undefined;
  const rankColumn = typeof header.wordIndex === 'number' ? header.wordIndex : undefined;
  if (rankColumn !== undefined && rankColumn < rows.width && rankColumn >= dimension) {
    const n = words.length;
    const ranks = new Float64Array(n);
    for (let r = 0; r < n; r++) ranks[r] = rows.data[r * rows.width + rankColumn]!;
    order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => ranks[a]! - ranks[b]!);
  }
  return dedupe(words, rows, order, rows.width, dimension);
}

/** GloVe / word2vec text / fastText `.vec`: one `word v1 … vd` per line, in the file's order. */
async function readTextVectors(path: string): Promise<Table> {
  const words: string[] = [];
  let rows: RowBuffer | undefined;
  let lineNumber = 0;
  const values = new Float64Array(65536);
  const lines = createInterface({ input: createReadStream(path, { highWaterMark: 1 << 20 }), crlfDelay: Infinity });
  for await (const line of lines) {
    lineNumber++;
    const parts = line.trimEnd().split(' ');
    if (parts.length === 0 || parts[0] === '') continue;
    if (lineNumber === 1 && parts.length === 2 && /^\d+$/.test(parts[0]!) && /^\d+$/.test(parts[1]!)) continue; // `count dim` header
    const width = parts.length - 1;
    if (width > values.length) throw new Error(`${path}:${lineNumber}: more than ${values.length} values`);
    for (let j = 0; j < width; j++) {
      const v = Number(parts[j + 1]);
      if (!Number.isFinite(v)) throw new Error(`${path}:${lineNumber}: "${parts[j + 1]}" is not a number; expected "word v1 v2 …"`);
      values[j] = v;
    }
    rows ??= new RowBuffer(width);
    if (width !== rows.width) throw new Error(`${path}:${lineNumber}: ${width} values, earlier lines had ${rows.width}`);
    words.push(parts[0]!);
    rows.push(values, 0, width);
  }
  if (!rows) throw new Error(`${path} holds no vectors`);
  // GloVe, word2vec and fastText all write words from the most to the least frequent.
  const table = dedupe(words, rows, undefined, rows.width, rows.width);
  return { ...table, frequencyOrdered: true };
}
