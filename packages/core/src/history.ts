/**
 * A rolling reference from history (`data.<name>: { fromHistory: { last: 7d } }`).
 *
 * The history keeps, for every closed window of the windowed dataset, its record count and a
 * bounded uniform random sample of its (projected) records, in random order. The rolling
 * reference of a window is a uniform random sample of the union of the earlier windows in range:
 * each window contributes in proportion to its record count (stratified by window, so traffic
 * weights are exact), capped at `maxRecords`. Its size is the reference's n that tests see, and
 * the window's report says which windows it came from and how many records they held.
 *
 * Core holds the pure parts (sampling, choosing windows, allocating draws); the store lives in
 * `@vigia/monitor` and implements {@link HistorySource}.
 */
import type { Rng, Status, VigiaRecord, WindowInfo } from './contracts.js';
import { parseDuration } from './fields.js';

/** `data.<name>.fromHistory` as written in a config (defaults filled in by the schema). */
export interface FromHistorySpec {
  /** Record time before the window (`7d`). */
  last?: string;
  /** At most this many of the latest windows. */
  windows?: number;
  /** Below this many records in the rolling reference, its detectors report "not tested" (cold start). */
  minRecords: number;
  /** Size cap of the rolling reference (a uniform sample of the windows in range). */
  maxRecords: number;
  /** Records sampled and stored per window. */
  perWindow: number;
  /** Leave out windows whose status is one of these (a drifting period does not become the baseline). */
  exclude: Status[];
}

/** A fromHistory dataset of a plan, with its duration in ms. */
export interface PlannedHistory {
  id: string;
  spec: FromHistorySpec;
  lastMs?: number;
  /** JSON path in the config (`/data/reference/fromHistory`). */
  path: string;
}

/** A closed window's sample, handed to the {@link HistorySource} right after the window is evaluated. */
export interface WindowSample {
  /** The windowed dataset the records come from. */
  dataset: string;
  window: WindowInfo;
  /** Window bounds in epoch ms (null without record times). */
  startMs: number | null;
  endMs: number | null;
  status: Status;
  /** Records of the window (the sample's weight). */
  records: number;
  /** A uniform random sample of the window's records, in random order (its position is its rank). */
  sample: VigiaRecord[];
}

/** A window that could contribute to a rolling reference (stored, or closed and not yet stored). */
export interface HistoryCandidate {
  /** Unique key of the stored window (or `pending:<n>`). */
  key: string;
  index: number;
  startMs: number | null;
  endMs: number | null;
  /** When it was written (epoch ms): the range's axis for windows without record times. */
  writtenMs: number;
  status: Status;
  partial: boolean;
  records: number;
  /** Records kept in its sample. */
  sampled: number;
}

/** Where a rolling reference came from (in the window report's `datasets.<name>.history`). */
export interface HistoryProvenance {
  /** The range asked for (ISO): windows ending after `from` and no later than `to`. */
  from: string | null;
  to: string | null;
  /** Windows used, and the first window's start and last window's end among them. */
  windows: number;
  firstStart: string | null;
  lastEnd: string | null;
  /** Records those windows held (what the sample represents). */
  represented: number;
  /** Size of the rolling reference (the tests' reference n). */
  sample: number;
  /** Windows in range left out by `exclude`. */
  excluded: number;
  /** Set when the reference is too small to test against (cold start). */
  coldStart?: string;
}

export interface HistoryRequest {
  /** The fromHistory dataset's name. */
  dataset: string;
  history: PlannedHistory;
  /** The window being evaluated (never part of its own reference). */
  window: WindowInfo;
  /** End of the range in epoch ms: the window's start in record time, else the wall clock. */
  anchorMs: number;
  /** Seeded for this window and dataset: the same draw after a restart. */
  rng: Rng;
}

export interface HistoryReference {
  records: VigiaRecord[];
  provenance: HistoryProvenance;
}

/**
 * What a session needs of a history store (given as `SessionOptions.history`): it is told each
 * closed window's sample, and asked for a window's rolling reference. Samples of windows closed
 * but not yet committed are part of later windows' references (a batch can close several
 * windows before the watcher commits them).
 */
export interface HistorySource {
  windowClosed(sample: WindowSample): void | Promise<void>;
  reference(request: HistoryRequest): Promise<HistoryReference>;
}

/** `k` records drawn uniformly without replacement, in random order (partial Fisher–Yates). */
export function sampleRecords<T>(records: readonly T[], k: number, rng: Rng): T[] {
  const n = records.length;
  if (k >= n) {
    const all = [...records];
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [all[i], all[j]] = [all[j]!, all[i]!];
    }
    return all;
  }
  const idx = new Map<number, number>();
  const out: T[] = [];
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(n - i);
    const vi = idx.get(i) ?? i;
    const vj = idx.get(j) ?? j;
    idx.set(j, vi);
    out.push(records[vj]!);
  }
  return out;
}

/** The range's start for a request (windows must end after it), or -Infinity without `last`. */
export function rangeStart(request: Pick<HistoryRequest, 'history' | 'anchorMs'>): number {
  return request.history.lastMs !== undefined ? request.anchorMs - request.history.lastMs : -Infinity;
}

