import { describe, expect, it } from 'vitest';
import { createRandom } from '../random.js';
import { sortFloat64, sortedFinite } from './index.js';

/** Bit-exact comparison with the built-in TypedArray sort (−0 before +0, NaN last). */
function expectSameAsBuiltin(values: Float64Array): void {
  const expected = Float64Array.from(values).sort();
  const actual = sortFloat64(Float64Array.from(values));
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) throw new Error(`index ${i}: ${actual[i]} instead of ${expected[i]}`);
  }
  // sortedFinite: the same order into a new array (radix-sorted straight from the input), input untouched.
  if (!values.every(Number.isFinite)) return;
  const before = Float64Array.from(values);
  const copy = sortedFinite(values, 'x');
  expect(copy).not.toBe(values);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(copy[i], expected[i])) throw new Error(`sortedFinite index ${i}: ${copy[i]} instead of ${expected[i]}`);
    if (!Object.is(values[i], before[i])) throw new Error(`sortedFinite changed its input at ${i}`);
  }
}

describe('sortFloat64 (radix sort on the bit patterns)', () => {
  const random = createRandom(11);
  it('orders like Float64Array.prototype.sort on normal, heavy-tailed, integer and tied data', () => {
    for (const n of [0, 1, 5, 2047, 2048, 2049, 50_000]) {
      expectSameAsBuiltin(Float64Array.from({ length: n }, () => random.normal()));
      expectSameAsBuiltin(Float64Array.from({ length: n }, () => Math.exp(3 * random.normal())));
      expectSameAsBuiltin(Float64Array.from({ length: n }, () => Math.round(100 * random.normal())));
      expectSameAsBuiltin(Float64Array.from({ length: n }, () => (random.next() < 0.5 ? 1 : 2)));
    }
  });
  it('orders values that share their high 32 bits (long and short runs of tied high words)', () => {
    // ±(1 + k·2⁻⁵²) for k < 2³²: one high word per sign, so two runs of ~10,000 (the low-word radix path).
    expectSameAsBuiltin(Float64Array.from({ length: 20_000 }, () => (random.next() < 0.5 ? -1 : 1) * (1 + Math.floor(random.next() * 2 ** 32) * 2 ** -52)));
    // Millisecond timestamps (one high word per ~17 minutes): over a day, runs of ~360 (built-in sort
    // per run); over an hour, runs of ~7,500 (low-word radix); presorted (runs already in order).
    expectSameAsBuiltin(Float64Array.from({ length: 30_000 }, () => 1.7e12 + Math.floor(random.next() * 8.64e7)));
    expectSameAsBuiltin(Float64Array.from({ length: 30_000 }, () => 1.7e12 + Math.floor(random.next() * 4e6)));
    expectSameAsBuiltin(Float64Array.from({ length: 30_000 }, (_, i) => 1.7e12 + i * 2880));
    expectSameAsBuiltin(Float64Array.from({ length: 30_000 }, (_, i) => -1.7e12 - i * 2880));
    // Low words differing only in their top or bottom digit (skipped low passes).
    expectSameAsBuiltin(Float64Array.from({ length: 30_000 }, () => 1 + Math.floor(random.next() * 1024) * 2 ** -32));
    expectSameAsBuiltin(Float64Array.from({ length: 30_000 }, () => -(1 + Math.floor(random.next() * 1024) * 2 ** -52)));
    // Runs of every length around the insertion-sort limit, both signs, mixed with normal values.
    for (const run of [2, 3, 23, 24, 25, 100]) {
      expectSameAsBuiltin(Float64Array.from({ length: 6000 }, (_, i) => {
        const group = Math.floor(i / run) % 50;
        const sign = group % 2 ? -1 : 1;
        return i % 3 === 0 ? random.normal() : sign * (group + 1 + Math.floor(random.next() * 1000) * 2 ** -50);
      }));
    }
    // Subnormals next to ±0 share the high word 0 (or 0x80000000) with them.
    expectSameAsBuiltin(Float64Array.from({ length: 5000 }, (_, i) => [0, -0, 5e-324, -5e-324, 1e-320, -1e-320][(i * 7 + (i >> 3)) % 6]!));
  });
  it('keeps −0 before +0, ±Infinity and subnormals in place, and NaN last', () => {
    const special = [-0, 0, Infinity, -Infinity, NaN, 5e-324, -5e-324, Number.MAX_VALUE, -Number.MAX_VALUE, 2.2250738585072014e-308];
    const values = Float64Array.from({ length: 10_000 }, (_, i) => (i % 7 === 0 ? special[i % special.length]! : random.normal()));
    expectSameAsBuiltin(values);
    expectSameAsBuiltin(Float64Array.from({ length: 4096 }, (_, i) => (i % 2 ? -0 : 0)));
    expectSameAsBuiltin(new Float64Array(4096).fill(NaN));
  });
  it('sorts a subarray in place without touching the rest of its buffer', () => {
    const whole = Float64Array.from({ length: 10_000 }, () => random.normal());
    const copy = Float64Array.from(whole);
    sortFloat64(whole.subarray(1000, 9000));
    expect(Array.from(whole.subarray(1000, 9000))).toEqual(Array.from(copy.subarray(1000, 9000).sort()));
    expect(Array.from(whole.subarray(0, 1000))).toEqual(Array.from(copy.subarray(0, 1000)));
    expect(Array.from(whole.subarray(9000))).toEqual(Array.from(copy.subarray(9000)));
  });
  it('sortedFinite still refuses non-finite values, naming them', () => {
    const values = Float64Array.from({ length: 5000 }, () => random.normal());
    values[4321] = NaN;
    expect(() => sortedFinite(values, 'x')).toThrow('x: value 4321 is NaN, not a finite number');
    values[4321] = 0;
    values[77] = -Infinity;
    expect(() => sortedFinite(values, 'x')).toThrow('x: value 77 is -Infinity, not a finite number');
    expect(() => sortedFinite(Array.from(values), 'x')).toThrow('x: value 77 is -Infinity, not a finite number');
  });
});
