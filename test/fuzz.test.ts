/**
 * Property-based fuzzing of the CLI contract over mutated configs and corrupted record streams
 * (fast-check). Whatever the input:
 *   - the exit code is 0, 1, 2 or 3;
 *   - no stack trace reaches the user (no --debug), nor a bare "Maximum call stack" or internal error;
 *   - the run never hangs (each case has a deadline);
 *   - no record is silently dropped: when a report is produced, every non-blank line of a JSONL
 *     file read with `onInvalid: skip` is either a record or counted as skipped.
 *
 * `pnpm test` runs a bounded number of cases with a fixed seed (reproducible, a few seconds);
 * `pnpm fuzz` (scripts/fuzz.mjs) runs many more with fresh seeds: VIGIA_FUZZ_RUNS, VIGIA_FUZZ_SEED.
 */
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../packages/cli/src/main.js';
import { STACK } from './helpers.js';

const RUNS = Number(process.env.VIGIA_FUZZ_RUNS ?? 15);
const SEED = process.env.VIGIA_FUZZ_SEED !== undefined ? Number(process.env.VIGIA_FUZZ_SEED) : 20261128;
/** A case that takes longer than this counts as a hang. */
const CASE_DEADLINE_MS = 20_000;

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function runCli(args: string[], cwd: string): Promise<Outcome> {
  let stdout = '';
  let stderr = '';
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hang: vigia ${args.join(' ')} did not finish within ${CASE_DEADLINE_MS} ms (in ${cwd})`)), CASE_DEADLINE_MS);
  });
  try {
    const code = await Promise.race([
      main(args, {
        stdout: (t) => { stdout += t; },
        stderr: (t) => { stderr += t; },
        stderrIsTTY: false,
        stdoutIsTTY: false,
        env: { PATH: process.env.PATH, NO_COLOR: '1', VIGIA_FUZZ_SET: 'set-value' },
        cwd,
      }),
      hang,
    ]);
    return { code, stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}

/** Exit codes seen per property, printed with VIGIA_FUZZ_STATS=1 (to see the cases reach every path). */
const stats: Record<string, Record<number, number>> = {};
function tally(property: string, code: number): void {
  const s = (stats[property] ??= {});
  s[code] = (s[code] ?? 0) + 1;
}
afterAll(() => {
  if (process.env.VIGIA_FUZZ_STATS) console.log('fuzz exit codes:', JSON.stringify(stats));
});

/** The contract every outcome must keep. */
function checkContract(o: Outcome, what: string): void {
  expect([0, 1, 2, 3], `${what}: exit code ${o.code}\n${o.stderr}`).toContain(o.code);
  for (const text of [o.stdout, o.stderr]) {
    expect(text, what).not.toMatch(STACK);
    expect(text, what).not.toMatch(/Maximum call stack|internal error|\[object Object\]/);
  }
  if (o.code >= 2 && !o.stdout.trim().startsWith('{')) {
    // Without a report, the reason is one clear message.
    expect(o.stderr, what).toMatch(/^vigia: /);
  }
  for (const line of o.stderr.split('\n')) expect(line.length, `${what}: a ${line.length}-character line`).toBeLessThan(5000);
}

const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

// ------------------------------------------------------------------------------------------------
// Configs
// ------------------------------------------------------------------------------------------------

const goodRecords = Array.from({ length: 60 }, (_, i) => JSON.stringify({
  latency_ms: 100 + ((i * 37) % 90), model: ['a', 'b', 'c'][i % 3], output_tokens: 10 + (i % 17), input_tokens: 30 + (i % 11),
  timestamp: new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString(), text: `ticket ${i % 7} about ${['billing', 'login'][i % 2]}`,
})).join('\n') + '\n';

const baseConfig = (): Record<string, unknown> => ({
  version: 1,
  seed: 7,
  data: {
    reference: { use: 'jsonl', with: { path: './ref.jsonl' } },
    current: { use: 'jsonl', with: { path: './cur.jsonl', onInvalid: 'skip' } },
  },
  detectors: [
    { id: 'ks', use: 'feature-drift', with: { field: 'latency_ms' } },
    { id: 'mix', use: 'feature-drift', with: { field: 'model', type: 'categorical' } },
    { id: 'spikes', use: 'anomaly', with: { field: 'latency_ms', timestampField: 'timestamp' } },
  ],
  metrics: [
    { use: 'latency', with: { field: 'latency_ms' } },
    { use: 'throughput', with: { window: '10s' } },
    { use: 'tokens' },
  ],
  sinks: [{ use: 'json', with: { path: 'out/report.json' } }],
});

/** Values that have broken parsers and validators before. */
const nasty = fc.oneof(
  fc.constantFrom<unknown>(
    null, 0, -1, 1, 2 ** 31, 2 ** 53, -(2 ** 31), 1e308, 0.5, '', ' ', '0s', '-1s', '1e9ms', 'NaN', 'Infinity', true, false,
    '${env:VIGIA_FUZZ_UNSET}', '${env:VIGIA_FUZZ_SET}', '${var:VIGIA_FUZZ_SET}', '${env:}', '../../../../etc/passwd', '/proc/self/mem',
    '/dev/null', 'out/../../x.json', 'x'.repeat(5000), '\u0000', '\ud800', '{', '[]', [], {}, [1, 0.5], [3, 2, 1], { '<<': 1 },
    'chi2', 'numeric', 'categorical', 'ks', 'mmd', 1048576, 1e9,
  ),
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.array(fc.integer({ min: -5, max: 5 }), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
);

type Path = Array<string | number>;

function paths(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) paths(v, [...prefix, Array.isArray(value) ? Number(k) : k], out);
  }
  return out;
}

function isObjectAt(root: unknown, path: Path): boolean {
  let node = root;
  for (const key of path) node = (node as Record<string | number, unknown> | undefined)?.[key];
  return node !== null && typeof node === 'object';
}

function setAt(root: Record<string, unknown>, path: Path, value: unknown, remove: boolean): void {
  if (path.length === 0) return;
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (!next || typeof next !== 'object') return;
    node = next as Record<string | number, unknown>;
  }
  const last = path[path.length - 1]!;
  if (remove) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else node[last] = value;
}

/** Values a config may well hold: mutations with these keep many configs valid, so runs go deep. */
const plausible = fc.constantFrom<unknown>(
  1, 5, 50, 1000, 0.01, 0.5, 'latency_ms', 'model', 'output_tokens', 'timestamp', 'text', 'ks', 'psi', 'wasserstein', 'chi2',
  'auto', 'numeric', 'categorical', 'skip', 'error', 'worker', 'inline', 'warn', '1m', '5s', [0.1, 1, 10], false, true,
);

const mutation = fc.record({
  pick: fc.nat(),
  kind: fc.constantFrom('set', 'set', 'set', 'set', 'set', 'remove', 'add'),
  key: fc.constantFrom('with', 'use', 'timeoutMs', 'required', 'isolation', 'severity', 'extra', 'path', 'field', 'onInvalid', 'limit', 'sample', 'test', 'type', 'window', 'durationBuckets', 'permutations', 'method', 'dimension'),
  value: fc.oneof({ weight: 2, arbitrary: plausible }, { weight: 1, arbitrary: nasty }),
});

/** Raw-text damage for syntax and YAML-feature paths. */
const textDamage = fc.oneof(
  { weight: 8, arbitrary: fc.constant((t: string) => t) },
  fc.nat().map((n) => (t: string) => t.slice(0, n % (t.length + 1))),
  fc.tuple(fc.nat(), fc.constantFrom('{', '}', '"', ':', '\n', '&a ', '*a', '<<: ', '\t', '- ', '${env:X}', '\\')).map(([n, s]) => (t: string) => {
    const i = n % (t.length + 1);
    return t.slice(0, i) + s + t.slice(i);
  }),
  fc.constant((t: string) => `${t}\nextra: &a { self: *a }\n`),
  fc.constant((t: string) => `${t}\n${Array.from({ length: 6 }, (_, i) => `l${i}: &l${i} [${Array(9).fill(i ? `*l${i - 1}` : '1').join(',')}]`).join('\n')}\n`),
);

describe('fuzz: mutated configs', () => {
  it(`keeps the contract over ${RUNS} mutated configs (seed ${SEED})`, async () => {
    const dir = tmp('vigia-fuzz-config-');
    writeFileSync(join(dir, 'ref.jsonl'), goodRecords);
    writeFileSync(join(dir, 'cur.jsonl'), goodRecords);
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), textDamage, fc.boolean(), fc.constantFrom('run', 'run', 'validate'), async (mutations, damage, asJson, command) => {
          const config = baseConfig();
          for (const m of mutations) {
            // Mostly inside components (where the options are), sometimes anywhere.
            const every = paths(config);
            const inner = every.filter((p) => p.length >= 3 && (m.kind === 'add' ? p[p.length - 1] === 'with' : !isObjectAt(config, p)));
            const all = m.pick % 4 === 0 || inner.length === 0 ? every : inner;
            const path = all[m.pick % all.length]!;
            if (m.kind === 'add') setAt(config, [...path, m.key], m.value, false);
            else setAt(config, path, m.value, m.kind === 'remove');
          }
          const file = asJson ? 'vigia.json' : 'vigia.yaml';
          const text = asJson ? JSON.stringify(config, null, 1) : damage(JSON.stringify(config, null, 1));
          writeFileSync(join(dir, file), text);
          const outcome = await runCli(command === 'run' ? ['run', file, '--format', 'json'] : ['validate', file], dir);
          tally('configs', outcome.code);
          checkContract(outcome, `${command} ${file}:\n${text.slice(0, 2000)}`);
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});

// ------------------------------------------------------------------------------------------------
// Record streams
// ------------------------------------------------------------------------------------------------

const field = fc.constantFrom('latency_ms', 'model', 'timestamp', 'output_tokens', 'text', 'x');
const value = fc.oneof(
  fc.integer({ min: 0, max: 5000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 12 }),
  fc.constantFrom<unknown>(null, true, [], {}, '12.5', '', 'NaN', '1e400', -0, 2 ** 60),
);

/** One line of a JSONL file, as bytes (never containing a line feed). */
const goodLines = goodRecords.trimEnd().split('\n');
const line: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 12, arbitrary: fc.nat({ max: goodLines.length - 1 }).map((i) => Buffer.from(goodLines[i]!)) },
  { weight: 6, arbitrary: fc.dictionary(field, value, { maxKeys: 6 }).map((r) => Buffer.from(JSON.stringify(r))) },
  { weight: 1, arbitrary: fc.tuple(field, value, value).map(([k, a, b]) => Buffer.from(`{"${k}": ${JSON.stringify(a)}, "${k}": ${JSON.stringify(b)}}`)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }).map((s) => Buffer.from(s.replace(/\n/g, ' '))) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 24 }).map((b) => Buffer.from(b.filter((x) => x !== 0x0a))) },
  { weight: 1, arbitrary: fc.constantFrom('', '   ', '\r', '[1,2]', 'null', '"text"', '{"latency_ms": 1', '{"text": "caf\xe9"}').map((s) => Buffer.from(s, 'latin1')) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3000 }).map((d) => Buffer.from(`{"latency_ms": ${'['.repeat(d)}1${']'.repeat(d)}}`)) },
);

/** Non-blank lines the way the jsonl source sees them (a BOM at the start is not content). */
function nonBlankLines(bytes: Buffer): number {
  let text = new TextDecoder('utf-8').decode(bytes);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return text.split('\n').filter((l) => l.trim().length > 0).length;
}

describe('fuzz: corrupted record streams', () => {
  it(`keeps the contract and counts every dropped record over ${RUNS} streams (seed ${SEED})`, async () => {
    const dir = tmp('vigia-fuzz-data-');
    writeFileSync(join(dir, 'ref.jsonl'), goodRecords);
    writeFileSync(join(dir, 'vigia.yaml'), JSON.stringify(baseConfig(), null, 1));
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(line, { maxLength: 60 }), fc.boolean(), fc.boolean(), async (lines, bom, finalNewline) => {
          const parts: Buffer[] = [];
          if (bom) parts.push(Buffer.from([0xef, 0xbb, 0xbf]));
          lines.forEach((l, i) => {
            parts.push(l);
            if (i < lines.length - 1 || finalNewline) parts.push(Buffer.from('\n'));
          });
          const bytes = Buffer.concat(parts);
          writeFileSync(join(dir, 'cur.jsonl'), bytes);
          const outcome = await runCli(['run', 'vigia.yaml', '--format', 'json'], dir);
          const what = `cur.jsonl = ${JSON.stringify(bytes.toString('latin1')).slice(0, 3000)}`;
          tally('streams', outcome.code);
          checkContract(outcome, what);
          if (outcome.stdout.trim().startsWith('{')) {
            const report = JSON.parse(outcome.stdout) as { datasets: Record<string, { records: number; skipped: number }> };
            const current = report.datasets.current!;
            expect(current.records + current.skipped, `${what}: records + skipped`).toBe(nonBlankLines(bytes));
          } else {
            // No report: the whole file was refused (UTF-16, compressed, …) with a data error.
            expect(outcome.code, what).toBe(3);
            expect(outcome.stderr, what).toMatch(/^vigia: VIGIA_DATA_/);
          }
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});

// ------------------------------------------------------------------------------------------------
// CSV streams (contract only: a quoted field may span lines, so rows are not counted from lines)
// ------------------------------------------------------------------------------------------------

const cell = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 3000 }).map(String) },
  { weight: 2, arbitrary: fc.string({ maxLength: 8 }) },
  { weight: 1, arbitrary: fc.constantFrom('', '"', '""', '"a,b"', '"unterminated', 'caf\xe9', '1e999', '-', '\r', ' 12 ') },
);
const csvRow = fc.oneof(
  { weight: 8, arbitrary: fc.array(cell, { minLength: 1, maxLength: 5 }).map((cells) => Buffer.from(cells.join(','), 'latin1')) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 16 }).map((b) => Buffer.from(b)) },
);

describe('fuzz: corrupted CSV streams', () => {
  it(`keeps the contract over ${RUNS} CSV files (seed ${SEED})`, async () => {
    const dir = tmp('vigia-fuzz-csv-');
    writeFileSync(join(dir, 'ref.jsonl'), goodRecords);
    const config = baseConfig();
    (config.data as Record<string, unknown>).current = { use: 'csv', with: { path: './cur.csv', onInvalid: 'skip' } };
    writeFileSync(join(dir, 'vigia.yaml'), JSON.stringify(config, null, 1));
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(csvRow, { maxLength: 40 }), fc.boolean(), async (rows, header) => {
          const bytes = Buffer.concat([header ? Buffer.from('latency_ms,model,output_tokens,timestamp,text\n') : Buffer.alloc(0), ...rows.flatMap((r) => [r, Buffer.from('\n')])]);
          writeFileSync(join(dir, 'cur.csv'), bytes);
          const outcome = await runCli(['run', 'vigia.yaml', '--format', 'json'], dir);
          tally('csv', outcome.code);
          checkContract(outcome, `cur.csv = ${JSON.stringify(bytes.toString('latin1')).slice(0, 3000)}`);
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
