import { describe, expect, it } from 'vitest';
import { CORE_API_VERSION, Registry, defineSource, definePlugin, planFromFile, runPlan } from '../src/index.js';
import { tempConfig, testPlugin } from './helpers.js';

// A source that stops midway (as the samples source does when its model provider dies).
const partial = definePlugin({
  name: 'partial-source',
  apiVersion: CORE_API_VERSION,
  sources: {
    halfway: defineSource({
      description: 'Yields two records, then reports that it stopped early.',
      options: { type: 'object', properties: {}, additionalProperties: false },
      create: () => ({ read: async () => ({ records: [{ x: 3 }, { x: 5 }], skipped: 0, error: new Error('the server went away') }) }),
    }),
  },
});

describe('a source that stops early', () => {
  it('keeps its records, runs the detectors on them, names the error and ends the run as an error', async () => {
    const plan = await planFromFile(tempConfig('version: 1\ndata:\n  current: { use: halfway }\ndetectors:\n  - { use: mean-above, with: { field: x, threshold: 10 } }\n'), new Registry([testPlugin, partial]));
    const report = await runPlan(plan);
    expect(report.datasets.current).toEqual({ records: 2, skipped: 0, error: 'dataset "current" (halfway) stopped early after 2 records: the server went away' });
    expect(report.detectors[0]).toMatchObject({ status: 'pass', statistic: 4 });
    expect(report.status).toBe('error');
    expect(report.warnings).toContain(report.datasets.current!.error);
  });
});
