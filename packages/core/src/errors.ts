/**
 * Error classes with stable codes. Every error the CLI prints is one of these: one clear message
 * that names the culprit (file, line, JSON path, component) and says how to fix it.
 */

/** Exit codes (contract): 0 passed or warned, 1 a detector failed, 2 usage/config, 3 runtime/data. */
export const ExitCode = { Ok: 0, DetectorFailed: 1, Config: 2, Runtime: 3 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export type ErrorCode =
  | 'VIGIA_CONFIG_NOT_FOUND'
  | 'VIGIA_CONFIG_SYNTAX'
  | 'VIGIA_CONFIG_INVALID'
  | 'VIGIA_UNKNOWN_COMPONENT'
  | 'VIGIA_PLUGIN_LOAD'
  | 'VIGIA_PLUGIN_API_VERSION'
  | 'VIGIA_PLUGIN_INVALID'
  | 'VIGIA_ENV_MISSING'
  | 'VIGIA_DATA_NOT_FOUND'
  | 'VIGIA_DATA_INVALID'
  | 'VIGIA_RUNTIME'
  | 'VIGIA_TIMEOUT';

const runtimeCodes: ReadonlySet<ErrorCode> = new Set(['VIGIA_DATA_NOT_FOUND', 'VIGIA_DATA_INVALID', 'VIGIA_RUNTIME', 'VIGIA_TIMEOUT']);

export class VigiaError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: ExitCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VigiaError';
    this.code = code;
    this.exitCode = runtimeCodes.has(code) ? ExitCode.Runtime : ExitCode.Config;
  }
}

/** A config problem: exit 2. */
export class ConfigError extends VigiaError {
  constructor(code: Extract<ErrorCode, `VIGIA_CONFIG_${string}` | `VIGIA_PLUGIN_${string}` | 'VIGIA_UNKNOWN_COMPONENT' | 'VIGIA_ENV_MISSING'>, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'ConfigError';
  }
}

/**
 * Bad or missing data: exit 3. Name the dataset, the file and the line (or record index) so the
 * user can find the culprit: `DataError.at('current', 'samples/x.jsonl', 12, 'not valid JSON')`.
 */
export class DataError extends VigiaError {
  constructor(message: string, options?: { cause?: unknown; code?: 'VIGIA_DATA_NOT_FOUND' | 'VIGIA_DATA_INVALID' }) {
    super(options?.code ?? 'VIGIA_DATA_INVALID', message, options);
    this.name = 'DataError';
  }

  static at(file: string, line: number, reason: string, hint?: string): DataError {
    return new DataError(`${file}:${line}: ${reason}${hint ? `. ${hint}` : ''}`);
  }
}

export function isVigiaError(error: unknown): error is VigiaError {
  return error instanceof VigiaError || (typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string' && String((error as { code: string }).code).startsWith('VIGIA_') && typeof (error as { exitCode?: unknown }).exitCode === 'number');
}

/** Message of any thrown value, without a stack. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Levenshtein-based "did you mean" for unknown names. */
export function didYouMean(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diagonal = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = up;
    }
  }
  return prev[b.length]!;
}

/** Shorten echoed input (a name, a value, a line) so that one bad value cannot flood a message. */
export function clipText(text: string, max = 200): string {
  if (text.length <= max) return text;
  const suffix = `… (${text.length} characters)`;
  return `${text.slice(0, Math.max(0, max - suffix.length))}${suffix}`;
}

/**
 * A short, safe rendering of any value for a message: never recurses deeper than a few levels
 * (a 10,000-level nested record cannot overflow the stack), never longer than `max` characters.
 */
export function describeValue(value: unknown, max = 80): string {
  const render = (v: unknown, depth: number): string => {
    if (v === null) return 'null';
    if (typeof v === 'string') return JSON.stringify(v.length > max ? v.slice(0, max) : v);
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    if (typeof v === 'bigint') return `${v}n`;
    if (v === undefined) return 'undefined';
    if (typeof v !== 'object') return typeof v;
    if (depth >= 3) return Array.isArray(v) ? '[…]' : '{…}';
    if (Array.isArray(v)) {
      const items = v.slice(0, 5).map((x) => render(x, depth + 1));
      return `[${items.join(',')}${v.length > 5 ? ',…' : ''}]`;
    }
    const keys = Object.keys(v);
    const items = keys.slice(0, 5).map((k) => `${JSON.stringify(k.slice(0, 40))}:${render((v as Record<string, unknown>)[k], depth + 1)}`);
    return `{${items.join(',')}${keys.length > 5 ? ',…' : ''}}`;
  };
  return clipText(render(value, 0), max);
}

/** Nesting depth of a value, counting up to `limit` (iterative: safe on any depth). */
export function nestingDepth(value: unknown, limit = 1000): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d + 1 > deepest) deepest = d + 1;
    if (deepest >= limit) return deepest;
    for (const x of Array.isArray(v) ? v : Object.values(v)) if (x !== null && typeof x === 'object') stack.push([x, d + 1]);
  }
  return deepest;
}

/** `text` with every secret (of 4 or more characters; longest first) replaced by `***`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length >= 4 && out.includes(secret)) out = out.split(secret).join('***');
  }
  return out;
}

/** Remove secrets from an error's message and stack, in place; returns the error. */
export function redactError<E>(error: E, secrets: readonly string[]): E {
  if (error instanceof Error && secrets.some((s) => s.length >= 4)) {
    try {
      error.message = redactSecrets(error.message, secrets);
      if (error.stack) error.stack = redactSecrets(error.stack, secrets);
    } catch {
      // a frozen error keeps its message
    }
  }
  return error;
}
