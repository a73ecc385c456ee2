import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
export const bin = join(repoRoot, 'packages', 'cli', 'dist', 'bin.js');

/** Build the workspace once if the CLI has not been built yet (pnpm install builds it in prepare). */
export function ensureBuilt(): void {
  if (existsSync(bin)) return;
  // The same steps as `pnpm build`: tsc, then the one-file copies the packages' exports point at.
  for (const step of [[join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-b'], [join(repoRoot, 'scripts', 'bundle-vendor.mjs')], [join(repoRoot, 'scripts', 'bundle-packages.mjs')]]) {
    const r = spawnSync(process.execPath, step, { cwd: repoRoot, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`build failed:\n${r.stdout}${r.stderr}`);
  }
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the real `vigia` CLI as a user would (stdout/stderr are pipes, so no TTY progress or colour). */
export function vigia(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): CliResult {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: options.cwd ?? repoRoot,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...options.env },
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A temp directory with files written from a map of relative path → content. */
export function tempProject(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigia-e2e-'));
  for (const [path, content] of Object.entries(files)) {
    const file = join(dir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  return dir;
}

/** Make `@vigia/core` resolvable from a temp project, as a team's install would. */
export function linkCore(dir: string): void {
  mkdirSync(join(dir, 'node_modules', '@vigia'), { recursive: true });
  symlinkSync(join(repoRoot, 'packages', 'core'), join(dir, 'node_modules', '@vigia', 'core'), 'dir');
}

/** A stack trace line, which users must never see without --debug. */
export const STACK = /^\s+at .+\(?.+:\d+:\d+\)?$/m;
