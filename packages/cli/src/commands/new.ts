/**
 * `vigia new plugin NAME [--dir DIR] [--link [PATH]]`: a plugin package that installs, builds and
 * passes its own tests at once: package.json (@vigia/core as a peer, the `vigia-plugin` keyword),
 * tsconfig, build and test scripts, src/index.ts with one detector, a test using @vigia/testing
 * and a README.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Io } from '../main.js';
import { CORE_API_VERSION } from '@vigia/core';

export interface NewPluginArgs {
  name: string;
  dir?: string;
  /** A source checkout of Vigia or a folder of packed tarballs; `''` = the checkout or release folder this CLI runs from. */
  link?: string;
  force?: boolean;
}

const VIGIA_PACKAGES = ['@vigia/core', '@vigia/random', '@vigia/stats', '@vigia/testing'] as const;

function cliPackageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '0.1.0';
  }
}

/** `acme` → vigia-plugin-acme; `@team/acme` → @team/vigia-plugin-acme; full names are kept. */
export function pluginPackageName(name: string): string {
  const m = /^(@[a-z0-9][a-z0-9._-]*\/)?(.+)$/.exec(name.trim().toLowerCase())!;
  const scope = m[1] ?? '';
  const base = m[2]!.startsWith('vigia-plugin-') ? m[2]! : `vigia-plugin-${m[2]}`;
  return `${scope}${base}`;
}

const validName = /^(@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/;

type Source = { kind: 'registry' } | { kind: 'checkout'; root: string } | { kind: 'tarballs'; dir: string; files: Map<string, string> };

/** Where this CLI runs from: a source checkout (packages/cli/dist) or nothing known. */
function ownCheckout(): string | undefined {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
  return existsSync(join(root, 'pnpm-workspace.yaml')) && existsSync(join(root, 'packages', 'core', 'package.json')) ? root : undefined;
}

function tarballsIn(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const f of readdirSync(dir)) {
    const m = /^vigia-(core|random|stats|testing)-\d.*\.tgz$/.exec(f);
    if (m) files.set(`@vigia/${m[1]}`, join(dir, f));
  }
  return files;
}

function resolveSource(link: string | undefined, cwd: string): Source | string {
  if (link === undefined) return { kind: 'registry' };
  const path = link === '' ? ownCheckout() : resolve(cwd, link);
  if (!path) return '--link without a path needs a CLI run from a Vigia source checkout; give the checkout or a folder of packed tarballs: --link ../vigia or --link ../vigia/release';
  if (!existsSync(path) || !statSync(path).isDirectory()) return `--link ${link}: no such directory`;
  if (existsSync(join(path, 'packages', 'core', 'package.json'))) {
    if (!existsSync(join(path, 'packages', 'core', 'dist', 'index.js'))) return `--link ${link}: the checkout is not built; run pnpm install (or pnpm build) in ${path} first`;
    return { kind: 'checkout', root: path };
  }
  const files = tarballsIn(path);
  const missing = VIGIA_PACKAGES.filter((p) => !files.has(p));
  if (missing.length) return `--link ${link}: neither a Vigia checkout nor a folder with the packed ${missing.join(', ')} tarballs (make them with pnpm release:pack)`;
  return { kind: 'tarballs', dir: path, files };
}

