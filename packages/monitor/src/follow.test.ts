import { appendFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SourceBatch, SourcePosition } from '@vigia/core';
import { followJsonl } from './follow.js';

const dir = mkdtempSync(join(tmpdir(), 'vigia-follow-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lines = (from: number, n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({ i: from + i, text: 'é'.repeat((from + i) % 7) })).join('\n') + '\n';

async function collect(it: AsyncIterable<SourceBatch>): Promise<{ ids: number[]; last?: SourcePosition; skipped: number; examples: string[] }> {
  const ids: number[] = [];
  let last: SourcePosition | undefined;
  let skipped = 0;
  const examples: string[] = [];
  for await (const b of it) {
    ids.push(...b.records.map((r) => r.i as number));
    skipped += b.skipped;
    examples.push(...(b.skippedExamples ?? []));
    last = b.position;
  }
  return { ids, last, skipped, examples };
}

/** Read live until `n` records arrived (or 5 s). */
async function take(path: string, n: number, from: SourcePosition | undefined, during?: (got: number) => void): Promise<{ ids: number[]; last?: SourcePosition }> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), 5000);
  const ids: number[] = [];
  let last: SourcePosition | undefined;
  for await (const b of followJsonl({ path, from, signal: ac.signal, pollMs: 10, batchSize: 7 })) {
    ids.push(...b.records.map((r) => r.i as number));
    last = b.position;
    during?.(ids.length);
    if (ids.length >= n) break;
  }
  clearTimeout(timer);
  return { ids, last };
}

describe('followJsonl', () => {
  it('reads complete lines only, in batches, and resumes exactly from a batch position', async () => {
    const f = join(dir, 'a.jsonl');
    writeFileSync(f, lines(0, 50) + '{"i": 50, "te');
    const first = await collect(followJsonl({ path: f, stopAtEnd: true, batchSize: 16 }));
    expect(first.ids).toEqual(Array.from({ length: 50 }, (_, i) => i));
    // Complete the half-written line and add more; resuming from the position reads the rest once.
    appendFileSync(f, 'xt": "x"}\n' + lines(51, 10));
    const second = await collect(followJsonl({ path: f, from: first.last, stopAtEnd: true, batchSize: 4 }));
    expect(second.ids).toEqual(Array.from({ length: 11 }, (_, i) => 50 + i));
    expect(second.last).toMatchObject({ file: 'a.jsonl', line: 61 });
    // Resuming from a mid-stream batch position gives exactly the records after that batch.
    const batches: SourceBatch[] = [];
    for await (const b of followJsonl({ path: f, stopAtEnd: true, batchSize: 9 })) batches.push(b);
    const k = 3;
    const after = await collect(followJsonl({ path: f, from: batches[k - 1]!.position, stopAtEnd: true }));
    expect(after.ids).toEqual(Array.from({ length: 61 - 9 * k }, (_, i) => 9 * k + i));
  });

  it('skips and counts bad lines with file:line examples', async () => {
    const f = join(dir, 'bad.jsonl');
    writeFileSync(f, '{"i":0}\nnot json\n[1]\n\n{"i":1}\n');
    const out = await collect(followJsonl({ path: f, stopAtEnd: true }));
    expect(out.ids).toEqual([0, 1]);
    expect(out.skipped).toBe(2);
    expect(out.examples).toEqual([expect.stringMatching(/^bad\.jsonl:2: not valid JSON/), 'bad.jsonl:3: not a JSON object']);
  });

  it('tails a growing file and follows a rename rotation without losing or repeating a record', async () => {
    const f = join(dir, 'live.jsonl');
    writeFileSync(f, lines(0, 20));
    let rotated = false;
    const got = await take(f, 60, undefined, (n) => {
      if (n >= 20 && !rotated) {
        rotated = true;
        appendFileSync(f, lines(20, 10)); // written before the rotation: must be drained
        renameSync(f, `${f}.1`);
        writeFileSync(f, lines(30, 30));
      }
    });
    expect(got.ids).toEqual(Array.from({ length: 60 }, (_, i) => i));
  });

  it('a directory of rotated files: in name order, moving on when a later file appears, resumable', async () => {
    const d = join(dir, 'rotated');
    mkdirSync(d);
    writeFileSync(join(d, 'app-001.jsonl'), lines(0, 10));
    writeFileSync(join(d, 'app-002.jsonl'), lines(10, 10) + '{"i":20}'); // last line without \n
    writeFileSync(join(d, 'app-003.jsonl'), lines(21, 5));
    writeFileSync(join(d, 'notes.txt'), 'ignored');
    const all = await collect(followJsonl({ path: d, stopAtEnd: true, batchSize: 4 }));
    expect(all.ids).toEqual(Array.from({ length: 26 }, (_, i) => i));
    expect(all.last).toMatchObject({ file: 'app-003.jsonl' });
    writeFileSync(join(d, 'app-004.jsonl'), lines(26, 3));
    const more = await collect(followJsonl({ path: d, from: all.last, stopAtEnd: true }));
    expect(more.ids).toEqual([26, 27, 28]);
  });
});
