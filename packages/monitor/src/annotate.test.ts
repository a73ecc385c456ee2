import { describe, expect, it } from 'vitest';
import type { VigiaRecord, WindowReport } from '@vigia/core';
import { AnnotationQueue } from './annotate.js';

function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a * 1664525 + 1013904223) >>> 0;
    return a / 4294967296;
  };
}
function normal(r: () => number) {
  return Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
}

const win = (index: number, start: number, end: number, records: number): WindowReport => ({
  window: { index, start: new Date(start).toISOString(), end: new Date(end).toISOString(), partial: false, records },
  status: 'pass', datasets: { current: { records, skipped: 0 } }, detectors: [], metrics: [],
});

function normalRecord(r: () => number, t: number, i: number): VigiaRecord {
  return {
    id: `n${i}`, timestamp: new Date(t).toISOString(), latency_ms: 800 + 100 * normal(r), output_tokens: Math.round(200 + 20 * normal(r)),
    logprobs: Array.from({ length: 5 }, () => -0.2 + 0.05 * normal(r)), response: `answer ${i}`,
  };
}

describe('AnnotationQueue', () => {
  it('picks the planted records of a synthetic log, with reasons, and not ten copies of one outlier', async () => {
    const r = rng(7);
    const out: string[] = [];
    const q = new AnnotationQueue({ path: 'queue.jsonl', perWindow: 5, write: async (_p, text) => void out.push(text) });
    // Window 0: normal traffic (it becomes the baseline).
    const w0: VigiaRecord[] = Array.from({ length: 2000 }, (_, i) => normalRecord(r, 1000 + i, i));
    q.add(w0);
    await q.windowClosed(win(0, 0, 1_000_000, w0.length));
    // Window 1: normal traffic with planted records.
    const base = 1_000_000;
    const w1: VigiaRecord[] = Array.from({ length: 3000 }, (_, i) => normalRecord(r, base + 10 + i, 10_000 + i));
    const copies = Array.from({ length: 10 }, (_, k) => ({ ...normalRecord(r, base + 5000 + k, 90_000 + k), id: `slow-copy-${k}`, latency_ms: 9000, response: 'timeout page' }));
    const planted = [
      { ...normalRecord(r, base + 6000, 1), id: 'tokens-outlier', output_tokens: 2000 },
      { ...normalRecord(r, base + 6001, 2), id: 'unsure', logprobs: [-3.1, -2.8, -4, -3.5, -2.9] },
      { ...normalRecord(r, base + 6002, 3), id: 'fast-and-short', latency_ms: 350, output_tokens: 150 },
      { ...normalRecord(r, base + 6003, 4), id: 'flaky', consistency: 0.2 },
    ];
    const all = [...w1.slice(0, 1500), ...copies, ...planted, ...w1.slice(1500)];
    for (let i = 0; i < all.length; i += 256) q.add(all.slice(i, i + 256));
    out.length = 0;
    await q.windowClosed(win(1, base, base + 1_000_000, all.length));
    const picks = out.join('').trim().split('\n').map((l) => JSON.parse(l) as { record: VigiaRecord; reasons: string[]; window: { index: number } });
    const ids = picks.map((p) => p.record.id as string);
    expect(picks).toHaveLength(5);
    expect(ids).toEqual(expect.arrayContaining(['tokens-outlier', 'unsure', 'flaky', 'fast-and-short']));
    expect(ids.filter((id) => id.startsWith('slow-copy')).length).toBe(1);
    expect(picks.every((p) => p.window.index === 1 && p.reasons.length > 0)).toBe(true);
    const reasonOf = (id: string) => picks.find((p) => p.record.id === id)!.reasons.join(' | ');
    expect(reasonOf('tokens-outlier')).toMatch(/anomaly: output_tokens = 2000 is .* robust SDs above the baseline median/);
    expect(reasonOf('unsure')).toMatch(/low token confidence: mean log-probability -3\.26/);
    expect(reasonOf('flaky')).toMatch(/inconsistent across samples: agreement 0\.200/);
    expect(reasonOf('fast-and-short')).toMatch(/far from the reference: 2 fields/);
    expect(reasonOf(ids.find((id) => id.startsWith('slow-copy'))!)).toMatch(/anomaly: latency_ms = 9000/);
  });

  it('keeps the candidates of the next window when one batch straddles two windows', async () => {
    const r = rng(11);
    const out: string[] = [];
    const q = new AnnotationQueue({ path: 'q.jsonl', perWindow: 3, write: async (_p, t) => void out.push(t) });
    const records = Array.from({ length: 2000 }, (_, i) => normalRecord(r, i * 10, i));
    records[1500] = { ...records[1500]!, id: 'late-outlier', latency_ms: 20_000 };
    q.add(records); // one batch: window 0 is [0, 10 s), window 1 [10 s, 20 s)
    await q.windowClosed(win(0, 0, 10_000, 1000));
    expect(out.join('')).not.toContain('late-outlier');
    await q.windowClosed(win(1, 10_000, 20_000, 1000));
    expect(out.join('')).toContain('"late-outlier"');
  });

  it('a window of ordinary traffic yields no picks', async () => {
    const r = rng(3);
    const out: string[] = [];
    const q = new AnnotationQueue({ path: 'q.jsonl', perWindow: 5, write: async (_p, t) => void out.push(t) });
    for (const k of [0, 1]) {
      q.add(Array.from({ length: 1000 }, (_, i) => normalRecord(r, k * 10_000 + i, i)));
      out.length = 0;
      await q.windowClosed(win(k, k * 10_000, (k + 1) * 10_000, 1000));
    }
    // Gaussian noise can exceed 3 robust SDs now and then, but rarely: at most a couple of picks.
    const n = out.join('').trim().split('\n').filter(Boolean).length;
    expect(n).toBeLessThanOrEqual(3);
  });
});
