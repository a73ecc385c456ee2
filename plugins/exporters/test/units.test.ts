import { describe, expect, it } from 'vitest';
import type { DetectorReport } from '@vigia/core';
import { detectorCharts, packDatagrams, prometheusName, sanitizeLabelName } from '../src/index.js';
import { secretParts } from '../src/transport/failures.js';

describe('OpenTelemetry → Prometheus names', () => {
  it.each([
    ['gen_ai.client.operation.duration', 's', 'histogram', 'gen_ai_client_operation_duration_seconds'],
    ['gen_ai.client.token.usage', '{token}', 'histogram', 'gen_ai_client_token_usage'],
    ['gen_ai.client.operation.duration.p95', 's', 'gauge', 'gen_ai_client_operation_duration_p95_seconds'],
    ['vigia.throughput.output_tokens.overall', '{token}/s', 'gauge', 'vigia_throughput_output_tokens_overall_per_second'],
    ['vigia.request.error_rate', '1', 'gauge', 'vigia_request_error_rate_ratio'],
    ['vigia.request.errors', '{request}', 'counter', 'vigia_request_errors_total'],
    ['vigia.cost', '{USD}', 'counter', 'vigia_cost_total'],
    ['process.memory', 'By', 'gauge', 'process_memory_bytes'],
    ['already_seconds', 's', 'gauge', 'already_seconds'],
    ['9lives-metric', 'ms', 'gauge', '_9lives_metric_milliseconds'],
  ] as const)('%s (%s, %s) → %s', (name, unit, kind, expected) => {
    expect(prometheusName(name, unit, kind)).toBe(expected);
  });

  it('label names: dots become underscores, reserved __ prefixes are not produced', () => {
    expect(sanitizeLabelName('gen_ai.token.type')).toBe('gen_ai_token_type');
    expect(sanitizeLabelName('__name__')).toBe('_name__');
    expect(sanitizeLabelName('1x')).toBe('key_1x');
  });
});

describe('html charts from detector details', () => {
  const base: DetectorReport = { id: 'd', use: 'x', status: 'warn', statistic: 0.3, pValue: 0.01, threshold: 0.05, message: 'm', durationMs: 1 };
  it.each([
    ['quantile summaries → CDFs', { field: 'latency_ms', reference: { min: 1, max: 9, quantiles: { p05: 2, p25: 3, p50: 5, p75: 7, p95: 8 } }, current: { min: 2, max: 12, quantiles: { p05: 3, p25: 5, p50: 7, p75: 9, p95: 11 } } }, 'share ≤ x'],
    ['shares → bars', { reference: { shares: { a: 0.5, b: 0.5 } }, current: { shares: { a: 0.2, c: 0.8 } } }, 'reference'],
    ['clusters → intent shares', { clusters: [{ cluster: 1, referenceShare: 0.4, currentShare: 0.1, examples: ['hello'] }], newIntents: { share: 0.1, expectedShare: 0.01 } }, 'new intents'],
    ['anomalies → flagged points', { fields: ['latency_ms'], anomalies: [{ timestamp: '2026-01-01T00:00:00Z', value: 5, score: 0.95 }, { timestamp: '2026-01-01T01:00:00Z', value: 9, score: 0.99 }] }, 'flagged'],
    ['null distribution', { nullMean: 0, nullSd: 0.01 }, 'null (permutations)'],
    ['projection directions', { explanation: { directions: [{ component: 1, share: 0.1, shiftSd: -0.4 }] } }, 'direction 1'],
    ['groups', { groups: [{ name: 'women', rate: 0.3 }, { name: 'men', rate: 0.5 }] }, 'women'],
    ['instability per prompt', { prompts: [{ prompt: 'p1', instability: 0.2 }] }, 'p1'],
    ['fallback: statistic vs threshold', {}, 'threshold'],
  ])('%s', (_name, details, text) => {
    const charts = detectorCharts({ ...base, details: details as Record<string, unknown> });
    expect(charts.length).toBeGreaterThan(0);
    expect(charts.map((c) => c.svg).join('')).toContain(text);
    for (const c of charts) expect(c.svg).toMatch(/^<svg class="chart"[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg">.*<\/svg>$/s);
  });
});

describe('transport helpers', () => {
  it('packs DogStatsD lines into datagrams no larger than the limit', () => {
    const lines = Array.from({ length: 50 }, (_, i) => `vigia.metric_${i}:${i}|g|#a:b`);
    const grams = packDatagrams(lines, 100);
    expect(grams.every((g) => g.length <= 100)).toBe(true);
    expect(grams.flatMap((g) => g.toString().split('\n'))).toEqual(lines);
  });

  it('secret parts: header tokens, URL query values and passwords, longest first', () => {
    const parts = secretParts(['Bearer abcdefgh1234', 'https://u:p4ssw0rd@host/x?token=t0k3n-value&x=1', 'abc']);
    expect(parts).toEqual(expect.arrayContaining(['Bearer abcdefgh1234', 'abcdefgh1234', 't0k3n-value', 'p4ssw0rd', 'token=t0k3n-value&x=1']));
    expect(parts).not.toContain('abc');
    expect(parts[0]!.length).toBeGreaterThanOrEqual(parts[parts.length - 1]!.length);
  });
});

describe('vigia dashboard (no services needed)', () => {
  it('prints the dashboard JSON for a config, notes a missing prometheus sink, and exits 2 on a bad config', async () => {
    const { main } = await import('../../../packages/cli/src/main.js');
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'vigia-dash-'));
    writeFileSync(join(dir, 'a.yaml'), 'version: 1\nname: dash\ndata:\n  reference: { use: jsonl, with: { path: r.jsonl } }\n  current: { use: jsonl, with: { path: c.jsonl } }\ndetectors:\n  - { id: one, use: feature-drift, with: { field: x } }\n  - { id: two, use: feature-drift, with: { field: y } }\n');
    const out: string[] = [];
    const err: string[] = [];
    const io = { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t), stderrIsTTY: false, stdoutIsTTY: false, env: process.env, cwd: dir };
    expect(await main(['dashboard', 'a.yaml'], io)).toBe(0);
    const dashboard = JSON.parse(out.join(''));
    const titles = dashboard.panels.map((p: { title: string }) => p.title);
    expect(titles).toEqual(expect.arrayContaining(['Run status', 'one', 'two', 'Statistic', 'p-value', 'Records read']));
    expect(titles).not.toContain('Request latency percentiles');
    expect(err.join('')).toMatch(/no prometheus sink/);
    err.length = 0;
    expect(await main(['dashboard', 'missing.yaml'], io)).toBe(2);
    expect(err.join('')).toMatch(/VIGIA_CONFIG_NOT_FOUND/);
  });
});
