import { describe, expect, it } from 'vitest';
import { createStandaloneServices, createComponentContext, validateOptions, createMemoryCache, type Cache } from '@vigia/core';
import { createHashingEmbedder, hashingEmbedder, HashingVectorizer, hashToken } from './hashing.js';

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
const norm = (a: Float32Array) => Math.sqrt(dot(a, a));

describe('hashing embedder', () => {
  it('is deterministic, fixed-size and unit-norm', async () => {
    const embedder = createHashingEmbedder();
    const [a, b] = await embedder.embed(['The cat sat on the mat.', 'The cat sat on the mat.']);
    expect(embedder.dimension).toBe(256);
    expect(a!.length).toBe(256);
    expect(Array.from(a!)).toEqual(Array.from(b!));
    expect(norm(a!)).toBeCloseTo(1, 6);
    const again = await createHashingEmbedder().embed(['The cat sat on the mat.']);
    expect(Array.from(again[0]!)).toEqual(Array.from(a!));
  });

  it('gives a text without words the zero vector, not NaN', async () => {
    const [empty, punct] = await createHashingEmbedder().embed(['', ' ... !!! ']);
    expect(Array.from(empty!).every((x) => x === 0)).toBe(true);
    expect(Array.from(punct!).every((x) => x === 0)).toBe(true);
  });

  it('puts texts that share n-grams closer than unrelated ones', async () => {
    const [a, b, c] = await createHashingEmbedder({ dimension: 1024 }).embed([
      'the weather in paris is sunny today',
      'the weather in paris is rainy today',
      'quarterly revenue grew eleven percent',
    ]);
    expect(dot(a!, b!)).toBeGreaterThan(0.5);
    expect(Math.abs(dot(a!, c!))).toBeLessThan(0.2);
  });

  it('tells word order apart with bigrams and not with unigrams only', async () => {
    const texts = ['dog bites man', 'man bites dog'];
    const [u1, u2] = await createHashingEmbedder({ ngrams: 1 }).embed(texts);
    const [b1, b2] = await createHashingEmbedder({ ngrams: 2, dimension: 4096 }).embed(texts);
    expect(dot(u1!, u2!)).toBeCloseTo(1, 6);
    // 3 shared unigrams, 2 + 2 distinct bigrams: cosine 3/5 without collisions.
    expect(dot(b1!, b2!)).toBeCloseTo(0.6, 6);
  });

  it('counts a repeated n-gram with the chosen tf weighting', () => {
    const raw = new HashingVectorizer({ ngrams: 1, tf: 'raw', normalize: false, dimension: 1 << 16 });
    const log = new HashingVectorizer({ ngrams: 1, tf: 'log', normalize: false, dimension: 1 << 16 });
    const binary = new HashingVectorizer({ ngrams: 1, tf: 'binary', normalize: false, dimension: 1 << 16 });
    const text = 'spam spam spam';
    const sumAbs = (v: Float32Array) => v.reduce((s, x) => s + Math.abs(x), 0);
    expect(sumAbs(raw.vectorize(text))).toBeCloseTo(3, 6);
    expect(sumAbs(log.vectorize(text))).toBeCloseTo(1 + Math.log(3), 6);
    expect(sumAbs(binary.vectorize(text))).toBeCloseTo(1, 6);
  });

  it('lower-cases unless told not to', () => {
    const lower = new HashingVectorizer();
    const cased = new HashingVectorizer({ lowercase: false });
    expect(Array.from(lower.vectorize('Hello World'))).toEqual(Array.from(lower.vectorize('hello world')));
    expect(Array.from(cased.vectorize('Hello World'))).not.toEqual(Array.from(cased.vectorize('hello world')));
  });

  it('signed hashing keeps the inner product of unrelated texts unbiased', () => {
    // With few buckets almost every pair collides; signs make collisions cancel on average.
    const vectorizer = new HashingVectorizer({ dimension: 16, ngrams: 1, normalize: true });
    let sum = 0;
    const pairs = 400;
    for (let i = 0; i < pairs; i++) {
      const a = vectorizer.vectorize(`alpha${i} beta${i} gamma${i}`);
      const b = vectorizer.vectorize(`delta${i} epsilon${i} zeta${i}`);
      sum += dot(a, b);
    }
    expect(Math.abs(sum / pairs)).toBeLessThan(0.05);
  });

  it('spreads tokens evenly over buckets', () => {
    const buckets = new Array<number>(64).fill(0);
    for (let i = 0; i < 64_000; i++) buckets[hashToken(`token${i}`, 0) % 64]!++;
    for (const count of buckets) expect(Math.abs(count - 1000)).toBeLessThan(150);
  });

  it('has an id that changes with every setting', () => {
    const ids = new Set([
      new HashingVectorizer().id, new HashingVectorizer({ dimension: 128 }).id, new HashingVectorizer({ ngrams: 1 }).id,
      new HashingVectorizer({ lowercase: false }).id, new HashingVectorizer({ seed: 1 }).id, new HashingVectorizer({ tf: 'raw' }).id,
      new HashingVectorizer({ normalize: false }).id,
    ]);
    expect(ids.size).toBe(7);
  });

  it('is created from validated options with defaults, and caches only when asked', async () => {
    const options = validateOptions<Record<string, unknown>>(hashingEmbedder, {});
    expect(options).toEqual({ dimension: 256, ngrams: 2, lowercase: true, normalize: true, tf: 'log', seed: 0, cache: false });
    expect(() => validateOptions(hashingEmbedder, { dimension: 0 })).toThrow('/with/dimension');
    expect(() => validateOptions(hashingEmbedder, { ngram: 2 })).toThrow('is not a known option');

    const memory = createMemoryCache();
    let writes = 0;
    const cache: Cache = { ...memory, set: async (ns, key, value) => { writes++; await memory.set(ns, key, value); } };
    const ctx = createComponentContext(createStandaloneServices({ cache }), { id: 'emb', use: 'hashing' });
    const off = await hashingEmbedder.create(validateOptions(hashingEmbedder, {}) as never, ctx);
    await off.embed(['a b c']);
    expect(writes).toBe(0);
    const on = await hashingEmbedder.create(validateOptions(hashingEmbedder, { cache: true }) as never, ctx);
    const [first] = await on.embed(['a b c']);
    const [second] = await on.embed(['a b c']);
    expect(writes).toBe(1);
    expect(Array.from(second!)).toEqual(Array.from(first!));
  });

  it('stops when the signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('cancelled'));
    await expect(createHashingEmbedder().embed(['x'], controller.signal)).rejects.toThrow('cancelled');
  });
});
