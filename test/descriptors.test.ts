// End to end through the engine as a config runs it: text descriptors as virtual fields and
// per-segment results (`by: model`) on a chatbot log with a planted rise in refusals for one model.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRng, planFromFile, runPlan, type Report, type SegmentResult } from '@vigia/core';
import { formatReportTable } from '@vigia/plugin-sinks';
import { buildFamilies, exposition, snapshotOf } from '@vigia/plugin-exporters';
import { createMemorySink } from '@vigia/testing';
import { builtinRegistry } from '../packages/cli/src/index.js';
import { tempProject } from './helpers.js';

const ANSWERS = [
  'Sure! To reset your password, open Settings, choose Security and follow the link we email you.',
  'The capital of Australia is Canberra, not Sydney as many people think.',
  'Here is a short summary: the report shows revenue grew by 12% while costs stayed flat.',
  'You can sort a list in Python with sorted(items, key=lambda x: x.name).',
  'Great question! The main difference is that TCP guarantees delivery and UDP does not.',
  'Claro, aquí tienes la receta: mezcla la harina con los huevos y hornea durante 30 minutos.',
];
const REFUSALS = [
  "I'm sorry, but I can't help with that request.",
  'I cannot assist with creating that content.',
  'As an AI language model, I cannot provide legal advice.',
  'Lo siento, pero no puedo ayudarte con eso.',
];
const PROMPTS = ['How do I reset my password?', 'What is the capital of Australia?', 'Summarise the attached report for me please.', '¿Me das una receta de bizcocho?'];
/** PII planted in prompts and responses; none of these strings may appear in any output. */
const SECRETS = ['jane.roe@example.com', '4111 1111 1111 1111', 'DE89 3704 0044 0532 0130 00', '123-45-6789', 'AKIAIOSFODNN7EXAMPLE'];

function log(seed: number, refusalRate: Record<string, number>, perModel: Record<string, number>): string {
  const rng = createRng(seed);
  const lines: string[] = [];
  for (const [model, n] of Object.entries(perModel)) {
    for (let i = 0; i < n; i++) {
      const refuse = rng.next() < refusalRate[model]!;
      let response = refuse ? REFUSALS[rng.int(REFUSALS.length)]! : ANSWERS[rng.int(ANSWERS.length)]!;
      let prompt = PROMPTS[rng.int(PROMPTS.length)]!;
      if (rng.next() < 0.05) response += ` You can reach billing at ${SECRETS[rng.int(SECRETS.length)]}.`;
      if (rng.next() < 0.05) prompt += ` My details: ${SECRETS[rng.int(SECRETS.length)]}`;
      lines.push(JSON.stringify({ model, prompt, response, latency_ms: 100 + rng.int(900) }));
    }
  }
  return `${lines.join('\n')}\n`;
}

const sizes = { 'model-a': 500, 'model-b': 500, 'model-c': 500, 'model-tiny': 8 };
const base = { 'model-a': 0.04, 'model-b': 0.04, 'model-c': 0.04, 'model-tiny': 0.04 };

const config = `version: 1
name: chatbot
correction: bh
data:
  reference: { use: jsonl, with: { path: ./reference.jsonl } }
  current: { use: jsonl, with: { path: ./current.jsonl } }
descriptors:
  triggerWords: { billing: [billing] }
detectors:
  - id: refusal-rate
    use: feature-drift
    with: { field: descriptors.response.refusal, test: chi2 }
    by: model
  - id: pii-in-responses
    use: feature-drift
    with: { field: descriptors.response.has_pii, test: chi2 }
    by: model
  - id: prompt-language
    use: feature-drift
    with: { field: descriptors.prompt.language, test: chi2 }
metrics:
  - id: refusal-share
    use: field-stats
    with: { fields: [descriptors.response.refusal, descriptors.response.pii, descriptors.response.triggers.billing] }
    by: model
sinks:
  - { use: json, with: { path: ./out/report.json } }
  - { use: junit, with: { path: ./out/junit.xml } }
  - { use: html, with: { path: ./out/report.html } }
`;

async function run(current: Record<string, number>) {
  const dir = tempProject({
    'reference.jsonl': log(1, base, sizes),
    'current.jsonl': log(2, current, sizes),
    'vigia.yaml': config,
  });
  const memory = createMemorySink();
  const report = await runPlan(await planFromFile(join(dir, 'vigia.yaml'), await builtinRegistry()), { extraSinks: [memory] });
  return { dir, report, memory };
}

const segments = (report: Report, id: string) => report.detectors.find((d) => d.id === id)!.details!.segments as SegmentResult[];

