import {
  VigiaError, defineProvider, errorMessage,
  type Cache, type CompletionChoice, type CompletionRequest, type CompletionResponse, type Logger, type Provider,
} from '@vigia/core';
import { RateLimiter, Semaphore, backoffDelay, parseRetryAfter, sleep } from './limits.js';

export const openaiCompatibleOptions = {
  type: 'object',
  properties: {
    baseUrl: {
      type: 'string', minLength: 1,
      description: 'The API root that `/chat/completions` is appended to, e.g. https://api.openai.com/v1, http://localhost:11434/v1 (Ollama), http://localhost:8000/v1 (vLLM).',
    },
    model: { type: 'string', minLength: 1, description: 'Model name sent with every request.' },
    apiKey: { type: 'string', description: 'Bearer token; write it as ${env:OPENAI_API_KEY} so it stays out of the file (values from the environment are redacted from logs and reports).' },
    temperature: { type: 'number', minimum: 0, maximum: 2, description: 'Sampling temperature (default: the server\'s).' },
    topP: { type: 'number', exclusiveMinimum: 0, maximum: 1, description: 'Nucleus sampling top_p (default: the server\'s).' },
    seed: { type: 'integer', description: 'Seed sent with every request (servers that support it try to sample deterministically).' },
    maxTokens: { type: 'integer', minimum: 1, default: 512, description: 'Most tokens per completion (max_tokens).' },
    stream: { type: 'boolean', default: true, description: 'Stream responses (server-sent events), which measures the time to first token.' },
    logprobs: {
      type: 'boolean', default: true,
      description: 'Ask for per-token log-probabilities. A server that rejects the request because of them is asked again without, once, with a warning.',
    },
    timeoutMs: { type: 'integer', minimum: 1, default: 60000, description: 'Time limit of one attempt (connection to last byte), in milliseconds.' },
    maxRetries: { type: 'integer', minimum: 0, default: 4, description: 'Retries after a 429, a 5xx, a timeout or a dropped connection.' },
    retryBaseMs: { type: 'integer', minimum: 1, default: 500, description: 'First backoff step; attempt a waits a random time in [0, min(retryMaxMs, retryBaseMs·2^a)] (full jitter).' },
    retryMaxMs: { type: 'integer', minimum: 1, default: 60000, description: 'Longest wait before a retry, including a server\'s Retry-After; a longer Retry-After ends the retries with an error.' },
    concurrency: { type: 'integer', minimum: 1, default: 4, description: 'Most requests in flight at once.' },
    requestsPerMinute: { type: 'number', exclusiveMinimum: 0, description: 'Request-rate limit: starts are spaced 60000/requestsPerMinute ms apart.' },
    cache: {
      type: 'boolean', default: true,
      description: 'Keep responses in the run\'s cache, keyed by the request (model, messages, settings, seed) and the repeat index, so a re-run does not call the model again.',
    },
    headers: { type: 'object', additionalProperties: { type: 'string' }, description: 'Extra HTTP headers sent with every request.' },
  },
  required: ['baseUrl', 'model'],
  additionalProperties: false,
} as const;

export interface OpenAICompatibleOptions {
  baseUrl: string;
  model: string;
  apiKey?: string;
  temperature?: number;
  topP?: number;
  seed?: number;
  maxTokens?: number;
  stream?: boolean;
  logprobs?: boolean;
  timeoutMs?: number;
  maxRetries?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  concurrency?: number;
  requestsPerMinute?: number;
  cache?: boolean;
  headers?: Record<string, string>;
}

const CACHE_NAMESPACE = 'provider-responses';

/** A failed attempt and whether another may succeed. */
class AttemptError extends Error {
  constructor(message: string, readonly retryable: boolean, readonly retryAfterMs?: number, readonly status?: number, readonly body?: string) {
    super(message);
  }
}

interface Collected {
  texts: string[];
  logprobs: number[][];
  finish: Array<string | undefined>;
  usage?: { inputTokens?: number; outputTokens?: number };
  model?: string;
  ttftMs?: number;
}

type Json = Record<string, unknown>;

function readUsage(u: unknown): Collected['usage'] {
  if (!u || typeof u !== 'object') return undefined;
  const usage = u as { prompt_tokens?: unknown; completion_tokens?: unknown };
  return {
    ...(typeof usage.prompt_tokens === 'number' ? { inputTokens: usage.prompt_tokens } : {}),
    ...(typeof usage.completion_tokens === 'number' ? { outputTokens: usage.completion_tokens } : {}),
  };
}

