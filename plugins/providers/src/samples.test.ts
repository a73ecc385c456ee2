import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTestContext } from '@vigia/testing';
import type { CompletionRequest, Provider } from '@vigia/core';
import { readPrompts, sampleAll } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'vigia-samples-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const defaults = { idField: 'id', promptField: 'prompt' };

describe('readPrompts', () => {
  it('reads JSON Lines with prompt or messages, keeps extra fields, and plain text one prompt per line', async () => {
    const items = await readPrompts(file('p.jsonl', [
      '{"id": "q1", "prompt": "What is 2+2?", "expected": 4}',
      '',
      '{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Name a colour."}]}',
    ].join('\n')), 'p.jsonl', { ...defaults, system: 'You are helpful.' });
    expect(items).toHaveLength(2);
    expect(items[0]).toMatchObject({ id: 'q1', text: 'What is 2+2?', extra: { expected: 4 }, messages: [{ role: 'system', content: 'You are helpful.' }, { role: 'user', content: 'What is 2+2?' }] });
    expect(items[1]).toMatchObject({ id: '2', text: 'Name a colour.', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Name a colour.' }] });
    const text = await readPrompts(file('p.txt', 'First prompt\n\nSecond prompt\n'), 'p.txt', { ...defaults, limit: 1 });
    expect(text.map((p) => [p.id, p.text])).toEqual([['1', 'First prompt']]);
  });

  it('names the file and line of a bad prompt', async () => {
    await expect(readPrompts(file('bad.jsonl', '{"prompt": "ok"}\n{"text": "no prompt"}\n'), 'bad.jsonl', defaults)).rejects.toThrow(/bad\.jsonl:2: no "prompt" text and no "messages"/);
    await expect(readPrompts(file('bad2.jsonl', '{"prompt": "ok"}\n{oops\n'), 'bad2.jsonl', defaults)).rejects.toThrow(/bad2\.jsonl:2: not valid JSON/);
    await expect(readPrompts(file('dup.jsonl', '{"id": 1, "prompt": "a"}\n{"id": 1, "prompt": "b"}\n'), 'dup.jsonl', defaults)).rejects.toThrow(/dup\.jsonl:2: prompt id "1" is also the id of line 1/);
    await expect(readPrompts(join(dir, 'missing.jsonl'), 'missing.jsonl', defaults)).rejects.toThrow(/prompt file missing\.jsonl cannot be read \(ENOENT\)/);
  });
});

describe('sampleAll', () => {
  const prompts = [
    { id: 'a', text: 'A?', messages: [{ role: 'user' as const, content: 'A?' }], extra: { expected: 'x' }, line: 1 },
    { id: 'b', text: 'B?', messages: [{ role: 'user' as const, content: 'B?' }], extra: {}, line: 2 },
  ];

  it('yields one LLM record per sample, with seeds seed + i, and shows progress', async () => {
    const requests: CompletionRequest[] = [];
    const provider: Provider = {
      id: 'fake',
      async complete(request) {
        requests.push(request);
        return { text: `answer ${request.sample}`, latencyMs: 12.5, ttftMs: 3, usage: { inputTokens: 2, outputTokens: 2 }, logprobs: [-0.1, -0.2], model: 'm' };
      },
    };
    const ctx = createTestContext();
    const progress: number[] = [];
    ctx.events.on('progress', (e) => progress.push(e.done));
    const out = await sampleAll(prompts, provider, { n: 3, askN: false, seed: 10 }, ctx);
    expect(out.error).toBeUndefined();
    expect(out.records).toHaveLength(6);
    expect(out.records[0]).toMatchObject({
      prompt_id: 'a', prompt: 'A?', response: 'answer 0', sample: 0, expected: 'x', model: 'm', provider: 'fake',
      latency_ms: 12.5, ttft_ms: 3, input_tokens: 2, output_tokens: 2, logprobs: [-0.1, -0.2], seed: 10, cached: false,
    });
    expect(requests.map((r) => r.seed).sort()).toEqual([10, 10, 11, 11, 12, 12]);
    expect(progress.at(-1)).toBe(6);
  });

  it('asks for n choices in one call with askN', async () => {
    const provider: Provider = {
      id: 'fake',
      async complete(request) {
        const choices = Array.from({ length: request.n ?? 1 }, (_, i) => ({ text: `c${i}`, logprobs: [-1, -1, -1] }));
        return { text: 'c0', choices, usage: { inputTokens: 2, outputTokens: 9 } };
      },
    };
    const out = await sampleAll(prompts, provider, { n: 3, askN: true }, createTestContext());
    expect(out.records.map((r) => [r.prompt_id, r.sample, r.response, r.output_tokens])).toEqual([
      ['a', 0, 'c0', 3], ['a', 1, 'c1', 3], ['a', 2, 'c2', 3], ['b', 0, 'c0', 3], ['b', 1, 'c1', 3], ['b', 2, 'c2', 3],
    ]);
  });

  it('keeps the samples taken before the provider failed and returns the error', async () => {
    let calls = 0;
    const provider: Provider = {
      id: 'fake',
      async complete() {
        if (++calls > 4) throw new Error('connection refused');
        return { text: 'ok' };
      },
    };
    const out = await sampleAll(prompts, provider, { n: 3, askN: false }, createTestContext());
    expect(out.records).toHaveLength(4);
    expect(out.error?.message).toMatch(/sampling stopped after 4 of 6 calls \(1 of 2 prompts have all 3 samples, 4 samples kept\): connection refused/);
  });
});
