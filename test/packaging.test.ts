/**
 * The packed set outside this repository, as a new user gets it: `pnpm release:pack`, then
 * `npm install -g` of the tarballs (into a temp prefix) and the quickstart run from a temp folder;
 * then a plugin made by `vigia new plugin`, installed, built, tested, packed, installed into a
 * separate project and run from a config; then the same plugin with a @vigia/core range that
 * excludes this version, which must fail with exit 2.
 *
 * Third-party dependencies come from the npm registry (or npm's cache): the test skips, saying so,
 * when npm cannot reach the registry, or when VIGIA_SKIP_PACKAGING is set (for quick local runs).
 * Nothing from this repository is visible to the installs: they happen under the OS temp directory
 * with a clean npm environment.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, STACK } from './helpers.js';

/** The environment of a user's shell: nothing from pnpm or this repository's npm settings. */
const cleanEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(npm_|pnpm_|PNPM_|VITEST|NODE_OPTIONS$|NODE_PATH$)/i.test(k)) env[k] = v;
  return { ...env, NO_COLOR: '1', npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
};

let stepStart = performance.now();

function sh(cmd: string, args: string[], cwd: string, timeout = 240_000): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, encoding: 'utf8', env: cleanEnv(), timeout, maxBuffer: 64 * 1024 * 1024 });
}

/** How long each step took, printed at the end (the machine's load shows up here first). */
const timings: string[] = [];

function ok(r: SpawnSyncReturns<string>, what: string): string {
  const seconds = (performance.now() - stepStart) / 1000;
  if (seconds >= 0.5) timings.push(`${what}: ${seconds.toFixed(1)} s`);
  stepStart = performance.now();
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}${r.error ? `, ${r.error.message}` : ''}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const optOut = Boolean(process.env.VIGIA_SKIP_PACKAGING);
const registry = optOut ? undefined : sh('npm', ['ping'], tmpdir(), 20_000);
const offline = optOut || registry!.status !== 0;
if (optOut) console.warn('SKIP packaging end-to-end tests: VIGIA_SKIP_PACKAGING is set');
else if (offline) console.warn(`SKIP packaging end-to-end tests: npm cannot reach its registry (npm ping: ${(registry!.stderr || registry!.error?.message || '').trim().split('\n')[0]})`);

