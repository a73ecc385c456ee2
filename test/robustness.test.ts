/**
 * End-to-end regressions of issue "Robust under bad input, failing outputs and hostile paths",
 * through the real CLI: the documented exit code, a clear message, no stack trace, no hang.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { main } from '../packages/cli/src/main.js';
import { ensureBuilt, linkCore, STACK, tempProject, vigia } from './helpers.js';

beforeAll(() => ensureBuilt(), 300_000);

const lines = (n: number, f: (i: number) => object) => Array.from({ length: n }, (_, i) => JSON.stringify(f(i))).join('\n') + '\n';
const records = lines(120, (i) => ({ latency_ms: 100 + (i % 40), model: i % 2 ? 'a' : 'b', text: `ticket ${i % 9} about ${['billing', 'login', 'refund'][i % 3]}` }));
const base = `version: 1
data:
  reference: { use: jsonl, with: { path: ./reference.jsonl } }
  current: { use: jsonl, with: { path: ./current.jsonl } }
`;
const drift = `detectors:\n  - { use: feature-drift, with: { field: latency_ms } }\n`;

function project(config: string, extra: Record<string, string> = {}): string {
  return tempProject({ 'reference.jsonl': records, 'current.jsonl': records, 'vigia.yaml': config, ...extra });
}

/** The real CLI in a child process (for hangs, exit paths and the process's own output). */
function run(dir: string, args: string[] = [], env?: NodeJS.ProcessEnv) {
  const t0 = Date.now();
  const r = vigia(['run', 'vigia.yaml', ...args], { cwd: dir, env });
  return { ...r, ms: Date.now() - t0 };
}

/** The same CLI entry point in this process: much faster, for the many config and data cases. */
async function cli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, stderrIsTTY: false, stdoutIsTTY: false,
    env: { ...process.env, NO_COLOR: '1', ...env }, cwd,
  });
  return { code, stdout, stderr };
}

describe('outputs: hostile paths and failing sinks', () => {
  it('a report path under /proc fails at once with exit 3 (json sink and --out), no busy loop', () => {
    const dir = project(`${base}${drift}sinks:\n  - { use: json, with: { path: /proc/vigia/report.json } }\n`);
    const r = run(dir);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/sink json \(\/sinks\/0\).*\/proc\/vigia does not exist and cannot be created under \/proc/);
    expect(r.ms).toBeLessThan(20_000);
    const out = run(project(`${base}${drift}`), ['--out', '/proc/nope/r.json']);
    expect(out.code).toBe(3);
    expect(out.stderr).toMatch(/--out: cannot write \/proc\/nope\/r\.json/);
    expect(out.stderr).not.toMatch(STACK);
  });

  it('a FIFO or device at the report path is an error and stays what it was', async () => {
    const dir = project(`${base}${drift}sinks:\n  - { use: junit, with: { path: ./pipe } }\n`);
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    const r = await cli(['run', 'vigia.yaml'], dir);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/named pipe \(FIFO\); reports are written only to regular files/);
    expect(statSync(join(dir, 'pipe')).isFIFO()).toBe(true);
    const dev = await cli(['run', 'vigia.yaml'], project(`${base}${drift}sinks:\n  - { use: junit, with: { path: /dev/null } }\n`));
    expect(dev.code).toBe(3);
    expect(dev.stderr).toMatch(/\/dev\/null: it is a character device/);
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
  });

  it('junit under a dangling symlink is exit 3 naming the link, unless the sink is optional', async () => {
    const dir = project(`${base}${drift}sinks:\n  - { use: junit, with: { path: ./junit.xml } }\n`);
    symlinkSync(join(dir, 'gone', 'junit.xml'), join(dir, 'junit.xml'));
    const r = await cli(['run', 'vigia.yaml', '--format', 'json'], dir);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout).status).toBe('pass'); // the report is still printed
    expect(r.stderr).toMatch(/VIGIA_RUNTIME: a required output could not be produced: sink junit \(\/sinks\/0\) \(\.\/junit\.xml\).*symbolic link to .*gone\/junit\.xml, which does not exist/);
    writeFileSync(join(dir, 'vigia.yaml'), `${base}${drift}sinks:\n  - { use: junit, with: { path: ./junit.xml }, required: false }\n`);
    const optional = await cli(['run', 'vigia.yaml'], dir);
    expect(optional.code).toBe(0);
    expect(optional.stderr).not.toMatch(STACK);
  });

  it('an async sink that always rejects: the run finishes with one counted warning per step', () => {
    const plugin = `import { definePlugin, defineSink, CORE_API_VERSION } from '@vigia/core';
export default definePlugin({ name: 'down', apiVersion: CORE_API_VERSION, sinks: {
  down: defineSink({ description: 'endpoint down', required: false, options: { type: 'object', properties: {} },
    create: () => ({ onEvent: async () => { throw new Error('ECONNREFUSED 127.0.0.1:4318'); }, report: async () => { throw new Error('ECONNREFUSED'); } }) }),
} });
`;
    const dir = project(`version: 1\nplugins: [./down.mjs]\n${base.slice('version: 1\n'.length)}${drift}sinks:\n  - use: down\n`, { 'down.mjs': plugin });
    linkCore(dir);
    const r = run(dir, ['--format', 'json']);
    expect(r.code).toBe(0);
    const warnings: string[] = JSON.parse(r.stdout).warnings;
    expect(warnings.filter((w) => w.includes('failed in onEvent: ECONNREFUSED'))).toHaveLength(1);
    expect(warnings.some((w) => /failed in onEvent \d+ times in all/.test(w))).toBe(true);
    expect(warnings.length).toBeLessThanOrEqual(4);
  });
});

