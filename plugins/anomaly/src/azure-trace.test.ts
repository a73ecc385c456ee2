// Aggregated anomaly scoring on a real LLM trace: Azure LLM inference trace, conversation service
// (Patel et al., "Splitwise: Efficient generative LLM inference using phase splitting", ISCA 2024;
// CC BY 4.0), one request per row, about one hour on 2023-11-16.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runDetector } from '@vigia/testing';
import { anomalyDetector } from './index.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const file = `${repoRoot}../shared/data/azure-llm-trace/AzureLLMInferenceTrace_conv.csv`;
const present = existsSync(file);
if (!present) console.warn(`skipped the Azure LLM trace anomaly tests: ${file} is absent (see /work/shared/data/README.md)`);

function readTrace(): { timestamp: string; input_tokens: number; output_tokens: number }[] {
  const lines = readFileSync(file, 'utf8').split(/\r?\n/);
  expect(lines[0]).toBe('TIMESTAMP,ContextTokens,GeneratedTokens');
  const out = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i] === '') continue;
    const [timestamp, context, generated] = lines[i]!.split(',');
    out.push({ timestamp: timestamp!, input_tokens: Number(context), output_tokens: Number(generated) });
  }
  return out;
}

type Anomaly = { start: string; value: number; score: number; records: number };

describe.skipIf(!present)('anomaly detector with aggregate on the Azure conv trace', () => {
  const records = present ? readTrace() : [];

  it('scores requests per 10 s', async () => {
    const began = performance.now();
    const r = await runDetector(anomalyDetector, { timestampField: 'timestamp', aggregate: { every: '10s', value: 'count' }, useReference: false, top: 3, emitScores: true }, { current: records });
    const elapsed = performance.now() - began;
    const d = r.details as {
      buckets: number; records: number; scored: number; trimmedEdges: { buckets: number; records: number };
      anomalies: Anomaly[]; scores: { start: string; value: number; score: number | null }[];
    };
    expect(elapsed).toBeLessThan(2000);
    // about one hour of 10 s buckets, every request in one of them or in the trimmed partial edges
    expect(d.trimmedEdges.buckets).toBe(2);
    expect(d.records + d.trimmedEdges.records).toBe(records.length);
    expect(d.buckets).toBeGreaterThan(340);
    expect(d.buckets).toBeLessThan(380);
    expect(d.scores.reduce((a, s) => a + s.value, 0)).toBe(d.records);
    expect(d.scored).toBe(d.buckets - Math.floor(0.15 * d.buckets));
    expect(d.anomalies).toHaveLength(3);
    for (const a of d.anomalies) {
      expect(Date.parse(a.start) % 10_000).toBe(0); // epoch-aligned
      expect(a.value).toBe(a.records);
      expect(a.score).toBeGreaterThanOrEqual(0);
      expect(a.score).toBeLessThanOrEqual(1);
    }
    expect(d.anomalies[0]!.score).toBe(r.statistic);
    console.info(`Azure conv, requests per 10 s: ${r.status}, ${r.message}; top: ${d.anomalies.map((a) => `${a.start} ${a.value} req (${a.score.toFixed(3)})`).join('; ')}`);
  });

  it('scores output-token totals per minute with robust-z (too few buckets for auto)', async () => {
    const r = await runDetector(anomalyDetector, { field: 'output_tokens', timestampField: 'timestamp', aggregate: { every: '1m', value: 'sum' }, method: 'robust-z', useReference: false, top: 3 }, { current: records });
    const d = r.details as { buckets: number; anomalies: Anomaly[] };
    expect(d.buckets).toBeGreaterThan(55);
    expect(d.buckets).toBeLessThan(65);
    expect(d.anomalies).toHaveLength(3);
    expect(d.anomalies[0]!.value).toBeGreaterThan(d.anomalies[0]!.records); // a sum of tokens, not a count
    expect(d.anomalies[0]!.score).toBeGreaterThan(0.5);
    console.info(`Azure conv, output tokens per minute: ${r.status}, ${r.message}; top: ${d.anomalies.map((a) => `${a.start} ${a.value} tok/${a.records} req (${a.score.toFixed(3)})`).join('; ')}`);
  });
});
