import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, repoRoot, tempProject, vigia } from './helpers.js';

// The CLI runs with spawnSync, so the local chat-completions server lives in its own process.
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill();
});

function startServerProcess(options: Record<string, unknown>): Promise<string> {
  const child = spawn(process.execPath, [join(repoRoot, 'test', 'fixtures', 'openai-server.mjs'), JSON.stringify({ lifetimeMs: 120_000, ...options })], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /LISTENING (\d+)/.exec(out);
      if (m) resolve(`http://127.0.0.1:${m[1]}/v1`);
    });
    child.on('exit', (code) => reject(new Error(`test server exited with ${code} before listening`)));
  });
}

const prompts = [
  { id: 'stable-1', prompt: '[stable] When was the Eiffel Tower completed?' },
  { id: 'stable-2', prompt: '[stable] How do I reset my password?' },
  { id: 'edit-1', prompt: '[edit] Why does exercise matter?' },
  { id: 'edit-2', prompt: '[edit] Explain photosynthesis briefly.' },
  { id: 'random-1', prompt: '[random] Say something.' },
  { id: 'random-2', prompt: '[random] Tell me anything.' },
].map((p) => JSON.stringify(p)).join('\n') + '\n';

const config = (baseUrl: string, provider: Record<string, unknown> = {}) => `
version: 1
cache: false
providers:
  local:
    use: openai-compatible
    with: ${JSON.stringify({ baseUrl, model: 'local-test', temperature: 1, retryBaseMs: 10, retryMaxMs: 1000, ...provider })}
data:
  current: { use: samples, with: { prompts: ./prompts.jsonl, n: 5, seed: 100 } }
detectors:
  - id: stability
    use: nondeterminism
    with: { groupBy: prompt_id }
metrics:
  - { id: latency, use: latency, with: { histogram: false } }
`;

interface Group { key: string; score: number; flagged: boolean; samples: number }

