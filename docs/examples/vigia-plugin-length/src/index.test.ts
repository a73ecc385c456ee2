import { describe, expect, it } from 'vitest';
import { runDetector } from '@vigia/testing';
import { medianShift } from './index.js';

const rows = (...xs: number[]) => xs.map((output_tokens) => ({ output_tokens }));

describe('median-shift', () => {
  it('passes when the median holds and fails when it moves', async () => {
    const reference = rows(100, 110, 120);
    expect((await runDetector(medianShift, { field: 'output_tokens' }, { reference, current: rows(105, 110, 118) })).status).toBe('pass');
    const moved = await runDetector(medianShift, { field: 'output_tokens' }, { reference, current: rows(150, 160, 170) });
    expect(moved).toMatchObject({ status: 'fail', statistic: 50 / 110, details: { before: 110, after: 160 } });
  });

  it('rejects options the schema does not allow', async () => {
    await expect(runDetector(medianShift, { field: 'x', maxChange: -1 }, { reference: [], current: [] })).rejects.toThrow('/with/maxChange must be > 0');
  });
});
