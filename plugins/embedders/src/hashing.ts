import { defineEmbedder, type Cache, type Embedder, type Logger } from '@vigia/core';
import { embedWithCache, throwIfAborted } from './cache.js';
import { wordTokens } from './tokenize.js';

export const HASHING_DEFAULT_DIMENSION = 256;

export interface HashingEmbedderOptions {
  /** Number of hash buckets = vector length (default 256). */
  dimension?: number;
  /** Longest word n-gram hashed: 1 = unigrams, 2 = unigrams + bigrams (default), … */
  ngrams?: number;
  /** Lower-case the text before tokenizing (default true). */
  lowercase?: boolean;
  /** Scale each vector to unit L2 norm (default true). */
  normalize?: boolean;
  /** Term-frequency weighting: raw counts, 1 + ln(count), or presence (default `log`). */
  tf?: 'raw' | 'log' | 'binary';
  /** Hash seed: another seed gives an independent projection (default 0). */
  seed?: number;
}

// MurmurHash3 (Appleby) finaliser and mixing constants.
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function mix(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** 32-bit MurmurHash3-style hash of a string's UTF-16 code units. */
export function hashToken(token: string, seed: number): number {
  let h = seed | 0;
  for (let i = 0; i < token.length; i++) h = mix(h, token.charCodeAt(i));
  return fmix32(h ^ token.length);
}

/**
 * Signed feature hashing of word n-grams (Weinberger et al. 2009): each n-gram adds ±weight to
 * bucket `hash mod dimension`, the sign from an independent hash bit, so collisions cancel in
 * expectation instead of biasing inner products upwards.
 */
export class HashingVectorizer {
  readonly dimension: number;
  readonly ngrams: number;
  readonly lowercase: boolean;
  readonly normalize: boolean;
  readonly tf: 'raw' | 'log' | 'binary';
  readonly seed: number;
  readonly id: string;
  private tokenHashes = new Int32Array(256);

  constructor(options: HashingEmbedderOptions = {}) {
    this.dimension = options.dimension ?? HASHING_DEFAULT_DIMENSION;
    this.ngrams = options.ngrams ?? 2;
    this.lowercase = options.lowercase ?? true;
    this.normalize = options.normalize ?? true;
    this.tf = options.tf ?? 'log';
    this.seed = options.seed ?? 0;
    if (!Number.isInteger(this.dimension) || this.dimension < 1) throw new RangeError(`dimension must be a positive integer, got ${this.dimension}`);
    if (!Number.isInteger(this.ngrams) || this.ngrams < 1) throw new RangeError(`ngrams must be a positive integer, got ${this.ngrams}`);
    this.id = `hashing:v1;d=${this.dimension};n=${this.ngrams};lc=${this.lowercase};norm=${this.normalize};tf=${this.tf};seed=${this.seed}`;
  }

  /** One text's vector. */
  vectorize(text: string): Float32Array {
    const tokens = wordTokens(text, this.lowercase);
    if (tokens.length > this.tokenHashes.length) this.tokenHashes = new Int32Array(tokens.length * 2);
    const hashes = this.tokenHashes;
    for (let i = 0; i < tokens.length; i++) hashes[i] = hashToken(tokens[i]!, this.seed);

    // Count each feature (bucket, sign) first, so tf weighting sees whole counts per n-gram.
    const counts = new Map<number, number>();
    for (let n = 1; n <= this.ngrams; n++) {
      for (let start = 0; start + n <= tokens.length; start++) {
        let h = mix(this.seed ^ Math.imul(n, 0x9e3779b9), n);
        for (let j = start; j < start + n; j++) h = mix(h, hashes[j]!);
        const feature = fmix32(h ^ n);
        counts.set(feature, (counts.get(feature) ?? 0) + 1);
      }
    }
    const vector = new Float32Array(this.dimension);
    for (const [feature, count] of counts) {
      const bucket = feature % this.dimension;
      const sign = fmix32(feature ^ 0x5bd1e995) & 1 ? 1 : -1;
      const weight = this.tf === 'raw' ? count : this.tf === 'binary' ? 1 : 1 + Math.log(count);
      vector[bucket]! += sign * weight;
    }
    if (this.normalize) {
      let sum = 0;
      for (let i = 0; i < vector.length; i++) sum += vector[i]! * vector[i]!;
      if (sum > 0) {
        const scale = 1 / Math.sqrt(sum);
        for (let i = 0; i < vector.length; i++) vector[i]! *= scale;
      }
    }
    return vector;
  }
}

/**
 * A hashing embedder without a run context: the fallback the core uses when a config names no
 * embedder. Pass a cache only for very long texts; hashing is usually faster than a cache read.
 */
export function createHashingEmbedder(options: HashingEmbedderOptions = {}, services: { cache?: Cache; logger?: Logger } = {}): Embedder {
  const vectorizer = new HashingVectorizer(options);
  const computeAll = async (texts: readonly string[], signal?: AbortSignal) => {
    const out: Float32Array[] = new Array(texts.length);
    for (let i = 0; i < texts.length; i++) {
      if ((i & 1023) === 0) throwIfAborted(signal);
      out[i] = vectorizer.vectorize(texts[i]!);
    }
    return out;
  };
  return {
    id: vectorizer.id,
    dimension: vectorizer.dimension,
    async embed(texts, signal) {
      if (!services.cache) return computeAll(texts, signal);
      return embedWithCache(texts, (missing) => computeAll(missing, signal), {
        id: vectorizer.id, cache: services.cache, dimension: vectorizer.dimension, logger: services.logger, signal,
      });
    },
  };
}

export const hashingEmbedder = defineEmbedder({
  description:
    'Feature hashing of word n-grams (unigrams + bigrams by default) into a fixed-size signed, L2-normalised vector. ' +
    'No model, deterministic, fast; the default when a config names no embedder.',
  options: {
    type: 'object',
    properties: {
      dimension: { type: 'integer', minimum: 1, maximum: 4096, default: HASHING_DEFAULT_DIMENSION, description: 'Number of hash buckets, i.e. the vector length (at most 4096: every record\'s vector is held in memory, and detectors such as embedding-drift work in d² memory).' },
      ngrams: { type: 'integer', minimum: 1, maximum: 5, default: 2, description: 'Longest word n-gram hashed: 1 = unigrams only, 2 = unigrams and bigrams, …' },
      lowercase: { type: 'boolean', default: true, description: 'Lower-case the text before tokenizing.' },
      normalize: { type: 'boolean', default: true, description: 'Scale each vector to unit L2 norm (a text with no words stays all zeros).' },
      tf: { type: 'string', enum: ['raw', 'log', 'binary'], default: 'log', description: 'Term-frequency weight of an n-gram seen c times: c, 1 + ln c, or 1.' },
      seed: { type: 'integer', default: 0, description: 'Hash seed; another seed gives an independent projection.' },
      cache: { type: 'boolean', default: false, description: 'Cache vectors on disk. Off by default: hashing a text is faster than reading its vector back.' },
    },
    additionalProperties: false,
  },
  example: { dimension: 512, ngrams: 2 },
  create(options, ctx) {
    return createHashingEmbedder(options, options.cache ? { cache: ctx.cache, logger: ctx.logger } : { logger: ctx.logger });
  },
});
