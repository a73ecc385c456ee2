import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CORE_API_VERSION, defineDetector, definePlugin, defineSink, defineSource, type Report, type VigiaEvent } from '../src/index.js';

/** A tiny plugin for core tests: an in-memory source, detectors that pass/fail/throw/hang, a memory sink. */
export const received: { events: VigiaEvent[]; reports: Report[]; shutdown: number } = { events: [], reports: [], shutdown: 0 };

export const testPlugin = definePlugin({
  name: 'test-plugin',
  apiVersion: CORE_API_VERSION,
  sources: {
    inline: defineSource({
      description: 'Records given inline.',
      options: { type: 'object', properties: { records: { type: 'array', items: { type: 'object' } }, skipped: { type: 'integer', default: 0 } }, required: ['records'] },
      create: ({ records, skipped }) => ({ read: async () => ({ records: records as Record<string, unknown>[], skipped }) }),
    }),
  },
  detectors: {
    'mean-above': defineDetector({
      description: 'Fails when the mean of a field in current is above a threshold.',
      options: { type: 'object', properties: { field: { type: 'string' }, threshold: { type: 'number', default: 0 } }, required: ['field'] },
      create: ({ field, threshold }) => ({
        evaluate({ current }) {
          const xs = current.records.map((r) => Number(r[field]));
          const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
          return { status: mean > threshold ? 'fail' : 'pass', statistic: mean, pValue: null, threshold, message: `mean ${mean}` };
        },
      }),
    }),
    'p-value': defineDetector({
      description: 'Returns a fixed p-value (for correction tests).',
      options: { type: 'object', properties: { p: { type: 'number' }, alpha: { type: 'number', default: 0.05 }, effect: { type: 'number' }, minEffect: { type: 'number' } }, required: ['p'] },
      create: ({ p, alpha, effect, minEffect }) => ({
        evaluate: () => ({ status: p < alpha ? 'fail' : 'pass', statistic: 1, pValue: p, threshold: alpha, message: `p=${p}`, test: { alpha, effectSize: effect ?? null, minEffect: minEffect ?? null } }),
      }),
    }),
    throws: defineDetector({
      description: 'Always throws.',
      options: { type: 'object', properties: {} },
      create: () => ({ evaluate: () => { throw new Error('boom from the detector'); } }),
    }),
    hangs: defineDetector({
      description: 'Never resolves.',
      options: { type: 'object', properties: {} },
      create: () => ({ evaluate: () => new Promise(() => {}) }),
    }),
    embeds: defineDetector({
      description: 'Names an embedder.',
      options: { type: 'object', properties: { embedder: { type: 'string' } } },
      create: () => ({ evaluate: () => ({ status: 'pass', statistic: null, pValue: null, threshold: null, message: 'ok' }) }),
    }),
    'needs-ref': defineDetector({
      description: 'Needs a reference.',
      needs: ['reference'],
      options: { type: 'object', properties: {} },
      create: () => ({ evaluate: ({ reference }) => ({ status: 'pass', statistic: reference!.records.length, pValue: null, threshold: null, message: 'ok' }) }),
    }),
  },
  sinks: {
    memory: defineSink({
      description: 'Keeps events in memory.',
      options: { type: 'object', properties: {} },
      create: () => ({
        onEvent: (e) => { received.events.push(e); },
        report: (r) => { received.reports.push(r); },
        shutdown: async () => { received.shutdown++; },
      }),
    }),
    broken: defineSink({
      description: 'Throws on report.',
      options: { type: 'object', properties: {} },
      create: () => ({ report: () => { throw new Error('disk full'); } }),
    }),
  },
});

export function tempConfig(text: string, name = 'vigia.yaml'): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigia-core-'));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}
