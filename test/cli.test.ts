import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBuilt, repoRoot, STACK, tempProject, vigia } from './helpers.js';

beforeAll(() => ensureBuilt(), 300_000);

const records = (n: number, f: (i: number) => object) => Array.from({ length: n }, (_, i) => JSON.stringify(f(i))).join('\n') + '\n';
const reference = records(200, (i) => ({ latency_ms: 100 + (i % 50), model: i % 2 ? 'a' : 'b' }));
const current = records(200, (i) => ({ latency_ms: 100 + (i % 50), model: i % 2 ? 'a' : 'b' }));

function project(config: string, extra: Record<string, string> = {}) {
  return tempProject({ 'reference.jsonl': reference, 'current.jsonl': current, 'vigia.yaml': config, ...extra });
}

const base = `version: 1
data:
  reference: { use: jsonl, with: { path: ./reference.jsonl } }
  current: { use: jsonl, with: { path: ./current.jsonl } }
`;

describe('vigia run: the quickstart', () => {
  it('prints a detector table, finds the planted shift and exits 0', () => {
    const r = vigia(['run', 'configs/quickstart.yaml']);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/prompt-length-drift\s+warn/);
    expect(r.stdout).toMatch(/topic-mix-drift\s+warn/);
    expect(r.stdout).toMatch(/context-condition\s+pass/);
    // Issue 7: messages say what moved in the user's terms, whole (stdout is not a terminal here);
    // metrics are summarised after the detectors; the report's path is named.
    expect(r.stdout).toMatch(/\n {4}latency_ms: median 3800 → 2454 ms \(−35 %\), p95 \d+ → \d+ ms \(−[\d.]+ %\); KS D=0\.309, p=1\.5e-42 \(n=1000 vs 1000\)/);
    expect(r.stdout).toMatch(/attributes\.category: "Religion" new, 0 % → \d+ %, "Sexual_orientation" new, 0 % → \d+ %/);
    expect(r.stdout).toMatch(/topic-mix-drift\s+warn\s+423\s+3\.3e-89\s+0\.05\s*\n\s+.*chi2=423,/);
    expect(r.stdout.indexOf('METRICS')).toBeGreaterThan(r.stdout.indexOf('context-condition'));
    expect(r.stdout.split('\n').filter((l) => l.startsWith('gen_ai.')).length).toBeLessThanOrEqual(8);
    expect(r.stdout).toMatch(/JSON report written to .*quickstart-report\.json/);
  });

  it('prints only the JSON report on stdout with --format json', () => {
    const r = vigia(['run', 'configs/quickstart.yaml', '--format', 'json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ version: 1, name: 'quickstart', status: 'warn' });
    expect(report.datasets.current).toEqual({ records: 1000, skipped: 0 });
    const byId = Object.fromEntries(report.detectors.map((d: { id: string }) => [d.id, d]));
    expect(byId['prompt-length-drift'].pValue).toBeLessThan(1e-6);
    expect(byId['context-condition'].status).toBe('pass');
    for (const d of report.detectors) expect(typeof d.durationMs).toBe('number');
    // The planted topic shift, seen through prompt embeddings and as new intents.
    expect(byId['prompt-embedding-drift'].status).toBe('warn');
    expect(byId['prompt-embedding-drift'].pValue).toBeLessThan(0.05);
    expect(byId['intent-mix'].details.newIntents.count).toBeGreaterThan(0);
    expect(report.metrics.some((m: { name: string }) => m.name === 'gen_ai.client.operation.duration.p95')).toBe(true);
  });

  it('runs the Azure traces config: token and throughput metrics, request-rate anomalies', () => {
    const r = vigia(['run', 'configs/azure-traces.yaml', '--format', 'json']);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.datasets).toEqual({ reference: { records: 2130, skipped: 0 }, current: { records: 3374, skipped: 0 } });
    const names = new Set(report.metrics.map((m: { name: string }) => m.name));
    for (const name of ['gen_ai.client.token.usage.p95', 'vigia.throughput.requests.mean']) expect(names).toContain(name);
    const rate = report.detectors.find((d: { id: string }) => d.id === 'request-rate-anomalies');
    expect(rate.details.buckets).toBeGreaterThan(200);
  });
});

describe('vigia run: exit codes and reports', () => {
  it('exits 1 when a detector fails, and writes --out', () => {
    const shifted = records(200, (i) => ({ latency_ms: 180 + (i % 50), model: 'a' }));
    const dir = tempProject({ 'reference.jsonl': reference, 'current.jsonl': shifted, 'vigia.yaml': `${base}detectors:\n  - { id: lat, use: feature-drift, with: { field: latency_ms, test: ks } }\n` });
    const r = vigia(['run', 'vigia.yaml', '--out', 'out/report.json'], { cwd: dir });
    expect(r.code).toBe(1);
    const report = JSON.parse(readFileSync(join(dir, 'out', 'report.json'), 'utf8'));
    expect(report.detectors[0]).toMatchObject({ id: 'lat', status: 'fail' });
  });

  it('writes JUnit XML for CI systems', () => {
    const dir = project(`${base}detectors:\n  - { id: lat, use: feature-drift, with: { field: latency_ms } }\nsinks:\n  - { use: junit, with: { path: junit.xml } }\n`);
    expect(vigia(['run', 'vigia.yaml'], { cwd: dir }).code).toBe(0);
    const xml = readFileSync(join(dir, 'junit.xml'), 'utf8');
    expect(xml).toContain('<testcase');
    expect(xml).toContain('name="lat"');
  });
});