/** Append the per-token log-probabilities of an OpenAI `logprobs` object to `into`. */
function tokenLogprobs(lp: unknown, into: number[] = []): number[] {
  const content = lp && typeof lp === 'object' ? (lp as { content?: unknown }).content : undefined;
  if (!Array.isArray(content)) return into;
  for (const t of content) {
    const v = t && typeof t === 'object' ? (t as { logprob?: unknown }).logprob : undefined;
    if (typeof v === 'number') into.push(v);
  }
  return into;
}

/** Parse a non-streamed chat-completions body. */
function collectJson(body: Json): Collected {
  const choices = Array.isArray(body.choices) ? (body.choices as Json[]) : [];
  if (choices.length === 0) throw new AttemptError(`the response has no choices: ${JSON.stringify(body).slice(0, 200)}`, false);
  const out: Collected = { texts: [], logprobs: [], finish: [], usage: readUsage(body.usage), model: typeof body.model === 'string' ? body.model : undefined };
  for (const c of choices) {
    const i = typeof c.index === 'number' ? c.index : out.texts.length;
    const message = c.message as { content?: unknown } | undefined;
    out.texts[i] = typeof message?.content === 'string' ? message.content : typeof c.text === 'string' ? c.text : '';
    out.logprobs[i] = tokenLogprobs(c.logprobs);
    out.finish[i] = typeof c.finish_reason === 'string' ? c.finish_reason : undefined;
  }
  return out;
}

/** Read a server-sent-events stream of chat-completion chunks until `[DONE]`. */
async function collectStream(response: Response, t0: number): Promise<Collected> {
  const out: Collected = { texts: [], logprobs: [], finish: [] };
  if (!response.body) throw new AttemptError('the streamed response has no body', true);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let done = false;
  const handle = (data: string) => {
    if (data === '[DONE]') {
      done = true;
      return;
    }
    let chunk: Json;
    try {
      chunk = JSON.parse(data) as Json;
    } catch {
      throw new AttemptError(`the stream sent a chunk that is not JSON: ${data.slice(0, 120)}`, false);
    }
    if (chunk.error) throw new AttemptError(`the server reported an error mid-stream: ${JSON.stringify(chunk.error).slice(0, 300)}`, true);
    if (typeof chunk.model === 'string') out.model = chunk.model;
    if (chunk.usage) out.usage = readUsage(chunk.usage);
    for (const c of Array.isArray(chunk.choices) ? (chunk.choices as Json[]) : []) {
      const i = typeof c.index === 'number' ? c.index : 0;
      const delta = (c.delta ?? {}) as { content?: unknown };
      if (typeof delta.content === 'string' && delta.content.length > 0) {
        out.ttftMs ??= performance.now() - t0;
        out.texts[i] = (out.texts[i] ?? '') + delta.content;
      } else out.texts[i] ??= '';
      if (c.logprobs) tokenLogprobs(c.logprobs, (out.logprobs[i] ??= []));
      if (typeof c.finish_reason === 'string') out.finish[i] = c.finish_reason;
    }
  };
  for (;;) {
    let chunk: Awaited<ReturnType<typeof reader.read>>;
    try {
      chunk = await reader.read();
    } catch (error) {
      throw new AttemptError(`the stream broke off: ${errorMessage(error)}`, true);
    }
    if (chunk.done) break;
    buffer += decoder.decode(chunk.value, { stream: true });
    let end: number;
    // Events end with a blank line: \n\n (or \r\n\r\n from servers that use CRLF).
    const crlf = buffer.includes('\r');
    while ((end = crlf ? buffer.search(/\r?\n\r?\n/) : buffer.indexOf('\n\n')) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + (buffer[end] === '\r' ? (buffer[end + 2] === '\r' ? 4 : 3) : buffer[end + 1] === '\r' ? 3 : 2));
      const data = event.split(/\r?\n/).filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, '')).join('\n');
      if (data) handle(data);
      if (done) break;
    }
    if (done) break;
  }
  if (!done) {
    if (buffer.trim().startsWith('data:')) handle(buffer.trim().slice(5).trim());
    if (!done) throw new AttemptError('the stream ended before [DONE] (the server closed the connection midway)', true);
  }
  // Read to the end rather than cancel: a fully read body lets the connection be reused (keep-alive),
  // a cancelled one is closed and the next request pays for a new connection.
  try {
    for (let rest = 0; rest < 64; rest++) if ((await reader.read()).done) break;
  } catch {
    // the answer is complete; a broken tail does not matter
  }
  reader.cancel().catch(() => undefined);
  if (out.texts.length === 0) throw new AttemptError('the stream carried no choices', false);
  return out;
}

