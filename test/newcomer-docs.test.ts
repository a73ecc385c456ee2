/**
 * What a newcomer types from the docs works: `vigia …` after the documented install, or
 * `pnpm -s vigia …` in the checkout; never a bare `pnpm vigia …`, whose banner corrupts piped JSON.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureBuilt, repoRoot } from './helpers.js';

const docFiles = [
  'README.md',
  ...readdirSync(join(repoRoot, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`),
  ...['packages', 'plugins'].flatMap((d) => readdirSync(join(repoRoot, d)).map((p) => `${d}/${p}/README.md`)),
  ...readdirSync(join(repoRoot, 'configs')).filter((f) => f.endsWith('.yaml')).map((f) => `configs/${f}`),
].filter((f) => { try { readFileSync(join(repoRoot, f)); return true; } catch { return false; } });

const QUICKSTART = 'npm install -g pnpm@10 && pnpm install && pnpm vigia run configs/quickstart.yaml';

describe('commands in the docs', () => {
  it('use `vigia …` or `pnpm -s vigia …`, never `pnpm vigia …` (its banner lands in stdout)', () => {
    const bad: string[] = [];
    for (const f of docFiles) {
      readFileSync(join(repoRoot, f), 'utf8').split('\n').forEach((line, i) => {
        // The README quickstart's first command is fixed by the project's conventions, word for word;
        // it prints to the terminal, where the banner does no harm.
        if (f === 'README.md' && line === QUICKSTART) return;
        if (/\bpnpm (run )?vigia\b/.test(line)) bad.push(`${f}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(bad).toEqual([]);
  });

  it('the documented install puts vigia on the PATH (pnpm release:pack, npm install -g ./release/*.tgz), as test/packaging.test.ts runs it', () => {
    const started = readFileSync(join(repoRoot, 'docs', 'getting-started.md'), 'utf8');
    expect(started).toContain('pnpm release:pack && npm install -g --ignore-scripts ./release/*.tgz');
    expect(readFileSync(join(repoRoot, 'README.md'), 'utf8')).toContain('pnpm release:pack && npm install -g --ignore-scripts ./release/*.tgz');
  });

  it('`pnpm -s vigia … --format json`-style output is pure JSON', () => {
    ensureBuilt();
    const r = spawnSync('pnpm', ['-s', 'vigia', 'plugins', '--json'], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
    if (r.error) {
      console.warn(`SKIP: pnpm is not on the PATH (${r.error.message})`);
      return;
    }
    expect(r.status, r.stderr).toBe(0);
    expect(() => JSON.parse(r.stdout)).not.toThrow();
  });
});
