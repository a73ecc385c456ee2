import { StringDecoder } from 'node:string_decoder';
import { defineSource, type ComponentContext, type SourceOutput, type VigiaRecord } from '@vigia/core';
import { RecordCollector, clip, commonProperties, locateFile, readChunks, toOutput, type CommonOptions } from './common.js';

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
    return collector.add(value as VigiaRecord);
  };

  for await (const chunk of readChunks(file, ctx)) {
    let text = decoder.write(chunk);
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

export const jsonl = defineSource({
  description:
    'Reads a JSON Lines file (one JSON object per line; `.jsonl.gz` is gunzipped while streaming). Blank lines are ignored; a line that is not a JSON object is an error, or skipped and counted with `onInvalid: skip`.',
  options: {
    type: 'object',
    properties: { ...commonProperties },
    required: ['path'],
    additionalProperties: false,
  },
  example: { path: './samples/current.jsonl', sample: 1000 },
  create: (options) => ({
    read: (ctx) => readJsonl(options, ctx),
  }),
});
