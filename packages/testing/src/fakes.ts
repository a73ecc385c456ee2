import { createHash } from 'node:crypto';
import { createRng, type Clock, type CompletionRequest, type CompletionResponse, type Embedder, type Provider, type Rng } from '@vigia/core';

/**
 * A deterministic embedder: the same text always gives the same unit vector (from a hash of the
 * text), different texts give nearly orthogonal ones. No model, instant; `calls` counts batches.
 */
export function createFakeEmbedder(options: { dimension?: number; id?: string } = {}): Embedder & { calls: number; texts: string[] } {
  const dimension = options.dimension ?? 16;
  const embedder = {
    id: options.id ?? `fake-embedder-${dimension}`,
    dimension,
    calls: 0,
    texts: [] as string[],
    async embed(texts: readonly string[]): Promise<Float32Array[]> {
      embedder.calls++;
      return texts.map((text) => {
        if (typeof text !== 'string') throw new TypeError(`fake embedder: expected a string, got ${typeof text}`);
        embedder.texts.push(text);
        const v = new Float32Array(dimension);
        let norm = 0;
        for (let i = 0; i < dimension; i++) {
          const h = createHash('sha256').update(`${i}:${text}`).digest();
          v[i] = h.readInt32LE(0) / 2 ** 31;
          norm += v[i]! * v[i]!;
        }
        const s = norm > 0 ? 1 / Math.sqrt(norm) : 0;
        for (let i = 0; i < dimension; i++) v[i]! *= s;
        return v;
      });
    },
  };
  return embedder;
}

export interface FakeProvider extends Provider {
  /** Every request, in order. */
  readonly requests: CompletionRequest[];
}

/**
 * A provider that answers from a function or a list (cycled), recording every request. With no
 * answers it echoes the last user message.
 */
export function createFakeProvider(answers?: string[] | ((request: CompletionRequest, index: number) => string | CompletionResponse)): FakeProvider {
  const requests: CompletionRequest[] = [];
  return {
    id: 'fake-provider',
    requests,
    async complete(request) {
      const index = requests.push(request) - 1;
      if (typeof answers === 'function') {
        const out = answers(request, index);
        return typeof out === 'string' ? { text: out } : out;
      }
      if (answers && answers.length) return { text: answers[index % answers.length]! };
      const last = [...request.messages].reverse().find((m) => m.role === 'user');
      return { text: last?.content ?? '' };
    },
  };
}

export interface FakeClock extends Clock {
  /** Move time forward by `ms`. */
  advance(ms: number): void;
  /** Set the wall-clock time (ms since the epoch). */
  set(ms: number): void;
}

/** A clock that only moves when told to (or by `step` ms on every reading, when given). */
export function createFakeClock(options: { start?: number | string | Date; step?: number } = {}): FakeClock {
  const start = options.start === undefined ? Date.UTC(2025, 0, 1) : new Date(options.start).getTime();
  let now = start;
  let hr = 0;
  const step = options.step ?? 0;
  return {
    now: () => {
      const t = now;
      now += step;
      return t;
    },
    hrtime: () => {
      const t = hr;
      hr += step;
      return t;
    },
    advance(ms) {
      now += ms;
      hr += ms;
    },
    set(ms) {
      hr += ms - now;
      now = ms;
    },
  };
}

/** The seeded RNG a component gets in a run (the same seed gives the same stream). */
export function createSeededRng(seed = 42): Rng {
  return createRng(seed);
}
