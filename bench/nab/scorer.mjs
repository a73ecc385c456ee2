// NAB scoring, as numenta/NAB v1.1 does it (Lavin and Ahmad 2015; nab/sweeper.py, nab/optimizer.py,
// nab/scorer.py, nab/runner.py#normalize, config/profiles.json). A faithful re-implementation, not a
// copy: every step below names the NAB function it mirrors, and the quirks are kept on purpose
// (the `+ 1` in the in-window position, `prevWindowWidth - 1` after a window, the window being
// entered only when a row's timestamp equals its start exactly, the probation cap of 0.15 * 5000).
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

/** config/profiles.json (NAB v1.1). */
export const PROFILES = {
  standard: { tpWeight: 1.0, fnWeight: 1.0, fpWeight: 0.11, tnWeight: 1.0 },
  reward_low_FP_rate: { tpWeight: 1.0, fnWeight: 1.0, fpWeight: 0.22, tnWeight: 1.0 },
  reward_low_FN_rate: { tpWeight: 1.0, fnWeight: 2.0, fpWeight: 0.11, tnWeight: 1.0 },
};

export const PROBATION_PERCENT = 0.15;

/** sweeper.scaledSigmoid: 2*sigmoid(-5x) - 1, and -1 beyond 3 window lengths. */
export function scaledSigmoid(x) {
  if (x >= 3.0) return -1.0;
  return 2 / (1 + Math.exp(5 * x)) - 1.0;
}

/** Sweeper._getProbationaryLength: min(floor(p * n), p * 5000). */
export function probationaryLength(numRows, probationPercent = PROBATION_PERCENT) {
  return Math.min(Math.floor(probationPercent * numRows), probationPercent * 5000);
}

/** NAB timestamps ("2014-04-10 07:15:00" in data, "2014-04-10 07:15:00.000000" in labels) → UTC ms. */
export function parseNabTime(text) {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?/.exec(text.trim());
  if (!m) throw new Error(`NAB: cannot parse timestamp "${text}"`);
  const micros = m[7] ? Number((m[7] + '000000').slice(0, 6)) : 0;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) + micros / 1000;
}

const PROBATIONARY = -2;
const NO_WINDOW = -1;

/**
 * Sweeper.calcSweepScore for one file. Returns one entry per row: the detector's score, the NAB
 * sweep score of a detection there, and the window it belongs to (a corpus-unique id from
 * `windowIdBase`, NO_WINDOW outside windows, PROBATIONARY inside the probationary period).
 */
export function calcSweepScore(timestamps, anomalyScores, windowLimits, cost, windowIdBase = 0, probationPercent = PROBATION_PERCENT) {
  const n = timestamps.length;
  if (anomalyScores.length !== n) throw new Error('timestamps and anomalyScores should not be different lengths!');
  const maxTP = scaledSigmoid(-1.0);
  const probation = probationaryLength(n, probationPercent);
  const indexOf = (t) => {
    for (let i = 0; i < n; i++) if (timestamps[i] === t) return i;
    throw new Error(`NAB: window limit ${new Date(t).toISOString()} is not a row timestamp`);
  };
  const pending = windowLimits.slice();
  let nextWindowId = windowIdBase;
  let cur = null; // { limits, id, width, right }
  let prevWidth = null;
  let prevRight = null;
  const sweep = new Float64Array(n);
  const windowId = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const t = timestamps[i];
    if (pending.length > 0 && t === pending[0][0]) {
      const limits = pending.shift();
      const right = indexOf(limits[1]);
      cur = { limits, id: nextWindowId++, right, width: right - indexOf(limits[0]) + 1 };
    }
    let weighted;
    if (cur !== null) {
      const position = -(cur.right - i + 1) / cur.width;
      weighted = (scaledSigmoid(position) * cost.tpWeight) / maxTP;
    } else {
      const unweighted = prevRight === null ? -1.0 : scaledSigmoid(Math.abs(prevRight - i) / (prevWidth - 1));
      weighted = unweighted * cost.fpWeight;
    }
    sweep[i] = weighted;
    windowId[i] = i >= probation ? (cur !== null ? cur.id : NO_WINDOW) : PROBATIONARY;
    if (cur !== null && t === cur.limits[1]) {
      prevRight = i;
      prevWidth = cur.width;
      cur = null;
    }
  }
  return { score: Float64Array.from(anomalyScores), sweep, windowId, windowsUsed: nextWindowId - windowIdBase };
}

