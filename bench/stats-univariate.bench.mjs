// Throughput of the univariate two-sample kernels on 1e6 vs 1e6 values: KS (sort + merge walk +
// asymptotic p-value), chi-square from raw category labels (counting + test), and Wasserstein.
// Figures are values/s over both samples, best of 3 runs after a warm-up.
import {
  alignCategoryCounts, chiSquareTest, createRandom, ks2Samp, sortFloat64, wasserstein1, psi,
} from '../packages/stats/dist/index.js';

const note = '(shared machine: timings are noisy)';
const n = 1_000_000;
const rng = createRandom(11);
const a = new Float64Array(n);
const b = new Float64Array(n);
for (let i = 0; i < n; i++) {
  a[i] = rng.normal();
  b[i] = rng.normal() + 0.002;
}
const labels = Array.from({ length: 20 }, (_, i) => `category-${i}`);
const ca = Array.from({ length: n }, () => labels[Math.floor(Math.abs(rng.normal()) * 5) % 20]);
const cb = Array.from({ length: n }, () => labels[Math.floor(Math.abs(rng.normal()) * 5.05) % 20]);

function time(fn, runs = 3) {
  fn(); // warm-up
  let best = Infinity;
  let out;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    out = fn();
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return { s: best, out };
}

const rate = (s) => `${((2 * n) / s / 1e6).toFixed(1)} M values/s`;

const c = Float64Array.from(b, (x) => x + 0.01); // a shift KS detects (p ~ 1e-11: smirnov tail path)
for (const [label, other] of [['null', b], ['shifted', c]]) {
  const { s, out } = time(() => ks2Samp(a, other));
  console.log(`ks2Samp 1e6 vs 1e6 ${label} (${out.method}, p=${out.pValue.toExponential(2)}): ${s.toFixed(3)} s, ${rate(s)} (target >= 5 M values/s) ${note}`);
}
{
  const { s, out } = time(() => {
    const c = alignCategoryCounts(ca, cb);
    return chiSquareTest(c.reference, c.current);
  });
  console.log(`chi-square 1e6 vs 1e6 labels, 20 categories (count + test, dof=${out.dof}): ${s.toFixed(3)} s, ${rate(s)} (target >= 10 M values/s) ${note}`);
}
{
  const counts = alignCategoryCounts(ca, cb);
  const { s } = time(() => chiSquareTest(counts.reference, counts.current), 5);
  console.log(`chi-square test on 20 aligned counts: ${(s * 1e6).toFixed(1)} µs (target < 100 µs) ${note}`);
}
{
  const { s } = time(() => wasserstein1(a, b));
  console.log(`wasserstein1 1e6 vs 1e6: ${s.toFixed(3)} s, ${rate(s)} (target >= 5 M values/s) ${note}`);
}
{
  const { s } = time(() => psi(a, b, { bins: 10 }));
  console.log(`psi 1e6 vs 1e6, 10 bins: ${s.toFixed(3)} s, ${rate(s)} (target >= 5 M values/s) ${note}`);
}
// sortFloat64 (radix on the high words, tie runs finished) against the built-in sort it must
// order exactly like, on the kinds of columns feature-drift sorts; each on a fresh copy.
for (const [label, draw] of [
  ['normal', () => rng.normal()],
  ['integers 0..4000', () => Math.floor(rng.next() * 4000)],
  ['latencies to 0.1 ms (lognormal)', () => Math.round(Math.exp(5 + rng.normal()) * 10) / 10],
  ['millisecond timestamps over a day', () => 1.7e12 + Math.floor(rng.next() * 8.64e7)],
]) {
  const values = Float64Array.from({ length: n }, draw);
  const radix = time(() => sortFloat64(values.slice())).s;
  const builtin = time(() => values.slice().sort()).s;
  console.log(`sortFloat64 1e6 ${label}: ${(radix * 1000).toFixed(0)} ms, ${(radix / builtin).toFixed(2)}× Float64Array#sort (${(builtin * 1000).toFixed(0)} ms; target < 1, same order) ${note}`);
}
