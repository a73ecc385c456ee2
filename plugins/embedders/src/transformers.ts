import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, defineEmbedder, type Embedder } from '@vigia/core';
import { embedWithCache, throwIfAborted } from './cache.js';
import { resolveOptionPath } from './paths.js';

type TransformersModule = typeof import('@huggingface/transformers');
type FeatureExtractor = Awaited<ReturnType<TransformersModule['pipeline']>> & {
  (texts: string[], options: { pooling: 'mean' | 'cls'; normalize: boolean }): Promise<{ dims: number[]; data: ArrayLike<number> }>;
  dispose(): Promise<void>;
};

export const TRANSFORMERS_DEFAULT_MODEL = 'Xenova/all-MiniLM-L6-v2';

const DTYPE_SUFFIX: Record<string, string> = { fp32: '', fp16: '_fp16', q8: '_quantized', int8: '_int8', uint8: '_uint8', q4: '_q4', bnb4: '_bnb4', q4f16: '_q4f16' };

/** Where a `model` option points: a local folder, or a hub id looked up under `modelsDir`. */
export function locateModel(model: string, resolvePath: (p: string) => string, modelsDir: string | undefined): { folder?: string; hubId?: string } {
  const looksLikePath = model.startsWith('.') || model.startsWith('/') || model.startsWith('~') || /^[a-zA-Z]:[\\/]/.test(model) || model.includes('\\');
  const asPath = resolvePath(model);
  if (looksLikePath || (existsSync(asPath) && statSync(asPath).isDirectory())) return { folder: asPath };
  if (modelsDir && existsSync(join(modelsDir, model, 'config.json'))) return { folder: join(modelsDir, model) };
  return { hubId: model };
}

