import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDiskCache, createMemoryCache, type Cache } from '@vigia/core';
import { bytesToVector, embeddingCacheKey, embedWithCache, EMBEDDINGS_NAMESPACE, vectorToBytes } from './cache.js';

const fake = (calls: string[][]) => async (texts: string[]) => {
  calls.push(texts);
  return texts.map((t) => Float32Array.from([t.length, t.charCodeAt(0) || 0, 0.5]));
};

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

describe('embedding cache', () => {
  it('round-trips Float32 bytes exactly, whatever the alignment', () => {
    const v = Float32Array.from([1.5, -2.25, Math.PI, 1e-30]);
    const bytes = vectorToBytes(v.subarray(1));
    expect(bytes.byteLength).toBe(12);
    const shifted = new Uint8Array(13);
    shifted.set(bytes, 1);
    expect(Array.from(bytesToVector(shifted.subarray(1))!)).toEqual(Array.from(v.subarray(1)));
    expect(bytesToVector(new Uint8Array(5))).toBeUndefined();
  });

  it('computes duplicates once and only misses on later calls', async () => {
    const calls: string[][] = [];
    const cache = createMemoryCache();
    const first = await embedWithCache(['ab', 'c', 'ab'], fake(calls), { id: 'm1', cache });
    expect(calls).toEqual([['ab', 'c']]);
    expect(Array.from(first[2]!)).toEqual(Array.from(first[0]!));
    first[2]![0] = 99; // duplicates are independent arrays
    expect(first[0]![0]).toBe(2);
    const second = await embedWithCache(['c', 'new', 'ab'], fake(calls), { id: 'm1', cache });
    expect(calls[1]).toEqual(['new']);
    expect(Array.from(second[0]!)).toEqual([1, 99, 0.5]);
    expect(Array.from(second[2]!)).toEqual([2, 97, 0.5]);
  });

  it('keys by embedder id, so two models never share a vector', async () => {
    expect(embeddingCacheKey('a', 'x')).not.toBe(embeddingCacheKey('b', 'x'));
    const calls: string[][] = [];
    const cache = createMemoryCache();
    await embedWithCache(['x'], fake(calls), { id: 'model-a', cache });
    await embedWithCache(['x'], fake(calls), { id: 'model-b', cache });
    expect(calls).toEqual([['x'], ['x']]);
  });

  it('ignores cached vectors of the wrong dimension', async () => {
    const cache = createMemoryCache();
    await cache.set(EMBEDDINGS_NAMESPACE, embeddingCacheKey('m', 'x'), vectorToBytes(Float32Array.from([1, 2])));
    const calls: string[][] = [];
    const [v] = await embedWithCache(['x'], fake(calls), { id: 'm', cache, dimension: 3 });
    expect(calls).toEqual([['x']]);
    expect(v!.length).toBe(3);
  });

  it('persists in the on-disk cache across instances', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigia-emb-cache-'));
    dirs.push(dir);
    const calls: string[][] = [];
    const a = await embedWithCache(['hello', 'world'], fake(calls), { id: 'disk', cache: createDiskCache(dir) });
    const b = await embedWithCache(['world', 'hello'], fake(calls), { id: 'disk', cache: createDiskCache(dir) });
    expect(calls).toEqual([['hello', 'world']]);
    expect(Array.from(b[1]!)).toEqual(Array.from(a[0]!));
  });

  it('falls back to computing when the cache fails', async () => {
    const broken: Cache = {
      get: async () => { throw new Error('disk gone'); },
      set: async () => { throw new Error('disk gone'); },
      dir: async () => { throw new Error('disk gone'); },
    };
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, warn: (m: string) => { warnings.push(m); }, error() {} };
    const out = await embedWithCache(['a', 'b'], fake([]), { id: 'm', cache: broken, logger });
    expect(out.map((v) => v[0])).toEqual([1, 1]);
    expect(warnings.length).toBe(2);
  });

  it('rejects an embedder that returns the wrong number of vectors', async () => {
    await expect(embedWithCache(['a', 'b'], async () => [new Float32Array(1)], { id: 'm' })).rejects.toThrow('1 vectors for 2 texts');
  });
});