/** Concatenate per-file sweep lists (optimizer.optimizeThreshold's allAnomalyRows). */
export function concatSweeps(sweeps) {
  const total = sweeps.reduce((a, s) => a + s.score.length, 0);
  const score = new Float64Array(total);
  const sweep = new Float64Array(total);
  const windowId = new Int32Array(total);
  let k = 0;
  for (const s of sweeps) {
    score.set(s.score, k);
    sweep.set(s.sweep, k);
    windowId.set(s.windowId, k);
    k += s.score.length;
  }
  return { score, sweep, windowId };
}

/**
 * Sweeper.calcScoreByThreshold: rows {threshold, score, tp, tn, fp, fn, total} in decreasing
 * threshold order, starting at 1.1 (nothing detected). A row's score is that of detecting every
 * point whose anomaly score is >= its threshold.
 */
export function calcScoreByThreshold(list, cost) {
  const idx = [];
  for (let i = 0; i < list.score.length; i++) if (list.windowId[i] !== PROBATIONARY) idx.push(i);
  // Python's sorted(..., reverse=True) is stable; so is Array.prototype.sort.
  idx.sort((a, b) => list.score[b] - list.score[a]);
  const parts = new Map();
  let tn = 0, fn = 0, tp = 0, fp = 0;
  for (const i of idx) {
    const w = list.windowId[i];
    if (w === NO_WINDOW) tn++;
    else {
      fn++;
      parts.set(w, -cost.fnWeight);
    }
  }
  let fpPart = 0;
  const sumParts = () => {
    let s = fpPart;
    for (const v of parts.values()) s += v;
    return s;
  };
  let windowSum = 0;
  for (const v of parts.values()) windowSum += v;
  const rows = [];
  let curThreshold = 1.1;
  for (const i of idx) {
    const s = list.score[i];
    if (s !== curThreshold) {
      rows.push({ threshold: curThreshold, score: fpPart + windowSum, tp, tn, fp, fn, total: tp + tn + fp + fn });
      curThreshold = s;
    }
    const w = list.windowId[i];
    if (w !== NO_WINDOW) {
      tp++;
      fn--;
      const old = parts.get(w);
      const next = Math.max(old, list.sweep[i]);
      if (next !== old) {
        parts.set(w, next);
        windowSum += next - old;
      }
    } else {
      fp++;
      tn--;
      fpPart += list.sweep[i];
    }
  }
  rows.push({ threshold: curThreshold, score: sumParts(), tp, tn, fp, fn, total: tp + tn + fp + fn });
  // Re-sum exactly for every row would be O(rows * windows); the running sum differs from
  // Python's sum(scoreParts.values()) only by rounding (~1e-12).
  return rows;
}

/** optimizer.optimizeThreshold: the best row over the whole corpus (ties: the first, i.e. highest threshold). */
export function optimizeThreshold(corpus, scoresByFile, cost) {
  const sweeps = [];
  let base = 0;
  corpus.forEach((file, f) => {
    const s = calcSweepScore(file.timestamps, scoresByFile[f], file.windows, cost, base);
    base += s.windowsUsed;
    sweeps.push(s);
  });
  const rows = calcScoreByThreshold(concatSweeps(sweeps), cost);
  let best = rows[0];
  for (const r of rows) if (r.score > best.score) best = r;
  return { threshold: best.threshold, score: best.score };
}

