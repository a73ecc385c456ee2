import { createRequire } from 'node:module';
import type { Family } from './model.js';

/**
 * Prometheus remote write 1.0: a `prometheus.WriteRequest` protobuf, snappy block-compressed.
 *
 *   message WriteRequest { repeated TimeSeries timeseries = 1; }
 *   message TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; }
 *   message Label        { string name = 1; string value = 2; }
 *   message Sample       { double value = 1; int64 timestamp = 2; }  // ms since the epoch
 *
 * The encoding is written by hand (four small messages); labels are sorted by name with
 * `__name__` first as the protocol requires.
 */
// snappyjs is CommonJS without types; only its block compressor is used.
const SnappyJS = createRequire(import.meta.url)('snappyjs') as { compress(input: Uint8Array): Uint8Array };

class Writer {
  private buf = new Uint8Array(1024);
  private pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  varint(value: number): void {
    this.ensure(10);
    // Values here are non-negative and below 2^53 (lengths, millisecond timestamps).
    let v = value;
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
  }

  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  bytes(field: number, data: Uint8Array): void {
    this.tag(field, 2);
    this.varint(data.length);
    this.ensure(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
  }

  double(field: number, value: number): void {
    this.tag(field, 1);
    this.ensure(8);
    new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).setFloat64(0, value, true);
    this.pos += 8;
  }

  int64(field: number, value: number): void {
    this.tag(field, 0);
    this.varint(value);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

const utf8 = new TextEncoder();

export interface RemoteSeries {
  labels: Record<string, string>;
  samples: Array<{ value: number; timestampMs: number }>;
}

/** One series per sample of each family, every sample stamped `timestampMs`. */
export function seriesOf(families: readonly Family[], timestampMs: number): RemoteSeries[] {
  const out: RemoteSeries[] = [];
  for (const f of families) {
    for (const s of f.samples) out.push({ labels: { __name__: s.name, ...s.labels }, samples: [{ value: s.value, timestampMs: Math.round(timestampMs) }] });
  }
  return out;
}

/** The uncompressed WriteRequest protobuf. */
export function encodeWriteRequest(series: readonly RemoteSeries[]): Uint8Array {
  const w = new Writer();
  for (const ts of series) {
    const t = new Writer();
    const names = Object.keys(ts.labels).sort((a, b) => (a === '__name__' ? -1 : b === '__name__' ? 1 : a < b ? -1 : a > b ? 1 : 0));
    for (const name of names) {
      const l = new Writer();
      l.bytes(1, utf8.encode(name));
      l.bytes(2, utf8.encode(ts.labels[name]!));
      t.bytes(1, l.finish());
    }
    for (const s of ts.samples) {
      const m = new Writer();
      m.double(1, s.value);
      m.int64(2, s.timestampMs);
      t.bytes(2, m.finish());
    }
    w.bytes(1, t.finish());
  }
  return w.finish();
}

/** The request body remote-write receivers expect (snappy block format, not framed). */
export function remoteWriteBody(families: readonly Family[], timestampMs: number): Uint8Array {
  return SnappyJS.compress(encodeWriteRequest(seriesOf(families, timestampMs)));
}

export const REMOTE_WRITE_HEADERS = {
  'Content-Type': 'application/x-protobuf',
  'Content-Encoding': 'snappy',
  'X-Prometheus-Remote-Write-Version': '0.1.0',
} as const;
