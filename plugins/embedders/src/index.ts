import { CORE_API_VERSION, definePlugin } from '@vigia/core';
import { hashingEmbedder } from './hashing.js';
import { transformersEmbedder } from './transformers.js';
import { wordVectorsEmbedder } from './word-vectors.js';

export { hashingEmbedder, createHashingEmbedder, HashingVectorizer, HASHING_DEFAULT_DIMENSION, type HashingEmbedderOptions } from './hashing.js';
export { transformersEmbedder, TRANSFORMERS_DEFAULT_MODEL } from './transformers.js';
export { wordVectorsEmbedder, defaultWordVectorsSource, type WordVectorsEmbedder, type WordVectorStats } from './word-vectors.js';
export { convertWordVectors, loadWordVectors, type WordVectors, type ConversionResult, type ConversionTuning } from './word-vectors-store.js';
export { embedWithCache, embeddingCacheKey, EMBEDDINGS_NAMESPACE } from './cache.js';
export { wordTokens } from './tokenize.js';

/** The embedders plugin family. */
const plugin = definePlugin({
  name: '@vigia/plugin-embedders',
  apiVersion: CORE_API_VERSION,
  embedders: {
    transformers: transformersEmbedder,
    'word-vectors': wordVectorsEmbedder,
    hashing: hashingEmbedder,
  },
});

export default plugin;