describe('time limits that hold', () => {
  it('a plugin spinning in a synchronous loop becomes an error after its timeoutMs; the others report', () => {
    const plugin = `import { definePlugin, defineDetector, CORE_API_VERSION } from '@vigia/core';
export default definePlugin({ name: 'spin', apiVersion: CORE_API_VERSION, detectors: {
  spin: defineDetector({ description: 'spins', options: { type: 'object', properties: {} }, create: () => ({ evaluate() { for (;;) { /* forever */ } } }) }),
  seeded: defineDetector({ description: 'seeded', options: { type: 'object', properties: {} },
    create: () => ({ evaluate: (input, ctx) => ({ status: 'pass', statistic: ctx.rng.next(), pValue: null, threshold: null, message: String(input.current.records.length) }) }) }),
} });
`;
    const config = (iso: string) => `version: 1\nplugins: [./spin.mjs]\n${base.slice('version: 1\n'.length)}detectors:\n  - { use: spin, timeoutMs: 2000 }\n  - { use: seeded${iso} }\n  - { use: feature-drift, with: { field: latency_ms } }\n`;
    const dir = project(config(''), { 'spin.mjs': plugin });
    linkCore(dir);
    const r = run(dir, ['--format', 'json']);
    expect(r.code).toBe(3);
    expect(r.ms).toBeLessThan(30_000);
    const report = JSON.parse(r.stdout);
    expect(report.detectors.map((d: { status: string }) => d.status)).toEqual(['error', 'pass', 'pass']);
    expect(report.detectors[0].message).toMatch(/detector "spin" did not finish within 2000 ms/);
    // The worker thread gives the same numbers as the main thread for the same seed.
    writeFileSync(join(dir, 'vigia.yaml'), config(', isolation: inline'));
    const inline = JSON.parse(run(dir, ['--format', 'json']).stdout);
    expect(inline.detectors[1].statistic).toBe(report.detectors[1].statistic);
  }, 120_000);

  it('a record too deeply nested to send to the worker is named, not a bare stack overflow', async () => {
    const plugin = `import { definePlugin, defineDetector, CORE_API_VERSION } from '@vigia/core';
export default definePlugin({ name: 'count', apiVersion: CORE_API_VERSION, detectors: {
  count: defineDetector({ description: 'counts', options: { type: 'object', properties: {} },
    create: () => ({ evaluate: (input) => ({ status: 'pass', statistic: input.current.records.length, pValue: null, threshold: null, message: '' }) }) }),
} });
`;
    const deep = `{"x":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`;
    const dir = project(`version: 1\nplugins: [./count.mjs]\n${base.slice('version: 1\n'.length)}detectors:\n  - use: count\n`, { 'count.mjs': plugin, 'current.jsonl': `${records}${deep}\n` });
    linkCore(dir);
    const r = await cli(['run', 'vigia.yaml', '--format', 'json'], dir);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout).detectors[0].message).toMatch(/cannot be sent to a worker thread \(dataset "current" \(jsonl \.\/current\.jsonl\), record 121 is nested 1000 or more levels deep\); set `isolation: inline`/);
  });

  it('records with vectors reach a worker thread packed and come out the same as inline', async () => {
    // A plugin that digests the records it is given (key order, nulls and all) and says whether
    // it got packed columns; embedding-drift reads the same vectors either way.
    const plugin = `import { createHash } from 'node:crypto';
import { definePlugin, defineDetector, CORE_API_VERSION } from '@vigia/core';
export default definePlugin({ name: 'digest', apiVersion: CORE_API_VERSION, detectors: {
  digest: defineDetector({ description: 'digests records', options: { type: 'object', properties: {} },
    create: () => ({ evaluate: ({ current }) => ({ status: 'pass', statistic: parseInt(createHash('sha256').update(JSON.stringify(current.records)).digest('hex').slice(0, 12), 16), pValue: null, threshold: null,
      message: current.numberArrays ? 'packed: ' + [...current.numberArrays.keys()].join(',') : 'records' }) }) }),
} });
`;
    const vec = (i: number, shift: number) => Array.from({ length: 48 }, (_, k) => Math.sin(i * 7 + k * 3) + (k < 4 ? shift : 0));
    const data = (shift: number) => lines(200, (i) => (i === 5 ? { id: i, emb: null } : { id: i, emb: vec(i, shift), nested: { e: vec(i + 1, 0), tag: i % 3 } }));
    const detectors = (iso: string) => `detectors:\n  - { use: digest${iso} }\n  - { use: embedding-drift, with: { field: emb, seed: 1 }${iso} }\n  - { id: nested, use: embedding-drift, with: { field: nested.e, method: centroid, seed: 1 }${iso} }\n`;
    const dir = tempProject({ 'reference.jsonl': data(0), 'current.jsonl': data(0.4), 'digest.mjs': plugin, 'vigia.yaml': `version: 1\nplugins: [./digest.mjs]\n${base.slice('version: 1\n'.length)}${detectors('')}` });
    linkCore(dir);
    const worker = await cli(['run', 'vigia.yaml', '--format', 'json'], dir);
    writeFileSync(join(dir, 'vigia.yaml'), `version: 1\nplugins: [./digest.mjs]\n${base.slice('version: 1\n'.length)}${detectors(', isolation: inline')}`);
    const inline = await cli(['run', 'vigia.yaml', '--format', 'json'], dir);
    if (!worker.stdout || !inline.stdout) throw new Error(`${worker.stderr}\n${inline.stderr}`);
    const [w, i] = [JSON.parse(worker.stdout), JSON.parse(inline.stdout)];
    expect(w.detectors[0].message).toBe('packed: emb,nested.e');
    expect(i.detectors[0].message).toBe('records');
    expect(w.detectors[0].statistic).toBe(i.detectors[0].statistic);
    expect(w.detectors[1].status).toBe('fail');
    const strip = (d: { durationMs?: number }) => ({ ...d, durationMs: 0 });
    expect(w.detectors.slice(1).map(strip)).toEqual(i.detectors.slice(1).map(strip));
  }, 60_000);

  it('embedding-drift (classifier) with timeoutMs: 1000 is stopped and reported as error', () => {
    // Reference and current differ, so the sequential permutation test cannot stop early (on
    // identical data it may finish inside the limit, which made this test depend on machine speed).
    const many = lines(400, (i) => ({ latency_ms: i, text: `message ${i} about ${['billing', 'login', 'refund', 'shipping'][i % 4]} ${i % 13}` }));
    const other = lines(400, (i) => ({ latency_ms: i, text: `question ${i} on ${['weather', 'football', 'cooking', 'travel'][i % 4]} ${i % 13}` }));
    const dir = tempProject({
      'reference.jsonl': many, 'current.jsonl': other,
      'vigia.yaml': `${base}detectors:\n  - { use: embedding-drift, with: { textField: text, method: classifier, permutations: 2000 }, timeoutMs: 1000 }\n  - { use: feature-drift, with: { field: latency_ms } }\n`,
    });
    const r = run(dir, ['--format', 'json']);
    expect(r.code).toBe(3);
    expect(r.ms).toBeLessThan(30_000);
    const report = JSON.parse(r.stdout);
    expect(report.detectors[0]).toMatchObject({ status: 'error' });
    expect(report.detectors[0].message).toMatch(/did not finish within 1000 ms/);
    expect(report.detectors[1].status).toBe('pass');
  }, 120_000);
});

