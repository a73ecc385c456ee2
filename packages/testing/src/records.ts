import { createRng, type VigiaRecord } from '@vigia/core';

const WORDS = ['refund', 'order', 'password', 'invoice', 'shipping', 'account', 'delivery', 'login', 'price', 'return', 'card', 'email'];

/**
 * Realistic LLM log records for tests (seeded, so the same arguments give the same records):
 * timestamp, model, prompt, response, latency_ms, ttft_ms, input_tokens, output_tokens, logprobs,
 * status, error, cpu/gpu utilisation, memory, `layers` and `attributes.category`.
 */
export function sampleRecords(count = 200, options: { seed?: number; start?: string; shift?: number } = {}): VigiaRecord[] {
  const rng = createRng(options.seed ?? 1);
  const start = Date.parse(options.start ?? '2025-01-01T00:00:00Z');
  const shift = options.shift ?? 0;
  const word = () => WORDS[rng.int(WORDS.length)]!;
  return Array.from({ length: count }, (_, i) => {
    const output = 20 + rng.int(200);
    const failed = rng.next() < 0.05;
    return {
      timestamp: new Date(start + i * 1000 + rng.int(500)).toISOString(),
      model: rng.next() < 0.5 ? 'model-a' : 'model-b',
      prompt: `how do I ${word()} my ${word()} ${word()}`,
      response: `you can ${word()} the ${word()} from your ${word()}`,
      latency_ms: 300 + shift * 100 + Math.exp(rng.normal() * 0.5) * 400,
      ttft_ms: 50 + rng.next() * 100,
      input_tokens: 10 + rng.int(100) + shift * 20,
      output_tokens: output,
      logprobs: Array.from({ length: 5 }, () => -rng.next() * 2),
      status: failed ? 'error' : 'ok',
      ...(failed ? { error: 'timeout' } : {}),
      cpu_utilization: rng.next(),
      gpu_utilization: rng.next(),
      memory_bytes: 1e9 + rng.int(1e8),
      gpu_memory_bytes: 8e9 + rng.int(1e8),
      layers: { h0: rng.normal() + shift, h1: [rng.normal(), rng.normal(), rng.normal()] },
      attributes: { category: ['billing', 'account', 'shipping'][rng.int(3)]! },
    };
  });
}