/**
 * The windows of a rolling reference: ending in (anchor − last, anchor] (record time; write time
 * for windows without one), not left out by `exclude`, each stored copy once (a re-run of the
 * same data stored the same window again, same span and count: the latest counts), the latest
 * `windows` of them.
 */
export function chooseWindows(candidates: readonly HistoryCandidate[], request: Pick<HistoryRequest, 'history' | 'anchorMs'>): { chosen: HistoryCandidate[]; excluded: number } {
  const from = rangeStart(request);
  const to = request.anchorMs;
  const exclude = new Set(request.history.spec.exclude);
  const inRange = candidates.filter((c) => {
    const at = c.endMs ?? c.writtenMs;
    return at > from && at <= to && c.records > 0 && c.sampled > 0;
  });
  const latest = new Map<string, HistoryCandidate>();
  const untimed: HistoryCandidate[] = [];
  for (const c of inRange) {
    if (c.startMs === null || c.endMs === null) {
      untimed.push(c);
      continue;
    }
    // Identical copies only: a watcher's partial window and its continuation after a restart
    // share a span but hold different records, and both count.
    const span = `${c.startMs}:${c.endMs}:${c.records}:${c.partial}`;
    const prev = latest.get(span);
    if (!prev || c.writtenMs >= prev.writtenMs) latest.set(span, c);
  }
  const unique = [...latest.values(), ...untimed];
  const kept = unique.filter((c) => !exclude.has(c.status));
  kept.sort((a, b) => (a.endMs ?? a.writtenMs) - (b.endMs ?? b.writtenMs) || a.writtenMs - b.writtenMs || a.index - b.index);
  const limit = request.history.spec.windows;
  const chosen = limit !== undefined && kept.length > limit ? kept.slice(kept.length - limit) : kept;
  return { chosen, excluded: unique.length - kept.length };
}

/**
 * How many records each chosen window contributes to a reference of size at most `maxRecords`,
 * in proportion to its record count, and where in its random-order sample they start.
 *
 * Size M = min(maxRecords, min_i floor(sampled_i · N / records_i)), so no window is asked for more
 * than its sample holds. Each window gets M · records_i / N, rounded up or down at random
 * (systematic rounding: the counts sum to M and each is right in expectation). Because a stored
 * sample is a uniform sample in random order, any `take` consecutive ranks (from a random offset,
 * wrapping) are a uniform subset of the window, and different windows of the watcher draw
 * different subsets.
 */
export function allocate(windows: ReadonlyArray<{ records: number; sampled: number }>, maxRecords: number, rng: Rng): { size: number; takes: Array<{ take: number; offset: number }> } {
  const total = windows.reduce((a, w) => a + w.records, 0);
  if (total === 0) return { size: 0, takes: windows.map(() => ({ take: 0, offset: 0 })) };
  let size = Math.min(maxRecords, windows.reduce((a, w) => a + w.sampled, 0));
  for (const w of windows) if (w.records > 0) size = Math.min(size, Math.floor((w.sampled * total) / w.records));
  const u = rng.next();
  let cum = 0;
  let given = 0;
  const takes = windows.map((w) => {
    cum += (size * w.records) / total;
    // Systematic rounding: the number of points u, u+1, u+2, … below the cumulative share.
    const upTo = Math.min(size, Math.floor(cum + u));
    const take = Math.max(0, Math.min(w.sampled, upTo - given));
    given += take;
    return { take, offset: w.sampled > 0 ? rng.int(w.sampled) : 0 };
  });
  return { size: given, takes };
}

/** The epoch-ms bounds of a window (null without record times). */
export function windowMs(window: WindowInfo): { startMs: number | null; endMs: number | null } {
  const ms = (iso: string | null) => {
    if (iso === null) return null;
    const t = Date.parse(iso);
    return Number.isFinite(t) ? t : null;
  };
  return { startMs: ms(window.start), endMs: ms(window.end) };
}

/** `last:` in ms, or NaN when it is not a duration. */
export function historyRangeMs(spec: FromHistorySpec): number | undefined {
  return spec.last === undefined ? undefined : parseDuration(spec.last);
}

/**
 * Numeric arrays of 16 or more values (embeddings) are kept as float32 in stored samples: a
 * record is encoded as JSON in which each such array is `{"$f32": "<base64>"}`.
 */
export const VECTOR_MIN_LENGTH = 16;

export function encodeSampleRecord(record: VigiaRecord): string {
  return JSON.stringify(record, (_key, value: unknown) => {
    if (Array.isArray(value) && value.length >= VECTOR_MIN_LENGTH && value.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      const f = Float32Array.from(value as number[]);
      return { $f32: Buffer.from(f.buffer, f.byteOffset, f.byteLength).toString('base64') };
    }
    return value;
  });
}

export function decodeSampleRecord(text: string): VigiaRecord {
  return JSON.parse(text, (_key, value: unknown) => {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const keys = Object.keys(value);
      const b64 = (value as { $f32?: unknown }).$f32;
      if (keys.length === 1 && typeof b64 === 'string') {
        const bytes = new Uint8Array(Buffer.from(b64, 'base64')); // a copy: aligned for Float32Array
        return Array.from(new Float32Array(bytes.buffer, 0, bytes.byteLength >> 2));
      }
    }
    return value;
  }) as VigiaRecord;
}
