/**
 * Regression tests of issue "Robust under bad input, failing outputs and hostile paths": sinks
 * that reject or hang, secrets at the source, configs that used to crash, checks at validation.
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CORE_API_VERSION, Registry, SinkFailedError, createLogger, defineDetector, definePlugin, defineSink, describeValue, parseConfigText,
  planFromFile, runPlan, writeFileSafely, type VigiaEvent,
} from '../src/index.js';
import { testPlugin, tempConfig } from './helpers.js';

const data = `data:\n  current: { use: inline, with: { records: [{ x: 3, f: 1 }, { x: 5, f: 2 }] } }\n  reference: { use: inline, with: { records: [{ x: 1, f: 1 }] } }\n`;

let onEventCalls = 0;
const flaky = definePlugin({
  name: 'robust-test-plugin',
  apiVersion: CORE_API_VERSION,
  sinks: {
    rejects: defineSink({
      description: 'Every call rejects.',
      required: false,
      options: { type: 'object', properties: {} },
      create: () => ({
        onEvent: async () => {
          onEventCalls++;
          throw new Error('endpoint down');
        },
        report: async () => { throw new Error('endpoint down'); },
      }),
    }),
    hangs: defineSink({
      description: 'Every call never settles.',
      required: false,
      options: { type: 'object', properties: {} },
      create: () => ({ onEvent: () => new Promise<void>(() => {}), report: () => new Promise<void>(() => {}), flush: () => new Promise<void>(() => {}) }),
    }),
    events: defineSink({
      description: 'Keeps every event as JSON text.',
      options: { type: 'object', properties: {} },
      create: () => ({ onEvent: (e: VigiaEvent) => { seen.push(JSON.stringify(e)); }, report: (r) => { seen.push(JSON.stringify(r)); } }),
    }),
  },
  detectors: {
    'echo-field': defineDetector({
      description: 'Names its field in the message and details.',
      options: { type: 'object', properties: { field: { type: 'string' } }, required: ['field'] },
      create: ({ field }) => ({ evaluate: () => ({ status: 'pass', statistic: 1, pValue: null, threshold: null, message: `checked ${field}`, details: { field } }) }),
    }),
    busy: defineDetector({
      description: 'Spins synchronously for `ms`.',
      options: { type: 'object', properties: { ms: { type: 'number' } }, required: ['ms'] },
      create: ({ ms }) => ({ evaluate: () => {
        const end = performance.now() + ms;
        while (performance.now() < end) { /* spin */ }
        return { status: 'pass', statistic: null, pValue: null, threshold: null, message: 'done' };
      } }),
    }),
    checked: defineDetector({
      description: 'Has a cross-option check.',
      options: { type: 'object', properties: { low: { type: 'number' }, high: { type: 'number' } } },
      check: ({ low, high }) => (low !== undefined && high !== undefined && low >= high ? `/low must be below high (got ${low} ≥ ${high})` : undefined),
      create: () => ({ evaluate: () => ({ status: 'pass', statistic: null, pValue: null, threshold: null, message: '' }) }),
    }),
  },
});
const seen: string[] = [];
const registry = () => new Registry([testPlugin, flaky]);
const plan = (text: string, env?: NodeJS.ProcessEnv) => planFromFile(tempConfig(text), registry(), { env: { ...process.env, ...env } });

describe('sinks that fail', () => {
  it('an always-rejecting sink neither loops nor floods: one warning per step, failures counted', async () => {
    onEventCalls = 0;
    const events: VigiaEvent[] = [];
    const p = await plan(`version: 1\n${data}detectors:\n  - { use: mean-above, with: { field: x, threshold: 10 } }\nsinks:\n  - use: rejects\n`);
    const report = await runPlan(p, { extraSinks: [{ onEvent: (e) => { events.push(e); } }] });
    expect(report.status).toBe('pass');
    const warnings = report.warnings ?? [];
    expect(warnings.filter((w) => w.includes('failed in onEvent: endpoint down'))).toHaveLength(1);
    expect(warnings.some((w) => /failed in onEvent \d+ times in all/.test(w))).toBe(true);
    expect(warnings.some((w) => w.includes('failed in report'))).toBe(true);
    // Its own failure warnings are not fed back to it: calls = events other than those warnings.
    expect(onEventCalls).toBeLessThan(20);
    expect(events.filter((e) => e.type === 'warning')).toHaveLength(1);
  });

  it('a sink whose promises never settle cannot hang the run: it gets a deadline', async () => {
    const p = await plan(`version: 1\n${data}detectors:\n  - { use: mean-above, with: { field: x, threshold: 10 } }\nsinks:\n  - use: hangs\n`);
    const t0 = performance.now();
    const report = await runPlan(p, { sinkDeadlineMs: 300 });
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(report.warnings?.join('\n')).toMatch(/sink hangs \(\/sinks\/0\) failed in report: report did not finish within the sink's deadline of 300 ms/);
  });

  it('`required: true` on an optional sink makes its failure exit 3', async () => {
    const p = await plan(`version: 1\n${data}sinks:\n  - { use: rejects, required: true }\n`);
    const error = await runPlan(p).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SinkFailedError);
    expect((error as SinkFailedError).exitCode).toBe(3);
  });
});