describe.skipIf(offline)('the packed set outside this repository', () => {
  let work: string;
  let release: string;
  let prefix: string;
  let vigiaBin: string;
  const tarball = (name: string) => readdirSync(release).find((f) => f.startsWith(`vigia-${name}-`) && f.endsWith('.tgz'))!;

  beforeAll(() => {
    stepStart = performance.now();
    work = mkdtempSync(join(tmpdir(), 'vigia-pack-e2e-'));
    release = join(work, 'release');
    ok(sh(process.execPath, [join(repoRoot, 'scripts', 'release-pack.mjs'), '--out', release], repoRoot, 300_000), 'pnpm release:pack');
    // npm install -g ./release/*.tgz, into a temp prefix instead of the machine's global folder.
    prefix = join(work, 'global');
    const tgzs = readdirSync(release).filter((f) => f.endsWith('.tgz')).map((f) => `./release/${f}`);
    ok(sh('npm', ['install', '-g', '--prefix', prefix, '--ignore-scripts', '--prefer-offline', ...tgzs], work, 300_000), 'npm install -g ./release/*.tgz');
    vigiaBin = join(prefix, 'bin', 'vigia');
  }, 600_000);

  afterAll(() => {
    console.log(`packaging steps:\n  ${timings.join('\n  ')}`);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('every tarball is free of workspace: specifiers and carries its types', () => {
    for (const f of readdirSync(release)) {
      const manifest = JSON.parse(ok(sh('tar', ['-xOzf', join(release, f), 'package/package.json'], work), `tar ${f}`)) as Record<string, Record<string, string> | string>;
      expect(JSON.stringify(manifest), f).not.toMatch(/workspace:/);
      expect(ok(sh('tar', ['-tzf', join(release, f)], work), `tar ${f}`)).toContain('package/dist/index.d.ts');
    }
    expect(readdirSync(release).map((f) => f.replace(/-\d+\.\d+\.\d+\.tgz$/, '')).sort()).toEqual(expect.arrayContaining(['vigia-cli', 'vigia-core', 'vigia-random', 'vigia-stats', 'vigia-testing']));
  });

  it('the globally installed vigia runs the quickstart from a folder outside the repository', () => {
    const quick = join(work, 'quickstart');
    mkdirSync(quick);
    cpSync(join(repoRoot, 'configs', 'quickstart.yaml'), join(quick, 'quickstart.yaml'));
    cpSync(join(repoRoot, 'configs', 'samples'), join(quick, 'samples'), { recursive: true });
    expect(ok(sh(vigiaBin, ['--version'], quick), 'vigia --version').trim()).toBe(JSON.parse(readFileSync(join(repoRoot, 'packages', 'cli', 'package.json'), 'utf8')).version);
    const r = sh(vigiaBin, ['run', 'quickstart.yaml', '--format', 'json'], quick);
    ok({ ...r, status: 0 }, 'vigia run quickstart.yaml');
    expect(r.stderr).not.toMatch(STACK);
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { status: string; detectors: Array<{ id: string; status: string }> };
    expect(report.detectors.map((d) => d.id)).toContain('prompt-length-drift');
    expect(report.detectors.find((d) => d.id === 'prompt-length-drift')!.status).toBe('warn');
    expect(report.detectors.find((d) => d.id === 'context-condition')!.status).toBe('pass');
  });

  it('a plugin from vigia new plugin installs, builds, tests, packs, and runs from a config in another project; one outside the core range fails with exit 2', () => {
    // 1. Scaffold against the packed tarballs, then install, build and test it.
    const plugin = join(work, 'acme');
    ok(sh(vigiaBin, ['new', 'plugin', 'acme', '--dir', plugin, '--link', release], work), 'vigia new plugin');
    ok(sh('npm', ['install', '--prefer-offline'], plugin), 'npm install (plugin)');
    ok(sh('npm', ['run', 'build'], plugin), 'npm run build (plugin)');
    const tested = ok(sh('npm', ['test'], plugin), 'npm test (plugin)');
    expect(tested).toMatch(/# fail 0/);
    expect(tested).toMatch(/# pass [1-9]/);
    ok(sh('npm', ['pack', '--ignore-scripts'], plugin), 'npm pack (plugin)'); // built just above; prepack would build again
    const pluginTgz = join(plugin, 'vigia-plugin-acme-0.1.0.tgz');
    expect(existsSync(pluginTgz)).toBe(true);

    // 2. A separate project with the plugin's tarball as a dependency (and @vigia/core, its peer), a
    //    config naming it, run by the globally installed vigia.
    const project = join(work, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({
      name: 'team-project', private: true,
      dependencies: { '@vigia/core': `file:${join(release, tarball('core'))}`, 'vigia-plugin-acme': `file:${pluginTgz}` },
      overrides: { '@vigia/random': `file:${join(release, tarball('random'))}` },
    }, null, 2));
    ok(sh('npm', ['install', '--ignore-scripts', '--prefer-offline'], project, 300_000), 'npm install (project)');
    const rows = (xs: number[]) => xs.map((latency_ms) => JSON.stringify({ latency_ms })).join('\n') + '\n';
    writeFileSync(join(project, 'reference.jsonl'), rows([100, 110, 120, 105]));
    writeFileSync(join(project, 'current.jsonl'), rows([150, 160, 170, 155]));
    writeFileSync(join(project, 'vigia.yaml'), [
      'version: 1',
      'plugins: [vigia-plugin-acme]',
      'data:',
      '  reference: { use: jsonl, with: { path: reference.jsonl } }',
      '  current: { use: jsonl, with: { path: current.jsonl } }',
      'detectors:',
      '  - use: acme-mean-shift',
      '    with: { field: latency_ms, maxChange: 0.2 }',
      '',
    ].join('\n'));
    const run = sh(vigiaBin, ['run', 'vigia.yaml', '--format', 'json'], project);
    expect(run.stderr).not.toMatch(STACK);
    expect(run.status, run.stderr).toBe(1);
    const report = JSON.parse(run.stdout) as { detectors: Array<{ id: string; status: string; statistic: number; details: { before: number; after: number } }> };
    expect(report.detectors[0]).toMatchObject({ id: 'acme-mean-shift', status: 'fail', details: { before: 108.75, after: 158.75 } });

    const listed = ok(sh(vigiaBin, ['plugins', '--packages', '--config', 'vigia.yaml'], project), 'vigia plugins');
    expect(listed).toMatch(/vigia-plugin-acme 0\.1\.0 +installed +@vigia\/core \^0\.1\.0 +\[used by the config\]/);

    // 3. The same plugin declaring a core range that excludes this version.
    const pj = JSON.parse(readFileSync(join(plugin, 'package.json'), 'utf8')) as { version: string; peerDependencies: Record<string, string> };
    pj.version = '0.2.0';
    pj.peerDependencies['@vigia/core'] = '^9.0.0';
    writeFileSync(join(plugin, 'package.json'), JSON.stringify(pj, null, 2));
    ok(sh('npm', ['pack', '--ignore-scripts'], plugin), 'npm pack (plugin 0.2.0)');
    // npm itself warns about the peer range; --legacy-peer-deps installs it anyway, as a user pressing on would.
    ok(sh('npm', ['install', '--ignore-scripts', '--prefer-offline', '--legacy-peer-deps', `file:${join(plugin, 'vigia-plugin-acme-0.2.0.tgz')}`], project, 300_000), 'npm install (plugin 0.2.0)');
    const refused = sh(vigiaBin, ['run', 'vigia.yaml'], project);
    expect(refused.status).toBe(2);
    expect(refused.stderr).not.toMatch(STACK);
    expect(refused.stderr).toContain('vigia.yaml:2: /plugins/0: plugin "vigia-plugin-acme" 0.2.0 supports @vigia/core ^9.0.0 (versions >=9.0.0 <10.0.0-0), but this Vigia has @vigia/core 0.1.0');
    const validate = sh(vigiaBin, ['validate', 'vigia.yaml'], project);
    expect(validate.status).toBe(2);
  }, 600_000);
});
