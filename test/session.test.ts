import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, repoRoot } from './helpers.js';

const fixtures = join(repoRoot, 'test', 'fixtures', 'session');
let dir: string;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed JSON of the child process
function drive(args: string[]): { windows: Json[]; snapshot?: unknown } {
  const r = spawnSync(process.execPath, [join(fixtures, 'drive.mjs'), ...args], {
    encoding: 'utf8', env: { ...process.env, VIGIA_CORE: pathToFileURL(join(repoRoot, 'packages', 'core', 'dist', 'index.js')).href, VIGIA_SOURCES: pathToFileURL(join(repoRoot, 'plugins', 'sources', 'dist', 'index.js')).href }, timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`drive.mjs failed (${r.status}):\n${r.stdout}${r.stderr}`);
  return JSON.parse(readFileSync(args[2]!, 'utf8'));
}

/** Results as a user compares them: everything but timings. */
const comparable = (w: Json) => ({ ...w, detectors: w.detectors.map(({ durationMs: _, ...d }: Record<string, unknown>) => d) });

describe('sessions', () => {
  beforeAll(() => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'vigia-session-'));
    // 100 windows of 50 records; the level moves up from window 60 on.
    let seed = 7;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const row = (i: number, shift: number) => JSON.stringify({ timestamp: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(), value: rand() + rand() + rand() + shift, prompt: 'x'.repeat(50) });
    writeFileSync(join(dir, 'reference.jsonl'), Array.from({ length: 2000 }, (_, i) => row(i, 0)).join('\n') + '\n');
    writeFileSync(join(dir, 'current.jsonl'), Array.from({ length: 5000 }, (_, i) => row(i, i >= 3000 ? 0.6 : 0)).join('\n') + '\n');
    writeFileSync(join(dir, 'vigia.yaml'), [
      'version: 1',
      'name: session-test',
      `plugins: [${JSON.stringify(join(fixtures, 'plugin.mjs'))}]`,
      'data:',
      '  reference: { use: jsonl, with: { path: reference.jsonl } }',
      '  current: { use: jsonl, with: { path: current.jsonl } }',
      'windows: { records: 50 }',
      'detectors:',
      '  - { id: ewma, use: ewma-shift }',
      '  - { id: max, use: window-max }',
      'metrics:',
      '  - { id: count, use: running-count }',
      '',
    ].join('\n'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('restored in a new process after window 50, gives the same results for windows 51-100 as an uninterrupted session', () => {
    const config = join(dir, 'vigia.yaml');
    const data = join(dir, 'current.jsonl');
    const whole = drive([config, data, join(dir, 'whole.json')]);
    expect(whole.windows).toHaveLength(100);
    // The state matters: the EWMA crosses its threshold some windows after the shift at window 60.
    const ewma = whole.windows.map((w) => w.detectors[0].status);
    expect(ewma.slice(0, 60).every((s: string) => s === 'pass')).toBe(true);
    expect(ewma.slice(61).includes('fail')).toBe(true);
    expect(whole.windows[99].metrics.find((m: { name: string }) => m.name === 'session_records').value).toBe(5000);

    const first = drive([config, data, join(dir, 'first.json'), '50']);
    expect(first.windows).toHaveLength(50);
    writeFileSync(join(dir, 'state.json'), JSON.stringify(first.snapshot));
    const rest = drive([config, data, join(dir, 'rest.json'), '', join(dir, 'state.json')]);
    expect(rest.windows.map((w) => w.window.index)).toEqual(Array.from({ length: 50 }, (_, i) => 50 + i));
    expect(rest.windows.map(comparable)).toEqual(whole.windows.slice(50).map(comparable));
    expect(first.windows.map(comparable)).toEqual(whole.windows.slice(0, 50).map(comparable));
  });
});
