import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { DataError, defineEmbedder, defineSink, defineSource, type VigiaRecord } from '@vigia/core';

/** A sink: appends one line per finished detector to a text file, and the run's status at the end. */
export const lineSink = defineSink({
  description: 'Appends one line per detector (id, status, message) and the run status to a text file.',
  options: {
    type: 'object',
    properties: { path: { type: 'string', description: 'File to append to, relative to the config.' } },
    required: ['path'],
    additionalProperties: false,
  },
  create: ({ path }, ctx) => {
    const lines: string[] = [];
    return {
      onEvent(event) {
        if (event.type === 'detector:end') lines.push(`${event.result.id} ${event.result.status} ${event.result.message}`);
      },
      report(report) {
        lines.push(`run ${report.name}: ${report.status}`);
      },
      async flush() {
        const { appendFile } = await import('node:fs/promises');
        await appendFile(ctx.resolvePath(path), lines.join('\n') + '\n');
      },
    };
  },
});

/** An embedder: character-trigram counts hashed into `dimension` buckets (a stand-in for a model). */
export const trigramEmbedder = defineEmbedder({
  description: 'Hashes character trigrams of each text into a fixed number of buckets; no model needed.',
  options: {
    type: 'object',
    properties: { dimension: { type: 'integer', minimum: 2, maximum: 4096, default: 64, description: 'Vector length.' } },
    additionalProperties: false,
  },
  create: ({ dimension }) => ({
    id: `trigram-${dimension}`, // part of cache keys: change it when the vectors change
    dimension,
    async embed(texts) {
      return texts.map((text) => {
        const v = new Float32Array(dimension);
        for (let i = 0; i + 3 <= text.length; i++) v[createHash('md5').update(text.slice(i, i + 3)).digest().readUInt32LE(0) % dimension]! += 1;
        return v;
      });
    },
  }),
});

/** A source: a JSON file holding one array of records. */
export const jsonArraySource = defineSource({
  description: 'Reads a JSON file that holds one array of records.',
  options: {
    type: 'object',
    properties: { path: { type: 'string', description: 'JSON file, relative to the config.' } },
    required: ['path'],
    additionalProperties: false,
  },
  create: ({ path }) => ({
    async read(ctx) {
      const file = ctx.resolvePath(path);
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch {
        throw new DataError(`${file}: cannot read the file; check data.<name>.with.path`, { code: 'VIGIA_DATA_NOT_FOUND' });
      }
      const value: unknown = JSON.parse(text);
      if (!Array.isArray(value)) throw new DataError(`${file}: expected a JSON array of records, got ${typeof value}`);
      const records = value.filter((r): r is VigiaRecord => r !== null && typeof r === 'object' && !Array.isArray(r));
      return { records, skipped: value.length - records.length }; // skipped records are counted, never lost
    },
  }),
});
