import { StringDecoder } from 'node:string_decoder';
import { ConfigError, DataError, defineSource, type ComponentContext, type SourceOutput, type VigiaRecord } from '@vigia/core';
import { RecordCollector, Utf8Check, clip, commonProperties, locateFile, readChunks, toOutput, type CommonOptions } from './common.js';

const QUOTE = 34;
const LF = 10;
const CR = 13;

const enum State {
  /** At the start of a field. */
  FieldStart,
  /** Inside an unquoted field. */
  Unquoted,
  /** Inside a quoted field. */
  Quoted,
  /** Just saw a `"` inside a quoted field: either the first half of `""` or the closing quote. */
  QuoteSeen,
}

/**
 * One parsed CSV record: its fields (`null` for an empty unquoted field, so "no value" and a quoted
 * `""` stay distinguishable), the line it starts on, and a syntax problem if it has one.
 */
export type CsvRowHandler = (fields: (string | null)[], line: number, problem: string | undefined) => boolean;

/**
 * A streaming RFC 4180 parser: text arrives in pieces of any size (`push`), records come out
 * through `onRow`, which returns false to stop. Quoted fields may hold the delimiter, `""` and line
 * breaks; CRLF and LF line ends are both accepted. Lenient where RFC 4180 is silent: a `"` inside
 * an unquoted field is kept as a character.
 */
export class CsvParser {
  #state = State.FieldStart;
  #fields: (string | null)[] = [];
  #field = '';
  #quoted = false;
  #line = 1;
  #rowLine = 1;
  #quoteLine = 1;
  #problem: string | undefined;
  #stopped = false;
  readonly #delimiter: number;
  readonly #onRow: CsvRowHandler;

  constructor(delimiter: string, onRow: CsvRowHandler) {
    this.#delimiter = delimiter.charCodeAt(0);
    this.#onRow = onRow;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  #endField(): void {
    this.#fields.push(this.#field.length === 0 && !this.#quoted ? null : this.#field);
    this.#field = '';
    this.#quoted = false;
  }

  #endRow(): void {
    this.#endField();
    const fields = this.#fields;
    const problem = this.#problem;
    const line = this.#rowLine;
    this.#fields = [];
    this.#problem = undefined;
    // A blank line is one empty unquoted field: ignore it.
    if (fields.length === 1 && fields[0] === null && problem === undefined) return;
    if (!this.#onRow(fields, line, problem)) this.#stopped = true;
  }

