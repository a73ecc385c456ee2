import { createHash } from 'node:crypto';
import type { Cache, Logger } from '@vigia/core';

/** Namespace of embedding vectors in the run's cache. */
export const EMBEDDINGS_NAMESPACE = 'embeddings';

/** Cache key of one text under one embedder: the embedder's id (model + settings) and the text's SHA-256. */
export function embeddingCacheKey(embedderId: string, text: string): string {
  return `${embedderId}\u0000${createHash('sha256').update(text).digest('hex')}`;
}

/** A vector's Float32 bytes (little-endian on every platform Node runs on). */
export function vectorToBytes(vector: Float32Array): Uint8Array {
  return new Uint8Array(vector.buffer.slice(vector.byteOffset, vector.byteOffset + vector.byteLength));
}

/** Float32 bytes back to a vector (copied, so the bytes need no alignment). */
export function bytesToVector(bytes: Uint8Array): Float32Array | undefined {
  if (bytes.byteLength % 4 !== 0) return undefined;
  const vector = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(vector.buffer).set(bytes);
  return vector;
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('embedding was aborted');
}

/** Bounded parallelism for cache I/O, so a large batch does not open thousands of files at once. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export interface CachedEmbedOptions {
  /** The embedder's id; part of every key so different models or settings never collide. */
  id: string;
  /** The cache, or undefined to compute every vector. */
  cache?: Cache;
  /** Expected dimension, when known: cached vectors of another length are ignored. */
  dimension?: number;
  logger?: Logger;
  signal?: AbortSignal;
}

/**
 * Embed `texts` through a cache: identical texts are computed once, cached vectors are read back,
 * and only the misses go to `compute` (in one call, which batches them itself). A cache that
 * fails to read or write is logged and bypassed; it never fails the embedding.
 */
export async function embedWithCache(
  texts: readonly string[],
  compute: (texts: string[]) => Promise<Float32Array[]>,
  options: CachedEmbedOptions,
): Promise<Float32Array[]> {
  throwIfAborted(options.signal);
  const unique = new Map<string, number[]>();
  texts.forEach((text, i) => {
    const at = unique.get(text);
    if (at) at.push(i);
    else unique.set(text, [i]);
  });
  const distinct = [...unique.keys()];
  const vectors = new Array<Float32Array | undefined>(distinct.length);
  const { cache } = options;
  const keys = cache ? distinct.map((text) => embeddingCacheKey(options.id, text)) : [];

  if (cache) {
    let warned = false;
    await mapLimited(distinct, 64, async (_text, i) => {
      try {
        const bytes = await cache.get(EMBEDDINGS_NAMESPACE, keys[i]!);
        const vector = bytes ? bytesToVector(bytes) : undefined;
        if (vector && (options.dimension === undefined || vector.length === options.dimension)) vectors[i] = vector;
      } catch (error) {
        if (!warned) options.logger?.warn(`embedding cache read failed, computing instead: ${String(error)}`);
        warned = true;
      }
    });
  }

  const missing: number[] = [];
  for (let i = 0; i < distinct.length; i++) if (!vectors[i]) missing.push(i);
  if (missing.length > 0) {
    const computed = await compute(missing.map((i) => distinct[i]!));
    if (computed.length !== missing.length) {
      throw new Error(`embedder returned ${computed.length} vectors for ${missing.length} texts`);
    }
    missing.forEach((i, j) => { vectors[i] = computed[j]!; });
    if (cache) {
      let warned = false;
      await mapLimited(missing, 64, async (i) => {
        try {
          await cache.set(EMBEDDINGS_NAMESPACE, keys[i]!, vectorToBytes(vectors[i]!));
        } catch (error) {
          if (!warned) options.logger?.warn(`embedding cache write failed, continuing without it: ${String(error)}`);
          warned = true;
        }
      });
    }
  }
  options.logger?.debug('embedded texts', { texts: texts.length, distinct: distinct.length, cached: distinct.length - missing.length, computed: missing.length });

  const out = new Array<Float32Array>(texts.length);
  distinct.forEach((text, i) => {
    const positions = unique.get(text)!;
    out[positions[0]!] = vectors[i]!;
    for (let k = 1; k < positions.length; k++) out[positions[k]!] = vectors[i]!.slice();
  });
  return out;
}
