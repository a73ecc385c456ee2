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
// snappyjs is CommonJS without types; only its block compressor is used (loaded on first use).
let snappy: { compress(input: Uint8Array): Uint8Array } | undefined;
const compress = (data: Uint8Array) => (snappy ??= createRequire(import.meta.url)('snappyjs') as { compress(input: Uint8Array): Uint8Array }).compress(data);

function varintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 0x80);
    n++;
  }
  return n;
}

function writeVarint(buf: Buffer, pos: number, value: number): number {
  // Values here are non-negative and below 2^53 (lengths, millisecond timestamps).
  let v = value;
  while (v >= 0x80) {
    buf[pos++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  buf[pos++] = v;
  return pos;
}


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

/**
 * The uncompressed WriteRequest protobuf. Two passes — sizes, then bytes into one buffer — so a
 * thousand series cost no per-field allocation (field tags: 0x0a = field 1 length-delimited,
 * 0x12 = field 2 length-delimited, 0x09 = field 1 fixed64, 0x10 = field 2 varint).
 */
export function encodeWriteRequest(series: readonly RemoteSeries[]): Uint8Array {
  const order = (a: string, b: string) => (a === '__name__' ? -1 : b === '__name__' ? 1 : a < b ? -1 : a > b ? 1 : 0);
  const plans = series.map((ts) => {
    const names = Object.keys(ts.labels).sort(order);
    const labels = names.map((name) => {
      const value = ts.labels[name]!;
      const n = Buffer.byteLength(name);
      const v = Buffer.byteLength(value);
      return { name, value, n, v, size: 1 + varintSize(n) + n + 1 + varintSize(v) + v };
    });
    const samples = ts.samples.map((s) => ({ s, size: 1 + 8 + 1 + varintSize(s.timestampMs) }));
    let size = 0;
    for (const l of labels) size += 1 + varintSize(l.size) + l.size;
    for (const x of samples) size += 1 + varintSize(x.size) + x.size;
    return { labels, samples, size };
  });
  let total = 0;
  for (const p of plans) total += 1 + varintSize(p.size) + p.size;
  const buf = Buffer.allocUnsafe(total);
  let pos = 0;
  for (const p of plans) {
    buf[pos++] = 0x0a;
    pos = writeVarint(buf, pos, p.size);
    for (const l of p.labels) {
      buf[pos++] = 0x0a;
      pos = writeVarint(buf, pos, l.size);
      buf[pos++] = 0x0a;
      pos = writeVarint(buf, pos, l.n);
      pos += buf.write(l.name, pos, 'utf8');
      buf[pos++] = 0x12;
      pos = writeVarint(buf, pos, l.v);
      pos += buf.write(l.value, pos, 'utf8');
    }
    for (const x of p.samples) {
      buf[pos++] = 0x12;
      pos = writeVarint(buf, pos, x.size);
      buf[pos++] = 0x09;
      buf.writeDoubleLE(x.s.value, pos);
      pos += 8;
      buf[pos++] = 0x10;
      pos = writeVarint(buf, pos, x.s.timestampMs);
    }
  }
  return new Uint8Array(buf.buffer, buf.byteOffset, pos);
}

/** The request body remote-write receivers expect (snappy block format, not framed). */
export function remoteWriteBody(families: readonly Family[], timestampMs: number): Uint8Array {
  return compress(encodeWriteRequest(seriesOf(families, timestampMs)));
}

export const REMOTE_WRITE_HEADERS = {
  'Content-Type': 'application/x-protobuf',
  'Content-Encoding': 'snappy',
  'X-Prometheus-Remote-Write-Version': '0.1.0',
} as const;