describe('data that used to be silently mangled', () => {
  const withCurrent = (file: string, contents: string | Buffer, onInvalid = 'error') => {
    const dir = project(`version: 1\ndata:\n  reference: { use: jsonl, with: { path: ./reference.jsonl } }\n  current: { use: jsonl, with: { path: ./${file}, onInvalid: ${onInvalid} } }\n${drift}`);
    writeFileSync(join(dir, file), contents);
    return cli(['run', 'vigia.yaml', '--format', 'json'], dir);
  };

  it('Latin-1 bytes: an error naming the line and the likely encoding, or a counted skip', async () => {
    const bytes = Buffer.concat([Buffer.from(records), Buffer.from('{"latency_ms": 5, "text": "caf\xe9"}\n', 'latin1')]);
    const r = await withCurrent('latin.jsonl', bytes);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/latin\.jsonl:121: not valid UTF-8, e\.g\. byte 0xe9; the file looks Latin-1/);
    const skip = await withCurrent('latin.jsonl', bytes, 'skip');
    expect(skip.code).toBe(0);
    expect(JSON.parse(skip.stdout).datasets.current).toEqual({ records: 120, skipped: 1 });
  });

  it('UTF-16 and gzip without .gz are named', async () => {
    const utf16 = await withCurrent('u16.jsonl', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(records, 'utf16le')]), 'skip');
    expect(utf16.code).toBe(3);
    expect(utf16.stderr).toMatch(/u16\.jsonl: the file is UTF-16 \(little-endian, with a byte-order mark\) encoded, not UTF-8; convert it/);
    const gz = await withCurrent('packed.jsonl', gzipSync(records));
    expect(gz.code).toBe(3);
    expect(gz.stderr).toMatch(/packed\.jsonl: the file is gzip-compressed .*name it with a \.gz suffix/);
  });

  it('duplicate JSON keys are counted in a warning', async () => {
    const r = await withCurrent('dup.jsonl', `${records}{"latency_ms": 1, "latency_ms": 2}\n`);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).warnings.join('\n')).toMatch(/1 record with duplicate JSON keys \(the last value of each was kept\) \(e\.g\. \.\/dup\.jsonl:121: key "latency_ms" appears twice\)/);
  });

  it.skipIf(process.getuid?.() === 0)('unreadable data (chmod 000) says how to fix it', () => {
    const dir = project(`${base}${drift}`);
    chmodSync(join(dir, 'current.jsonl'), 0o000);
    const r = run(dir);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/permission denied.*chmod a\+r/);
  });

  it('a field nested 10,000 levels deep names the record and field in every component', async () => {
    const deep = `{"latency_ms":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)},"timestamp":"2024-01-01T00:00:00Z"}`;
    const dir = project(`${base}detectors:\n  - { use: feature-drift, with: { field: latency_ms, type: numeric } }\n  - { use: anomaly, with: { field: latency_ms, timestampField: timestamp } }\nmetrics:\n  - { use: latency, with: { field: latency_ms } }\n`);
    writeFileSync(join(dir, 'current.jsonl'), `${records.trimEnd().split('\n').slice(0, 5).map((l, i) => l.replace('{', `{"timestamp":"2024-01-01T00:00:0${i}Z",`)).join('\n')}\n${deep}\n`);
    const r = await cli(['run', 'vigia.yaml', '--format', 'json'], dir);
    expect(r.code).toBe(3);
    const text = r.stdout + r.stderr;
    expect(text).not.toMatch(/Maximum call stack/);
    expect(text).not.toMatch(STACK);
    const report = JSON.parse(r.stdout);
    for (const d of report.detectors) expect(d.message).toMatch(/record 6: field "latency_ms" is .*\{…\}/);
    // An errored metric is listed in report.metricErrors (it makes the run's status error).
    expect(report.metricErrors).toEqual([expect.objectContaining({ id: 'latency', message: expect.stringMatching(/record 6: field "latency_ms" is \{"a":\{"a":\{"a":\{…\}\}\}\}, not a finite number/) })]);
  });
});

