/**
 * KLL quantile sketch (Karnin, Lang and Liberty, "Optimal Quantile Approximation in Streams",
 * FOCS 2016), in the lazy-compaction form of the Apache DataSketches KLL sketch: a stack of
 * compactors whose capacities decay geometrically (factor 2/3) from `k` at the top level down to a
 * minimum width of 8. A full compactor sorts its items, keeps every other one (random offset) and
 * promotes them one level up, where each item weighs twice as much.
 *
 * Guarantee: the rank of an answered quantile is within ±ε·n of the requested rank, with
 * ε(k) = 2.446 / k^0.9433 for all quantiles at once at 99% confidence (1.65% for k = 200,
 * 0.87% for k = 400; see {@link kllRankErrorBound}), independent of n and of the value
 * distribution. Memory is O(k + log(n/k)) numbers (≈ 3k doubles): constant for practical purposes.
 * Sketches with the same `k` merge losslessly with the same guarantee over the union.
 */
import { createRandom, type Random } from '../random.js';

const MIN_WIDTH = 8;
const DECAY = 2 / 3;
const FORMAT_VERSION = 1;

/**
 * Normalised rank error ε of a KLL sketch with parameter `k`, at 99% confidence: for all quantiles
 * at once (`allQuantiles`, the default) or for one quantile. These are the empirical fits Apache
 * DataSketches publishes for KLL with the same capacities (2.446/k^0.9433 and 2.296/k^0.9723).
 */
export function kllRankErrorBound(k: number, allQuantiles = true): number {
  return allQuantiles ? 2.446 / Math.pow(k, 0.9433) : 2.296 / Math.pow(k, 0.9723);
}

export interface KllSketchOptions {
  /** Accuracy/size parameter (default 200): larger is more accurate and larger. 8 ≤ k ≤ 65535. */
  k?: number;
  /** Uniform [0,1) source for the compaction coin flips; default a generator seeded with `seed`. */
  random?: Random;
  /** Seed for the default generator (default 1). */
  seed?: number;
}

/** A mergeable, serialisable streaming quantile sketch (KLL). NaN values are ignored. */
export class KllSketch {
  readonly k: number;
  private levels: Float64Array[] = [];
  private sizes: number[] = [];
  private count = 0;
  private retained = 0;
  private maxRetained = 0;
  private minValue = Infinity;
  private maxValue = -Infinity;
  private readonly random: Random;
  // Sorted view for queries, rebuilt lazily after updates.
  private sortedValues: Float64Array | null = null;
  private cumulativeWeights: Float64Array | null = null;

  constructor(options: KllSketchOptions = {}) {
    const k = options.k ?? 200;
    if (!Number.isInteger(k) || k < MIN_WIDTH || k > 65535) throw new RangeError(`KllSketch: k must be an integer in [${MIN_WIDTH}, 65535], got ${k}`);
    this.k = k;
    this.random = options.random ?? createRandom(options.seed ?? 1).next;
    this.addLevel();
  }

  /** Number of values added (including merged sketches). */
  get n(): number { return this.count; }
  /** Number of values the sketch holds. */
  get retainedItems(): number { return this.retained; }
  get min(): number { return this.count ? this.minValue : NaN; }
  get max(): number { return this.count ? this.maxValue : NaN; }
  /** Number of compactor levels. */
  get numLevels(): number { return this.levels.length; }
  /** ε of this sketch (see {@link kllRankErrorBound}). */
  rankErrorBound(allQuantiles = true): number { return kllRankErrorBound(this.k, allQuantiles); }

  /** Bytes held by the sketch's buffers plus a fixed overhead for its fields. */
  get byteSize(): number {
    let bytes = 96 + 8 * this.levels.length * 2;
    for (const level of this.levels) bytes += level.byteLength;
    if (this.sortedValues) bytes += this.sortedValues.byteLength + this.cumulativeWeights!.byteLength;
    return bytes;
  }

