// KLL sketch (packages/stats/src/sketch) on 10 million streamed values: insert rate, the largest
// rank error against the exact order statistics over a grid of quantiles, memory; and exact type-7
// percentiles on 1 million values. Timings are noisy on the shared machine; the error and memory
// figures are deterministic for the seeds below. Exits non-zero when the error bound is broken.
import { createRandom, exactQuantiles, KllSketch, kllRankErrorBound, rankError, sortedCopy } from '../packages/stats/dist/index.js';

const N = 10_000_000;
const K = 200;
const grid = [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999];
for (let i = 1; i < 100; i++) grid.push(i / 100);

function lognormal(n, seed) {
  const rng = createRandom(seed);
  const xs = new Float64Array(n);
  for (let i = 0; i < n; i++) xs[i] = Math.exp(5 + 0.8 * rng.normal());
  return xs;
}

const xs = lognormal(N, 1);
const sketch = new KllSketch({ k: K, seed: 7 });
const memoryAt = {};
const t0 = process.hrtime.bigint();
for (let i = 0; i < N; i++) {
  sketch.add(xs[i]);
  if (i + 1 === 1_000_000 || i + 1 === 100_000) memoryAt[i + 1] = sketch.byteSize;
}
const insertSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
memoryAt[N] = sketch.byteSize;
const rate = N / insertSeconds;
console.log(`kll k=${K} insert 10M values: ${(rate / 1e6).toFixed(1)} M values/s (target > 3 M values/s)`);

const sorted = sortedCopy(xs);
let worst = 0;
let worstAt = 0;
for (const p of grid) {
  const e = rankError(sorted, p, sketch.quantile(p));
  if (e > worst) { worst = e; worstAt = p; }
}
const bound = kllRankErrorBound(K);
console.log(`kll k=${K} max rank error over ${grid.length} quantiles on 10M values: ${(worst * 100).toFixed(3)}% at p=${worstAt} (bound ${(bound * 100).toFixed(2)}%)`);
console.log(`kll k=${K} memory: ${memoryAt[100_000]} B at 100k, ${memoryAt[1_000_000]} B at 1M, ${memoryAt[N]} B at 10M values (target: constant, < 32768 B); ${sketch.retainedItems} items kept, serialized ${sketch.serialize().byteLength} B`);

// Merge 10 shards of 1M values each (the streaming/distributed path).
const t1 = process.hrtime.bigint();
const merged = new KllSketch({ k: K, seed: 3 });
for (let s = 0; s < 10; s++) {
  const shard = new KllSketch({ k: K, seed: 100 + s });
  shard.addAll(xs.subarray(s * 1_000_000, (s + 1) * 1_000_000));
  merged.merge(KllSketch.deserialize(shard.serialize()));
}
const mergeSeconds = Number(process.hrtime.bigint() - t1) / 1e9;
let worstMerged = 0;
for (const p of grid) worstMerged = Math.max(worstMerged, rankError(sorted, p, merged.quantile(p)));
console.log(`kll k=${K} 10 shards x 1M, serialized and merged: max rank error ${(worstMerged * 100).toFixed(3)}% (bound ${(bound * 100).toFixed(2)}%), ${mergeSeconds.toFixed(2)} s`);

// Exact percentiles on 1M values: copy, sort, interpolate.
const million = xs.subarray(0, 1_000_000);
exactQuantiles(million.subarray(0, 10_000), [0.5]); // warm-up
const t2 = process.hrtime.bigint();
const reps = 5;
for (let r = 0; r < reps; r++) exactQuantiles(million, [0.5, 0.9, 0.95, 0.99]);
const exactSeconds = Number(process.hrtime.bigint() - t2) / 1e9 / reps;
console.log(`exact type-7 p50/p90/p95/p99 of 1M values: ${(exactSeconds * 1000).toFixed(0)} ms (target < 250 ms)`);

if (worst > bound || worstMerged > bound) {
  console.log('!! rank error above the documented bound');
  process.exitCode = 1;
}
