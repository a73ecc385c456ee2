// Speed of the MMD permutation test (unbiased MMD², Gaussian RBF, median bandwidth, 100 permutations).
// The machine is shared with other engineers: timings are noisy.
import { createRandom, mmdTest, mmd2UnbiasedDirect } from '../packages/stats/dist/index.js';

function sample(random, n, d) {
  const data = new Float64Array(n * d);
  for (let i = 0; i < data.length; i++) data[i] = random.normal();
  return { rows: n, cols: d, data };
}

const random = createRandom(7);
{
  const x = sample(random, 60, 16), y = sample(random, 50, 16);
  const r = mmdTest(x, y, { permutations: 10 });
  const direct = mmd2UnbiasedDirect(x, y, r.sigma2);
  console.log(`mmd statistic vs direct O(n²) formula: relative error ${(Math.abs(r.statistic - direct) / Math.abs(direct)).toExponential(1)} (target < 1e-9)`);
}
{
  const x = sample(random, 1000, 384), y = sample(random, 1000, 384);
  mmdTest(sample(random, 200, 384), sample(random, 200, 384), { permutations: 100 }); // warm up the JIT
  const times = [];
  for (let rep = 0; rep < 3; rep++) {
    const t = performance.now();
    mmdTest(x, y, { permutations: 100, seed: rep });
    times.push((performance.now() - t) / 1000);
  }
  times.sort((a, b) => a - b);
  console.log(`mmd 1000x1000 d=384 100 perms: ${times[1].toFixed(2)} s median of 3 (target < 0.35 s; numpy/alibi-detect ~3.3 s)`);
}
if (process.env.SKIP_LARGE !== '1') {
  const x = sample(random, 10000, 384), y = sample(random, 10000, 384);
  const t = performance.now();
  const r = mmdTest(x, y, { permutations: 100 });
  const heap = process.memoryUsage().rss / 2 ** 20;
  console.log(`mmd 10000x10000 d=384 100 perms: ${((performance.now() - t) / 1000).toFixed(1)} s, rss ${heap.toFixed(0)} MiB (blockwise kernel; p=${r.pValue.toFixed(3)})`);
}