  add(value: number): void {
    if (value !== value) return; // NaN
    let size0 = this.sizes[0]!;
    if (size0 === this.levels[0]!.length) this.grow(0, size0 + 1);
    this.levels[0]![size0++] = value;
    this.sizes[0] = size0;
    this.count++;
    if (value < this.minValue) this.minValue = value;
    if (value > this.maxValue) this.maxValue = value;
    this.sortedValues = null;
    if (++this.retained >= this.maxRetained) this.compress();
  }

  /** Add every value of an array. */
  addAll(values: ArrayLike<number>): void {
    for (let i = 0; i < values.length; i++) this.add(values[i]!);
  }

  /** Merge another sketch (same `k`) into this one. */
  merge(other: KllSketch): void {
    if (other.k !== this.k) throw new RangeError(`KllSketch.merge: k differs (${this.k} vs ${other.k}); merge sketches built with the same k`);
    if (other.count === 0) return;
    while (this.levels.length < other.levels.length) this.addLevel();
    for (let h = 0; h < other.levels.length; h++) {
      const size = other.sizes[h]!;
      if (size === 0) continue;
      const at = this.sizes[h]!;
      this.grow(h, at + size);
      this.levels[h]!.set(other.levels[h]!.subarray(0, size), at);
      this.sizes[h] = at + size;
      this.retained += size;
    }
    this.count += other.count;
    if (other.minValue < this.minValue) this.minValue = other.minValue;
    if (other.maxValue > this.maxValue) this.maxValue = other.maxValue;
    this.sortedValues = null;
    while (this.retained >= this.maxRetained) this.compress();
  }