describe('bad input: one clear message, the documented exit code, no stack trace', () => {
  const cases: Array<[string, () => { args: string[]; cwd: string }, number, RegExp]> = [
    ['an unknown component name', () => ({ args: ['run', 'vigia.yaml'], cwd: project(`${base}detectors:\n  - { use: feature-drfit, with: { field: latency_ms } }\n`) }), 2, /vigia\.yaml:\d+: \/detectors\/0\/use: no detector "feature-drfit"; did you mean "feature-drift"\?.*Installed detectors: .*feature-drift/],
    ['an option of the wrong type', () => ({ args: ['run', 'vigia.yaml'], cwd: project(`${base}detectors:\n  - { use: feature-drift, with: { field: latency_ms, threshold: high } }\n`) }), 2, /vigia\.yaml:\d+: \/detectors\/0\/with\/threshold must be number/],
    ['an unknown option', () => ({ args: ['run', 'vigia.yaml'], cwd: project(`${base}detectors:\n  - { use: feature-drift, with: { field: latency_ms, thresold: 0.1 } }\n`) }), 2, /\/detectors\/0\/with\/thresold is not a known option/],
    ['duplicate detector ids', () => ({ args: ['run', 'vigia.yaml'], cwd: project(`${base}detectors:\n  - { id: x, use: feature-drift, with: { field: latency_ms } }\n  - { id: x, use: feature-drift, with: { field: model } }\n`) }), 2, /\/detectors\/1\/id "x" is also the id of \/detectors\/0/],
    ['a missing data file', () => ({ args: ['run', 'vigia.yaml'], cwd: project(base.replace('./current.jsonl', './nope.jsonl') + `detectors:\n  - { use: feature-drift, with: { field: latency_ms } }\n`) }), 3, /nope\.jsonl/],
    ['a malformed JSONL line', () => ({ args: ['run', 'vigia.yaml'], cwd: project(`${base}detectors:\n  - { use: feature-drift, with: { field: latency_ms } }\n`, { 'current.jsonl': current + '{"latency_ms": 1,,}\n' }) }), 3, /current\.jsonl:201/],
    ['a YAML syntax error', () => ({ args: ['run', 'vigia.yaml'], cwd: project(`${base}detectors:\n  - { use: feature-drift, with: { field: latency_ms }\n`) }), 2, /vigia\.yaml:\d+:\d+: YAML syntax error/],
    ['a config path that does not exist', () => ({ args: ['run', 'missing.yaml'], cwd: project(base) }), 2, /config file not found: missing\.yaml/],
    ['an invalid --format (nothing runs)', () => ({ args: ['run', 'vigia.yaml', '--format', 'xml', '--out', 'should-not-exist.json'], cwd: project(base) }), 2, /Invalid values:[\s\S]*format/],
    ['run without a config', () => ({ args: ['run'], cwd: project(base) }), 2, /Not enough non-option arguments/],
    ['an unknown command', () => ({ args: ['rnu', 'vigia.yaml'], cwd: project(base) }), 2, /Unknown argument|Unknown command/i],
  ];
  it.each(cases)('%s', (_name, setup, code, message) => {
    const { args, cwd } = setup();
    const r = vigia(args, { cwd });
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.code).toBe(code);
  });

  it('ragged embedding vectors: exit 3 naming the dataset and record', () => {
    const vectors = (n: number, broken?: number) => records(n, (i) => ({ emb: i === broken ? [1, 2] : [Math.sin(i), Math.cos(i), 0.5] }));
    const dir = tempProject({ 'reference.jsonl': vectors(50), 'current.jsonl': vectors(50, 7), 'vigia.yaml': `${base}detectors:\n  - { use: embedding-drift, with: { field: emb } }\n` });
    const r = vigia(['run', 'vigia.yaml'], { cwd: dir });
    expect(r.code).toBe(3);
    expect(r.stdout + r.stderr).toMatch(/current.*record 8/);
    expect(r.stderr).not.toMatch(STACK);
  });

  it('counts skipped records with onInvalid: skip', () => {
    const dir = project(base.replace('./current.jsonl }', './current.jsonl, onInvalid: skip }') + `detectors:\n  - { use: feature-drift, with: { field: latency_ms } }\n`, { 'current.jsonl': current + 'not json\n[1,2]\n' });
    const r = vigia(['run', 'vigia.yaml', '--format', 'json'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).datasets.current).toEqual({ records: 200, skipped: 2 });
  });
});

describe('vigia validate, plugins, schema', () => {
  it('validates the quickstart', () => {
    const r = vigia(['validate', 'configs/quickstart.yaml']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('valid');
  });

  it('lists every component with its options and defaults', () => {
    const r = vigia(['plugins']);
    expect(r.code).toBe(0);
    for (const name of ['feature-drift', 'jsonl', 'csv', 'parquet', 'console', 'json', 'junit']) expect(r.stdout).toContain(name);
    const json = JSON.parse(vigia(['plugins', '--json']).stdout) as Array<{ name: string; options: Array<{ name: string }> }>;
    expect(json.find((c) => c.name === 'feature-drift')!.options.map((o) => o.name)).toContain('field');
  });

  it('prints the composed JSON Schema', () => {
    const r = vigia(['schema']);
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout);
    expect(schema.properties.detectors.items.properties.use.enum).toContain('feature-drift');
  });

  it('shows help', () => {
    const r = vigia(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('vigia run <config>');
  });
});

void repoRoot;
