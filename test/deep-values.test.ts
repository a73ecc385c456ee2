/**
 * A value nested 10,000 levels deep, in the fields the bias, nondeterminism and descriptors
 * components read, through the CLI: each component names the record and the field (the value shown
 * clipped), none overflows the stack. test/robustness.test.ts covers feature-drift, anomaly and latency.
 */
import { describe, expect, it } from 'vitest';
import { main } from '../packages/cli/src/main.js';
import { STACK, tempProject } from './helpers.js';

const deep = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
const row = (i: number) => ({
  set: `s${i % 40}`, group: ['A', 'B', 'C'][Math.floor(i / 40)], prompt_id: `p${i % 24}`, prompt: `question ${i % 24}`,
  response: `answer ${i % 24} ${i % 3 ? 'fine' : 'good'}`, approved: i % 2 === 0, model: i % 2 ? 'a' : 'b', latency_ms: 100 + (i % 40),
});
const lines = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

async function cli(args: string[], cwd: string) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, stderrIsTTY: false, stdoutIsTTY: false, env: { ...process.env, NO_COLOR: '1' }, cwd });
  return { code, stdout, stderr };
}

describe('a field nested 10,000 levels deep', () => {
  const rows = Array.from({ length: 120 }, (_, i) => row(i));
  // Record 6 of the current data carries the deep value in `field`.
  const withDeep = (field: string) => lines(rows.map((r, i) => (i === 5 ? { ...r, [field]: 0 } : r))).split('\n').map((l, i) => (i === 5 ? l.replace(`"${field}":0`, `"${field}":${deep}`) : l)).join('\n');
  const data = `version: 1
data:
  reference: { use: jsonl, with: { path: ./reference.jsonl } }
  current: { use: jsonl, with: { path: ./current.jsonl } }
  grouped: { use: jsonl, with: { path: ./group.jsonl } }
  outcome: { use: jsonl, with: { path: ./approved.jsonl } }
`;
  const project = (config: string) => tempProject({ 'vigia.yaml': config, 'reference.jsonl': lines(rows), 'current.jsonl': withDeep('response'), 'group.jsonl': withDeep('group'), 'approved.jsonl': withDeep('approved') });

  it('is named with its record and field by the bias and nondeterminism detectors', async () => {
    const r = await cli(['run', 'vigia.yaml', '--format', 'json'], project(`${data}detectors:
  - { use: counterfactual-bias, with: { measure: length }, current: grouped }
  - { use: group-parity, with: { outcomeField: approved, groupField: group }, current: outcome }
  - { use: nondeterminism, with: { groupBy: prompt_id } }
`));
    const text = r.stdout + r.stderr;
    expect(text).not.toMatch(/Maximum call stack/);
    expect(text).not.toMatch(STACK);
    expect(r.code, r.stderr).toBe(3);
    const report = JSON.parse(r.stdout) as { detectors: { use: string; status: string; message: string }[] };
    expect(report.detectors.map((d) => [d.use, d.status])).toEqual([['counterfactual-bias', 'error'], ['group-parity', 'error'], ['nondeterminism', 'error']]);
    expect(report.detectors[0]!.message).toMatch(/record 6: field "group" \(groupField\) is \{"a":\{"a":\{"a":\{…\}\}\}\}/);
    expect(report.detectors[1]!.message).toMatch(/record 6: outcome field "approved" is \{"a":\{"a":\{"a":\{…\}\}\}\}/);
    expect(report.detectors[2]!.message).toMatch(/record 6: field "response" is an object or array, not text/);
  });

  it('is named with its record and field by the descriptors (a run-level data error, exit 3)', async () => {
    const r = await cli(['run', 'vigia.yaml', '--format', 'json'], project(`${data}detectors:
  - { use: feature-drift, with: { field: descriptors.response.chars } }
metrics:
  - { use: field-stats, with: { fields: [descriptors.response.refusal] } }
`));
    expect(r.stdout + r.stderr).not.toMatch(/Maximum call stack/);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/dataset "current" .*record 6: field "response" is an object or array, not text/);
  });
});
