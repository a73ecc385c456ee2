/**
 * In-test receivers that decode what the exporters really send: an OTLP/HTTP receiver (protobuf
 * via a minimal copy of the OTLP .proto schema, or JSON), a generic HTTP recorder, a UDP listener.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createSocket } from 'node:dgram';
import { gunzipSync } from 'node:zlib';
import protobuf from 'protobufjs';

const OTLP_PROTO = `
syntax = "proto3";
package otlp;
message AnyValue { oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4; ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7; } }
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message Resource { repeated KeyValue attributes = 1; }
message InstrumentationScope { string name = 1; string version = 2; }
message NumberDataPoint { repeated KeyValue attributes = 7; fixed64 start_time_unix_nano = 2; fixed64 time_unix_nano = 3; double as_double = 4; sfixed64 as_int = 6; }
message HistogramDataPoint { repeated KeyValue attributes = 9; fixed64 start_time_unix_nano = 2; fixed64 time_unix_nano = 3; fixed64 count = 4; optional double sum = 5; repeated fixed64 bucket_counts = 6; repeated double explicit_bounds = 7; optional double min = 11; optional double max = 12; }
message Gauge { repeated NumberDataPoint data_points = 1; }
message Sum { repeated NumberDataPoint data_points = 1; int32 aggregation_temporality = 2; bool is_monotonic = 3; }
message Histogram { repeated HistogramDataPoint data_points = 1; int32 aggregation_temporality = 2; }
message Metric { string name = 1; string description = 2; string unit = 3; oneof data { Gauge gauge = 5; Sum sum = 7; Histogram histogram = 9; } }
message ScopeMetrics { InstrumentationScope scope = 1; repeated Metric metrics = 2; }
message ResourceMetrics { Resource resource = 1; repeated ScopeMetrics scope_metrics = 2; }
message ExportMetricsServiceRequest { repeated ResourceMetrics resource_metrics = 1; }
message LogRecord { fixed64 time_unix_nano = 1; fixed64 observed_time_unix_nano = 11; int32 severity_number = 2; string severity_text = 3; AnyValue body = 5; repeated KeyValue attributes = 6; string event_name = 12; }
message ScopeLogs { InstrumentationScope scope = 1; repeated LogRecord log_records = 2; }
message ResourceLogs { Resource resource = 1; repeated ScopeLogs scope_logs = 2; }
message ExportLogsServiceRequest { repeated ResourceLogs resource_logs = 1; }
`;

const root = protobuf.parse(OTLP_PROTO, { keepCase: false }).root;
const MetricsRequest = root.lookupType('otlp.ExportMetricsServiceRequest');
const LogsRequest = root.lookupType('otlp.ExportLogsServiceRequest');

/** Decoded requests as plain objects in OTLP/JSON's shape (camelCase, 64-bit ints as strings). */
export type Json = Record<string, unknown>;

export function decodeOtlp(kind: 'metrics' | 'logs', contentType: string, body: Buffer): Json {
  if (contentType.includes('json')) return JSON.parse(body.toString('utf8')) as Json;
  const type = kind === 'metrics' ? MetricsRequest : LogsRequest;
  return type.toObject(type.decode(body), { longs: String, enums: Number, defaults: false, arrays: true, oneofs: false }) as Json;
}

/** `[{ key, value: { stringValue | doubleValue | intValue | boolValue } }]` → plain object. */
export function attrs(list: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of (list as Array<{ key: string; value?: Record<string, unknown> }>) ?? []) {
    const v = kv.value ?? {};
    out[kv.key] = v.stringValue ?? (v.doubleValue !== undefined ? Number(v.doubleValue) : v.intValue !== undefined ? Number(v.intValue) : v.boolValue);
  }
  return out;
}

export interface Received {
  path: string;
  method: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

/** An HTTP server on 127.0.0.1 recording every request; `respond` picks the status. */
export async function startRecorder(respond: (r: Received, n: number) => number | { status: number; body?: string } = () => 200): Promise<{ url: string; received: Received[]; close(): Promise<void>; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      const r = { path: req.url ?? '/', method: req.method ?? '', headers: req.headers, body };
      received.push(r);
      const out = respond(r, received.length);
      const { status, body: text } = typeof out === 'number' ? { status: out, body: undefined } : out;
      res.writeHead(status, { 'Content-Type': req.url?.startsWith('/v1/') ? 'application/json' : 'text/plain' }).end(text ?? (req.url?.startsWith('/v1/') ? '{}' : 'ok'));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`, received, server,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** A UDP listener on 127.0.0.1 collecting datagrams. */
export async function startUdp(): Promise<{ port: number; datagrams: string[]; close(): Promise<void> }> {
  const socket = createSocket('udp4');
  const datagrams: string[] = [];
  socket.on('message', (m) => datagrams.push(m.toString('utf8')));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  return { port: socket.address().port, datagrams, close: () => new Promise<void>((resolve) => socket.close(() => resolve())) };
}
