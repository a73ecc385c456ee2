// The default score and threshold on real English text: CrowS-Pairs (Nangia et al. 2020) sentence
// pairs differ by a few words (minimal edits); two sentences of different pairs are unrelated.
// Reads ../shared/data/crows-pairs and skips when it is absent.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runDetector } from '@vigia/testing';
import { createHashingEmbedder } from '@vigia/plugin-embedders';
import { nondeterminism, type GroupResult } from './index.js';

const file = fileURLToPath(new URL('../../../../shared/data/crows-pairs/crows_pairs_anonymized.csv', import.meta.url));
const present = existsSync(file);
if (!present) console.warn(`skipping the CrowS-Pairs check: ${file} is absent (see ../shared/data/README.md)`);

function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else if (c !== '\r') field += c;
  }
  return rows;
}

describe.skipIf(!present)('nondeterminism defaults on CrowS-Pairs', () => {
  it('leave minimal edits unflagged, flag unrelated sentences, and score identical < minimal < unrelated', async () => {
    const pairs = parseCsv(readFileSync(file, 'utf8')).slice(1).filter((r) => r.length >= 3 && r[1] && r[2]).map((r) => [r[1]!, r[2]!] as const);
    const records: Array<Record<string, string>> = [];
    pairs.forEach(([more, less], i) => {
      const other = pairs[(i * 7919 + 13) % pairs.length]![0];
      records.push({ prompt: `same-${i}`, response: more }, { prompt: `same-${i}`, response: more });
      records.push({ prompt: `edit-${i}`, response: more }, { prompt: `edit-${i}`, response: less });
      if (other !== more) records.push({ prompt: `unrelated-${i}`, response: more }, { prompt: `unrelated-${i}`, response: other });
    });
    const result = await runDetector(nondeterminism, {}, { current: records }, { embedder: createHashingEmbedder() });
    const groups = (result.details as { groups: GroupResult[] }).groups;
    const kind = (g: GroupResult) => g.key.split('-')[0]!;
    const of = (k: string) => groups.filter((g) => kind(g) === k);
    const flaggedShare = (k: string) => of(k).filter((g) => g.flagged).length / of(k).length;
    const meanScore = (k: string) => of(k).reduce((a, g) => a + g.score, 0) / of(k).length;
    expect(of('edit').length).toBeGreaterThan(1000);
    expect(flaggedShare('same')).toBe(0);
    expect(flaggedShare('edit')).toBeLessThan(0.01);
    expect(flaggedShare('unrelated')).toBeGreaterThan(0.99);
    expect(meanScore('same')).toBe(0);
    expect(meanScore('edit')).toBeGreaterThan(0);
    expect(meanScore('edit')).toBeLessThan(meanScore('unrelated'));
  });
});
