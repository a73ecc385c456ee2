// What 1 M points/s would cost the default anomaly scorer in quality (issue 14): the scoring
// kernel (NoveltyScorer, what `method: auto` runs per point, without reading a CSV — a kernel
// figure, labelled so) on the 58 NAB series, at its defaults and with smaller rolling windows or
// without the shape channels, each scored with the NAB v1.1 harness (bench/nab/scorer.mjs) as
// bench/anomaly-nab does. Rates are CPU time of this process (points / CPU s, one core), so a
// loaded machine distorts them less than wall time; the defaults' exact outputs are what
// anomaly-nab scores through the engine. Skips without ../shared/data/nab.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NoveltyScorer } from '../packages/stats/dist/index.js';
import { loadCorpus, nabScore } from './nab/scorer.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const nabDir = join(root, '..', 'shared', 'data', 'nab');
if (!existsSync(join(nabDir, 'labels', 'combined_windows.json'))) {
  console.log(`SKIPPED: the NAB corpus is not at ${nabDir} (see ../shared/data/README.md)`);
} else {
  const corpus = loadCorpus(nabDir);
  const points = corpus.reduce((a, f) => a + f.values.length, 0);
  const variants = [
    ['defaults (window 6400, history 8640, 2 shape channels): the exact default', {}],
    ['window 1600, history 2160', { window: 1600, history: 2160 }],
    ['window 640, history 864', { window: 640, history: 864 }],
    ['window 200, history 300', { window: 200, history: 300 }],
    ['defaults without the shape channels (shapeSegments 0)', { shapeSegments: 0 }],
    ['window 640, history 864, no shape channels', { window: 640, history: 864, shapeSegments: 0 }],
  ];
  console.log(`NAB ${corpus.length} series, ${points} points; load average ${(await import('node:os')).loadavg()[0].toFixed(2)} (2 cores shared: CPU-time rates)`);
  console.log('| scorer variant | M points/s per core (CPU) | NAB standard | low FP | low FN | target |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const [label, options] of variants) {
    const scores = [];
    const c = process.cpuUsage();
    for (const f of corpus) {
      const scorer = new NoveltyScorer(options);
      const out = new Float64Array(f.values.length);
      for (let i = 0; i < f.values.length; i++) out[i] = scorer.update(f.values[i]);
      scores.push(out);
    }
    const u = process.cpuUsage(c);
    const rate = points / ((u.user + u.system) / 1e6) / 1e6;
    const r = nabScore(corpus, scores);
    console.log(`| ${label} | ${rate.toFixed(3)} | ${r.standard.score.toFixed(1)} | ${r.reward_low_FP_rate.score.toFixed(1)} | ${r.reward_low_FN_rate.score.toFixed(1)} | ≥ 1 M/s, NAB as the default |`);
  }
}
