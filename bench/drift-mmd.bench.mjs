// Speed of the MMD permutation test (unbiased MMD², Gaussian RBF, median bandwidth, 100 permutations).
// The machine is shared with other engineers: timings are noisy, so the 1000×1000 case reports the
// best of several runs and the 1-minute load average beside it (2 cores: a load near 2 means the
// other core is busy too). SKIP_LARGE=1 skips the 10,000×10,000 case (~20 s); MMD_LARGE_RUNS=n repeats it.
import os from 'node:os';
import { createRandom, mmdTest, mmd2UnbiasedDirect, prepareMmdThreads } from '../packages/stats/dist/index.js';

function sample(random, n, d) {
  const data = new Float64Array(n * d);
  for (let i = 0; i < data.length; i++) data[i] = random.normal();
  return { rows: n, cols: d, data };
}
const load = () => os.loadavg()[0].toFixed(2);

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
  const loadBefore = load();
  for (let rep = 0; rep < 7; rep++) {
    const t = performance.now();
    mmdTest(x, y, { permutations: 100, seed: rep });
    times.push((performance.now() - t) / 1000);
  }
  times.sort((a, b) => a - b);
  console.log(`mmd 1000x1000 d=384 100 perms: ${times[0].toFixed(2)} s best of 7, median ${times[3].toFixed(2)} s (target < 0.35 s; numpy/alibi-detect ~3.3 s; load average ${loadBefore} -> ${load()} on ${os.cpus().length} cores)`);
  // The same, alternating float64/float32 kernels and 1/2 threads (alternating, so load drifts hit
  // every variant alike); wall and process CPU time (both threads) per test, medians of 5.
  prepareMmdThreads();
  const variants = [['float64', 1], ['float32', 1], ['float64', 2], ['float32', 2]];
  const wall = variants.map(() => []), cpu = variants.map(() => []);
  for (let rep = 0; rep < 5; rep++) {
    variants.forEach(([precision, threads], v) => {
      const c = process.cpuUsage(), t = performance.now();
      mmdTest(x, y, { permutations: 100, seed: rep, precision, threads });
      wall[v].push(performance.now() - t);
      const u = process.cpuUsage(c);
      cpu[v].push((u.user + u.system) / 1000);
    });
  }
  const med = (xs) => [...xs].sort((a, b) => a - b)[2].toFixed(0);
  console.log(`mmd 1000x1000 d=384 100 perms by kernel (median of 5, ms wall / ms CPU): ${variants.map(([p, t], v) => `${p} ${t} thread${t > 1 ? 's' : ''} ${med(wall[v])}/${med(cpu[v])}`).join(', ')} (load average ${load()})`);
}
if (process.env.SKIP_LARGE !== '1') {
  const x = sample(random, 10000, 384), y = sample(random, 10000, 384);
  const runs = Math.max(1, Number(process.env.MMD_LARGE_RUNS ?? 1));
  const rssBefore = process.memoryUsage().rss / 2 ** 20;
  for (let rep = 0; rep < runs; rep++) {
    const loadBefore = load();
    const t = performance.now();
    const r = mmdTest(x, y, { permutations: 100, seed: rep });
    const seconds = (performance.now() - t) / 1000;
    const peak = process.resourceUsage().maxRSS / 1024;
    console.log(`mmd 10000x10000 d=384 100 perms: ${seconds.toFixed(1)} s (was 70 s), peak rss ${peak.toFixed(0)} MiB, ${rssBefore.toFixed(0)} MiB before with the inputs (blockwise kernel; p=${r.pValue.toFixed(3)}; load average ${loadBefore} -> ${load()})`);
  }
}
