import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTestContext } from '@vigia/testing';
import { readOtlpJson } from '../src/index.js';
import { runConfig } from './services.js';

const s = (key: string, v: string) => ({ key, value: { stringValue: v } });
const i = (key: string, v: number) => ({ key, value: { intValue: String(v) } });
const d = (key: string, v: number) => ({ key, value: { doubleValue: v } });
const t0 = 1_763_000_000_000n * 1_000_000n; // ns

function span(id: number, attributes: unknown[], durationMs: number, extra: Record<string, unknown> = {}) {
  const start = t0 + BigInt(id) * 1_000_000_000n;
  return { traceId: `t${id}`.padStart(32, '0'), spanId: `s${id}`.padStart(16, '0'), name: 'chat', kind: 3, startTimeUnixNano: String(start), endTimeUnixNano: String(start + BigInt(durationMs) * 1_000_000n), attributes, ...extra };
}

function request(spans: unknown[]) {
  return { resourceSpans: [{ resource: { attributes: [s('service.name', 'chatbot')] }, scopeSpans: [{ scope: { name: 'x' }, spans }] }] };
}

/** One span per convention, a non-LLM span, and an error span. */
function lines(): string {
  const semconv = span(1, [
    s('gen_ai.operation.name', 'chat'), s('gen_ai.provider.name', 'openai'), s('gen_ai.request.model', 'gpt-4o'), s('gen_ai.response.model', 'gpt-4o-2024-08-06'),
    s('gen_ai.response.id', 'chatcmpl-1'), i('gen_ai.usage.input_tokens', 120), i('gen_ai.usage.output_tokens', 30), d('gen_ai.request.temperature', 0.2),
    s('gen_ai.input.messages', JSON.stringify([{ role: 'system', parts: [{ type: 'text', content: 'Be brief.' }] }, { role: 'user', parts: [{ type: 'text', content: 'What is drift?' }] }])),
    s('gen_ai.output.messages', JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: 'A change in distribution.' }], finish_reason: 'stop' }])),
    { key: 'gen_ai.response.finish_reasons', value: { arrayValue: { values: [{ stringValue: 'stop' }] } } },
  ], 850);
  const openllmetry = span(2, [
    s('gen_ai.system', 'Anthropic'), s('gen_ai.request.model', 'claude-3-haiku'), s('llm.request.type', 'chat'),
    s('gen_ai.prompt.0.role', 'user'), s('gen_ai.prompt.0.content', 'Summarise this.'), s('gen_ai.completion.0.role', 'assistant'), s('gen_ai.completion.0.content', 'Short summary.'),
    i('gen_ai.usage.prompt_tokens', 40), i('gen_ai.usage.completion_tokens', 12), i('llm.usage.total_tokens', 52),
  ], 400);
  const openinference = span(3, [
    s('openinference.span.kind', 'LLM'), s('llm.model_name', 'mistral-small'), s('llm.provider', 'mistralai'),
    s('llm.input_messages.0.message.role', 'system'), s('llm.input_messages.0.message.content', 'You are helpful.'),
    s('llm.input_messages.1.message.role', 'user'), s('llm.input_messages.1.message.content', 'Translate: hola'),
    s('llm.output_messages.0.message.role', 'assistant'), s('llm.output_messages.0.message.content', 'hello'),
    i('llm.token_count.prompt', 9), i('llm.token_count.completion', 2), i('llm.token_count.total', 11), s('user.id', 'u-7'),
  ], 120);
  const http = span(4, [s('http.request.method', 'GET'), s('url.path', '/health')], 3);
  const failed = span(5, [s('gen_ai.request.model', 'gpt-4o'), s('error.type', 'timeout'), i('gen_ai.usage.input_tokens', 80)], 30000, { status: { code: 2, message: 'deadline exceeded' } });
  return [JSON.stringify(request([semconv, openllmetry])), '', JSON.stringify(request([openinference, http, failed]))].join('\n') + '\n';
}

const cfg = (onInvalid = 'error', extra = '') => `version: 1
name: traces
data:
  current: { use: otlp-json, with: { path: traces.jsonl, onInvalid: ${onInvalid}${extra} } }
metrics:
  - { id: latency, use: latency }
  - { id: tokens, use: tokens }
sinks: []
`;

describe('otlp-json source', () => {
  it('maps GenAI semconv, OpenLLMetry and OpenInference spans onto LLM records that metrics use', async () => {
    const report = await runConfig(cfg(), { files: { 'traces.jsonl': lines() } });
    expect(report.datasets.current).toEqual({ records: 4, skipped: 0 });
    const dir = mkdtempSync(join(tmpdir(), 'vigia-otlp-json-'));
    writeFileSync(join(dir, 'traces.jsonl'), lines());
    const out = await readOtlpJson({ path: join(dir, 'traces.jsonl'), spans: 'llm' }, createTestContext());
    const records = out.records;
    expect(records).toHaveLength(4);
    const [a, b, c, e] = records;
    expect(a).toMatchObject({ id: 'chatcmpl-1', model: 'gpt-4o-2024-08-06', provider: 'openai', operation: 'chat', prompt: 'What is drift?', system: 'Be brief.', response: 'A change in distribution.', input_tokens: 120, output_tokens: 30, total_tokens: 150, temperature: 0.2, finish_reason: 'stop', latency_ms: 850, 'resource.service.name': 'chatbot', 'gen_ai.request.model': 'gpt-4o' });
    expect(a!.timestamp).toBe(new Date(Number(t0 / 1_000_000n) + 1000).toISOString());
    expect(b).toMatchObject({ model: 'claude-3-haiku', provider: 'Anthropic', operation: 'chat', prompt: 'Summarise this.', response: 'Short summary.', input_tokens: 40, output_tokens: 12, total_tokens: 52, latency_ms: 400 });
    expect(c).toMatchObject({ model: 'mistral-small', provider: 'mistralai', prompt: 'Translate: hola', system: 'You are helpful.', response: 'hello', input_tokens: 9, output_tokens: 2, total_tokens: 11, latency_ms: 120, 'user.id': 'u-7' });
    expect(e).toMatchObject({ model: 'gpt-4o', error: 'timeout', latency_ms: 30000 });
    expect(records.some((r) => r['url.path'] === '/health')).toBe(false);
    // The metrics read them like any other dataset.
    const maxLatency = report.metrics.find((m) => m.name === 'gen_ai.client.operation.duration.max')!;
    expect(maxLatency.value).toBe(30);
    const maxIn = report.metrics.find((m) => m.name === 'gen_ai.client.token.usage.max' && m.labels?.['gen_ai.token.type'] === 'input')!;
    expect(maxIn.value).toBe(120);
  });

  it('spans: all keeps every span; bad lines and spans are errors naming the file, or counted with onInvalid: skip', async () => {
    const all = await runConfig(cfg('error', ', spans: all'), { files: { 'traces.jsonl': lines() } });
    expect(all.datasets.current!.records).toBe(5);
    const bad = `${lines()}{"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":"x","attributes":[]}]}]}]}\nnot json\n{"hello":1}\n`;
    await expect(runConfig(cfg(), { files: { 'traces.jsonl': bad } })).rejects.toThrow(/traces\.jsonl:\d+: .*startTimeUnixNano|traces\.jsonl:\d+: not valid JSON/);
    const skipped = await runConfig(cfg('skip'), { files: { 'traces.jsonl': bad } });
    expect(skipped.datasets.current).toEqual({ records: 4, skipped: 3 });
    expect(skipped.warnings!.join('\n')).toMatch(/skipped 3 invalid records.*resourceSpans|skipped 3 invalid records/);
  });
});