export async function newCommand(args: NewPluginArgs & { what: string }, io: Io): Promise<number> {
  if (args.what !== 'plugin') {
    io.stderr(`vigia: new: only "vigia new plugin NAME" is supported (got "${args.what}")\n`);
    return 2;
  }
  const pkgName = pluginPackageName(args.name);
  if (!validName.test(pkgName) || pkgName.length > 214) {
    io.stderr(`vigia: new plugin: "${args.name.slice(0, 100)}" is not a valid npm package name; use lower-case letters, digits, - . _ (e.g. acme or @team/acme)\n`);
    return 2;
  }
  const short = pkgName.replace(/^(@[^/]+\/)?vigia-plugin-/, '');
  const dir = resolve(io.cwd, args.dir ?? basename(pkgName));
  if (existsSync(dir) && (!statSync(dir).isDirectory() || readdirSync(dir).length > 0) && !args.force) {
    io.stderr(`vigia: new plugin: ${relative(io.cwd, dir) || dir} already exists and is not empty; choose another --dir\n`);
    return 2;
  }
  const source = resolveSource(args.link, io.cwd);
  if (typeof source === 'string') {
    io.stderr(`vigia: new plugin: ${source}\n`);
    return 2;
  }
  const version = cliPackageVersion();
  const files = scaffold({ pkgName, short, version, source, dir });
  for (const [path, content] of Object.entries(files)) {
    const file = join(dir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  const rel = relative(io.cwd, dir) || '.';
  io.stdout(`Created ${pkgName} in ${rel}: one detector, ${short}-mean-shift, with its test.\n\n` +
    `  cd ${rel}\n  npm install\n  npm run build && npm test\n\n` +
    `Then name it in a config (plugins: [${pkgName}]) and see docs/writing-plugins.md.\n` +
    (source.kind === 'registry' ? `(Its @vigia/* dependencies come from the npm registry; before they are published there, use --link with a Vigia checkout or a folder of packed tarballs.)\n` : ''));
  return 0;
}

function scaffold(o: { pkgName: string; short: string; version: string; source: Source; dir: string }): Record<string, string> {
  const { pkgName, short, version, source } = o;
  const range = `^${version}`;
  const spec = (name: (typeof VIGIA_PACKAGES)[number]): string => {
    if (source.kind === 'registry') return range;
    if (source.kind === 'checkout') return `file:${relativeSpec(o.dir, join(source.root, 'packages', name.slice('@vigia/'.length)))}`;
    return `file:${relativeSpec(o.dir, source.files.get(name)!)}`;
  };
  const local = source.kind !== 'registry';
  const pkg = {
    name: pkgName,
    version: '0.1.0',
    description: `A Vigia plugin: the ${short}-mean-shift detector`,
    type: 'module',
    license: 'Apache-2.0',
    keywords: ['vigia', 'vigia-plugin'],
    exports: { '.': { types: './dist/index.d.ts', import: './dist/index.js' }, './package.json': './package.json' },
    main: './dist/index.js',
    types: './dist/index.d.ts',
    files: ['dist', '!dist/**/*.test.*', 'src', '!src/**/*.test.ts'],
    engines: { node: '>=20.19' },
    vigia: { apiVersion: CORE_API_VERSION },
    scripts: {
      build: 'tsc -p tsconfig.json',
      test: 'node --test dist/*.test.js',
      prepack: 'npm run build',
    },
    peerDependencies: { '@vigia/core': range },
    devDependencies: {
      '@vigia/core': spec('@vigia/core'),
      '@vigia/testing': spec('@vigia/testing'),
      ...(local ? { '@vigia/random': spec('@vigia/random'), '@vigia/stats': spec('@vigia/stats') } : {}),
      '@types/node': '^20.19.0',
      typescript: '~5.9.3',
    },
    // Local @vigia/* packages (a checkout or tarballs) win over the registry for every dependent.
    ...(local ? { overrides: Object.fromEntries(VIGIA_PACKAGES.map((n) => [n, spec(n)])) } : {}),
    ...(local ? { pnpm: { overrides: Object.fromEntries(VIGIA_PACKAGES.map((n) => [n, spec(n)])) } } : {}),
  };
  const tsconfig = {
    compilerOptions: {
      target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2023'], types: ['node'],
      strict: true, declaration: true, sourceMap: true, outDir: 'dist', rootDir: 'src', skipLibCheck: true, esModuleInterop: true,
    },
    include: ['src'],
  };
  const detector = `${short}-mean-shift`;
  const index = `import { CORE_API_VERSION, DataError, defineDetector, definePlugin, numericColumn } from '@vigia/core';

const mean = (xs: Float64Array): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Fails when the mean of a numeric field moved by more than \`maxChange\` (relative) from reference to current. */
export const meanShift = defineDetector({
  description: 'Fails when the mean of a numeric field moved by more than maxChange (relative) from reference to current.',
  needs: ['reference'],
  options: {
    type: 'object',
    properties: {
      field: { type: 'string', description: 'Numeric field, e.g. latency_ms (dotted paths reach nested fields).' },
      maxChange: { type: 'number', exclusiveMinimum: 0, default: 0.25, description: 'Largest allowed relative change of the mean (0.25 = 25 %).' },
    },
    required: ['field'],
    additionalProperties: false,
  },
  example: { field: 'latency_ms', maxChange: 0.25 },
  create: ({ field, maxChange }) => ({
    evaluate({ reference, current }) {
      // numericColumn throws a DataError naming the dataset, record and field for bad values.
      const before = numericColumn(reference!, field).values;
      const after = numericColumn(current, field).values;
      if (before.length === 0 || after.length === 0) {
        throw new DataError(\`${detector}: field "\${field}" has no values in \${before.length === 0 ? 'reference' : 'current'}; check the field name and the dataset\`);
      }
      const m0 = mean(before);
      const m1 = mean(after);
      const change = Math.abs(m1 - m0) / Math.abs(m0 || 1);
      return {
        status: change > maxChange ? 'fail' : 'pass',
        statistic: change,
        pValue: null,
        threshold: maxChange,
        message: \`mean \${field} \${m0.toPrecision(4)} → \${m1.toPrecision(4)} (\${(100 * change).toFixed(1)} % change)\`,
        details: { before: m0, after: m1 },
      };
    },
  }),
});

export default definePlugin({
  name: '${pkgName}',
  apiVersion: CORE_API_VERSION,
  detectors: { '${detector}': meanShift },
});
`;
  const test = `import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runDetector, testPlugin } from '@vigia/testing';
import plugin, { meanShift } from './index.js';

const rows = (...xs: number[]) => xs.map((latency_ms) => ({ latency_ms }));
const reference = rows(100, 110, 120);

describe('${detector}', () => {
  it('passes when the mean holds and fails when it moves', async () => {
    assert.equal((await runDetector(meanShift, { field: 'latency_ms' }, { reference, current: rows(105, 110, 118) })).status, 'pass');
    const moved = await runDetector(meanShift, { field: 'latency_ms' }, { reference, current: rows(150, 160, 170) });
    assert.equal(moved.status, 'fail');
    assert.deepEqual(moved.details, { before: 110, after: 160 });
  });

  it('reports bad data as an error result, as a run does', async () => {
    const r = await runDetector(meanShift, { field: 'latency_ms' }, { reference, current: [{ latency_ms: 'fast' }] });
    assert.equal(r.status, 'error');
    assert.match(r.message, /latency_ms/);
  });

  it('rejects options its schema does not allow', async () => {
    await assert.rejects(runDetector(meanShift, { field: 'x', maxChange: -1 }, { current: [] }), /maxChange must be > 0/);
  });
});

// The conformance suite every Vigia plugin runs: descriptions, documented options, valid defaults,
// and clear errors on empty data, a missing field and a wrong type.
testPlugin(plugin, {
  '${detector}': { options: { field: 'latency_ms' }, records: rows(100, 120, 140, 90), fields: ['latency_ms'] },
}, { describe, it });
`;
  const readme = `# ${pkgName}

A [Vigia](https://www.npmjs.com/package/@vigia/cli) plugin. Its detector \`${detector}\` fails when the mean of a
numeric field moved by more than \`maxChange\` (relative) from the reference to the current dataset.

## Install

\`\`\`sh
npm install ${pkgName}
\`\`\`

It needs \`@vigia/core\` ${range} (a peer dependency: the host's \`vigia\` provides it).

## Use

\`\`\`yaml
version: 1
plugins: [${pkgName}]
data:
  reference: { use: jsonl, with: { path: ./last-week.jsonl } }
  current:   { use: jsonl, with: { path: ./today.jsonl } }
detectors:
  - use: ${detector}
    with: { field: latency_ms, maxChange: 0.2 }
\`\`\`

## Options

| option | type | default | meaning |
| --- | --- | --- | --- |
| \`field\` | string | (required) | Numeric field, e.g. \`latency_ms\`. |
| \`maxChange\` | number > 0 | 0.25 | Largest allowed relative change of the mean. |

\`details\`: \`{ before, after }\`, the two means.

## Develop

\`\`\`sh
npm install
npm run build && npm test     # node:test, with @vigia/testing's harness and conformance suite
npm pack                      # ${pkgName.replace(/^@/, '').replace('/', '-')}-0.1.0.tgz, to install elsewhere or publish
\`\`\`

Plugins run with the rights of the process that runs \`vigia\`; keep this one free of side effects
beyond what its options ask for.
`;
  return {
    'package.json': JSON.stringify(pkg, null, 2) + '\n',
    'tsconfig.json': JSON.stringify(tsconfig, null, 2) + '\n',
    'src/index.ts': index,
    'src/index.test.ts': test,
    'README.md': readme,
    '.gitignore': 'node_modules/\ndist/\n*.tgz\n',
  };
}

function relativeSpec(from: string, to: string): string {
  const r = relative(from, to);
  return r.startsWith('.') || r.startsWith('/') ? r : `./${r}`;
}
