// Cold start of `vigia --help`: a fresh Node process each time, as a user or CI step pays it.
// Target: under 300 ms. Also `vigia validate` on the quickstart (loads the core and built-in plugins).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../packages/cli/dist/bin.js', import.meta.url));
const config = fileURLToPath(new URL('../configs/quickstart.yaml', import.meta.url));

function time(args, runs) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (r.status !== 0) throw new Error(`vigia ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)], min: times[0] };
}

time(['--help'], 2); // warm the file system cache, as a second invocation would be
const node = (() => {
  const times = [];
  for (let i = 0; i < 9; i++) {
    const t = process.hrtime.bigint();
    spawnSync(process.execPath, ['-e', '0']);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return times.sort((a, b) => a - b)[4];
})();
const help = time(['--help'], 15);
const validate = time(['validate', config], 7);
console.log(`vigia --help cold start: median ${help.median.toFixed(0)} ms, best ${help.min.toFixed(0)} ms (target < 300 ms; bare \`node -e 0\` takes ${node.toFixed(0)} ms here)`);
console.log(`vigia validate quickstart: median ${validate.median.toFixed(0)} ms (core + built-in plugins loaded, config checked)`);