describe('secrets', () => {
  const secret = 'tok-3f9a7c1e55';

  it('never reach an event, a log line, an error message or the report', async () => {
    seen.length = 0;
    const logs: string[] = [];
    const p = await plan(`version: 1\nname: "run \${env:VIGIA_T_SECRET}"\n${data}detectors:\n  - { use: echo-field, with: { field: "\${env:VIGIA_T_SECRET}" } }\nsinks:\n  - use: events\n`, { VIGIA_T_SECRET: secret });
    const report = await runPlan(p, { logger: createLogger({ level: 'debug', write: (l) => logs.push(l), redact: p.loaded.secrets }) });
    const start = seen.find((e) => e.includes('"run:start"'));
    expect(start).toBeDefined();
    expect(start).toContain('run ***');
    for (const text of [...seen, ...logs, JSON.stringify(report)]) expect(text).not.toContain(secret);

    const missing = await plan(`version: 1\ndata:\n  current: { use: inline, with: { records: [] } }\ndetectors:\n  - { use: embeds, with: { embedder: "\${env:VIGIA_T_SECRET}" } }\n`, { VIGIA_T_SECRET: secret }).catch((e: unknown) => e);
    expect(String((missing as Error).message)).not.toContain(secret);
    expect(String((missing as Error).message)).toContain('***');
  });

  it('${var:NAME} marks a value as not secret, so messages keep it', async () => {
    const p = await plan(`version: 1\n${data}detectors:\n  - { use: echo-field, with: { field: "\${var:VIGIA_T_FIELD}" } }\n`, { VIGIA_T_FIELD: 'latency_ms' });
    const report = await runPlan(p);
    expect(report.detectors[0]!.message).toBe('checked latency_ms');
    expect(report.detectors[0]!.details).toEqual({ field: 'latency_ms' });
  });
});

describe('configs that used to crash', () => {
  const parse = (text: string, file = 'vigia.yaml') => () => parseConfigText(text, { file: `/tmp/${file}`, displayPath: file, env: {} });

  it('a self-referencing alias is a config error naming the file and path, not a stack overflow', () => {
    expect(parse(`version: 1\ndata: &d { current: *d }\n`)).toThrow(/vigia\.yaml: \/data\/current refers back to a mapping that contains it/);
  });

  it('reusing one anchor 150 times works; an alias bomb is a config error (exit 2) naming the file', () => {
    const records = ['&r { x: 1 }', ...Array.from({ length: 150 }, () => '*r')].join(', ');
    const loaded = parseConfigText(`version: 1\ndata:\n  current: { use: inline, with: { records: [${records}] } }\n`, { file: '/tmp/a.yaml', env: {} });
    expect((loaded.config.data.current!.with!.records as unknown[]).length).toBe(151);
    let bomb = 'version: 1\na: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
    let prev = 'a';
    for (const n of 'bcdefghi') {
      bomb += `${n}: &${n} [${Array(9).fill(`*${prev}`).join(',')}]\n`;
      prev = n;
    }
    const error = (() => { try { parse(bomb)(); } catch (e) { return e as { exitCode: number; message: string }; } return undefined; })();
    expect(error?.exitCode).toBe(2);
    expect(error?.message).toMatch(/^vigia\.yaml: its YAML aliases .* alias bomb/);
  });

  it('100 detectors sharing `with: *opts` load', () => {
    const detectors = Array.from({ length: 100 }, (_, i) => `  - { id: d${i}, use: mean-above, with: *opts }`).join('\n');
    const loaded = parseConfigText(`version: 1\ndescription: &desc shared\n${data}detectors:\n  - { id: first, use: mean-above, with: &opts { field: x } }\n${detectors}\n`, { file: '/tmp/a.yaml', env: {} });
    expect(loaded.config.detectors).toHaveLength(101);
  });

  it('YAML merge keys are supported', () => {
    const loaded = parseConfigText(`version: 1\n${data}detectors:\n  - { id: a, use: mean-above, with: &base { field: x, threshold: 2 } }\n  - id: b\n    use: mean-above\n    with:\n      <<: *base\n      threshold: 4\n`, { file: '/tmp/a.yaml', env: {} });
    expect(loaded.config.detectors[1]!.with).toEqual({ field: 'x', threshold: 4 });
  });

  it('an unquoted ${env:X} in a flow map gets a hint to quote it', () => {
    expect(parse(`version: 1\ndata:\n  current: { use: jsonl, with: { path: \${env:DATA} } }\n`)).toThrow(/must be quoted, e\.g\. path: "\$\{env:DATA_PATH\}"/);
  });

  it('version 2 says the allowed value; timeoutMs is bounded by what timers can hold', () => {
    expect(parse(`version: 2\n`)).toThrow(/\/version must be 1/);
    expect(parse(`version: 1\ntimeoutMs: 2147483648\n`)).toThrow(/\/timeoutMs must be <= 2147483647/);
    expect(parse(`version: 1\nseed: -1\n`)).toThrow(/\/seed must be >= 0/);
  });

  it('a 100,000-character component name is clipped in the error', async () => {
    const error = await plan(`version: 1\n${data}detectors:\n  - { use: ${'n'.repeat(100_000)} }\n`).then(() => new Error('no error'), (e: unknown) => e as Error);
    expect(error.message.length).toBeLessThan(2000);
    expect(error.message).toMatch(/no detector "n+… \(100000 characters\)"/);
  });

  it('cross-option checks are config errors at planning, with the option path', async () => {
    const error = await plan(`version: 1\n${data}detectors:\n  - { use: checked, with: { low: 3, high: 1 } }\n`).then(() => ({ exitCode: 0, message: 'no error' }), (e: unknown) => e as { exitCode: number; message: string });
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/vigia\.yaml:\d+: \/detectors\/0\/with\/low must be below high/);
  });
});

