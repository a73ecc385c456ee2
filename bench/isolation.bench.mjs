// Cost of running detectors and metrics in a worker thread (isolation: worker, which lets timeoutMs
// stop a synchronous loop) against running them on the main thread (inline), on the quickstart config
// through the engine as a config run does. Also checks the worker gives bit-identical results.
// Targets: identical status/statistic/p-value for every detector; worker overhead per run (thread
// start + datasets sent once + plugin import) ≤ 0.5 s, and per isolated component ≤ 50 ms beyond
// its inline time. The machine is shared: best of RUNS, figures are noisy.
import os from 'node:os';
import { planFromFile, runPlan } from '../packages/core/dist/index.js';
import { builtinRegistry } from '../packages/cli/dist/shared.js';

const RUNS = Number(process.env.ISOLATION_RUNS ?? 3);
let components = 0;
const config = 'configs/quickstart.yaml';

async function once(mode) {
  const plan = await planFromFile(config, await builtinRegistry());
  plan.config.cache = false;
  if (mode !== 'default') {
    for (const d of plan.detectors) d.isolation = mode;
    for (const m of plan.metrics) m.isolation = mode;
  }
  const t = performance.now();
  const report = await runPlan(plan, { extraSinks: [] });
  components = plan.detectors.length + plan.metrics.length;
  return { ms: performance.now() - t, report };
}

const best = {};
const reports = {};
for (const mode of ['inline', 'worker', 'default']) {
  await once(mode); // warm caches (word vectors) and the JIT
  let min = Infinity;
  for (let r = 0; r < RUNS; r++) {
    const { ms, report } = await once(mode);
    if (ms < min) { min = ms; reports[mode] = report; }
  }
  best[mode] = min;
}
const key = (d) => `${d.status} ${d.statistic} ${d.pValue}`;
const inline = reports.inline.detectors;
const same = inline.every((d, i) => key(d) === key(reports.worker.detectors[i]) && key(d) === key(reports.default.detectors[i]));
const metricsSame = JSON.stringify(reports.inline.metrics) === JSON.stringify(reports.worker.metrics);
console.log(`results identical inline vs worker vs default (detectors ${inline.length}, metric values ${reports.inline.metrics.length}): ${same && metricsSame ? 'yes' : 'NO'} (target: yes)`);
console.log(`quickstart run, best of ${RUNS}: inline ${(best.inline / 1000).toFixed(2)} s, default (embedding-drift in a worker) ${(best.default / 1000).toFixed(2)} s, every component in a worker ${(best.worker / 1000).toFixed(2)} s`);
console.log(`default / inline: ${(best.default / best.inline).toFixed(2)}x, overhead ${((best.default - best.inline) / 1000).toFixed(2)} s (target ≤ 0.5 s)`);
console.log(`all-worker / inline: ${(best.worker / best.inline).toFixed(2)}x, overhead ${(best.worker - best.inline).toFixed(0)} ms over ${components} detectors and metrics (target ≤ 0.5 s + 50 ms each); load average ${os.loadavg()[0].toFixed(2)} on ${os.cpus().length} cores`);
for (const [i, d] of inline.entries()) {
  console.log(`  ${d.id.padEnd(24)} inline ${String(d.durationMs).padStart(8)} ms   worker ${String(reports.worker.detectors[i].durationMs).padStart(8)} ms   default ${String(reports.default.detectors[i].durationMs).padStart(8)} ms`);
}
