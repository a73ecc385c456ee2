import { StringDecoder } from 'node:string_decoder';
import { defineSource, type ComponentContext, type SourceOutput, type VigiaRecord } from '@vigia/core';
import { RecordCollector, Utf8Check, clip, commonProperties, locateFile, readChunks, toOutput, type CommonOptions } from './common.js';

const OPEN_BRACE = 123;

/**
 * Read a JSON Lines file (optionally gzipped) into records.
 *
 * Hot path: 1 MiB chunks decoded to text, split on `\n` with `indexOf`, one `JSON.parse` per line;
 * no readline and no per-line promise, so it runs close to a bare `split` + `JSON.parse` loop
 * while never holding the whole file as one string.
 */
export async function readJsonl(options: CommonOptions, ctx: ComponentContext): Promise<SourceOutput> {
  const file = await locateFile(options.path, ctx);
  const collector = new RecordCollector<VigiaRecord>(options, file.display, ctx.rng);
  const decoder = new StringDecoder('utf8');
  const utf8 = new Utf8Check(file.display);
  /** Text of the line that straddles chunk boundaries, in pieces (joined once its end arrives). */
  let pending: string[] = [];
  let lineNo = 0;
  let first = true;
  let more = true;

  // One line: blank lines are ignored; anything else must be a JSON object.
  const take = (line: string): boolean => {
    lineNo++;
    if (line.length === 0) return true;
    if (line.charCodeAt(0) !== OPEN_BRACE && line.trim().length === 0) return true;
    if (utf8.seen) {
      const problem = utf8.problem(line);
      if (problem) {
        collector.invalid(lineNo, problem);
        return true;
      }
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      collector.invalid(lineNo, `not valid JSON (${clip((error as Error).message, 120)})`);
      return true;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      collector.invalid(lineNo, `not a JSON object (got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : `${typeof value} ${clip(JSON.stringify(value), 40)}`}); each line must be one {…} record`);
      return true;
    }
    const duplicate = duplicateKeyOf(line, value);
    if (duplicate !== undefined) collector.note('duplicate JSON keys (the last value of each was kept)', lineNo, `key "${clip(duplicate, 60)}" appears twice`);
    return collector.add(value as VigiaRecord);
  };

  for await (const chunk of readChunks(file, ctx)) {
    let text = decoder.write(chunk);
    utf8.chunk(chunk, text);
    if (first) {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // UTF-8 byte-order mark
    }
    let nl = text.indexOf('\n');
    if (nl === -1) {
      pending.push(text);
      continue;
    }
    let head = text.slice(0, nl);
    if (pending.length > 0) {
      pending.push(head);
      head = pending.join('');
      pending = [];
    }
    more = take(head);
    let start = nl + 1;
    while (more) {
      nl = text.indexOf('\n', start);
      if (nl === -1) break;
      more = take(text.slice(start, nl));
      start = nl + 1;
    }
    if (!more) break;
    if (start < text.length) pending.push(text.slice(start));
  }
  if (more) {
    pending.push(decoder.end());
    const last = pending.join('');
    if (last.length > 0) take(last);
  }
  return toOutput(collector.finish());
}

/**
 * A key that occurs twice in one object of `line` (JSON.parse silently keeps the last), or
 * undefined. Cheap in the usual case: the parsed value's keys are counted and compared with the
 * `":` pairs in the text; only when they differ (a duplicate, or `":` inside a string) is the line
 * scanned exactly.
 */
export function duplicateKeyOf(line: string, value: unknown): string | undefined {
  let keys = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      for (const x of v) if (x !== null && typeof x === 'object') stack.push(x);
      continue;
    }
    for (const k in v) {
      keys++;
      const x = (v as Record<string, unknown>)[k];
      if (x !== null && typeof x === 'object') stack.push(x);
    }
  }
  let pairs = 0;
  for (let i = line.indexOf('":'); i !== -1; i = line.indexOf('":', i + 2)) pairs++;
  return pairs === keys ? undefined : scanDuplicateKey(line);
}

/** The exact scan: tracks the keys of every open object of a valid JSON text. */
function scanDuplicateKey(text: string): string | undefined {
  const stack: Array<{ keys: Set<string> | null; expectKey: boolean }> = [];
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      let j = i + 1;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d === 92) j += 2;
        else if (d === 34) break;
        else j++;
      }
      const top = stack[stack.length - 1];
      if (top?.keys && top.expectKey) {
        const raw = text.slice(i + 1, j);
        const key = raw.includes('\\') ? (JSON.parse(text.slice(i, j + 1)) as string) : raw;
        if (top.keys.has(key)) return key;
        top.keys.add(key);
        top.expectKey = false;
      }
      i = j;
    } else if (c === 123) stack.push({ keys: new Set(), expectKey: true });
    else if (c === 91) stack.push({ keys: null, expectKey: false });
    else if (c === 125 || c === 93) stack.pop();
    else if (c === 44) {
      const top = stack[stack.length - 1];
      if (top?.keys) top.expectKey = true;
    }
  }
  return undefined;
}

export const jsonl = defineSource({
  description:
    'Reads a JSON Lines file (one JSON object per line; `.jsonl.gz` is gunzipped while streaming). Blank lines are ignored; a line that is not a JSON object is an error, or skipped and counted with `onInvalid: skip`.',
  options: {
    type: 'object',
    properties: {
      ...commonProperties,
      // Read by `vigia watch` (@vigia/monitor tails the file from a stored byte position); a batch run reads what is there.
      follow: { type: 'boolean', description: '`vigia watch`: tail the file as it grows (or, when `path` is a directory, its rotated `*.jsonl` files in name order), resuming after a restart from the stored position. `vigia run` reads what is there.' },
    },
    required: ['path'],
    additionalProperties: false,
  },
  example: { path: './samples/current.jsonl', sample: 1000 },
  create: (options) => ({
    read: (ctx) => readJsonl(options, ctx),
  }),
});
