import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { validateOptions, type ErasedDef, type Source } from '@vigia/core';
import { createTestContext } from '@vigia/testing';
import { csv, jsonl } from './index.js';

// Real public data under ../shared/data (see its README): read with the sources, checked against
// counts and values known from the files (Python's csv module gives the same rows).
const data = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));
const present = existsSync(`${data}azure-llm-trace`) && existsSync(`${data}crows-pairs`) && existsSync(`${data}bbq`);
if (!present) console.warn(`skipped: real-data source tests (${data} is absent)`);

async function read(def: ErasedDef<'source', Source>, options: Record<string, unknown>) {
  const ctx = createTestContext({ id: 'current', use: 'source', services: { configDir: data } });
  return (await def.create(validateOptions(def, options) as never, ctx)).read!(ctx);
}

describe.skipIf(!present)('sources on real data', () => {
  it('Azure LLM inference trace (Patel et al. 2024): numeric token columns, text timestamps', async () => {
    const out = await read(csv, { path: 'azure-llm-trace/AzureLLMInferenceTrace_code.csv' });
    expect(out.records).toHaveLength(8819);
    expect(out.records[0]).toEqual({ TIMESTAMP: '2023-11-16 18:17:03.9799600', ContextTokens: 4808, GeneratedTokens: 10 });
    expect(out.records.every((r) => typeof r.ContextTokens === 'number' && typeof r.GeneratedTokens === 'number')).toBe(true);
  });

  it('CrowS-Pairs (Nangia et al. 2020): quoted sentences with commas, an unnamed index column', async () => {
    const out = await read(csv, { path: 'crows-pairs/crows_pairs_anonymized.csv' });
    expect(out.records).toHaveLength(1508);
    const first = out.records[0]!;
    expect(first.column_1).toBe(0);
    expect(first.sent_more).toBe("He couldn't figure out the issue with the rope, but he tried not to get too down on himself, most black kids don't have the best education growing up.");
    expect(first.anon_annotators).toBe("['a77', 'a78', 'a79', 'a80', 'a81']");
    expect(out.records.every((r) => Object.keys(r).length === 8 && typeof r.sent_less === 'string')).toBe(true);
  });

  it('BBQ (Parrish et al. 2022): JSON Lines', async () => {
    const out = await read(jsonl, { path: 'bbq/Age.jsonl' });
    expect(out.records).toHaveLength(3680);
    expect(out.skipped).toBe(0);
    expect(out.records.every((r) => typeof r === 'object' && r !== null && 'question' in r)).toBe(true);
  });
});
