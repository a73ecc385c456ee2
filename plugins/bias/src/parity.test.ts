import { describe, expect, it } from 'vitest';
import { runDetector } from '@vigia/testing';
import { groupParity } from './parity.js';

/** `n` records of a group with `yes` positive outcomes among `pos` positive labels … */
function group(name: string, counts: { tp: number; fn: number; fp: number; tn: number }, extra: Record<string, unknown> = {}) {
  const rows: Record<string, unknown>[] = [];
  const push = (k: number, outcome: boolean, label: boolean) => { for (let i = 0; i < k; i++) rows.push({ group: name, approved: outcome, repaid: label ? 'yes' : 'no', ...extra }); };
  push(counts.tp, true, true);
  push(counts.fn, false, true);
  push(counts.fp, true, false);
  push(counts.tn, false, false);
  return rows;
}

describe('group-parity', () => {
  // Hand-computed with fairlearn's definitions:
  // A: 40 records, 20 approved → selection rate 0.5; TPR 16/20 = 0.8, FPR 4/20 = 0.2.
  // B: 40 records, 10 approved → 0.25; TPR 8/20 = 0.4, FPR 2/20 = 0.1.
  // C: 5 records → below minGroupSize 30, reported as too small.
  // demographic_parity_difference = 0.5 − 0.25 = 0.25; demographic_parity_ratio = 0.25/0.5 = 0.5;
  // equalized_odds_difference = max(0.8 − 0.4, 0.2 − 0.1) = 0.4.
  // Chi-square on [[20, 20], [10, 30]]: expected 15/25 per row, χ² = 2·(25/15 + 25/25) = 16/3, p = 0.020921 (scipy chi2.sf(16/3, 1)).
  const data = [
    ...group('A', { tp: 16, fn: 4, fp: 4, tn: 16 }),
    ...group('B', { tp: 8, fn: 12, fp: 2, tn: 18 }),
    ...group('C', { tp: 1, fn: 1, fp: 1, tn: 2 }),
  ];

  it('equals fairlearn\'s definitions on a hand-computed example', async () => {
    const r = await runDetector(groupParity, { outcomeField: 'approved', groupField: 'group', labelField: 'repaid' }, { current: data });
    const d = r.details as Record<string, unknown>;
    expect(d.groups).toEqual([
      { group: 'A', n: 40, selectionRate: 0.5, tpr: 0.8, fpr: 0.2 },
      { group: 'B', n: 40, selectionRate: 0.25, tpr: 0.4, fpr: 0.1 },
    ]);
    expect(d.tooSmall).toEqual([{ group: 'C', n: 5 }]);
    expect(d.demographicParityDifference).toBeCloseTo(0.25, 15);
    expect(d.disparateImpactRatio).toBeCloseTo(0.5, 15);
    expect(d.fourFifthsRule).toBe('violated');
    expect(d.equalizedOddsDifference).toBeCloseTo(0.4, 15);
    expect(r.statistic).toBeCloseTo(0.25, 15);
    expect((d.chiSquare as { statistic: number }).statistic).toBeCloseTo(16 / 3, 12);
    expect(r.pValue).toBeCloseTo(0.020921335337794, 9);
    expect(r.status).toBe('fail');
    expect(r.message).toContain('1 group below 30 records not tested');
  });

  it('warns when significant but below minEffect, and fourFifths: fail fails on the ratio alone', async () => {
    expect((await runDetector(groupParity, { outcomeField: 'approved', groupField: 'group', minEffect: 0.3 }, { current: data })).status).toBe('warn');
    const small = [...group('A', { tp: 3, fn: 7, fp: 0, tn: 0 }), ...group('B', { tp: 2, fn: 8, fp: 0, tn: 0 })];
    const report = await runDetector(groupParity, { outcomeField: 'approved', groupField: 'group', minGroupSize: 5 }, { current: small });
    expect(report.status).toBe('pass');
    const strict = await runDetector(groupParity, { outcomeField: 'approved', groupField: 'group', minGroupSize: 5, fourFifths: 'fail' }, { current: small });
    expect(strict.status).toBe('fail');
    expect(strict.test).toBeUndefined();
  });

  it('slices by two attributes', async () => {
    const rows = [
      ...group('A', { tp: 10, fn: 10, fp: 0, tn: 0 }, { age: 'young' }),
      ...group('A', { tp: 5, fn: 15, fp: 0, tn: 0 }, { age: 'old' }),
      ...group('B', { tp: 10, fn: 10, fp: 0, tn: 0 }, { age: 'young' }),
      ...group('B', { tp: 10, fn: 10, fp: 0, tn: 0 }, { age: 'old' }),
    ];
    const r = await runDetector(groupParity, { outcomeField: 'approved', groupField: ['group', 'age'], minGroupSize: 10 }, { current: rows });
    const groups = (r.details as { groups: { group: string; selectionRate: number; values: Record<string, string> }[] }).groups;
    expect(groups.map((g) => g.group).sort()).toEqual(['A × old', 'A × young', 'B × old', 'B × young']);
    expect(groups.find((g) => g.group === 'A × old')).toMatchObject({ selectionRate: 0.25, values: { group: 'A', age: 'old' } });
    expect(r.statistic).toBeCloseTo(0.25, 15);
  });

  it('explains bad input: unreadable outcomes, absent fields, groups too small to compare', async () => {
    expect(await runDetector(groupParity, { outcomeField: 'approved', groupField: 'group' }, { current: [{ group: 'A', approved: 'maybe' }] })).toMatchObject({ status: 'error', message: expect.stringMatching(/record 1: outcome field "approved" is "maybe", not a yes\/no value.*positiveValue/) });
    expect(await runDetector(groupParity, { outcomeField: 'decision', groupField: 'group' }, { current: data })).toMatchObject({ status: 'error', message: expect.stringContaining('no record has outcome field "decision"') });
    expect(await runDetector(groupParity, { outcomeField: 'approved', groupField: 'group', minGroupSize: 50 }, { current: data })).toMatchObject({ status: 'error', message: expect.stringMatching(/no group has 50 or more records.*A: 40, B: 40, C: 5/) });
    const r = await runDetector(groupParity, { outcomeField: 'approved', groupField: 'group' }, { current: [...data, { approved: true }, { group: 'A' }] });
    expect((r.details as { skipped: object }).skipped).toEqual({ missingOutcome: 1, missingGroup: 1, missingLabel: 0 });
  });

  it('positiveValue makes every other value a no', async () => {
    const rows = [...Array(40)].map((_, i) => ({ g: i % 2 ? 'x' : 'y', decision: i % 4 === 0 ? 'approve' : 'deny' }));
    const r = await runDetector(groupParity, { outcomeField: 'decision', groupField: 'g', positiveValue: 'approve', minGroupSize: 10 }, { current: rows });
    expect((r.details as { groups: { group: string; selectionRate: number }[] }).groups).toEqual([
      { group: 'x', n: 20, selectionRate: 0 },
      { group: 'y', n: 20, selectionRate: 0.5 },
    ]);
  });
});
