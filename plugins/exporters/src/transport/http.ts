/**
 * The HTTP transport every network exporter shares: one request with a time limit, retried with
 * exponential backoff on network errors, timeouts, 429 and 5xx. Errors name the endpoint without
 * its query string or user info (either may carry a secret) and never echo request headers.
 */
export interface SendOptions {
  method?: 'POST' | 'PUT' | 'GET' | 'DELETE';
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Time limit per attempt. */
  timeoutMs: number;
  /** Extra attempts after the first. */
  retries: number;
  /** Delay before the first retry; doubled each time (with ±20% jitter). */
  backoffMs: number;
  /** Cancels waiting and the request in flight. */
  signal?: AbortSignal;
}

export interface SendResult {
  status: number;
  body: string;
  attempts: number;
}

export class ExportError extends Error {
  constructor(message: string, readonly attempts: number, readonly status?: number) {
    super(message);
    this.name = 'ExportError';
  }
}

/** The endpoint as it may be shown: scheme, host, port and path only. */
export function showUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

function retryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

const sleep = (ms: number, signal?: AbortSignal) => new Promise<void>((resolve) => {
  const timer = setTimeout(resolve, ms);
  signal?.addEventListener('abort', () => {
    clearTimeout(timer);
    resolve();
  }, { once: true });
});

/** Send one request; resolves on a 2xx answer, rejects with an {@link ExportError} otherwise. */
export async function send(url: string, options: SendOptions): Promise<SendResult> {
  const shown = showUrl(url);
  let lastProblem = '';
  let lastStatus: number | undefined;
  const attempts = 1 + Math.max(0, options.retries);
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (options.signal?.aborted) break;
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
    let retry = true;
    try {
      const response = await fetch(url, { method: options.method ?? 'POST', headers: options.headers, body: options.body, signal });
      const body = await response.text();
      if (response.ok) return { status: response.status, body, attempts: attempt };
      lastStatus = response.status;
      lastProblem = `HTTP ${response.status}${body.trim() ? `: ${body.trim().slice(0, 200)}` : ''}`;
      retry = retryable(response.status);
    } catch (error) {
      lastStatus = undefined;
      lastProblem = timeout.aborted ? `no answer within ${options.timeoutMs} ms` : networkReason(error);
    }
    if (!retry || attempt === attempts) {
      throw new ExportError(`${shown}: ${lastProblem}${attempt > 1 ? ` (after ${attempt} attempts)` : ''}`, attempt, lastStatus);
    }
    const delay = options.backoffMs * 2 ** (attempt - 1) * (0.8 + 0.4 * Math.random());
    await sleep(delay, options.signal);
  }
  throw new ExportError(`${shown}: cancelled${lastProblem ? ` (${lastProblem})` : ''}`, 0, lastStatus);
}

function networkReason(error: unknown): string {
  const e = error as { cause?: { code?: string; message?: string }; message?: string };
  const code = e?.cause?.code;
  const hints: Record<string, string> = {
    ECONNREFUSED: 'connection refused (is the service running and the port right?)',
    ENOTFOUND: 'host not found',
    ECONNRESET: 'connection reset',
    EAI_AGAIN: 'DNS lookup failed',
  };
  if (code && hints[code]) return hints[code]!;
  return e?.cause?.message ?? e?.message ?? String(error);
}

/** `Authorization` for `basicAuth: { username, password }`. */
export function basicAuthHeader(auth: { username: string; password: string }): string {
  return `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`;
}
