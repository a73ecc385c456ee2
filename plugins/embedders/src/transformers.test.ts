import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, createComponentContext, createMemoryCache, createStandaloneServices, validateOptions, type Cache, type Embedder } from '@vigia/core';
import { readOnnxWeights } from '../test/onnx-weights.js';
import { transformersEmbedder } from './transformers.js';

const pluginDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = join(pluginDir, 'test', 'fixtures');
const modelDir = join(fixtures, 'tiny-bert');

// ---- the fixture's forward pass, by hand ------------------------------------------------------
const weights = readOnnxWeights(join(modelDir, 'onnx', 'model.onnx'));
const vocab = (JSON.parse(readFileSync(join(modelDir, 'tokenizer.json'), 'utf8')) as { model: { vocab: Record<string, number> } }).model.vocab;
const hidden = weights.get('dense_bias')!.dims[0]!;

/** [CLS] w1 … wn [SEP] for texts made only of whole vocabulary words. */
function tokenIds(text: string): number[] {
  return [vocab['[CLS]']!, ...text.split(' ').map((w) => {
    const id = vocab[w];
    if (id === undefined) throw new Error(`test text word "${w}" is not in the fixture vocabulary`);
    return id;
  }), vocab['[SEP]']!];
}

/** last_hidden_state of one token: tanh((E[id] + T[0]) · W + b). */
function tokenState(id: number): Float64Array {
  const E = weights.get('word_embeddings')!.data, T = weights.get('token_type_embeddings')!.data;
  const W = weights.get('dense_weight')!.data, b = weights.get('dense_bias')!.data;
  const out = new Float64Array(hidden);
  for (let j = 0; j < hidden; j++) {
    let s = b[j]!;
    for (let k = 0; k < hidden; k++) s += (E[id * hidden + k]! + T[k]!) * W[k * hidden + j]!;
    out[j] = Math.tanh(s);
  }
  return out;
}

function manual(text: string, pooling: 'mean' | 'cls', normalize: boolean, maxTokens = Infinity): number[] {
  const states = tokenIds(text).slice(0, maxTokens).map(tokenState);
  const pooled = pooling === 'cls' ? states[0]! : states.reduce((acc, s) => acc.map((x, j) => x + s[j]! / states.length), new Float64Array(hidden));
  const norm = normalize ? Math.hypot(...pooled) : 1;
  return Array.from(pooled, (x) => x / norm);
}

// ---- harness ----------------------------------------------------------------------------------
const created: Embedder[] = [];
afterAll(async () => { for (const e of created) await e.dispose?.(); });

async function make(options: Record<string, unknown>, cache: Cache = createMemoryCache()): Promise<Embedder> {
  const ctx = createComponentContext(createStandaloneServices({ cache, configDir: fixtures }), { id: 'emb', use: 'transformers' });
  const embedder = await transformersEmbedder.create(validateOptions(transformersEmbedder, { model: './tiny-bert', ...options }) as never, ctx);
  created.push(embedder);
  return embedder;
}
const expectClose = (actual: Float32Array, expected: number[]) => {
  expect(actual.length).toBe(expected.length);
  for (let j = 0; j < expected.length; j++) expect(actual[j]).toBeCloseTo(expected[j]!, 5);
};
const texts = ['the cat', 'the dog and the cat sleep on the bed', 'a happy child', 'king', 'coffee or tea'];

