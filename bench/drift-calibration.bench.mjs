// Calibration of embedding-drift's methods: false-alarm rate on no-drift pairs (target ≤ alpha)
// and power on a subtle shift (+0.2 σ in 4 of 32 dims, 300 vs 300). The default method is the
// most powerful one whose false-alarm rate stays within its binomial noise of alpha.
import { centroidTest, classifierTest, createRandom, mmdTest, pcaKsTest } from '../packages/stats/dist/index.js';

const PAIRS = Number(process.env.PAIRS ?? 100);
const ALPHA = 0.05, N = 300, D = 32;

function sample(random, n, shift) {
  const data = new Float64Array(n * D);
  for (let i = 0; i < n; i++) for (let j = 0; j < D; j++) data[i * D + j] = random.normal() + (j < 4 ? shift : 0);
  return { rows: n, cols: D, data };
}

const methods = {
  mmd: (x, y, seed) => mmdTest(x, y, { permutations: 100, seed }).pValue,
  classifier: (x, y, seed) => classifierTest(x, y, { permutations: 100, seed }).pValue,
  'pca-ks': (x, y) => pcaKsTest(x, y, { components: 10 }).pValue,
  centroid: (x, y, seed) => centroidTest(x, y, { bootstraps: 100, seed, alpha: ALPHA }).pValue,
};

// Embedding-like data has a non-zero mean (cosine of means is meaningless around the origin).
const OFFSET = 1;
function pair(random, shift) {
  const x = sample(random, N, 0), y = sample(random, N, shift);
  for (const m of [x, y]) for (let i = 0; i < m.data.length; i++) m.data[i] += OFFSET;
  return [x, y];
}

const results = {};
for (const [name, test] of Object.entries(methods)) {
  const random = createRandom(2024);
  let falseAlarms = 0, hits = 0;
  const t0 = performance.now();
  for (let p = 0; p < PAIRS; p++) {
    const [x0, y0] = pair(random, 0);
    if (test(x0, y0, p) < ALPHA) falseAlarms++;
    const [x1, y1] = pair(random, 0.2);
    if (test(x1, y1, p) < ALPHA) hits++;
  }
  const seconds = (performance.now() - t0) / 1000;
  results[name] = { far: falseAlarms / PAIRS, power: hits / PAIRS };
  console.log(`${name}: false-alarm rate ${(falseAlarms / PAIRS).toFixed(3)} (target ≤ ${ALPHA}) on ${PAIRS} no-drift pairs; power ${(hits / PAIRS).toFixed(3)} on +0.2σ in 4 of 32 dims, ${N} vs ${N}; ${(seconds / (2 * PAIRS) * 1000).toFixed(0)} ms per test`);
}
// Allow the binomial noise of the estimate (2 standard errors) above alpha.
const slack = 2 * Math.sqrt((ALPHA * (1 - ALPHA)) / PAIRS);
const eligible = Object.entries(results).filter(([, r]) => r.far <= ALPHA + slack).sort((a, b) => b[1].power - a[1].power);
console.log(`default method by this benchmark: ${eligible[0]?.[0] ?? 'none calibrated'} (best power with false-alarm rate ≤ ${ALPHA} + ${slack.toFixed(3)} binomial slack)`);
