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
import { createReadStream } from 'node:fs';
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
  push(values: ArrayLike<number>, from: number, count: number): void {
    if ((this.rows + 1) * this.width > this.data.length) {
      const next = new Float32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
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

/**
 * Stream a wink-embeddings JSON: the `vectors` object is cut into ~4 MB slices at entry
 * boundaries and each slice goes through JSON.parse, so memory stays near the output size instead
 * of the ~1 GB a whole-file parse needs. Everything outside `vectors` (a few MB) is parsed at the end.
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
    const text = Buffer.concat(slice).toString('utf8');
    slice = [];
    sliceBytes = 0;
    if (text.trim() === '') return;
    let entries: Record<string, unknown>;
    try {
      entries = JSON.parse(`{${text}}`) as Record<string, unknown>;
    } catch (error) {
      throw new Error(`${path}: "vectors" is not valid JSON after its ${words.length}th entry (${(error as Error).message}); expected { "word": [numbers…], … }`, { cause: error });
    }
    for (const word in entries) {
      const values = entries[word];
      if (!Array.isArray(values) || values.length === 0) throw new Error(`${path}: vectors["${word}"] is not an array of numbers`);
      rows ??= new RowBuffer(values.length);
      if (values.length !== rows.width) throw new Error(`${path}: vectors["${word}"] has ${values.length} values, the first entry had ${rows.width}`);
      words.push(word);
      rows.push(values as number[], 0, values.length);
    }
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
