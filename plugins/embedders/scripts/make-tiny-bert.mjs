#!/usr/bin/env node
// Builds the tiny BERT-style fixture in test/fixtures/tiny-bert/ (config.json, tokenizer.json,
// tokenizer_config.json, onnx/model.onnx) without Python or the onnx package: the few protobuf
// messages of an ONNX model are encoded by hand below. The weights come from a seeded PRNG, so
// running the script again gives the same bytes.
//
// Graph (inputs int64 [batch, seq]; output float [batch, seq, HIDDEN]):
//   x  = Gather(word_embeddings, input_ids) + Gather(token_type_embeddings, token_type_ids)
//   last_hidden_state = Tanh(MatMul(x, dense_weight) + dense_bias)
// `attention_mask` is declared (transformers.js feeds it) but not used, so padded positions get
// non-zero hidden states, as in a real BERT: pooling must mask them out.
//
// Usage: node plugins/embedders/scripts/make-tiny-bert.mjs [outDir]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = process.argv[2] ?? join(here, '..', 'test', 'fixtures', 'tiny-bert');
const HIDDEN = 8;
const MAX_LENGTH = 32;

// ---- vocabulary (WordPiece) -------------------------------------------------------------------
const specials = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
const letters = 'abcdefghijklmnopqrstuvwxyz'.split('');
const punctuation = ['.', ',', '!', '?', "'", '-', ':', ';', '(', ')', '"'];
const words = `the a an and or but of to in on at for with from by as is are was were be been it this that
these those he she they we you i my your his her their our not no yes do does did have has had can will would
should could may might cat cats dog dogs kitten puppy bird fish car cars bus train plane road city town house
home room table chair bed door window book books paper pen school teacher student class lesson food bread
milk water coffee tea apple banana carrot soup cake sugar salt happy sad angry calm good bad great small big
large little old new young fast slow hot cold warm day night morning evening week year time king queen man
woman boy girl child children people friend family doctor nurse engineer model data drift test run red blue
green black white one two three four five first last very more most some all many much run ran walk walked
eat ate sleep slept play played read write wrote think thought know knew say said see saw go went come came`.split(/\s+/);
const suffixes = ['##s', '##es', '##ed', '##ing', '##ly', '##er', '##est', '##ness', '##ful', '##able', '##tion'];
const subLetters = letters.map((l) => `##${l}`);
const vocabList = [...new Set([...specials, ...punctuation, ...letters, ...subLetters, ...suffixes, ...words])];
const VOCAB_SIZE = vocabList.length;
const vocab = Object.fromEntries(vocabList.map((t, i) => [t, i]));

// ---- weights ----------------------------------------------------------------------------------
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = mulberry32(20240611);
const uniform = (n, scale) => Float32Array.from({ length: n }, () => (random() * 2 - 1) * scale);
const wordEmbeddings = uniform(VOCAB_SIZE * HIDDEN, 1);
const typeEmbeddings = uniform(2 * HIDDEN, 0.1);
const denseWeight = uniform(HIDDEN * HIDDEN, 0.6);
const denseBias = uniform(HIDDEN, 0.1);

// ---- protobuf encoding (only what ONNX needs) -------------------------------------------------
function varint(value) {
  let v = BigInt(value);
  if (v < 0n) v += 1n << 64n;
  const out = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v) byte |= 0x80;
    out.push(byte);
  } while (v);
  return Buffer.from(out);
}
const key = (field, wire) => varint((field << 3) | wire);
const fInt = (field, value) => Buffer.concat([key(field, 0), varint(value)]);
const fBytes = (field, bytes) => Buffer.concat([key(field, 2), varint(bytes.length), bytes]);
const fStr = (field, s) => fBytes(field, Buffer.from(s, 'utf8'));
const fMsg = (field, parts) => fBytes(field, Buffer.concat(parts));

