// NAB quality of the anomaly detector as a user's config runs it, plus kernel speeds.
// Each of the 58 NAB series is one run of a config through the engine (csv source, the anomaly
// detector with its defaults: method auto, probation min(15 %, 750 points) as NAB's own, nothing
// read from the labels, score of point t from points <= t only; emitScores to read the scores),
// then the scores are scored with the NAB v1.1 harness in bench/nab/scorer.mjs. Probationary
// points have score null (NAB's scorer ignores the same rows); they are written as 0.
// No timestampField: records are scored in file order, as NAB does (machine_temperature_system_failure
// has one timestamp out of order, which the detector would reject; auto does not use timestamps).
// Options: --write-results DIR writes NAB-format result CSVs (DIR/<detector>/<dir>/<detector>_<file>.csv
// with timestamp,value,anomaly_score,label) so NAB's own scorer can be run on them.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRandom, IsolationForest, NoveltyScorer, ReferenceLevel, RollingRobustZ } from '../packages/stats/dist/index.js';
import { loadCorpus, nabScore } from './nab/scorer.mjs';
import { runConfig } from './lib/engine.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const nabDir = join(root, '..', 'shared', 'data', 'nab');
const note = '(shared machine: timings are noisy)';

// --- speed: robust z-score ---------------------------------------------------------------------
{
  const rng = createRandom(1);
  const n = 2_000_000;
  const xs = new Float64Array(n);
  for (let i = 0; i < n; i++) xs[i] = rng.normal();
  for (const window of [100, 1000]) {
    const z = new RollingRobustZ({ window });
    let sink = 0;
    for (let i = 0; i < 50_000; i++) sink += z.update(xs[i]); // warm-up
    const t0 = performance.now();
    for (let i = 0; i < n; i++) sink += z.update(xs[i]);
    const s = (performance.now() - t0) / 1000;
    console.log(`robust z-score window=${window}: ${(n / s / 1e6).toFixed(2)} M points/s per core (target >= 1) ${note}${sink < 0 ? '' : ''}`);
  }
}

// --- speed: isolation forest training ----------------------------------------------------------
{
  const rng = createRandom(2);
  const n = 100_000;
  const d = 8;
  const data = new Float64Array(n * d);
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  IsolationForest.fit(data, n, d, { random: rng.next }); // warm-up
  const t0 = performance.now();
  const forest = IsolationForest.fit(data, n, d, { trees: 100, sampleSize: 256, random: rng.next });
  const trainS = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  forest.scoreAll(data, n);
  const scoreS = (performance.now() - t1) / 1000;
  console.log(`isolation forest train 100000x8, 100 trees, psi=256: ${trainS.toFixed(3)} s (target < 1 s) ${note}`);
  console.log(`isolation forest score 100000x8: ${(n / scoreS / 1e6).toFixed(2)} M points/s`);
}

// --- NAB ---------------------------------------------------------------------------------------
if (!existsSync(join(nabDir, 'labels', 'combined_windows.json'))) {
  console.warn(`skipped NAB: ${nabDir} not found (the NAB corpus lives in ../shared/data/nab)`);
} else {
  const corpus = loadCorpus(nabDir);
  const points = corpus.reduce((a, f) => a + f.values.length, 0);
  const t0 = performance.now();
  const scores = [];
  for (const f of corpus) {
    const config = `version: 1
name: nab
data:
  current: { use: csv, with: { path: ${JSON.stringify(join(nabDir, 'data', f.name))} } }
detectors:
  - { id: anomaly, use: anomaly, with: { field: value, emitScores: true } }
`;
    const report = await runConfig(config, root);
    const d = report.detectors[0];
    if (d.status === 'error') throw new Error(`NAB ${f.name}: ${d.message}`);
    const s = d.details.scores;
    if (s.length !== f.values.length) throw new Error(`NAB ${f.name}: ${s.length} scores for ${f.values.length} rows`);
    scores.push(Float64Array.from(s, (v) => v ?? 0));
  }
  const detectS = (performance.now() - t0) / 1000;
  // The scoring kernels alone (what the detector runs per point, without reading the CSV).
  const t1 = performance.now();
  let sink = 0;
  for (const f of corpus) {
    const scorer = new NoveltyScorer();
    for (const v of f.values) sink += scorer.update(v);
  }
  const kernelS = (performance.now() - t1) / 1000;
  const t2 = performance.now();
  for (const f of corpus) {
    const level = new ReferenceLevel(f.values.subarray(0, Math.max(30, Math.floor(f.values.length / 4))));
    for (const v of f.values) sink += level.update(v);
  }
  const levelS = (performance.now() - t2) / 1000;
  console.log(`scoring kernels on NAB: novelty (auto without a reference) ${(points / kernelS / 1e3).toFixed(0)} k points/s, reference level channel (added with a reference) ${(points / levelS / 1e3).toFixed(0)} k points/s ${note}${sink < 0 ? '' : ''}`);
  const result = nabScore(corpus, scores);
  const std = result.standard;
  console.log(`NAB ${corpus.length} series, ${points} points, anomaly detector defaults through the engine: ${detectS.toFixed(2)} s including CSV reading (${(points / detectS / 1e3).toFixed(0)} k points/s) ${note}`);
  console.log(`NAB standard: ${std.score.toFixed(1)} (target >= 70.5, Numenta HTM; RCF 51.7, ARTime 74.9) threshold ${std.threshold.toFixed(4)} TP ${std.tp} FP ${std.fp}`);
  console.log(`NAB reward_low_FP_rate: ${result.reward_low_FP_rate.score.toFixed(1)} (RCF 38.4, HTM 62.6)`);
  console.log(`NAB reward_low_FN_rate: ${result.reward_low_FN_rate.score.toFixed(1)} (RCF 59.7, HTM 75.2)`);
  const at = process.argv.indexOf('--write-results');
  if (at > 0) {
    const out = process.argv[at + 1];
    const detector = 'vigiaAnomaly';
    corpus.forEach((f, k) => {
      const [dir, file] = f.name.split('/');
      mkdirSync(join(out, detector, dir), { recursive: true });
      const label = (t) => (f.windows.some(([a, b]) => t >= a && t <= b) ? 1 : 0);
      const lines = ['timestamp,value,anomaly_score,label'];
      for (let i = 0; i < f.values.length; i++) lines.push(`${f.rawTimestamps[i]},${f.values[i]},${scores[k][i]},${label(f.timestamps[i])}`);
      writeFileSync(join(out, detector, dir, `${detector}_${file}`), lines.join('\n') + '\n');
    });
    console.log(`wrote NAB result files under ${out}/${detector}`);
  }
}
