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