describe('time limits', () => {
  it('a synchronous detector that overruns a tiny timeoutMs is an error, not a normal result', async () => {
    const p = await plan(`version: 1\n${data}detectors:\n  - { use: busy, with: { ms: 60 }, timeoutMs: 1 }\n  - { use: mean-above, with: { field: x, threshold: 10 } }\n`);
    const report = await runPlan(p);
    expect(report.detectors[0]!.status).toBe('error');
    expect(report.detectors[0]!.message).toMatch(/did not finish within 1 ms \(it took \d+ ms\)/);
    expect(report.detectors[1]!.status).toBe('pass');
  });
});

describe('safe writes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigia-write-'));

  it('never replaces a FIFO or a device, never loops under /proc, names a dangling symlink', async () => {
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    await expect(writeFileSafely(fifo, 'x', 'json sink')).rejects.toThrow(/is a named pipe \(FIFO\); reports are written only to regular files/);
    expect(statSync(fifo).isFIFO()).toBe(true);
    await expect(writeFileSafely('/dev/null', 'x', 'junit sink')).rejects.toThrow(/is a character device/);
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
    const t0 = performance.now();
    await expect(writeFileSafely('/proc/vigia/report.json', 'x', 'json sink')).rejects.toThrow(/cannot be created under \/proc/);
    await expect(writeFileSafely('/proc/nope.json', 'x', '--out')).rejects.toThrow(/\/proc is a pseudo file system/);
    expect(performance.now() - t0).toBeLessThan(2000);
    const link = join(dir, 'dangling.xml');
    symlinkSync(join(dir, 'missing', 'target.xml'), link);
    await expect(writeFileSafely(link, 'x', 'junit sink')).rejects.toThrow(/is a symbolic link to .*missing\/target\.xml, which does not exist/);
  });

  it('writes regular files, creating directories, and writes through a symlink to a file', async () => {
    await writeFileSafely(join(dir, 'a', 'b', 'r.json'), '{}', 'json sink');
    writeFileSync(join(dir, 'real.json'), 'old');
    symlinkSync(join(dir, 'real.json'), join(dir, 'link.json'));
    await writeFileSafely(join(dir, 'link.json'), 'new', 'json sink');
    expect(statSync(join(dir, 'link.json'), { throwIfNoEntry: false })).toBeDefined();
    mkdirSync(join(dir, 'isdir'));
    await expect(writeFileSafely(join(dir, 'isdir'), 'x', 'json sink')).rejects.toThrow(/is a directory/);
  });
});

describe('describeValue', () => {
  it('renders a 10,000-level nested value shortly, without recursion trouble', () => {
    let v: unknown = 1;
    for (let i = 0; i < 10_000; i++) v = { a: v };
    expect(describeValue(v)).toBe('{"a":{"a":{"a":{…}}}}');
    expect(describeValue('x'.repeat(10_000)).length).toBeLessThanOrEqual(80);
  });
});
