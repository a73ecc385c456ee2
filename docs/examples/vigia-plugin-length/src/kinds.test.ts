import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CORE_API_VERSION, definePlugin } from '@vigia/core';
import { createTestContext, runInMemory, testPlugin } from '@vigia/testing';
import plugin from './index.js';
import { jsonArraySource, lineSink, trigramEmbedder } from './kinds.js';

const kinds = definePlugin({
  name: 'vigia-plugin-kinds', apiVersion: CORE_API_VERSION,
  sinks: { lines: lineSink }, embedders: { trigram: trigramEmbedder }, sources: { 'json-array': jsonArraySource },
});

describe('a sink, an embedder and a source', () => {
  it('the sink writes what a whole run reports', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kinds-'));
    const rows = (...xs: number[]) => xs.map((output_tokens) => ({ output_tokens }));
    const { report } = await runInMemory({
      plugins: [plugin, kinds], dir,
      data: { reference: rows(100, 110, 120), current: rows(150, 160, 170) },
      detectors: [{ use: 'median-shift', with: { field: 'output_tokens' } }],
      sinks: [{ use: 'lines', with: { path: 'out.txt' } }],
    });
    expect(report.status).toBe('fail');
    expect(readFileSync(join(dir, 'out.txt'), 'utf8')).toMatch(/^median-shift fail median output_tokens 110 → 160.*\nrun in-memory: fail\n$/);
  });

  it('the embedder gives equal vectors for equal texts', async () => {
    const embedder = await trigramEmbedder.create({ dimension: 16 }, createTestContext());
    const [a, b, c] = await embedder.embed(['refund my order', 'reset my password', 'refund my order']);
    expect(a).toEqual(c);
    expect(a).not.toEqual(b);
  });

  it('the source reads an array and counts what it skips', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kinds-'));
    writeFileSync(join(dir, 'data.json'), JSON.stringify([{ x: 1 }, 'junk', { x: 2 }]));
    const ctx = createTestContext({ configDir: dir });
    const out = await (await jsonArraySource.create({ path: 'data.json' }, ctx)).read!(ctx);
    expect(out).toEqual({ records: [{ x: 1 }, { x: 2 }], skipped: 1 });
  });
});

testPlugin(plugin, {
  'median-shift': { options: { field: 'output_tokens' }, records: [{ output_tokens: 100 }, { output_tokens: 120 }], fields: ['output_tokens'] },
}, { describe, it });
testPlugin(kinds, { lines: { options: { path: 'lines.txt' } }, 'json-array': { options: { path: 'data.json' } } }, { describe, it });
