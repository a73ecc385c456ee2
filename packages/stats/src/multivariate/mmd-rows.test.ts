import { describe, expect, it } from 'vitest';
import { HelperStalledError, waitSettled } from './mmd-rows.js';

describe('waitSettled (the calling thread waiting on a helper thread)', () => {
  it('returns the settled state at once when nothing is pending', () => {
    const control = new Int32Array(new SharedArrayBuffer(8));
    Atomics.store(control, 1, 3);
    expect(waitSettled(control, 1, (s) => s < 2, 'block 0', 1000)).toBe(3);
  });

  it('turns a helper that stopped mid-block into an error naming the block, not a hang', () => {
    const control = new Int32Array(new SharedArrayBuffer(8));
    Atomics.store(control, 0, 1); // claimed, never finished
    const started = Date.now();
    expect(() => waitSettled(control, 0, (s) => s < 2, 'block 7 of phase 1', 60)).toThrow(HelperStalledError);
    expect(() => waitSettled(control, 0, (s) => s < 2, 'block 7 of phase 1', 60)).toThrow(/block 7 of phase 1 \(no progress for 0 s\)/);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