describe('configuration and CLI', () => {
  const check = async (config: string, pattern: RegExp) => {
    const dir = project(config);
    for (const command of ['validate', 'run']) {
      const r = await cli([command, 'vigia.yaml'], dir);
      expect(r.code, `${command}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(pattern);
      expect(r.stderr).not.toMatch(STACK);
    }
  };

  it('run-time-only option checks are config errors from validate and run (exit 2)', async () => {
    await check(`${base}detectors:\n  - { use: feature-drift, with: { field: model, test: chi2, type: numeric } }\n`, /\/detectors\/0\/with\/test "chi2" compares categories but type is numeric/);
    await check(`${base}metrics:\n  - { use: throughput, with: { window: 0s } }\n`, /\/metrics\/0\/with\/window "0s" is not a window length/);
    await check(`${base}metrics:\n  - { use: latency, with: { durationBuckets: [1, 0.5] } }\n`, /\/metrics\/0\/with\/durationBuckets must be finite and strictly increasing/);
  });

  it('YAML: a self-referencing alias, an alias bomb and an unquoted ${env:X} are config errors naming the file', async () => {
    await check(`version: 1\ndata: &d { current: *d }\n`, /vigia\.yaml: \/data\/current refers back to a mapping that contains it/);
    let bomb = 'version: 1\ndescription: x\nx0: &a0 [1,2,3,4,5,6,7,8,9]\n';
    for (let i = 1; i < 9; i++) bomb += `x${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(',')}]\n`;
    await check(bomb, /vigia\.yaml: its YAML aliases .* alias bomb/);
    await check(`version: 1\ndata:\n  current: { use: jsonl, with: { path: \${env:DATA} } }\n`, /must be quoted/);
  });

  it('values the schema allows can run, or the schema refuses them (exit 2)', async () => {
    await check(`${base}embedders:\n  big: { use: hashing, with: { dimension: 1048576 } }\n`, /\/embedders\/big\/with\/dimension must be <= 4096/);
    await check(`${base}detectors:\n  - { use: embedding-drift, with: { textField: text, permutations: 1000000000 } }\n`, /permutations must be <= 100000/);
    await check(`${base}timeoutMs: 4294967296\n`, /\/timeoutMs must be <= 2147483647/);
    await check(`${base}metrics:\n  - { use: throughput, with: { window: 1ms, maxWindows: 1000000000000 } }\n`, /\/metrics\/0\/with\/maxWindows must be <= 1000000/);
    await check(`version: 2\n`, /\/version must be 1/);
  });

  it('a 100,000-character component name is clipped in the message', async () => {
    const r = await cli(['validate', 'vigia.yaml'], project(`${base}detectors:\n  - use: ${'x'.repeat(100_000)}\n`));
    expect(r.code).toBe(2);
    expect(Math.max(...r.stderr.split('\n').map((l) => l.length))).toBeLessThan(1100);
  });

  it('--seed must be a non-negative integer (usage error exit 2)', async () => {
    const dir = project(`${base}${drift}`);
    for (const bad of ['abc', '-1.5', '', '1e3', '2.5']) {
      const r = await cli(['run', 'vigia.yaml', `--seed=${bad}`], dir);
      expect(r.code, `--seed=${bad}`).toBe(2);
      expect(r.stderr).toMatch(/is not a seed; give a non-negative integer/);
    }
    const ok = await cli(['run', 'vigia.yaml', '--seed', '7', '--format', 'json'], dir);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).seed).toBe(7);
  });
});

describe('secrets', () => {
  it('a ${env:…} value appears in no output: stdout, stderr, json and junit files', () => {
    const secret = 'sk-live-5ec7e7-d0n7-1eak';
    const dir = project(`version: 1\nname: "nightly \${env:VIGIA_TOKEN}"\ndata:\n  reference: { use: jsonl, with: { path: ./reference.jsonl } }\n  current: { use: jsonl, with: { path: "./\${env:VIGIA_TOKEN}.jsonl" } }\n${drift}sinks:\n  - { use: json, with: { path: out/r.json } }\n  - { use: junit, with: { path: out/j.xml } }\n`);
    const missing = run(dir, ['--debug'], { VIGIA_TOKEN: secret });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('***');
    expect(missing.stdout + missing.stderr).not.toContain(secret);
    writeFileSync(join(dir, `${secret}.jsonl`), records);
    const ok = run(dir, ['--format', 'json', '--out', 'out/o.json'], { VIGIA_TOKEN: secret });
    expect(ok.code).toBe(0);
    const files = ['out/r.json', 'out/j.xml', 'out/o.json'].map((f) => readFileSync(join(dir, f), 'utf8'));
    for (const text of [ok.stdout, ok.stderr, ...files]) expect(text).not.toContain(secret);
    expect(JSON.parse(ok.stdout).name).toBe('nightly ***');
    expect(existsSync(join(dir, 'out', 'j.xml'))).toBe(true);
  });
});
