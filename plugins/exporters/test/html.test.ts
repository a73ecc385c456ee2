import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import type { Report } from '@vigia/core';
import { renderHtml } from '../src/index.js';
import { fmt } from '../src/html/svg.js';
import { runConfig, sampleRecords, which } from './services.js';

const browser = which('chromium');
if (!browser) console.warn('skipping the HTML report browser test: missing chromium (apt-get install chromium; .ci/run installs it)');

/** Where test artefacts are kept (gitignored `out/`). */
const artefacts = join(import.meta.dirname, '..', '..', '..', 'out', 'test-artifacts');

const files = { 'reference.jsonl': sampleRecords(400, 0, 3), 'current.jsonl': sampleRecords(400, 1500, 4) };
const config = (name: string) => `version: 1
name: ${name}
data:
  reference: { use: jsonl, with: { path: reference.jsonl } }
  current: { use: jsonl, with: { path: current.jsonl } }
detectors:
  - { id: latency-drift, use: feature-drift, with: { field: latency_ms, test: ks } }
  - { id: category-drift, use: feature-drift, with: { field: category, test: chi2 }, severity: warn }
  - { id: prompt-embeddings, use: embedding-drift, with: { textField: prompt, permutations: 50 } }
  - { id: latency-anomalies, use: anomaly, with: { field: latency_ms, timestampField: timestamp, top: 3 }, severity: warn }
metrics:
  - { id: latency, use: latency }
sinks:
  - use: html
    with: { path: out/report.html }
`;

/** Chromium flags for a quiet, offline, throwaway browser. */
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

describe('html sink', () => {
  it('escapes everything that comes from the report', () => {
    const report = { version: 1, name: '<script>alert(1)</script>', status: 'fail', startedAt: '2026-01-01T00:00:00Z', durationMs: 5, seed: 1, datasets: {}, metrics: [],
      detectors: [{ id: 'x"><img src=x>', use: 'u', status: 'fail', statistic: 1, pValue: null, threshold: null, message: '</section><script>', durationMs: 1 }] } as unknown as Report;
    const html = renderHtml(report);
    expect(html).not.toMatch(/<script|<img/i);
    expect(html).toContain('data-detector="x&quot;&gt;&lt;img src=x&gt;"');
  });

  it('shows a segmented detector\'s segments: one row each with n, status, statistic, raw and adjusted p-value', async () => {
    // Five current and reference records of a third model: a segment too small to test.
    const rare = (text: string) => text.split('\n').map((l, i) => (i < 5 ? l.replace(/"model":"[^"]*"/, '"model":"gpt-rare"') : l)).join('\n');
    const dir = mkdtempSync(join(tmpdir(), 'vigia-html-seg-'));
    const report = await runConfig(`version: 1
name: html-segments
correction: bh
data:
  reference: { use: jsonl, with: { path: reference.jsonl } }
  current: { use: jsonl, with: { path: current.jsonl } }
detectors:
  - { id: latency-by-model, use: feature-drift, with: { field: latency_ms, test: ks }, by: model, minSegmentSize: 30 }
  - { id: latency-all, use: feature-drift, with: { field: latency_ms, test: ks } }
sinks:
  - use: html
    with: { path: out/report.html }
`, { dir, files: { 'reference.jsonl': rare(sampleRecords(400, 0, 3)), 'current.jsonl': rare(sampleRecords(400, 1500, 4)) } });
    const html = readFileSync(join(dir, 'out', 'report.html'), 'utf8');
    const segments = (report.detectors[0]!.details as { segments: Array<{ segment: string; n: number; nReference?: number; status: string; statistic: number | null; pValue: number | null; pValueAdjusted?: number | null }> }).segments;
    expect(segments.map((x) => x.segment).sort()).toEqual(['gpt-large', 'gpt-rare', 'gpt-small']);
    const section = html.slice(html.indexOf('data-detector="latency-by-model"'), html.indexOf('data-detector="latency-all"'));
    expect(section).toContain('data-segments="3"');
    expect(section).toContain('Segments by model');
    for (const seg of segments) {
      const row = new RegExp(`<tr data-segment="${seg.segment}" data-status="${seg.status}">(.*?)</tr>`).exec(section);
      expect(row, seg.segment).not.toBeNull();
      const cells = [...row![1]!.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, ''));
      expect(cells[0]).toBe(seg.segment);
      expect(cells[1]).toBe(`${seg.n} / ${seg.nReference}`);
      expect(cells[2]).toBe(seg.status);
      expect(cells[3]).toBe(fmt(seg.statistic));
      expect(cells[4]).toBe(fmt(seg.pValue));
      expect(cells[5]).toBe(seg.pValueAdjusted != null ? fmt(seg.pValueAdjusted) : '—');
    }
    expect(segments.find((x) => x.segment === 'gpt-rare')!.status).toBe('too-small');
    expect(segments.find((x) => x.segment === 'gpt-large')!.pValueAdjusted).toBeTypeOf('number'); // the run's correction reached the segments
    // a detector without by: has no segment table
    expect(html.slice(html.indexOf('data-detector="latency-all"'))).not.toContain('data-segments');
  });

  it.skipIf(!browser)('writes one self-contained page that headless Chromium renders with no console error and no network request', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigia-html-'));
    const report = await runConfig(config('html-e2e'), { dir, files });
    expect(report.warnings ?? []).toEqual([]);
    const file = join(dir, 'out', 'report.html');
    expect(existsSync(file)).toBe(true);
    const html = readFileSync(file, 'utf8');
    expect(html).not.toMatch(/<script|<link|src=|url\(|@import/i);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);

    const profile = mkdtempSync(join(tmpdir(), 'vigia-chromium-'));
    // A fresh profile directory per run (Playwright passes it as --user-data-dir).
    const b = await chromium.launchPersistentContext(profile, { executablePath: browser, args: FLAGS.filter((a) => a !== '--headless'), headless: true, timeout: 60_000, viewport: { width: 1000, height: 900 } });
    try {
      const page = await b.newPage();
      const problems: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`); });
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      page.on('request', (r) => requests.push(r.url()));
      const url = pathToFileURL(file).href;
      await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
      expect(problems).toEqual([]);
      expect(requests).toEqual([url]);
      for (const d of report.detectors) {
        const section = page.locator(`section[data-detector="${d.id.replace(/["\\]/g, '\\$&')}"]`);
        expect(await section.count(), d.id).toBe(1);
        expect(await section.locator('svg').count(), `${d.id} has a chart`).toBeGreaterThan(0);
        expect(await section.getAttribute('data-status')).toBe(d.status);
      }
      // The charts were laid out (non-empty boxes), not just present in the markup.
      const boxes = await page.locator('svg.chart').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().width * e.getBoundingClientRect().height));
      expect(boxes.length).toBeGreaterThanOrEqual(report.detectors.length + 1);
      expect(boxes.every((a) => a > 1000)).toBe(true);
      mkdirSync(artefacts, { recursive: true });
      await page.screenshot({ path: join(artefacts, 'html-report.png'), fullPage: true });
      expect(existsSync(join(artefacts, 'html-report.png'))).toBe(true);
    } finally {
      await b.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
});