export const transformersEmbedder = defineEmbedder({
  description:
    'Sentence embeddings from a transformer encoder (e.g. all-MiniLM-L6-v2) through @huggingface/transformers and ONNX Runtime, ' +
    'with mean or CLS pooling. Loads a local model folder; downloads nothing unless `allowRemote` is on.',
  options: {
    type: 'object',
    properties: {
      model: { type: 'string', default: TRANSFORMERS_DEFAULT_MODEL, description: 'A local model folder (config.json, tokenizer.json, onnx/model.onnx; relative to the config file), or a Hugging Face model id looked up under `modelsDir` and, with `allowRemote`, on the Hub.' },
      modelsDir: { type: 'string', description: 'Folder holding models by id (`<modelsDir>/Xenova/all-MiniLM-L6-v2/…`), relative to the config file.' },
      allowRemote: { type: 'boolean', default: false, description: 'Allow downloading the model from the Hugging Face Hub when it is not found locally.' },
      batchSize: { type: 'integer', minimum: 1, maximum: 4096, default: 32, description: 'Texts per forward pass.' },
      pooling: { type: 'string', enum: ['mean', 'cls'], default: 'mean', description: 'Mean of the token vectors (padding masked out), or the first ([CLS]) token\'s vector.' },
      normalize: { type: 'boolean', default: true, description: 'Scale each vector to unit L2 norm.' },
      maxTokens: { type: 'integer', minimum: 2, description: 'Truncate each text to this many tokens (special tokens included). Default: the tokenizer\'s model_max_length, or the model\'s max_position_embeddings when the tokenizer sets none.' },
      dtype: { type: 'string', enum: ['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'bnb4', 'q4f16'], default: 'fp32', description: 'Weights to load: fp32 reads onnx/model.onnx, q8 onnx/model_quantized.onnx, fp16 onnx/model_fp16.onnx, …' },
      cache: { type: 'boolean', default: true, description: 'Cache each text\'s vector in the run cache.' },
    },
    additionalProperties: false,
  },
  example: { model: './models/all-MiniLM-L6-v2', batchSize: 32 },
  create(options, ctx): Embedder {
    const resolve = (p: string) => resolveOptionPath(p, ctx.resolvePath);
    const modelsDir = options.modelsDir !== undefined ? resolve(options.modelsDir) : undefined;
    const location = locateModel(options.model, resolve, modelsDir);
    const onnxFile = `onnx/model${DTYPE_SUFFIX[options.dtype]}.onnx`;
    let fingerprint = '';
    let dimension: number | undefined;
    let positionLimit: number | undefined;
    if (location.folder) {
      const missing = ['config.json', 'tokenizer.json', onnxFile].filter((f) => !existsSync(join(location.folder!, f)));
      if (missing.length > 0) {
        throw new ConfigError('VIGIA_CONFIG_INVALID', `transformers: model folder ${location.folder} lacks ${missing.join(', ')}; ` +
          `it needs config.json, tokenizer.json and ${onnxFile} (an ONNX export such as Xenova/all-MiniLM-L6-v2)${options.dtype === 'fp32' ? '' : `, or choose another \`dtype\``}`);
      }
      const stat = statSync(join(location.folder, onnxFile));
      fingerprint = `@${stat.size}-${Math.round(stat.mtimeMs)}`;
      try {
        const config = JSON.parse(readFileSync(join(location.folder, 'config.json'), 'utf8')) as {
          hidden_size?: unknown; dim?: unknown; d_model?: unknown; max_position_embeddings?: unknown; model_type?: unknown;
        };
        const size = config.hidden_size ?? config.dim ?? config.d_model;
        if (typeof size === 'number') dimension = size;
        if (typeof config.max_position_embeddings === 'number') {
          // RoBERTa-style models number positions from padding_idx + 1 = 2.
          const offset = typeof config.model_type === 'string' && /roberta|camembert/.test(config.model_type) ? 2 : 0;
          positionLimit = config.max_position_embeddings - offset;
        }
      } catch (error) {
        throw new ConfigError('VIGIA_CONFIG_INVALID', `transformers: ${join(location.folder, 'config.json')} is not valid JSON: ${(error as Error).message}`);
      }
    } else if (!options.allowRemote) {
      throw new ConfigError('VIGIA_CONFIG_INVALID', `transformers: model "${options.model}" is not a local folder${modelsDir ? ` nor found under ${modelsDir}` : ''}, and downloads are off. ` +
        `Download it once (e.g. \`git clone https://huggingface.co/${options.model}\`) and set \`model\` to that folder, or set \`allowRemote: true\`.`);
    }
    const id = `transformers:${location.folder ?? location.hubId}${fingerprint};pool=${options.pooling};norm=${options.normalize};dtype=${options.dtype}` +
      (options.maxTokens !== undefined ? `;max=${options.maxTokens}` : '');

    let extractor: Promise<FeatureExtractor> | undefined;
    const load = () => {
      extractor ??= (async () => {
        const started = performance.now();
        const transformers: TransformersModule = await import('@huggingface/transformers');
        const { env } = transformers;
        env.allowLocalModels = true;
        env.allowRemoteModels = options.allowRemote;
        if (modelsDir) env.localModelPath = modelsDir.endsWith('/') ? modelsDir : `${modelsDir}/`;
        if (options.allowRemote) {
          try {
            env.cacheDir = await ctx.cache.dir('transformers-models');
          } catch {
            // no run cache: keep the library's own cache folder
          }
        }
        const pipe = await transformers.pipeline('feature-extraction', location.folder ?? location.hubId!, {
          dtype: options.dtype,
          device: 'cpu',
          local_files_only: !options.allowRemote,
        });
        const tokenizer = (pipe as unknown as { tokenizer: { model_max_length: number } }).tokenizer;
        const limit = options.maxTokens ?? (Number.isFinite(tokenizer.model_max_length) ? undefined : positionLimit);
        if (limit !== undefined) Object.defineProperty(tokenizer, 'model_max_length', { value: limit, configurable: true });
        ctx.logger.debug(`loaded ${location.folder ?? location.hubId} in ${Math.round(performance.now() - started)} ms`, { maxTokens: tokenizer.model_max_length });
        return pipe as unknown as FeatureExtractor;
      })();
      extractor.catch(() => { extractor = undefined; });
      return extractor;
    };

    const compute = async (texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> => {
      const pipe = await load();
      const out: Float32Array[] = [];
      for (let start = 0; start < texts.length; start += options.batchSize) {
        throwIfAborted(signal);
        const batch = texts.slice(start, start + options.batchSize).map((t) => (t.length === 0 ? ' ' : t));
        const tensor = await pipe(batch, { pooling: options.pooling, normalize: options.normalize });
        const width = tensor.dims[tensor.dims.length - 1]!;
        dimension ??= width;
        const data = tensor.data;
        for (let i = 0; i < batch.length; i++) {
          out.push(data instanceof Float32Array ? data.slice(i * width, (i + 1) * width) : Float32Array.from({ length: width }, (_, j) => data[i * width + j]!));
        }
        ctx.progress(Math.min(start + options.batchSize, texts.length), texts.length, 'embedding');
      }
      return out;
    };

    return {
      id,
      get dimension() {
        return dimension;
      },
      async embed(texts, signal) {
        if (!options.cache) return compute(texts, signal);
        return embedWithCache(texts, (missing) => compute(missing, signal), { id, cache: ctx.cache, dimension, logger: ctx.logger, signal });
      },
      async dispose() {
        if (extractor) {
          const pipe = await extractor.catch(() => undefined);
          extractor = undefined;
          await pipe?.dispose();
        }
      },
    };
  },
});