  /**
   * The value whose rank is nearest above `p·n` (inverse of the sketch's weighted empirical CDF);
   * `p ≤ 0` gives the exact minimum and `p ≥ 1` the exact maximum. NaN when empty.
   */
  quantile(p: number): number {
    if (this.count === 0) return NaN;
    if (!(p > 0)) return this.minValue;
    if (p >= 1) return this.maxValue;
    this.buildSortedView();
    const values = this.sortedValues!;
    const cumulative = this.cumulativeWeights!;
    const target = p * this.count;
    // first index whose cumulative weight reaches the target rank
    let lo = 0;
    let hi = values.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid]! < target) lo = mid + 1;
      else hi = mid;
    }
    return values[lo]!;
  }

  /** Several quantiles at once. */
  quantiles(ps: readonly number[]): number[] {
    return ps.map((p) => this.quantile(p));
  }

  /** Estimated fraction of values ≤ `value`. */
  rank(value: number): number {
    if (this.count === 0) return NaN;
    this.buildSortedView();
    const values = this.sortedValues!;
    let lo = 0;
    let hi = values.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (values[mid]! <= value) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? 0 : this.cumulativeWeights![lo - 1]! / this.count;
  }

  /**
   * Binary form: Float64 little-endian words `[version, k, n, min, max, levels, size_0 … size_{L-1},
   * items of level 0 …]`. Restore with {@link KllSketch.deserialize}.
   */
  serialize(): Uint8Array {
    const L = this.levels.length;
    const words = new Float64Array(6 + L + this.retained);
    words[0] = FORMAT_VERSION;
    words[1] = this.k;
    words[2] = this.count;
    words[3] = this.minValue;
    words[4] = this.maxValue;
    words[5] = L;
    let at = 6 + L;
    for (let h = 0; h < L; h++) {
      const size = this.sizes[h]!;
      words[6 + h] = size;
      words.set(this.levels[h]!.subarray(0, size), at);
      at += size;
    }
    return new Uint8Array(words.buffer);
  }

  static deserialize(bytes: Uint8Array, options: Omit<KllSketchOptions, 'k'> = {}): KllSketch {
    if (bytes.byteLength % 8 !== 0 || bytes.byteLength < 48) throw new RangeError('KllSketch.deserialize: not a serialized KLL sketch (bad length)');
    const words = new Float64Array(bytes.slice().buffer, 0, bytes.byteLength / 8);
    if (words[0] !== FORMAT_VERSION) throw new RangeError(`KllSketch.deserialize: unknown format version ${words[0]}`);
    const sketch = new KllSketch({ ...options, k: words[1]! });
    const L = words[5]!;
    let total = 0;
    for (let h = 0; h < L; h++) total += words[6 + h]!;
    if (!Number.isInteger(L) || L < 1 || words.length !== 6 + L + total) throw new RangeError('KllSketch.deserialize: corrupt sketch (sizes do not add up)');
    while (sketch.levels.length < L) sketch.addLevel();
    let at = 6 + L;
    for (let h = 0; h < L; h++) {
      const size = words[6 + h]!;
      sketch.grow(h, size);
      sketch.levels[h]!.set(words.subarray(at, at + size));
      sketch.sizes[h] = size;
      at += size;
    }
    sketch.count = words[2]!;
    sketch.minValue = words[3]!;
    sketch.maxValue = words[4]!;
    sketch.retained = total;
    return sketch;
  }

  // --------------------------------------------------------------------------------------------

  private capacity(h: number): number {
    const depth = this.levels.length - 1 - h;
    return Math.max(MIN_WIDTH, Math.ceil(this.k * Math.pow(DECAY, depth)));
  }

  private addLevel(): void {
    this.levels.push(new Float64Array(MIN_WIDTH));
    this.sizes.push(0);
    let total = 0;
    for (let h = 0; h < this.levels.length; h++) total += this.capacity(h);
    this.maxRetained = total;
  }

  private grow(h: number, needed: number): void {
    const current = this.levels[h]!;
    if (current.length >= needed) return;
    let length = Math.max(MIN_WIDTH, current.length);
    while (length < needed) length *= 2;
    const next = new Float64Array(length);
    next.set(current.subarray(0, this.sizes[h]!));
    this.levels[h] = next;
  }

  /** Compact the lowest level at or over its capacity (one exists whenever retained ≥ maxRetained). */
  private compress(): void {
    for (let h = 0; h < this.levels.length; h++) {
      if (this.sizes[h]! >= this.capacity(h)) {
        if (h + 1 === this.levels.length) this.addLevel();
        this.compactLevel(h);
        return;
      }
    }
  }

  private compactLevel(h: number): void {
    const buffer = this.levels[h]!;
    const size = this.sizes[h]!;
    buffer.subarray(0, size).sort();
    // An odd item out (the smallest) stays at this level.
    const start = size & 1;
    const pairs = (size - start) >>> 1;
    const offset = this.random() < 0.5 ? 0 : 1;
    const up = h + 1;
    const at = this.sizes[up]!;
    this.grow(up, at + pairs);
    const target = this.levels[up]!;
    for (let i = 0, j = start + offset; i < pairs; i++, j += 2) target[at + i] = buffer[j]!;
    this.sizes[up] = at + pairs;
    this.sizes[h] = start;
    this.retained -= pairs;
    // Give back a buffer that grew far beyond this level's capacity (it grew while it was a
    // higher-capacity level or took a merge), so memory stays O(k) however many levels there are.
    let fit = MIN_WIDTH;
    while (fit < 2 * this.capacity(h)) fit *= 2;
    if (buffer.length > 2 * fit) {
      const smaller = new Float64Array(fit);
      smaller.set(buffer.subarray(0, start));
      this.levels[h] = smaller;
    }
  }

  private buildSortedView(): void {
    if (this.sortedValues) return;
    const total = this.retained;
    const values = new Float64Array(total);
    const weights = new Float64Array(total);
    let at = 0;
    for (let h = 0; h < this.levels.length; h++) {
      const size = this.sizes[h]!;
      values.set(this.levels[h]!.subarray(0, size), at);
      weights.fill(2 ** h, at, at + size);
      at += size;
    }
    const order = new Uint32Array(total);
    for (let i = 0; i < total; i++) order[i] = i;
    order.sort((a, b) => values[a]! - values[b]!);
    const sorted = new Float64Array(total);
    const cumulative = new Float64Array(total);
    let running = 0;
    for (let i = 0; i < total; i++) {
      const j = order[i]!;
      sorted[i] = values[j]!;
      running += weights[j]!;
      cumulative[i] = running;
    }
    this.sortedValues = sorted;
    this.cumulativeWeights = cumulative;
  }
}
