import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { setMaxListeners } from 'node:events';
import {
  DataError, VigiaError, defineSource, errorMessage, isVigiaError,
  type ChatMessage, type CompletionResponse, type ComponentContext, type Provider, type SourceOutput, type VigiaRecord,
} from '@vigia/core';

export const samplesOptions = {
  type: 'object',
  properties: {
    prompts: {
      type: 'string', minLength: 1,
      description: 'Prompt file, relative to the config: JSON Lines with `prompt` (text) or `messages` (chat messages) and an optional `id` per line, or plain text with one prompt per line. Other fields are copied onto every sample (e.g. `expected`).',
    },
    n: { type: 'integer', minimum: 1, maximum: 1000, default: 5, description: 'Samples per prompt.' },
    provider: { type: 'string', description: 'Name of an entry under `providers:` (default: the first).' },
    idField: { type: 'string', default: 'id', description: 'Field of a prompt line holding its id (default: the line number).' },
    promptField: { type: 'string', default: 'prompt', description: 'Field of a prompt line holding the prompt text.' },
    system: { type: 'string', description: 'A system message sent before every prompt.' },
    askN: {
      type: 'boolean', default: false,
      description: 'Ask for all n samples in one request (the `n` parameter; OpenAI and vLLM support it, many servers do not) instead of n requests.',
    },
    seed: {
      type: 'integer',
      description: 'Send sample i with seed + i, so each draw is distinct yet reproducible. Without it, requests carry the provider\'s seed (if any).',
    },
    limit: { type: 'integer', minimum: 1, description: 'Sample only the first N prompts.' },
  },
  required: ['prompts'],
  additionalProperties: false,
} as const;

interface Options {
  prompts: string;
  n: number;
  provider?: string;
  idField: string;
  promptField: string;
  system?: string;
  askN: boolean;
  seed?: number;
  limit?: number;
}

export interface PromptItem {
  id: string;
  /** The prompt as text (the last user message for chat prompts). */
  text: string;
  messages: ChatMessage[];
  /** Other fields of the prompt line, copied onto each sample. */
  extra: Record<string, unknown>;
  line: number;
}

const ROLES = new Set(['system', 'user', 'assistant']);

/** Read a prompt file: JSON Lines (`prompt` or `messages`, optional `id`) or one prompt per line. */
export async function readPrompts(file: string, display: string, o: Pick<Options, 'idField' | 'promptField' | 'system' | 'limit'>): Promise<PromptItem[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new DataError(`prompt file ${display} cannot be read (${(error as NodeJS.ErrnoException).code ?? errorMessage(error)}); check samples.with.prompts (relative to the config file)`, { code: 'VIGIA_DATA_NOT_FOUND' });
  }
  const lines = text.split(/\r?\n/);
  const jsonl = ['.jsonl', '.ndjson', '.json'].includes(extname(file).toLowerCase()) || lines.find((l) => l.trim())?.trim().startsWith('{');
  const items: PromptItem[] = [];
  const seen = new Map<string, number>();
  const system: ChatMessage[] = o.system ? [{ role: 'system', content: o.system }] : [];
  for (let i = 0; i < lines.length && (o.limit === undefined || items.length < o.limit); i++) {
    const line = lines[i]!.trim();
    if (!line || line.startsWith('#') && !jsonl) continue;
    let item: PromptItem;
    if (!jsonl) {
      item = { id: String(items.length + 1), text: line, messages: [...system, { role: 'user', content: line }], extra: {}, line: i + 1 };
    } else {
      let row: unknown;
      try {
        row = JSON.parse(line);
      } catch (error) {
        throw DataError.at(display, i + 1, `not valid JSON (${errorMessage(error)})`, 'Each line must be one JSON object such as {"id": "q1", "prompt": "…"}');
      }
      if (!row || typeof row !== 'object' || Array.isArray(row)) throw DataError.at(display, i + 1, 'not a JSON object', 'Write {"id": "q1", "prompt": "…"}');
      const r = row as Record<string, unknown>;
      const { [o.promptField]: prompt, [o.idField]: rawId, messages, ...extra } = r;
      let chat: ChatMessage[];
      if (typeof prompt === 'string' && prompt.trim()) chat = [...system, { role: 'user', content: prompt }];
      else if (Array.isArray(messages) && messages.length > 0) {
        chat = messages.map((m, j) => {
          const msg = m as { role?: unknown; content?: unknown };
          if (!msg || typeof msg.content !== 'string' || typeof msg.role !== 'string' || !ROLES.has(msg.role)) {
            throw DataError.at(display, i + 1, `messages[${j}] is not a chat message`, 'Each message needs role (system, user or assistant) and content (text)');
          }
          return { role: msg.role as ChatMessage['role'], content: msg.content };
        });
        if (system.length && chat[0]!.role !== 'system') chat = [...system, ...chat];
      } else {
        throw DataError.at(display, i + 1, `no "${o.promptField}" text and no "messages"`, `Give the prompt as {"${o.promptField}": "…"} or {"messages": [{"role": "user", "content": "…"}]}`);
      }
      const id = rawId === undefined || rawId === null || rawId === '' ? String(items.length + 1) : String(rawId);
      const last = [...chat].reverse().find((m) => m.role === 'user') ?? chat[chat.length - 1]!;
      item = { id, text: typeof prompt === 'string' ? prompt : last.content, messages: chat, extra, line: i + 1 };
    }
    const prev = seen.get(item.id);
    if (prev !== undefined) throw DataError.at(display, i + 1, `prompt id "${item.id}" is also the id of line ${prev}`, 'Prompt ids must be unique');
    seen.set(item.id, item.line);
    items.push(item);
  }
  if (items.length === 0) throw new DataError(`prompt file ${display} has no prompts`);
  return items;
}