  /** Parse the next piece of text. Returns false once the handler asked to stop. */
  push(text: string): boolean {
    if (this.#stopped) return false;
    const delimiter = this.#delimiter;
    const n = text.length;
    let state = this.#state;
    const delimiterChar = String.fromCharCode(delimiter);
    let segment = 0;
    // Cached next positions of the delimiter and of a line feed at or after i (n when none):
    // plain runs of text are skipped with indexOf instead of being walked one character at a time.
    let nextDelimiter = -1;
    let nextLf = -1;
    const find = (what: string, from: number) => {
      const k = text.indexOf(what, from);
      return k === -1 ? n : k;
    };
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      switch (state) {
        case State.Quoted: {
          if (c === QUOTE) {
            this.#field += text.slice(segment, i);
            state = State.QuoteSeen;
            break;
          }
          // Jump to the next quote, counting the line feeds inside the field.
          const q = find('"', i);
          if (nextLf < i) nextLf = find('\n', i);
          while (nextLf < q) {
            this.#line++;
            nextLf = find('\n', nextLf + 1);
          }
          i = q - 1;
          break;
        }
        case State.QuoteSeen:
          if (c === QUOTE) {
            this.#field += '"';
            segment = i + 1;
            state = State.Quoted;
          } else if (c === delimiter) {
            this.#endField();
            segment = i + 1;
            state = State.FieldStart;
          } else if (c === LF) {
            this.#line++;
            this.#endRow();
            this.#rowLine = this.#line;
            segment = i + 1;
            state = State.FieldStart;
            if (this.#stopped) return false;
          } else if (c === CR) {
            segment = i + 1;
          } else {
            this.#problem ??= `unexpected ${JSON.stringify(text[i])} after the closing quote of field ${this.#fields.length + 1} (inside quotes, write a quote as "")`;
            segment = i;
            state = State.Unquoted;
          }
          break;
        default: // FieldStart or Unquoted
          if (c === delimiter) {
            this.#field += text.slice(segment, i);
            this.#endField();
            segment = i + 1;
            state = State.FieldStart;
          } else if (c === LF) {
            let end = i;
            if (end > segment && text.charCodeAt(end - 1) === CR) end--;
            this.#field += text.slice(segment, end);
            if (end === i && this.#field.endsWith('\r')) this.#field = this.#field.slice(0, -1); // CR ended the previous piece
            this.#line++;
            this.#endRow();
            this.#rowLine = this.#line;
            segment = i + 1;
            state = State.FieldStart;
            if (this.#stopped) return false;
          } else if (c === QUOTE && state === State.FieldStart) {
            this.#quoted = true;
            this.#quoteLine = this.#line;
            segment = i + 1;
            state = State.Quoted;
          } else {
            state = State.Unquoted;
            if (nextDelimiter < i) nextDelimiter = find(delimiterChar, i);
            if (nextLf < i) nextLf = find('\n', i);
            i = (nextDelimiter < nextLf ? nextDelimiter : nextLf) - 1;
          }
      }
    }
    if (state !== State.QuoteSeen && segment < n) this.#field += text.slice(segment);
    this.#state = state;
    return true;
  }

  /** The input is complete: emit the last record if it had no line break after it. */
  end(): void {
    if (this.#stopped) return;
    if (this.#state === State.Quoted) {
      this.#problem ??= `unterminated quoted field (the " opened on line ${this.#quoteLine} is never closed)`;
    }
    if (this.#state === State.FieldStart && this.#fields.length === 0) return;
    if (this.#field.endsWith('\r') && this.#state === State.Unquoted) this.#field = this.#field.slice(0, -1);
    this.#endRow();
  }
}

/** Parse a whole CSV text into rows (for small inputs and tests). */
export function parseCsv(text: string, delimiter = ','): { fields: (string | null)[]; line: number; problem?: string }[] {
  const rows: { fields: (string | null)[]; line: number; problem?: string }[] = [];
  const parser = new CsvParser(delimiter, (fields, line, problem) => {
    rows.push(problem === undefined ? { fields, line } : { fields, line, problem });
    return true;
  });
  parser.push(text);
  parser.end();
  return rows;
}

// A decimal number (no hex, no Infinity/NaN): what "numeric column" means.
const NUMBER = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

export function isNumeric(text: string): boolean {
  return NUMBER.test(text);
}

type ColumnType = 'auto' | 'number' | 'string' | 'boolean' | 'json';

const TRUE = new Set(['true', 't', 'yes', 'y', '1']);
const FALSE = new Set(['false', 'f', 'no', 'n', '0']);

/** Convert a field under an explicit column type; throws a reason string on failure. */
function convert(value: string, type: Exclude<ColumnType, 'auto'>, column: string): unknown {
  switch (type) {
    case 'string':
      return value;
    case 'number':
      if (!isNumeric(value)) throw `column "${column}" is ${JSON.stringify(clip(value, 40))}, not a number`;
      return Number(value);
    case 'boolean': {
      const v = value.trim().toLowerCase();
      if (TRUE.has(v)) return true;
      if (FALSE.has(v)) return false;
      throw `column "${column}" is ${JSON.stringify(clip(value, 40))}, not a boolean (true/false, yes/no, 1/0)`;
    }
    case 'json':
      try {
        return JSON.parse(value);
      } catch (error) {
        throw `column "${column}" is not valid JSON (${clip((error as Error).message, 80)})`;
      }
  }
}

export interface CsvOptions extends CommonOptions {
  delimiter?: string;
  columns?: Record<string, ColumnType>;
}

/** Read a CSV file: header row, numeric columns detected, `columns` overriding types. */
export async function readCsv(options: CsvOptions, ctx: ComponentContext): Promise<SourceOutput> {
  const file = await locateFile(options.path, ctx);
  const delimiter = options.delimiter ?? (/\.tsv(\.gz)?$/i.test(options.path) ? '\t' : ',');
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new ConfigError('VIGIA_CONFIG_INVALID', `dataset "${ctx.id}": csv option delimiter must be one character other than a quote or line break, got ${JSON.stringify(delimiter)}`);
  }
  const collector = new RecordCollector<VigiaRecord>(options, file.display, ctx.rng);
  let header: string[] | undefined;
  let types: ColumnType[] = [];
  /** Per auto column: still numeric after every value so far. */
  let numeric: boolean[] = [];
  const utf8 = new Utf8Check(file.display);

  const onRow: CsvRowHandler = (fields, line, problem) => {
    if (utf8.seen && problem === undefined) {
      for (const f of fields) {
        const bad = f === null ? undefined : utf8.problem(f);
        if (bad === undefined) continue;
        if (header === undefined) throw new DataError(`${file.display}:${line}: the header row is ${bad}`);
        problem = bad;
        break;
      }
    }
    if (header === undefined) {
      if (problem !== undefined) throw new DataError(`${file.display}:${line}: the header row is malformed: ${problem}`);
      header = readHeader(fields, file.display, line);
      types = header.map((name) => options.columns?.[name] ?? 'auto');
      numeric = types.map((t) => t === 'auto');
      const unknown = Object.keys(options.columns ?? {}).filter((name) => !header!.includes(name));
      if (unknown.length > 0) {
        throw new ConfigError('VIGIA_CONFIG_INVALID', `dataset "${ctx.id}": \`columns\` names ${unknown.map((u) => `"${u}"`).join(', ')}, not in the header of ${file.display} (${header.join(', ')})`);
      }
      return true;
    }
    if (problem !== undefined) {
      collector.invalid(line, problem);
      return true;
    }
    if (fields.length !== header.length) {
      collector.invalid(line, `has ${fields.length} field${fields.length === 1 ? '' : 's'}, the header has ${header.length} (check the delimiter and quoting)`);
      return true;
    }
    // Build the record now (values as strings); numeric columns are converted once all rows are seen.
    const names = header;
    const record: VigiaRecord = {};
    for (let k = 0; k < fields.length; k++) {
      const value = fields[k]!;
      const type = types[k]!;
      if (value === null || value === '' || type === 'auto') {
        if (value !== null && value !== '' && numeric[k] && !NUMBER.test(value)) numeric[k] = false;
        record[names[k]!] = value;
        continue;
      }
      try {
        record[names[k]!] = convert(value, type, names[k]!);
      } catch (reason) {
        collector.invalid(line, String(reason));
        return true;
      }
    }
    return collector.add(record);
  };

  const parser = new CsvParser(delimiter, onRow);
  const decoder = new StringDecoder('utf8');
  let first = true;
  for await (const chunk of readChunks(file, ctx)) {
    let text = decoder.write(chunk);
    utf8.chunk(chunk, text);
    if (first) {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (!parser.push(text)) break;
  }
  if (!parser.stopped) {
    parser.push(decoder.end());
    parser.end();
  }
  if (header === undefined) return { records: [], skipped: 0 };

  const result = collector.finish();
  const numericNames = header.filter((_, k) => numeric[k]);
  const sampled = options.sample !== undefined;
  for (const record of result.items) {
    for (const name of numericNames) {
      const value = record[name] as string | null;
      record[name] = value === null || value === '' ? null : Number(value);
    }
    // A kept string may be a slice of a whole 1 MiB chunk; with a sample, copy it so the few kept
    // records do not hold the entire file in memory.
    if (sampled) {
      for (const name of header) {
        const value = record[name];
        if (typeof value === 'string' && value.length > 12) record[name] = Buffer.from(value, 'utf8').toString('utf8');
      }
    }
  }
  return toOutput(result);
}

function readHeader(fields: (string | null)[], file: string, line: number): string[] {
  const names = fields.map((f, k) => (f === null || f.trim() === '' ? `column_${k + 1}` : f.trim()));
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new DataError(`${file}:${line}: the header names column "${name}" twice; rename one of them`);
    seen.add(name);
  }
  return names;
}

export const csv = defineSource({
  description:
    'Reads a CSV file with a header row (RFC 4180 quoting; `.csv.gz` is gunzipped while streaming). Columns whose every non-empty value is a number become numbers; empty cells become null; `columns` overrides types.',
  options: {
    type: 'object',
    properties: {
      ...commonProperties,
      delimiter: {
        type: 'string',
        minLength: 1,
        maxLength: 1,
        description: 'Field delimiter, one character. Default: `,` (a tab for `.tsv` files).',
      },
      columns: {
        type: 'object',
        description: 'Column types by header name, overriding detection: `number`, `string`, `boolean`, `json` (a JSON value in the cell, e.g. an embedding) or `auto`.',
        additionalProperties: { type: 'string', enum: ['auto', 'number', 'string', 'boolean', 'json'] },
      },
    },
    required: ['path'],
    additionalProperties: false,
  },
  example: { path: './samples/current.csv', columns: { user_id: 'string' } },
  check: (options) => (options.delimiter !== undefined && /["\r\n]/.test(options.delimiter) ? `/delimiter must be one character other than a quote or line break, got ${JSON.stringify(options.delimiter)}` : undefined),
  create: (options) => ({
    read: (ctx) => readCsv(options as CsvOptions, ctx),
  }),
});