const FLOAT = 1;
const INT64 = 7;
const tensor = (name, dims, data) => fMsg(5, [
  ...dims.map((d) => fInt(1, d)), fInt(2, FLOAT), fStr(8, name),
  fBytes(9, Buffer.from(data.buffer, data.byteOffset, data.byteLength)),
]);
const dim = (d) => fMsg(1, [typeof d === 'number' ? fInt(1, d) : fStr(2, d)]);
const valueInfo = (field, name, elemType, dims) => fMsg(field, [
  fStr(1, name),
  fMsg(2, [fMsg(1, [fInt(1, elemType), fMsg(2, dims.map(dim))])]),
]);
const node = (name, op, inputs, outputs, attributes = []) => fMsg(1, [
  ...inputs.map((s) => fStr(1, s)), ...outputs.map((s) => fStr(2, s)), fStr(3, name), fStr(4, op), ...attributes,
]);
const intAttribute = (name, value) => fMsg(5, [fStr(1, name), fInt(3, value), fInt(20, 2)]);

const graph = [
  node('word_gather', 'Gather', ['word_embeddings', 'input_ids'], ['word_vectors'], [intAttribute('axis', 0)]),
  node('type_gather', 'Gather', ['token_type_embeddings', 'token_type_ids'], ['type_vectors'], [intAttribute('axis', 0)]),
  node('embed_add', 'Add', ['word_vectors', 'type_vectors'], ['embeddings']),
  node('dense_matmul', 'MatMul', ['embeddings', 'dense_weight'], ['dense_out']),
  node('dense_add', 'Add', ['dense_out', 'dense_bias'], ['pre_activation']),
  node('activation', 'Tanh', ['pre_activation'], ['last_hidden_state']),
  fStr(2, 'tiny-bert'),
  tensor('word_embeddings', [VOCAB_SIZE, HIDDEN], wordEmbeddings),
  tensor('token_type_embeddings', [2, HIDDEN], typeEmbeddings),
  tensor('dense_weight', [HIDDEN, HIDDEN], denseWeight),
  tensor('dense_bias', [HIDDEN], denseBias),
  valueInfo(11, 'input_ids', INT64, ['batch', 'sequence']),
  valueInfo(11, 'attention_mask', INT64, ['batch', 'sequence']),
  valueInfo(11, 'token_type_ids', INT64, ['batch', 'sequence']),
  valueInfo(12, 'last_hidden_state', FLOAT, ['batch', 'sequence', HIDDEN]),
];
const model = Buffer.concat([
  fInt(1, 8), // ir_version 8
  fStr(2, 'vigia make-tiny-bert.mjs'),
  fMsg(7, graph),
  fMsg(8, [fStr(1, ''), fInt(2, 17)]), // opset 17
]);

// ---- tokenizer and config ---------------------------------------------------------------------
const special = (token) => ({ id: vocab[token], content: token, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
const tokenizer = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: specials.map(special),
  normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
  pre_tokenizer: { type: 'BertPreTokenizer' },
  post_processor: {
    type: 'TemplateProcessing',
    single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
    pair: [
      { SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } },
      { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '[SEP]', type_id: 1 } },
    ],
    special_tokens: Object.fromEntries(['[CLS]', '[SEP]'].map((t) => [t, { id: t, ids: [vocab[t]], tokens: [t] }])),
  },
  decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
  model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
};
const tokenizerConfig = {
  tokenizer_class: 'BertTokenizer', do_lower_case: true, model_max_length: MAX_LENGTH, clean_up_tokenization_spaces: true,
  pad_token: '[PAD]', unk_token: '[UNK]', cls_token: '[CLS]', sep_token: '[SEP]', mask_token: '[MASK]',
};
const config = {
  model_type: 'bert', architectures: ['BertModel'], hidden_size: HIDDEN, vocab_size: VOCAB_SIZE, type_vocab_size: 2,
  num_hidden_layers: 1, num_attention_heads: 1, intermediate_size: HIDDEN, max_position_embeddings: MAX_LENGTH,
  pad_token_id: vocab['[PAD]'], 'transformers.js_config': { dtype: 'fp32' },
};

mkdirSync(join(outDir, 'onnx'), { recursive: true });
writeFileSync(join(outDir, 'onnx', 'model.onnx'), model);
writeFileSync(join(outDir, 'tokenizer.json'), JSON.stringify(tokenizer) + '\n');
writeFileSync(join(outDir, 'tokenizer_config.json'), JSON.stringify(tokenizerConfig, null, 2) + '\n');
writeFileSync(join(outDir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
console.log(`tiny-bert: vocab ${VOCAB_SIZE}, hidden ${HIDDEN}, model.onnx ${model.length} bytes -> ${outDir}`);