describe('samples + nondeterminism against the local server (end to end)', () => {
  beforeAll(() => ensureBuilt());

  it('the ready config on logged samples flags the open-ended prompts and passes within its budget', () => {
    const r = vigia(['run', 'configs/nondeterminism-logged.yaml', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const [strict, budget] = JSON.parse(r.stdout).detectors;
    expect(strict.status).toBe('warn');
    expect((strict.details.groups as Group[]).filter((g) => g.flagged).map((g) => g.key).sort()).toEqual(['q10', 'q11', 'q12', 'q9']);
    expect(strict.details.comparison).toMatchObject({ pairs: 12, n: 4 });
    expect(budget.status).toBe('pass');
  });

  it('samples every prompt n times, flags the unstable prompts and feeds the latency metrics', async () => {
    const url = await startServerProcess({ tokenDelayMs: 1 });
    const dir = tempProject({ 'vigia.yaml': config(url), 'prompts.jsonl': prompts });
    const r = vigia(['run', 'vigia.yaml', '--format', 'json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.datasets.current).toEqual({ records: 30, skipped: 0 });
    const groups = report.detectors[0].details.groups as Group[];
    expect(groups.filter((g) => g.flagged).map((g) => g.key).sort()).toEqual(['random-1', 'random-2']);
    const score = (key: string) => groups.find((g) => g.key === key)!.score;
    expect(score('stable-1')).toBe(0);
    expect(score('edit-1')).toBeGreaterThan(0);
    expect(score('edit-1')).toBeLessThan(Math.min(score('random-1'), score('random-2')));
    const names = report.metrics.map((m: { name: string }) => m.name);
    expect(names).toContain('gen_ai.client.operation.duration.p95');
    expect(names).toContain('gen_ai.server.time_to_first_token.p95');
  });

  it('clusters by entailment with the same server as the judge', async () => {
    const url = await startServerProcess({});
    const text = config(url).replace('with: { groupBy: prompt_id }', 'with: { groupBy: prompt_id, clusterBy: entailment, judge: local }');
    const dir = tempProject({ 'vigia.yaml': text, 'prompts.jsonl': prompts });
    const r = vigia(['run', 'vigia.yaml', '--format', 'json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(1);
    const details = JSON.parse(r.stdout).detectors[0].details;
    const clusters = (key: string) => (details.groups as Array<Group & { clusters: number }>).find((g) => g.key === key)!.clusters;
    expect(clusters('stable-1')).toBe(1);
    expect(clusters('edit-1')).toBe(1);
    expect(clusters('random-1')).toBeGreaterThan(1);
    expect(details.scoring.entailment.calls).toBeGreaterThan(0);
    expect(details.scoring.entailment.unparsed).toBe(0);
  });

  it('completes within the retry budget when the server answers 429s and 500s first', async () => {
    const url = await startServerProcess({ faults: [429, 500], retryAfter: 0.01 });
    const dir = tempProject({ 'vigia.yaml': config(url, { maxRetries: 3 }), 'prompts.jsonl': prompts });
    const t0 = Date.now();
    const r = vigia(['run', 'vigia.yaml', '--format', 'json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(1);
    expect(JSON.parse(r.stdout).datasets.current.records).toBe(30);
    expect(Date.now() - t0).toBeLessThan(30_000);
  });

  it('keeps what was sampled when the server dies midway: report, clear error, exit 3', async () => {
    const url = await startServerProcess({ dieAfter: 12 });
    const dir = tempProject({ 'vigia.yaml': config(url, { maxRetries: 1, concurrency: 1 }), 'prompts.jsonl': prompts });
    const r = vigia(['run', 'vigia.yaml', '--format', 'json', '--out', 'report.json'], { cwd: dir });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/vigia: error: dataset "current" \(samples\) stopped early after 12 records: sampling stopped after 12 of 30 calls .*cannot reach the server|stream/);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(report.status).toBe('error');
    expect(report.datasets.current.records).toBe(12);
    expect(report.datasets.current.error).toMatch(/stopped early/);
    // The detector still ran on what was sampled (the first two prompts, 5 samples each, plus 2).
    const groups = report.detectors[0].details.groups as Group[];
    expect(groups.map((g) => g.key).sort()).toEqual(['edit-1', 'stable-1', 'stable-2']);
  });

  it('the ready config configs/nondeterminism-live.yaml runs against an OpenAI-compatible server', async () => {
    const url = await startServerProcess({});
    // A copy with the same layout, so its response cache (.vigia-cache next to the config) lands in a temp dir.
    const dir = tempProject({
      'nondeterminism-live.yaml': readFileSync(join(repoRoot, 'configs', 'nondeterminism-live.yaml'), 'utf8'),
      'samples/nondeterminism/prompts.jsonl': readFileSync(join(repoRoot, 'configs', 'samples', 'nondeterminism', 'prompts.jsonl'), 'utf8'),
    });
    const r = vigia(['run', 'nondeterminism-live.yaml', '--format', 'json'], {
      cwd: dir, env: { VIGIA_LLM_BASE_URL: url, VIGIA_LLM_MODEL: 'local-test', VIGIA_LLM_API_KEY: 'secret-key-123' },
    });
    expect([0, 1], r.stderr).toContain(r.code);
    const report = JSON.parse(r.stdout);
    expect(report.datasets.current).toEqual({ records: 50, skipped: 0 });
    expect(report.detectors[0].details.groups).toHaveLength(10);
    expect(report.detectors[0].details.pass).toMatchObject({ tasks: 4, ungraded: 6 });
    expect(r.stdout).not.toContain('secret-key-123');
  });

  it('explains a samples source without a provider before any work (exit 2)', () => {
    const dir = tempProject({
      'vigia.yaml': 'version: 1\ndata:\n  current: { use: samples, with: { prompts: ./prompts.jsonl } }\n',
      'prompts.jsonl': prompts,
    });
    const r = vigia(['run', 'vigia.yaml'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\/data\/current \(samples\) calls a model, but the config has no providers:/);
  });
});