describe('transformers embedder (tiny BERT fixture, offline)', () => {
  it('mean-pools over real tokens only and normalises, as computed by hand from the ONNX weights', async () => {
    const embedder = await make({ cache: false });
    expect(embedder.dimension).toBe(hidden);
    // One batch of texts of different lengths: the short ones are padded, and padding must not count.
    const vectors = await embedder.embed(texts);
    texts.forEach((text, i) => {
      expectClose(vectors[i]!, manual(text, 'mean', true));
      expect(Math.hypot(...vectors[i]!)).toBeCloseTo(1, 5);
    });
  });

  it('supports CLS pooling and unnormalised output', async () => {
    const cls = await make({ pooling: 'cls', cache: false });
    const raw = await make({ normalize: false, cache: false });
    const [c] = await cls.embed(['the dog and the cat']);
    const [r] = await raw.embed(['the dog and the cat']);
    expectClose(c!, manual('the dog and the cat', 'cls', true));
    expectClose(r!, manual('the dog and the cat', 'mean', false));
    expect(Math.hypot(...r!)).not.toBeCloseTo(1, 2);
  });

  it('gives the same vectors in batches as one by one, and the same on every run', async () => {
    const batched = await (await make({ batchSize: 3, cache: false })).embed(texts);
    const single = await make({ batchSize: 1, cache: false });
    for (const [i, text] of texts.entries()) {
      const [alone] = await single.embed([text]);
      expectClose(alone!, Array.from(batched[i]!));
    }
    const again = await (await make({ batchSize: 3, cache: false })).embed(texts);
    expect(again.map((v) => Array.from(v))).toEqual(batched.map((v) => Array.from(v)));
  });

  it('truncates to maxTokens, and to the tokenizer\'s model_max_length by default', async () => {
    const long = Array.from({ length: 40 }, (_, i) => (i % 2 ? 'cat' : 'dog')).join(' ');
    const [short] = await (await make({ maxTokens: 4, cache: false })).embed(['the cat and the dog']);
    expectClose(short!, manual('the cat and the dog', 'mean', true, 4));
    const [capped] = await (await make({ cache: false })).embed([long]);
    expectClose(capped!, manual(long, 'mean', true, 32)); // tokenizer_config.json: model_max_length 32

    // A tokenizer without model_max_length falls back to config.json's max_position_embeddings.
    const copy = mkdtempSync(join(tmpdir(), 'vigia-tiny-bert-'));
    try {
      cpSync(modelDir, copy, { recursive: true });
      const configPath = join(copy, 'config.json');
      writeFileSync(configPath, JSON.stringify({ ...JSON.parse(readFileSync(configPath, 'utf8')), max_position_embeddings: 6 }));
      const tokenizerConfigPath = join(copy, 'tokenizer_config.json');
      const { model_max_length: _dropped, ...rest } = JSON.parse(readFileSync(tokenizerConfigPath, 'utf8')) as Record<string, unknown>;
      writeFileSync(tokenizerConfigPath, JSON.stringify(rest));
      const [fallback] = await (await make({ model: copy, cache: false })).embed([long]);
      expectClose(fallback!, manual(long, 'mean', true, 6));
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('embeds words outside the vocabulary through word pieces and handles empty text', async () => {
    const embedder = await make({ cache: false });
    const [unknown, empty] = await embedder.embed(['xylophones', '']);
    expect(unknown!.every(Number.isFinite)).toBe(true);
    expect(empty!.every(Number.isFinite)).toBe(true);
    expect(Math.hypot(...empty!)).toBeCloseTo(1, 5);
  });

  it('serves repeated texts from the cache, keyed by model and settings', async () => {
    const memory = createMemoryCache();
    let writes = 0;
    const cache: Cache = { ...memory, set: async (ns, k, v) => { writes++; await memory.set(ns, k, v); } };
    const mean = await make({}, cache);
    const cls = await make({ pooling: 'cls' }, cache);
    expect(mean.id).not.toBe(cls.id);
    expect(mean.id).toContain('tiny-bert');
    const first = await mean.embed(['the cat', 'the dog']);
    const second = await mean.embed(['the dog', 'the cat']);
    expect(writes).toBe(2);
    expect(Array.from(second[1]!)).toEqual(Array.from(first[0]!));
    await cls.embed(['the cat']);
    expect(writes).toBe(3);
  });

  it('downloads nothing: a hub id that is not on disk is a config error unless allowRemote is on', async () => {
    await expect(make({ model: 'sentence-transformers/all-MiniLM-L6-v2' })).rejects.toThrow(/not a local folder.*allowRemote: true/s);
    await expect(make({ model: 'sentence-transformers/all-MiniLM-L6-v2' })).rejects.toBeInstanceOf(ConfigError);
    await expect(make({ model: './no-such-model' })).rejects.toThrow(/lacks config.json, tokenizer.json, onnx\/model.onnx/);
    await expect(make({ dtype: 'q8' })).rejects.toThrow(/onnx\/model_quantized.onnx/);
  });

  it('finds a model by id under modelsDir', async () => {
    const embedder = await make({ model: 'tiny-bert', modelsDir: '.', cache: false });
    const [v] = await embedder.embed(['the cat']);
    expectClose(v!, manual('the cat', 'mean', true));
  });
});