/**
 * Sweeper.scoreDataSet: the row for `threshold`. When the threshold is below every score in the
 * file NAB's loop finds no row (None); the meaning of the threshold then is "every point
 * detected", which is the last row, and that is what we return.
 */
export function scoreDataSet(timestamps, anomalyScores, windows, cost, threshold, probationPercent = PROBATION_PERCENT) {
  const rows = calcScoreByThreshold(calcSweepScore(timestamps, anomalyScores, windows, cost, 0, probationPercent), cost);
  let prev = null;
  for (const r of rows) {
    if (r.threshold === threshold) return r;
    if (r.threshold < threshold) return prev;
    prev = r;
  }
  return rows[rows.length - 1];
}

/** scorer.scoreCorpus: per-file rows at one threshold, and their totals. */
export function scoreCorpus(corpus, scoresByFile, cost, threshold) {
  const totals = { score: 0, tp: 0, tn: 0, fp: 0, fn: 0, total: 0 };
  const perFile = corpus.map((file, f) => {
    const row = scoreDataSet(file.timestamps, scoresByFile[f], file.windows, cost, threshold);
    for (const k of Object.keys(totals)) totals[k] += row[k];
    return { name: file.name, ...row };
  });
  return { ...totals, perFile };
}

/**
 * The full NAB pipeline for one detector: per profile, optimise the threshold over the corpus,
 * score, and normalise against the null detector (constant 0.5, itself optimised and scored the
 * same way) and the perfect detector (number of labelled windows * tpWeight), as runner.normalize:
 * 100 * (raw - null) / (perfect - null).
 */
export function nabScore(corpus, scoresByFile, profiles = PROFILES) {
  const tpCount = corpus.reduce((a, f) => a + f.windows.length, 0);
  const nullScores = corpus.map((f) => new Float64Array(f.timestamps.length).fill(0.5));
  const out = {};
  for (const [name, cost] of Object.entries(profiles)) {
    const nullOpt = optimizeThreshold(corpus, nullScores, cost);
    const nullRaw = scoreCorpus(corpus, nullScores, cost, nullOpt.threshold).score;
    const opt = optimizeThreshold(corpus, scoresByFile, cost);
    const scored = scoreCorpus(corpus, scoresByFile, cost, opt.threshold);
    const perfect = tpCount * cost.tpWeight;
    out[name] = {
      score: (100 * (scored.score - nullRaw)) / (perfect - nullRaw),
      raw: scored.score, threshold: opt.threshold, null: nullRaw, perfect,
      tp: scored.tp, fp: scored.fp, fn: scored.fn, tn: scored.tn, perFile: scored.perFile,
    };
  }
  return out;
}

/** Read the NAB corpus: data/<dir>/<file>.csv (timestamp,value) and labels/combined_windows.json. */
export function loadCorpus(root) {
  const windowsJson = JSON.parse(readFileSync(join(root, 'labels', 'combined_windows.json'), 'utf8'));
  const corpus = [];
  for (const dir of readdirSync(join(root, 'data')).sort()) {
    const full = join(root, 'data', dir);
    if (!existsSync(full) || dir.includes('.')) continue;
    for (const file of readdirSync(full).filter((f) => f.endsWith('.csv')).sort()) {
      const name = `${dir}/${file}`;
      const lines = readFileSync(join(full, file), 'utf8').split(/\r?\n/).filter((l) => l.length > 0);
      const n = lines.length - 1;
      const timestamps = new Float64Array(n);
      const values = new Float64Array(n);
      const rawTimestamps = new Array(n);
      for (let i = 0; i < n; i++) {
        const [t, v] = lines[i + 1].split(',');
        rawTimestamps[i] = t;
        timestamps[i] = parseNabTime(t);
        values[i] = Number(v);
      }
      const windows = (windowsJson[name] ?? []).map(([a, b]) => [parseNabTime(a), parseNabTime(b)]);
      corpus.push({ name, timestamps, values, rawTimestamps, windows });
    }
  }
  return corpus;
}
