import type { Report, SourceBatch, WindowReport } from '@vigia/core';
import type { SessionLike } from '../watcher.js';

/**
 * A stand-in for core's Session in unit tests: tumbling windows of `size` records; the window's
 * metrics carry the sum and count of the records' `i`, so a test can check every record was
 * counted once.
 */
export class FakeSession implements SessionLike {
  #open: number[] = [];
  #index = 0;
  #lastArrival = 0;
  constructor(readonly size: number, readonly idleMs = 1e12, snapshot?: unknown) {
    if (snapshot) {
      const s = snapshot as { open: number[]; index: number };
      this.#open = [...s.open];
      this.#index = s.index;
    }
  }
  #close(partial: boolean): WindowReport {
    const ids = this.#open;
    this.#open = [];
    const w: WindowReport = {
      window: { index: this.#index++, start: null, end: null, partial, records: ids.length },
      status: 'pass',
      datasets: { current: { records: ids.length, skipped: 0 } },
      detectors: [],
      metrics: [{ name: 'ids.sum', value: ids.reduce((a, b) => a + b, 0), unit: '1' }, { name: 'latency.p95', value: ids.length ? Math.max(...ids) / 1000 : 0, unit: 's' }],
    };
    return w;
  }
  async push(batch: SourceBatch): Promise<WindowReport[]> {
    const out: WindowReport[] = [];
    this.#lastArrival = Date.now();
    for (const r of batch.records) {
      this.#open.push(r.i as number);
      if (this.#open.length >= this.size) out.push(this.#close(false));
    }
    return out;
  }
  async tick(now: number): Promise<WindowReport[]> {
    return this.#open.length && now - this.#lastArrival >= this.idleMs ? [this.#close(false)] : [];
  }
  async flushPartial(): Promise<WindowReport | undefined> {
    return this.#open.length ? this.#close(true) : undefined;
  }
  snapshot(): unknown {
    return { open: [...this.#open], index: this.#index };
  }
  async close(): Promise<Report> {
    return { version: 1, name: 'fake', status: 'pass', startedAt: '', durationMs: 0, seed: 0, datasets: {}, detectors: [], metrics: [] };
  }
}
