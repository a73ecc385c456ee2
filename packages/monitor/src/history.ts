import {
  allocate, chooseWindows, decodeSampleRecord, encodeSampleRecord, rangeStart, sampleRecords,
  type HistoryCandidate, type HistoryReference, type HistoryRequest, type HistorySource, type VigiaRecord, type WindowSample,
} from '@vigia/core';
import type { HistoryStore } from './store.js';

/**
 * The rolling references of a session (`data.<name>: { fromHistory }`), read from the history
 * store. Samples of windows the session closed are held here until the caller commits them with
 * their windows ({@link HistoryReferences.takePending}, in the same transaction), and meanwhile
 * count for later windows' references: one batch can close several windows before a commit.
 */
export class HistoryReferences implements HistorySource {
  #pending: WindowSample[] = [];
  #pendingSeq = 0;
  readonly #pendingKeys = new WeakMap<WindowSample, string>();

  constructor(readonly store: HistoryStore, readonly run: string, readonly now: () => number = Date.now) {}

  windowClosed(sample: WindowSample): void {
    // As the store will give it back (vectors as float32): the same reference before and after a restart.
    const kept = { ...sample, sample: sample.sample.map((r) => decodeSampleRecord(encodeSampleRecord(r))) };
    this.#pending.push(kept);
    this.#pendingKeys.set(kept, `pending:${this.#pendingSeq++}`);
  }

  /** The samples closed since the last call: commit them with their windows. */
  takePending(): WindowSample[] {
    const out = this.#pending;
    this.#pending = [];
    return out;
  }

  async reference(request: HistoryRequest): Promise<HistoryReference> {
    const from = rangeStart(request);
    const to = request.anchorMs;
    const stored = await this.store.sampleWindows(this.run, { fromMs: from, toMs: to });
    const pending = new Map<string, WindowSample>();
    const now = this.now();
    const candidates: HistoryCandidate[] = [...stored];
    for (const s of this.#pending) {
      const key = this.#pendingKeys.get(s)!;
      pending.set(key, s);
      candidates.push({ key, index: s.window.index, startMs: s.startMs, endMs: s.endMs, writtenMs: now, status: s.status, partial: s.window.partial, records: s.records, sampled: s.sample.length });
    }
    const { chosen, excluded } = chooseWindows(candidates, request);
    const { size, takes } = allocate(chosen, request.history.spec.maxRecords, request.rng);
    const draws = chosen.map((c, i) => ({ key: c.key, offset: takes[i]!.offset, take: takes[i]!.take, size: c.sampled }));
    const fromStore = await this.store.sampleRecords(draws.filter((d) => !pending.has(d.key)));
    const records: VigiaRecord[] = [];
    for (const d of draws) {
      if (d.take === 0) continue;
      const p = pending.get(d.key);
      if (p) {
        for (let j = 0; j < d.take; j++) records.push(p.sample[(d.offset + j) % d.size]!);
      } else {
        const rows = fromStore.get(d.key) ?? [];
        if (rows.length !== d.take) throw new Error(`window ${d.key} of the history holds ${rows.length} of the ${d.take} sampled records asked for; was the store changed while the watcher ran?`);
        for (const row of rows) records.push(decodeSampleRecord(row));
      }
    }
    const iso = (ms: number | null | undefined) => (ms === null || ms === undefined || !Number.isFinite(ms) ? null : new Date(ms).toISOString());
    return {
      // Shuffled: windows' records interleave, for components that read a prefix.
      records: sampleRecords(records, records.length, request.rng.fork('order')),
      provenance: {
        from: iso(from),
        to: iso(to),
        windows: chosen.length,
        firstStart: iso(chosen[0]?.startMs),
        lastEnd: iso(chosen[chosen.length - 1]?.endMs),
        represented: chosen.reduce((a, c) => a + c.records, 0),
        sample: size,
        excluded,
      },
    };
  }
}