interface Call {
  prompt: PromptItem;
  /** First sample index this call produces. */
  sample: number;
  /** Samples this call produces (n when askN). */
  count: number;
}

function toRecords(call: Call, response: CompletionResponse, providerId: string, startedAt: number, seed: number | undefined): VigiaRecord[] {
  const choices = response.choices?.length ? response.choices : [{ text: response.text, logprobs: response.logprobs, finishReason: response.finishReason }];
  return choices.slice(0, call.count).map((choice, j) => ({
    ...call.prompt.extra,
    prompt_id: call.prompt.id,
    prompt: call.prompt.text,
    response: choice.text,
    sample: call.sample + j,
    timestamp: new Date(startedAt).toISOString(),
    ...(response.model ? { model: response.model } : {}),
    provider: providerId,
    ...(response.latencyMs !== undefined ? { latency_ms: Math.round(response.latencyMs * 100) / 100 } : {}),
    ...(response.ttftMs !== undefined ? { ttft_ms: Math.round(response.ttftMs * 100) / 100 } : {}),
    ...(response.usage?.inputTokens !== undefined ? { input_tokens: response.usage.inputTokens } : {}),
    // With n choices per call the server reports their total; each sample gets its own count from its log-probabilities.
    ...(choices.length === 1 && response.usage?.outputTokens !== undefined ? { output_tokens: response.usage.outputTokens }
      : choice.logprobs?.length ? { output_tokens: choice.logprobs.length } : {}),
    ...(choice.logprobs?.length ? { logprobs: choice.logprobs } : {}),
    ...(choice.finishReason ? { finish_reason: choice.finishReason } : {}),
    ...(seed !== undefined ? { seed: seed + call.sample + j } : {}),
    cached: response.cached === true,
  }));
}

/** Send every prompt n times through a provider; keep what was sampled when the provider fails midway. */
export async function sampleAll(prompts: readonly PromptItem[], provider: Provider, o: Pick<Options, 'n' | 'askN' | 'seed'>, ctx: Pick<ComponentContext, 'progress' | 'signal' | 'logger'>): Promise<SourceOutput> {
  const calls: Call[] = [];
  for (const prompt of prompts) {
    if (o.askN) calls.push({ prompt, sample: 0, count: o.n });
    else for (let s = 0; s < o.n; s++) calls.push({ prompt, sample: s, count: 1 });
  }
  const results: Array<VigiaRecord[] | undefined> = new Array(calls.length);
  const controller = new AbortController();
  // Every in-flight call listens on this signal; there are more of them than Node's default warning limit.
  setMaxListeners(0, controller.signal);
  const onOuterAbort = () => controller.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', onOuterAbort, { once: true });
  let next = 0;
  let done = 0;
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined && next < calls.length) {
      const index = next++;
      const call = calls[index]!;
      const startedAt = Date.now();
      try {
        const seed = o.seed === undefined ? undefined : o.seed + call.sample;
        const response = await provider.complete({ messages: call.prompt.messages, n: call.count > 1 ? call.count : undefined, sample: call.sample, ...(seed !== undefined ? { seed } : {}) }, controller.signal);
        results[index] = toRecords(call, response, provider.id, startedAt, o.seed);
        done++;
        ctx.progress(done, calls.length, 'sampling');
      } catch (error) {
        if (failure === undefined) {
          failure = error;
          controller.abort(error);
        }
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(64, calls.length) }, worker));
  } finally {
    ctx.signal.removeEventListener('abort', onOuterAbort);
  }
  const records = results.flatMap((r) => r ?? []);
  if (failure === undefined) return { records, skipped: 0 };
  const complete = new Set<string>();
  const perPrompt = new Map<string, number>();
  for (const r of records) perPrompt.set(String(r.prompt_id), (perPrompt.get(String(r.prompt_id)) ?? 0) + 1);
  for (const [id, c] of perPrompt) if (c >= o.n) complete.add(id);
  const message = `sampling stopped after ${done} of ${calls.length} calls (${complete.size} of ${prompts.length} prompts have all ${o.n} samples, ${records.length} samples kept): ${errorMessage(failure)}`;
  return { records, skipped: 0, error: isVigiaError(failure) ? new VigiaError(failure.code, message, { cause: failure }) : new VigiaError('VIGIA_RUNTIME', message, { cause: failure }) };
}

export const samples = defineSource({
  description:
    'Sends each prompt of a file n times to a model provider (or asks for n completions per call) and yields one LLM record per sample ' +
    '(prompt_id, prompt, response, latency_ms, ttft_ms, tokens, logprobs). Shows progress; if the provider fails midway the samples so far are kept and the run ends with exit code 3.',
  needs: ['provider'],
  options: samplesOptions,
  example: { prompts: './prompts.jsonl', n: 5, provider: 'local' },
  create(options) {
    const o = options as Options;
    return {
      async read(ctx) {
        const prompts = await readPrompts(ctx.resolvePath(o.prompts), o.prompts, o);
        let provider: Provider;
        try {
          provider = await ctx.provider(o.provider);
        } catch (error) {
          if (isVigiaError(error)) throw new VigiaError(error.code, `samples needs a model provider: ${error.message}`, { cause: error });
          throw error;
        }
        return sampleAll(prompts, provider, o, ctx);
      },
    };
  },
});
