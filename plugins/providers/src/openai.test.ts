import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryCache } from '@vigia/core';
import { startServer, type LocalServer, type ServerOptions } from '../../../test/fixtures/openai-server.mjs';
import { backoffDelay, createOpenAICompatibleProvider, parseRetryAfter, type OpenAICompatibleOptions } from './index.js';

let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setup(serverOptions: ServerOptions = {}, providerOptions: Partial<OpenAICompatibleOptions> = {}) {
  server = await startServer(serverOptions);
  const cache = createMemoryCache();
  const provider = createOpenAICompatibleProvider({ baseUrl: server.url, model: 'test-model', retryBaseMs: 5, retryMaxMs: 2000, ...providerOptions }, { cache });
  return { server, provider, cache };
}

const ask = (content: string) => ({ messages: [{ role: 'user' as const, content }] });

describe('openai-compatible', () => {
  it('streams an answer with time to first token, log-probabilities and token usage', async () => {
    const { provider, server } = await setup({ tokenDelayMs: 5 });
    const r = await provider.complete(ask('[stable] Tell me about the Eiffel Tower'));
    expect(r.text).toMatch(/\w+ .*\./);
    expect(r.ttftMs).toBeGreaterThan(0);
    expect(r.latencyMs).toBeGreaterThan(r.ttftMs!);
    expect(r.logprobs!.length).toBe(r.text.split(/\s+/).length);
    expect(r.usage).toEqual({ inputTokens: 7, outputTokens: r.logprobs!.length });
    expect(r.model).toBe('test-model');
    expect(r.finishReason).toBe('stop');
    expect(server.stats.streamed).toBe(1);
  });

  it('reads streams whose lines end with CRLF', async () => {
    const { provider } = await setup({ crlf: true });
    const r = await provider.complete({ ...ask('[stable] crlf please'), n: 2 });
    expect(r.choices).toHaveLength(2);
    expect(r.choices![1]!.text).toBe(r.text);
    expect(r.logprobs!.length).toBe(r.text.split(/\s+/).length);
  });

  it('reads non-streamed answers and n choices', async () => {
    const { provider } = await setup({}, { stream: false });
    const r = await provider.complete({ ...ask('[random] anything'), n: 3 });
    expect(r.choices).toHaveLength(3);
    expect(r.ttftMs).toBeUndefined();
    expect(r.choices![0]!.text).toBe(r.text);
    for (const c of r.choices!) expect(c.logprobs!.length).toBeGreaterThan(0);
  });

  it('gives the same answer for the same seed and prompt', async () => {
    const { provider } = await setup({}, { cache: false });
    const a = await provider.complete({ ...ask('[random] pick one'), seed: 7 });
    const b = await provider.complete({ ...ask('[random] pick one'), seed: 7 });
    expect(a.text).toBe(b.text);
  });

  it('retries 429 and 500 with backoff and completes within the retry budget', async () => {
    const { provider, server } = await setup({ faults: [429, 500, 503], retryAfter: 0.02 }, { maxRetries: 3 });
    const t0 = performance.now();
    const results = await Promise.all(['[stable] a', '[stable] b', '[edit] c'].map((p) => provider.complete(ask(p))));
    expect(results.every((r) => r.text.length > 0)).toBe(true);
    expect(server.stats.byStatus).toMatchObject({ 429: 3, 500: 3, 503: 3, 200: 3 });
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it('honours Retry-After', async () => {
    const { provider } = await setup({ faults: [429], retryAfter: 0.3 }, { retryBaseMs: 1 });
    const t0 = performance.now();
    await provider.complete(ask('[stable] wait for it'));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
  });

  it('gives up with a clear error when the retries run out or Retry-After is too long', async () => {
    const { provider } = await setup({ faults: [500, 500, 500] }, { maxRetries: 1 });
    await expect(provider.complete(ask('x'))).rejects.toThrow(/gave up after 2 attempts: HTTP 500/);
    await server!.close();
    const slow = await setup({ faults: [429], retryAfter: 120 }, { retryMaxMs: 1000 });
    await expect(slow.provider.complete(ask('y'))).rejects.toThrow(/asks to wait 120 s \(Retry-After\).*raise retryMaxMs/);
  });

  it('does not retry a client error and says how to fix it', async () => {
    const { provider, server } = await setup({ faults: [401] });
    await expect(provider.complete(ask('z'))).rejects.toThrow(/HTTP 401.*check apiKey/);
    expect(server.stats.requests).toBe(1);
  });

  it('asks again without logprobs when the server rejects them', async () => {
    const { provider } = await setup({ rejectLogprobs: true });
    const r = await provider.complete(ask('[stable] q'));
    expect(r.text.length).toBeGreaterThan(0);
    expect(r.logprobs).toBeUndefined();
  });

  it('serves a repeated request from the cache, keyed by request, seed and repeat index', async () => {
    const { provider, server } = await setup();
    const first = await provider.complete({ ...ask('[random] q'), sample: 0 });
    const again = await provider.complete({ ...ask('[random] q'), sample: 0 });
    expect(again).toMatchObject({ text: first.text, cached: true });
    expect(server.stats.requests).toBe(1);
    await provider.complete({ ...ask('[random] q'), sample: 1 });
    await provider.complete({ ...ask('[random] q'), sample: 0, seed: 3 });
    expect(server.stats.requests).toBe(3);
  });

  it('keeps at most `concurrency` requests in flight and spaces starts by the rate limit', async () => {
    const { provider, server } = await setup({ tokenDelayMs: 2 }, { concurrency: 2, cache: false });
    await Promise.all(Array.from({ length: 8 }, (_, i) => provider.complete(ask(`[stable] p${i}`))));
    expect(server.stats.maxInFlight).toBe(2);
    await server.close();
    const limited = await setup({}, { requestsPerMinute: 1200, cache: false }); // one start per 50 ms
    await Promise.all(Array.from({ length: 5 }, (_, i) => limited.provider.complete(ask(`p${i}`))));
    const starts = limited.server.stats.starts;
    expect(starts[starts.length - 1]! - starts[0]!).toBeGreaterThanOrEqual(4 * 50 - 40);
  });

  it('times out an attempt that takes too long', async () => {
    const { provider } = await setup({ tokenDelayMs: 100 }, { timeoutMs: 50, maxRetries: 0 });
    await expect(provider.complete(ask('[stable] slow'))).rejects.toThrow(/no complete answer within 50 ms/);
  });

  it('reports a server that cannot be reached', async () => {
    const { provider, server } = await setup({}, { maxRetries: 1 });
    await server.close();
    await expect(provider.complete(ask('q'))).rejects.toThrow(/gave up after 2 attempts: cannot reach the server/);
  });
});

describe('retry timing', () => {
  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter('0.5')).toBe(500);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });

  it('backs off exponentially with full jitter up to a cap', () => {
    expect(backoffDelay(0, 100, 1000, () => 1)).toBe(100);
    expect(backoffDelay(3, 100, 1000, () => 1)).toBe(800);
    expect(backoffDelay(5, 100, 1000, () => 1)).toBe(1000);
    expect(backoffDelay(5, 100, 1000, () => 0.25)).toBe(250);
  });
});