/** The `openai-compatible` provider as a plain object (for tests and embedding without a run). */
export function createOpenAICompatibleProvider(options: OpenAICompatibleOptions, services: { cache?: Cache; logger?: Logger; random?: () => number } = {}): Provider {
  const o = {
    maxTokens: 512, stream: true, logprobs: true, timeoutMs: 60_000, maxRetries: 4, retryBaseMs: 500, retryMaxMs: 60_000, concurrency: 4, cache: true,
    ...options,
  };
  let url: URL;
  try {
    url = new URL(`${o.baseUrl.replace(/\/+$/, '')}/chat/completions`);
  } catch {
    throw new VigiaError('VIGIA_CONFIG_INVALID', `openai-compatible: baseUrl "${o.baseUrl}" is not a URL; write e.g. http://localhost:11434/v1`);
  }
  const semaphore = new Semaphore(o.concurrency);
  const rate = new RateLimiter(o.requestsPerMinute);
  const random = services.random ?? Math.random;
  const logger = services.logger;
  let logprobsRejected = false;
  const where = `${o.model} at ${url.origin}`;

  const bodyOf = (request: CompletionRequest): Json => {
    const temperature = request.temperature ?? o.temperature;
    const seed = request.seed ?? o.seed;
    const logprobs = (request.logprobs ?? o.logprobs) && !logprobsRejected;
    return {
      model: o.model,
      messages: request.messages,
      ...(temperature !== undefined ? { temperature } : {}),
      ...(o.topP !== undefined ? { top_p: o.topP } : {}),
      ...(seed !== undefined ? { seed } : {}),
      max_tokens: request.maxTokens ?? o.maxTokens,
      ...(request.n !== undefined && request.n > 1 ? { n: request.n } : {}),
      ...(logprobs ? { logprobs: true } : {}),
      ...(o.stream ? { stream: true, stream_options: { include_usage: true } } : {}),
    };
  };

  const attempt = async (body: Json, signal?: AbortSignal): Promise<CompletionResponse> => {
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => controller.abort(new AttemptError(`no complete answer within ${o.timeoutMs} ms (timeoutMs)`, true)), o.timeoutMs);
    const t0 = performance.now();
    try {
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: o.stream ? 'text/event-stream' : 'application/json',
            ...(o.apiKey ? { authorization: `Bearer ${o.apiKey}` } : {}),
            ...o.headers,
          },
          body: JSON.stringify(body),
          signal: controller.signal,
        });
      } catch (error) {
        if (signal?.aborted) throw signal.reason ?? error;
        const reason = controller.signal.reason instanceof AttemptError ? controller.signal.reason.message : `cannot reach the server: ${errorMessage((error as { cause?: unknown }).cause ?? error)}`;
        throw new AttemptError(reason, true);
      }
      if (!response.ok) {
        const text = await response.text().catch(() => '');
        const status = response.status;
        const retryable = status === 429 || status === 408 || status >= 500;
        throw new AttemptError(`HTTP ${status}${text ? `: ${text.slice(0, 300)}` : ''}`, retryable, parseRetryAfter(response.headers.get('retry-after')), status, text);
      }
      let collected: Collected;
      try {
        collected = o.stream && (response.headers.get('content-type') ?? '').includes('text/event-stream')
          ? await collectStream(response, t0)
          : collectJson((await response.json()) as Json);
      } catch (error) {
        if (signal?.aborted) throw signal.reason ?? error;
        if (controller.signal.reason instanceof AttemptError) throw controller.signal.reason;
        if (error instanceof AttemptError) throw error;
        throw new AttemptError(`unreadable response: ${errorMessage(error)}`, true);
      }
      const latencyMs = performance.now() - t0;
      const choices: CompletionChoice[] = collected.texts.map((text, i) => ({
        text: text ?? '',
        ...(collected.logprobs[i]?.length ? { logprobs: collected.logprobs[i] } : {}),
        ...(collected.finish[i] ? { finishReason: collected.finish[i] } : {}),
      }));
      return {
        text: choices[0]!.text,
        ...(choices[0]!.logprobs ? { logprobs: choices[0]!.logprobs } : {}),
        ...(collected.usage ? { usage: collected.usage } : {}),
        latencyMs,
        ...(collected.ttftMs !== undefined ? { ttftMs: collected.ttftMs } : {}),
        choices,
        ...(choices[0]!.finishReason ? { finishReason: choices[0]!.finishReason } : {}),
        ...(collected.model ? { model: collected.model } : {}),
      };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  };

  const call = async (request: CompletionRequest, signal?: AbortSignal): Promise<CompletionResponse> => {
    let body = bodyOf(request);
    let last: AttemptError | undefined;
    for (let a = 0; a <= o.maxRetries; a++) {
      if (a > 0) {
        const wait = last?.retryAfterMs ?? backoffDelay(a - 1, o.retryBaseMs, o.retryMaxMs, random);
        if (wait > o.retryMaxMs) {
          throw new VigiaError('VIGIA_RUNTIME', `openai-compatible (${where}): the server asks to wait ${Math.round(wait / 1000)} s (Retry-After) after ${last!.message}, more than retryMaxMs ${o.retryMaxMs}; raise retryMaxMs or lower requestsPerMinute`);
        }
        logger?.debug(`retry ${a}/${o.maxRetries} in ${Math.round(wait)} ms after ${last!.message}`);
        await sleep(wait, signal);
      }
      await rate.wait(signal);
      try {
        return await attempt(body, signal);
      } catch (error) {
        if (!(error instanceof AttemptError)) throw error;
        if (error.status !== undefined && (error.status === 400 || error.status === 422) && body.logprobs && /logprob/i.test(error.body ?? '')) {
          logprobsRejected = true;
          logger?.warn(`openai-compatible (${where}) rejected logprobs; asking without them from now on`);
          body = bodyOf(request);
          a--;
          continue;
        }
        if (!error.retryable) {
          const hint = error.status === 401 || error.status === 403 ? '; check apiKey (e.g. ${env:OPENAI_API_KEY})' : error.status === 404 ? '; check baseUrl (it should end before /chat/completions, e.g. …/v1) and model' : '';
          throw new VigiaError('VIGIA_RUNTIME', `openai-compatible (${where}): ${error.message}${hint}`);
        }
        last = error;
      }
    }
    throw new VigiaError('VIGIA_RUNTIME', `openai-compatible (${where}): gave up after ${o.maxRetries + 1} attempt${o.maxRetries ? 's' : ''}: ${last!.message}`);
  };

  return {
    id: `openai-compatible:${o.model}@${url.origin}${url.pathname}`,
    async complete(request, signal) {
      const cache = o.cache ? services.cache : undefined;
      const body = bodyOf(request);
      const key = cache ? JSON.stringify({ url: url.href, ...body, stream: undefined, stream_options: undefined, sample: request.sample ?? 0 }) : '';
      if (cache) {
        const hit = await cache.get(CACHE_NAMESPACE, key);
        if (hit) {
          try {
            return { ...(JSON.parse(new TextDecoder().decode(hit)) as CompletionResponse), cached: true };
          } catch {
            // a damaged entry is simply fetched again
          }
        }
      }
      const release = await semaphore.acquire(signal);
      let response: CompletionResponse;
      try {
        response = await call(request, signal);
      } finally {
        release();
      }
      if (cache) await cache.set(CACHE_NAMESPACE, key, new TextEncoder().encode(JSON.stringify(response)));
      return response;
    },
  };
}

export const openaiCompatible = defineProvider({
  description:
    'Calls a chat-completions API (OpenAI, vLLM, Ollama, llama.cpp server, TGI): streaming with time to first token, log-probabilities, ' +
    'retries with exponential backoff and jitter on 429/5xx honouring Retry-After, concurrency and rate limits, and a response cache.',
  options: openaiCompatibleOptions,
  example: { baseUrl: '${env:OPENAI_BASE_URL:-http://localhost:11434/v1}', model: 'llama3.2', apiKey: '${env:OPENAI_API_KEY:-none}', temperature: 0.7 },
  create(options, ctx) {
    return createOpenAICompatibleProvider(options as OpenAICompatibleOptions, { cache: ctx.cache, logger: ctx.logger, random: () => ctx.rng.next() });
  },
});
