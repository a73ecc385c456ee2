#!/usr/bin/env node
// `pnpm release:pack [--out DIR]`: build the workspace, then pack every public package with
// `pnpm pack` (which turns workspace: specifiers into real versions) into DIR (default ./release).
// Checks each tarball's manifest: no workspace:/link: specifiers, every @vigia/* dependency packed
// too, the files its exports and bin point at present, types included. Prints the install command.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const args = process.argv.slice(2);
const outArg = args.indexOf('--out');
const out = resolve(outArg >= 0 ? args[outArg + 1] : join(root, 'release'));
const skipBuild = args.includes('--no-build');

const run = (cmd, argv, cwd) => {
  const r = spawnSync(cmd, argv, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) {
    process.stderr.write(`release:pack: ${cmd} ${argv.join(' ')} failed in ${relative(root, cwd) || '.'}:\n${r.stdout}${r.stderr}`);
    process.exit(1);
  }
  return r.stdout;
};

/** Public workspace packages, in dependency order is not needed: tarballs are independent files. */
export function publicPackages() {
  const dirs = ['packages', 'plugins'].flatMap((base) => readdirSync(join(root, base)).map((d) => join(root, base, d)));
  return dirs
    .filter((d) => existsSync(join(d, 'package.json')))
    .map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
    .filter(({ pkg }) => !pkg.private);
}

if (!skipBuild) {
  run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b'], root);
  run(process.execPath, [join(root, 'scripts', 'bundle-vendor.mjs')], root); // @vigia/core's one-file dependency copies (start-up)
  run(process.execPath, [join(root, 'scripts', 'bundle-packages.mjs')], root); // each package's dist/bundle/, which its exports point at
}
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const packages = publicPackages();
const problems = [];
const names = new Set(packages.map(({ pkg }) => pkg.name));
// Pack in parallel (each pnpm pack is mostly process start-up), then check each tarball.
await Promise.all(packages.map(({ dir }) => new Promise((resolveRun) => {
  const child = spawn('pnpm', ['pack', '--pack-destination', out], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  child.on('close', (code) => {
    if (code !== 0) problems.push(`pnpm pack failed in ${relative(root, dir)}:\n${output}`);
    resolveRun();
  });
})));
for (const { pkg } of packages) {
  const tarball = join(out, `${pkg.name.replace(/^@/, '').replace('/', '-')}-${pkg.version}.tgz`);
  if (!existsSync(tarball)) {
    problems.push(`${pkg.name}: expected ${tarball}`);
    continue;
  }
  const manifest = JSON.parse(run('tar', ['-xOzf', tarball, 'package/package.json'], root));
  const listing = new Set(run('tar', ['-tzf', tarball], root).split('\n').filter(Boolean).map((f) => f.replace(/^package\//, '')));
  for (const key of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [dep, spec] of Object.entries(manifest[key] ?? {})) {
      if (/^(workspace|link|file):/.test(spec)) problems.push(`${pkg.name}: ${key}.${dep} is "${spec}" in the tarball`);
      if (dep.startsWith('@vigia/') && !names.has(dep)) problems.push(`${pkg.name}: depends on ${dep}, which is not in the packed set`);
    }
  }
  const entries = [manifest.main, manifest.types, ...Object.values(manifest.bin ?? {})];
  const walk = (v) => (typeof v === 'string' ? entries.push(v) : v && typeof v === 'object' && Object.values(v).forEach(walk));
  walk(manifest.exports);
  walk(manifest.imports);
  for (const entry of entries.filter(Boolean)) {
    const file = entry.replace(/^\.\//, '');
    if (!listing.has(file)) problems.push(`${pkg.name}: ${entry} (main/types/exports/imports/bin) is not in the tarball`);
  }
  if (![...listing].some((f) => f.endsWith('.d.ts'))) problems.push(`${pkg.name}: no type declarations in the tarball`);
  if ([...listing].some((f) => f.endsWith('.test.ts') || f.endsWith('.test.js') || f.includes('__fixtures__'))) problems.push(`${pkg.name}: test files in the tarball`);
}

if (problems.length) {
  process.stderr.write(`release:pack: the packed set has problems:\n  ${problems.join('\n  ')}\n`);
  process.exit(1);
}
const tarballs = readdirSync(out).filter((f) => f.endsWith('.tgz')).sort();
process.stdout.write(`Packed ${tarballs.length} packages into ${relative(process.cwd(), out) || '.'}:\n${tarballs.map((t) => `  ${t}`).join('\n')}\n\n` +
  `Install the vigia command from them (third-party dependencies come from the npm registry):\n` +
  `  npm install -g ${relative(process.cwd(), out).startsWith('..') ? out : `./${relative(process.cwd(), out) || '.'}`}/*.tgz\n`);
