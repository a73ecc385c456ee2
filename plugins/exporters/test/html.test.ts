import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import type { Report } from '@vigia/core';
import { renderHtml } from '../src/index.js';
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