describe('descriptors and per-segment results, end to end', () => {
  it('flags the planted refusal rise on that model\'s segment only, and never outputs matched PII', async () => {
    const { dir, report, memory } = await run({ ...base, 'model-b': 0.2 });
    const refusal = report.detectors.find((d) => d.id === 'refusal-rate')!;
    const bySegment = Object.fromEntries(segments(report, 'refusal-rate').map((s) => [s.segment, s.status]));
    expect(bySegment).toEqual({ 'model-a': 'pass', 'model-b': 'fail', 'model-c': 'pass', 'model-tiny': 'too-small' });
    expect(refusal.status).toBe('fail');
    expect(refusal.message).toMatch(/^by model: 1 of 3 segments moved: model-b \(fail/);
    expect(refusal.message).toContain('1 too small (< 30 records): model-tiny');
    // Each segment's test is in the run's Benjamini–Hochberg family.
    for (const s of segments(report, 'refusal-rate').filter((x) => x.status !== 'too-small')) expect(s.pValueAdjusted).toBeGreaterThanOrEqual(s.pValue!);
    expect(report.detectors.find((d) => d.id === 'prompt-language')!.status).toBe('pass');
    // Metrics per segment; too-small segments named in a warning.
    const share = report.metrics.find((m) => m.name === 'vigia.field.share' && m.labels?.segment === 'model-b' && m.labels.field === 'descriptors.response.refusal' && m.labels.dataset === 'current')!;
    expect(share.value).toBeGreaterThan(0.12);
    expect(report.warnings?.join('\n')).toContain('segments of model below minSegmentSize 30 not computed: model-tiny (8)');

    // Console, JSON and JUnit show the segments.
    const table = formatReportTable(report, { width: 160 });
    expect(table).toContain('refusal-rate[model-b] n=500/500  fail');
    expect(table).toContain('refusal-rate[model-tiny] n=8/8  too small');
    const junit = readFileSync(join(dir, 'out', 'junit.xml'), 'utf8');
    expect(junit).toContain('<testcase name="refusal-rate[model-b]" classname="feature-drift"');
    expect(junit).toMatch(/<testcase name="refusal-rate\[model-tiny\]"[^>]*>\s*<skipped/);
    const json = readFileSync(join(dir, 'out', 'report.json'), 'utf8');
    expect(JSON.parse(json).detectors[0].details.segments).toHaveLength(4);
    // HTML and Prometheus too.
    const html = readFileSync(join(dir, 'out', 'report.html'), 'utf8');
    expect(html).toMatch(/<tr data-segment="model-b" data-status="fail">/);
    expect(html).toMatch(/<tr data-segment="model-tiny" data-status="too-small">/);
    const metrics = await exposition(buildFamilies(snapshotOf(report)).families);
    expect(metrics).toMatch(/vigia_detector_segment_status\{[^}]*detector="refusal-rate"[^}]*segment="model-b"[^}]*\} 2/);

    // The grep: no planted PII string, in any spelling, anywhere a user can see.
    const outputs = [json, junit, table, html, metrics, JSON.stringify(memory.events), JSON.stringify(report)];
    for (const secret of SECRETS) {
      for (const form of new Set([secret, secret.replace(/[\s-]/g, '')])) {
        for (const out of outputs) expect(out.includes(form), `"${form}" leaked`).toBe(false);
      }
    }
  });

  it('passes every segment when nothing was planted', async () => {
    const { report } = await run(base);
    expect(report.detectors.find((d) => d.id === 'refusal-rate')!.status).toBe('pass');
    expect(segments(report, 'refusal-rate').filter((s) => s.status === 'fail')).toEqual([]);
  });

  it('rejects an unknown descriptor or pattern name at plan time, naming the config path', async () => {
    const dir = tempProject({
      'reference.jsonl': log(1, base, { 'model-a': 5 }),
      'current.jsonl': log(2, base, { 'model-a': 5 }),
      'vigia.yaml': `version: 1\ndata:\n  reference: { use: jsonl, with: { path: ./reference.jsonl } }\n  current: { use: jsonl, with: { path: ./current.jsonl } }\ndetectors:\n  - { use: feature-drift, with: { field: descriptors.response.refusl } }\n  - { id: b, use: feature-drift, with: { field: descriptors.response.regex.nope } }\n`,
    });
    await expect(planFromFile(join(dir, 'vigia.yaml'), await builtinRegistry())).rejects.toThrow(/vigia\.yaml:6: \/detectors\/0\/with\/field names field "descriptors\.response\.refusl": unknown descriptor[\s\S]*add descriptors\.patterns\.nope/);
  });
});
