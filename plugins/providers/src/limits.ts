/**
 * Call limits of a provider: a concurrency limit, a request-rate limit, and retry delays
 * (exponential backoff with full jitter, or the server's Retry-After).
 */

/** A counting semaphore: at most `limit` holders at a time, served in arrival order. */
export class Semaphore {
  #active = 0;
  readonly #waiting: Array<() => void> = [];
  constructor(readonly limit: number) {}

  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.#active >= this.limit) {
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          const i = this.#waiting.indexOf(go);
          if (i >= 0) this.#waiting.splice(i, 1);
          reject(signal!.reason ?? new Error('aborted'));
        };
        const go = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        if (signal?.aborted) return onAbort();
        signal?.addEventListener('abort', onAbort, { once: true });
        this.#waiting.push(go);
      });
    }
    this.#active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#active--;
      this.#waiting.shift()?.();
    };
  }
}

/** Spaces request starts at least 60000 / perMinute ms apart (a leaky bucket without bursts). */
export class RateLimiter {
  #next = 0;
  readonly #interval: number;
  constructor(perMinute: number | undefined, private readonly now: () => number = () => performance.now()) {
    this.#interval = perMinute && perMinute > 0 ? 60_000 / perMinute : 0;
  }

  async wait(signal?: AbortSignal): Promise<void> {
    if (this.#interval === 0) return;
    const t = this.now();
    const start = Math.max(t, this.#next);
    this.#next = start + this.#interval;
    if (start > t) await sleep(start - t, signal);
  }
}

/** Resolve after `ms`, or reject with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason ?? new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Milliseconds a `Retry-After` header asks to wait: delta-seconds or an HTTP date (RFC 9110 §10.2.3).
 * Undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const date = Date.parse(v);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Full-jitter exponential backoff (AWS Architecture Blog, 2015): uniform in [0, min(cap, base · 2^attempt)]. */
export function backoffDelay(attempt: number, baseMs: number, capMs: number, random: () => number): number {
  return random() * Math.min(capMs, baseMs * 2 ** attempt);
}
