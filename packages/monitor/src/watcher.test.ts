import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeSession } from './__fixtures__/fake-session.js';
import { AlertEvaluator, compileRules } from './alerts.js';
import { followJsonl } from './follow.js';
import { HistoryStore } from './store.js';
import { Watcher } from './watcher.js';

const dir = mkdtempSync(join(tmpdir(), 'vigia-watcher-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lines = (from: number, n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({ i: from + i })).join('\n') + '\n';
const until = async (cond: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

function watcher(store: HistoryStore, file: string, size: number) {
  return new Watcher({
    run: 'cfg', store, tickMs: 20,
    openSession: async (snapshot) => new FakeSession(size, 1e12, snapshot),
    input: (from, signal) => followJsonl({ path: file, from, signal, pollMs: 5, batchSize: 13 }),
    restoreAlerts: (state) => new AlertEvaluator('cfg', compileRules([{ id: 'big', when: 'latency.p95 > 0.15', for: 2 }], []), state),
  });
}

describe('Watcher', () => {
  it('counts every record in exactly one stored window across crashes (abandoned without commit) and a graceful stop', async () => {
    const file = join(dir, 'log.jsonl');
    const store = await HistoryStore.open(join(dir, 'h.duckdb'));
    writeFileSync(file, lines(0, 0));
    let written = 0;
    const write = (n: number) => {
      appendFileSync(file, lines(written, n));
      written += n;
    };
    // Three lives: two crashes at arbitrary points, then SIGTERM.
    for (const life of [0, 1, 2]) {
      const w = watcher(store, file, 50);
      await w.start();
      write(137 + life * 11);
      await until(() => w.stats.recordsThisProcess >= 1 && w.position !== undefined && (w.position.offset as number) >= 0);
      await until(() => (w.position?.line as number) >= written);
      write(3);
      await until(() => (w.position?.line as number) >= written);
      if (life < 2) await w.abandon();
      else await w.stop();
    }
    const windows = await store.windows('cfg');
    const total = windows.reduce((a, w) => a + w.records.current!, 0);
    const sum = windows.reduce((a, w) => a + w.metrics.find((m) => m.name === 'ids.sum')!.value, 0);
    expect(total).toBe(written);
    expect(sum).toBe((written * (written - 1)) / 2);
    expect(windows.map((w) => w.index)).toEqual(windows.map((_, i) => i));
    expect(windows.at(-1)!.partial).toBe(true);
    expect(windows.filter((w) => w.partial)).toHaveLength(1);
    // Alert state went through the snapshots: fired once, never re-fired after the restarts.
    const alerts = await store.alerts('cfg');
    expect(alerts.filter((a) => a.state === 'firing')).toHaveLength(1);
    await store.close();
  });
});
