#!/usr/bin/env node
// Part of `pnpm build` (after tsc): bundles each workspace package's tsc output in place, into
// dist/bundle/ (index.js, any extra entry, and the chunks they share), which the package's
// `exports` point at at run time (types stay on tsc's .d.ts). Node loading ~115 small ESM files
// was most of a small `vigia run`'s start-up; one file per package loads several times faster.
//
// What stays as it was:
// - One copy of each package. Every bare import (other @vigia/* packages, third-party packages,
//   node:*) stays external, so an npm-installed plugin importing @vigia/core gets the same module
//   instance as the CLI (instanceof, DI tokens). test/bundles.test.ts checks the metafile: a
//   bundle's inputs are its own package's files only.
// - Laziness. `await import('./x.js')` inside a package becomes a separate chunk (code splitting),
//   and other packages are imported by name, so `--help` or a one-plugin run loads no more than before.
// - Paths relative to a module. Each module's `import.meta.url` is rewritten to the URL of its own
//   tsc output file (which stays in dist/), so word lists, package.json reads, createRequire and
//   workers started by file path resolve exactly as they do unbundled.
// - Readable stack traces: linked source maps chained through tsc's maps back to src/*.ts
//   (`vigia --debug` turns them on; see packages/cli/src/bin.ts).
//
// Usage: node scripts/bundle-packages.mjs [package-dir ...]   (default: every packages/* and plugins/*)
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));

/**
 * Entries besides dist/index.js (names of tsc output files in dist/, without .js). A worker script
 * started by file path needs its own entry so that it shares chunks, and so module instances, with
 * the package's index in that thread.
 */
export const EXTRA_ENTRIES = {
  '@vigia/core': ['isolate-worker'],
};

/**
 * Entries bundled on their own (their own chunks, nothing shared with the index). The CLI's bin
 * imports `#main`: built apart, main.js holds the argument parser and the stored help texts in one
 * file, so `vigia --help` loads as few files as before bundling (shared with the index, it was a
 * facade over two chunks). No process loads both: the bin never imports the package's index.
 */
export const SEPARATE_ENTRIES = {
  '@vigia/cli': ['main'],
};

/** Where a package's bundle lives, relative to the package (its `exports` point here). */
export const BUNDLE_DIR = 'dist/bundle';

/** esbuild plugin: each module's import.meta.url becomes its own dist/ file's URL. */
function ownUrlPerModule(outdir) {
  return {
    name: 'own-import-meta-url',
    setup(b) {
      b.onLoad({ filter: /\.js$/ }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        const other = /\bimport\.meta\.(dirname|filename|resolve)\b/.exec(text);
        if (other) throw new Error(`${relative(root, args.path)} uses import.meta.${other[1]}, which bundling would make relative to the bundle: derive it from import.meta.url (rewritten per module)`);
        if (!text.includes('import.meta.url')) return undefined;
        let rel = relative(outdir, args.path).split(sep).join('/');
        if (!rel.startsWith('.')) rel = `./${rel}`;
        return { contents: text.replace(/\bimport\.meta\.url\b/g, `new URL(${JSON.stringify(rel)}, import.meta.url).href`), loader: 'js', resolveDir: dirname(args.path) };
      });
    },
  };
}

/** Bundle one package directory; returns a line for the log, or undefined when it has no tsc output. */
export async function bundlePackage(dir) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const dist = join(dir, 'dist');
  if (!existsSync(join(dist, 'index.js'))) return undefined;
  const outdir = join(dir, ...BUNDLE_DIR.split('/'));
  rmSync(outdir, { recursive: true, force: true });
  const groups = [['index', ...(EXTRA_ENTRIES[pkg.name] ?? [])], ...(SEPARATE_ENTRIES[pkg.name] ?? []).map((e) => [e])];
  const results = await Promise.all(groups.map((entries) => build({
    entryPoints: Object.fromEntries(entries.map((e) => [e, join(dist, `${e}.js`)])),
    outdir,
    absWorkingDir: root, // metafile paths relative to the repository root
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    chunkNames: 'chunk-[hash]', // flat: every output file sits in outdir, which the URL rewrite assumes
    // Not minified: it saved ~1 ms of parsing per 300 KB, and unminified frames stay readable without maps.
    keepNames: true, // class and function .name as in the sources (error names, messages)
    sourcemap: 'linked',
    sourcesContent: false, // the maps point at src/*.ts, which ships with each package
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [ownUrlPerModule(outdir)],
  })));
  // One metafile for the package (chunk names are content hashes, so a chunk two builds share is one file).
  const metafile = { inputs: Object.assign({}, ...results.map((r) => r.metafile.inputs)), outputs: Object.assign({}, ...results.map((r) => r.metafile.outputs)) };
  writeFileSync(join(outdir, 'metafile.json'), JSON.stringify(metafile));
  const files = Object.keys(metafile.outputs).filter((f) => f.endsWith('.js')).length;
  return `${pkg.name}: ${Object.keys(metafile.inputs).length} modules → ${files} file${files === 1 ? '' : 's'}`;
}

export function workspacePackageDirs() {
  return ['packages', 'plugins']
    .flatMap((base) => readdirSync(join(root, base)).map((d) => join(root, base, d)))
    .filter((d) => existsSync(join(d, 'package.json')));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const dirs = args.length ? args.map((a) => resolve(a)) : workspacePackageDirs();
  const lines = await Promise.all(dirs.map((d) => bundlePackage(d)));
  const built = lines.filter(Boolean);
  if (process.env.VIGIA_BUNDLE_VERBOSE) for (const l of built) console.log(l);
  console.log(`bundled ${built.length} packages into ${BUNDLE_DIR}/`);
}
