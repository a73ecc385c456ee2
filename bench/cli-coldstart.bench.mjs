// Start-up of the `vigia` command as a user or CI step pays it: a fresh Node process each time,
// timed from spawn to exit, beside bare `node -e 0` in the same run (interleaved, so all rows see
// the same machine load). Rows: `vigia --help` (target ≤ 150 ms), `vigia run` of a small config
// (100 + 100 records, one feature-drift detector; target ≤ 250 ms, issue 14), and `vigia validate`
// of the quickstart config. Wall is the median of BENCH_RUNS (default 15) runs; CPU is the child's
// user + system time. On a shared machine, wall time grows with the load average (printed), so the
// difference over `node -e 0` is printed too: it is the fairer figure under load, and so is the CPU
// time over `node -e 0`'s (a busy machine stretches wall time far more than CPU time).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../packages/cli/dist/bin.js', import.meta.url));
const quickstart = fileURLToPath(new URL('../configs/quickstart.yaml', import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 15);
const work = mkdtempSync(join(os.tmpdir(), 'vigia-coldstart-'));

const records = Array.from({ length: 100 }, (_, i) => JSON.stringify({ latency_ms: 200 + ((i * 37) % 101), i }));
writeFileSync(join(work, 'small-ref.jsonl'), records.join('\n'));
writeFileSync(join(work, 'small-cur.jsonl'), records.join('\n'));
writeFileSync(join(work, 'small.yaml'), `version: 1
name: small
data:
  reference: { use: jsonl, with: { path: small-ref.jsonl } }
  current: { use: jsonl, with: { path: small-cur.jsonl } }
detectors:
  - { id: latency, use: feature-drift, with: { field: latency_ms, test: ks } }
`);

/** Children's CPU time so far (ms), from /proc (Linux); undefined elsewhere. */
const childCpu = () => {
  try {
    const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    return (Number(f[13]) + Number(f[14])) * (1000 / 100);
  } catch {
    return undefined;
  }
};

const rows = [
  { label: '`node -e 0`', args: ['-e', '0'] },
  { label: '`vigia --help`', args: [bin, '--help'], target: 150 },
  { label: '`vigia run` small config (100 + 100 records, 1 detector)', args: [bin, 'run', join(work, 'small.yaml'), '--format', 'json'], target: 250 },
  { label: '`vigia validate` quickstart', args: [bin, 'validate', quickstart] },
].map((r) => ({ ...r, wall: [], cpu: [] }));

const once = (r) => {
  const c0 = childCpu();
  const t = process.hrtime.bigint();
  const out = spawnSync(process.execPath, r.args, { encoding: 'utf8', cwd: work });
  const wall = Number(process.hrtime.bigint() - t) / 1e6;
  const c1 = childCpu();
  if (out.status !== 0) throw new Error(`node ${r.args.join(' ')} exited ${out.status}: ${out.stderr}`);
  return { wall, cpu: c0 === undefined || c1 === undefined ? undefined : c1 - c0 };
};

const loadBefore = os.loadavg()[0];
for (const r of rows) once(r); // warm the file system cache, as a second invocation would be
for (let i = 0; i < runs; i++) {
  for (const r of rows) {
    const { wall, cpu } = once(r);
    r.wall.push(wall);
    if (cpu !== undefined) r.cpu.push(cpu);
  }
}
rmSync(work, { recursive: true, force: true });

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const node = rows[0];
const nodeWall = median(node.wall);
console.log(`median of ${runs} fresh processes each, interleaved; load average ${loadBefore.toFixed(2)} before, ${os.loadavg()[0].toFixed(2)} after, ${os.cpus().length} cores`);
console.log('| command | wall (median) | best | CPU (median) | over `node -e 0` | CPU over `node -e 0` | target | |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
const nodeCpu = node.cpu.length ? median(node.cpu) : undefined;
const signed = (x) => `${x < 0 ? '−' : '+'}${Math.abs(x).toFixed(0)} ms`;
for (const r of rows) {
  const wall = median(r.wall);
  const cpu = r.cpu.length ? `${median(r.cpu).toFixed(0)} ms` : '—';
  const over = r === node ? '—' : `${signed(wall - nodeWall)} (${(wall / nodeWall).toFixed(2)}×)`;
  const verdict = r.target === undefined ? '' : wall <= r.target ? 'met' : 'MISSED';
  const cpuOver = r === node || nodeCpu === undefined || !r.cpu.length ? '—' : signed(median(r.cpu) - nodeCpu);
  console.log(`| ${r.label} | ${wall.toFixed(0)} ms | ${Math.min(...r.wall).toFixed(0)} ms | ${cpu} | ${over} | ${cpuOver} | ${r.target === undefined ? '—' : `≤ ${r.target} ms`} | ${verdict} |`);
}
