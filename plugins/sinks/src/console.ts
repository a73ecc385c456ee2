import { defineSink, type Report } from '@vigia/core';
import { formatReportTable } from './format.js';

/** What the console sink writes to: a Node stream or anything with the same few members. */
export interface ConsoleStream {
  write(chunk: string, callback?: (error?: Error | null) => void): boolean;
  isTTY?: boolean;
  columns?: number;
}

/**
 * Whether to colour: `always`/`never` win; under `auto`, FORCE_COLOR (not `0`/`false`) turns it
 * on, NO_COLOR (any non-empty value, no-color.org) turns it off, else colour when on a TTY.
 */
export function shouldColor(mode: 'auto' | 'always' | 'never', stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (mode === 'always') return true;
  if (mode === 'never') return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '0' && force !== 'false') return true;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return stream.isTTY === true;
}

export const consoleSink = defineSink({
  description: 'Prints the report as a table: one row per detector (status, statistic, p-value, threshold, message), the metrics, and a one-line summary.',
  options: {
    type: 'object',
    properties: {
      stream: {
        type: 'string',
        enum: ['stdout', 'stderr'],
        default: 'stdout',
        description: 'Where to print. The CLI prints to stderr when `--format json` owns stdout.',
      },
      color: {
        type: 'string',
        enum: ['auto', 'always', 'never'],
        default: 'auto',
        description: 'ANSI colours: `auto` colours on a terminal and respects NO_COLOR and FORCE_COLOR.',
      },
      width: {
        type: 'integer',
        minimum: 40,
        description: 'Table width in characters; messages are cut to fit. Default: the terminal width; when not a terminal (CI logs), messages are printed whole on their own lines.',
      },
    },
    additionalProperties: false,
  },
  example: { color: 'never' },
  create: (options) => {
    const output: ConsoleStream = options.stream === 'stderr' ? process.stderr : process.stdout;
    return createConsoleSink({ output, color: options.color, width: options.width });
  },
});

/** The console sink on any stream (for tests and embedding). */
export function createConsoleSink({ output, color = 'auto', width, env = process.env }: {
  output: ConsoleStream;
  color?: 'auto' | 'always' | 'never';
  width?: number;
  env?: NodeJS.ProcessEnv;
}): { report(report: Report): Promise<void>; flush(): Promise<void> } {
  let pending: Promise<void> = Promise.resolve();
  return {
    report(report) {
      const text = formatReportTable(report, {
        color: shouldColor(color, output, env),
        width: width ?? (output.isTTY && output.columns ? output.columns : 120),
        // Logs (not a terminal) keep whole lines: print every message whole unless a width is set.
        fullMessages: width === undefined && output.isTTY !== true,
      });
      pending = new Promise<void>((resolve, reject) => {
        output.write(text, (error) => (error ? reject(new Error(`console sink: cannot write the report: ${error.message}`)) : resolve()));
      });
      return pending;
    },
    flush: () => pending,
  };
}
