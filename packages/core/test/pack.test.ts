import { describe, expect, it } from 'vitest';
import { getField, type Dataset, type VigiaRecord } from '../src/index.js';
import { PACK_MIN_VALUES, packDatasets, unpackDatasets } from '../src/pack.js';

/** What a worker thread receives: pack, clone with the buffers transferred, unpack. */
function roundTrip(datasets: Dataset[]): { out: Dataset[]; stats: ReturnType<typeof packDatasets>['stats']; transferred: number } {
  const { wire, transfer, stats } = packDatasets(datasets);
  const cloned = structuredClone(wire, { transfer });
  return { out: unpackDatasets(cloned), stats, transferred: transfer.length };
}

const vector = (i: number, d: number) => Array.from({ length: d }, (_, k) => Math.sin(i * 31 + k) * (k % 7 === 0 ? 1e-300 : 3));

function dataset(records: VigiaRecord[], name = 'current'): Dataset {
  return { name, origin: `inline ${name}`, skipped: 2, fieldNames: ['v', 'meta.e'], records };
}

describe('packing datasets for a worker thread', () => {
  const d = 64;
  const n = Math.ceil((2 * PACK_MIN_VALUES) / d);
  const records: VigiaRecord[] = Array.from({ length: n }, (_, i) => {
    const r: VigiaRecord = { id: i, v: vector(i, d), text: `t${i}`, meta: { e: vector(i + 1, d), tag: 'x' } };
    if (i === 3) r.v = null;
    if (i === 4) delete r.v;
    if (i === 5) r.v = [1, 'two', 3]; // not all numbers: stays in its record
    if (i === 6) { const holey = [1, 2, 3]; delete holey[1]; r.v = holey; } // a hole: stays
    if (i === 7) r.v = [];
    if (i === 8) r.v = [-0, NaN, Infinity, -Infinity, Number.MIN_VALUE, 2 ** 53 + 2];
    if (i === 9) (r as Record<string, unknown>)['meta.e'] = 'a literal dotted key wins in getField';
    if (i === 10) r.meta = null;
    return r;
  });

  it('gives back records equal to the originals, key order included, and leaves the originals alone', () => {
    const before = JSON.stringify(records);
    const { out, stats, transferred } = roundTrip([dataset(records)]);
    expect(JSON.stringify(records)).toBe(before);
    expect(stats.fields).toBe(2);
    expect(transferred).toBe(6);
    const [back] = out;
    expect(back!.records).toHaveLength(n);
    expect(JSON.stringify(back!.records)).toBe(before);
    for (let i = 0; i < n; i++) {
      expect(Object.keys(back!.records[i]!)).toEqual(Object.keys(records[i]!));
      expect(back!.records[i]).toEqual(records[i]);
    }
    expect(Object.is((back!.records[8]!.v as number[])[0], -0)).toBe(true);
    expect(back).toMatchObject({ name: 'current', origin: 'inline current', skipped: 2, fieldNames: ['v', 'meta.e'] });
  });

  it('lists each packed column under the path getField reads, agreeing with getField record by record', () => {
    const [back] = roundTrip([dataset(records)]).out;
    expect([...back!.numberArrays!.keys()].sort()).toEqual(['meta.e', 'v']);
    for (const field of ['v', 'meta.e']) {
      const column = back!.numberArrays!.get(field)!;
      expect(column.offsets).toHaveLength(n + 1);
      for (let i = 0; i < n; i++) {
        const value = getField(records[i]!, field);
        if (column.packed[i] === 1) {
          expect(Array.from(column.values.subarray(column.offsets[i], column.offsets[i + 1]))).toEqual(value);
        } else {
          expect(column.offsets[i + 1]).toBe(column.offsets[i]);
          expect(getField(back!.records[i]!, field)).toEqual(value);
        }
      }
    }
    const v = back!.numberArrays!.get('v')!;
    expect([3, 4, 5, 6, 7].map((i) => v.packed[i])).toEqual([0, 0, 0, 0, 0]);
    expect(v.packed[8]).toBe(1);
    const e = back!.numberArrays!.get('meta.e')!;
    expect([9, 10].map((i) => e.packed[i])).toEqual([0, 0]);
  });

  it('builds a record\'s array on first access, once, and lets components overwrite it', () => {
    const [back] = roundTrip([dataset(records)]).out;
    const r = back!.records[0] as Record<string, unknown>;
    const first = r.v;
    expect(Array.isArray(first)).toBe(true);
    expect(r.v).toBe(first);
    r.v = 'replaced';
    expect(r.v).toBe('replaced');
    expect(structuredClone(back!.records[1])).toEqual(records[1]);
  });

  it('leaves small fields, and datasets without number arrays, as they are', () => {
    const small = Array.from({ length: 10 }, (_, i) => ({ v: [i, i + 1] }));
    const { out, stats, transferred } = roundTrip([dataset(small), dataset([], 'reference')]);
    expect(stats).toEqual({ records: 10, fields: 0, values: 0 });
    expect(transferred).toBe(0);
    expect(out[0]!.numberArrays).toBeUndefined();
    expect(out[0]!.records).toEqual(small);
    expect(out[1]!.records).toEqual([]);
  });
});
