import { defineSource, type ComponentContext, type SourceOutput, type VigiaRecord } from '@vigia/core';
import { RecordCollector, commonProperties, readJsonl } from '@vigia/plugin-sources';

/**
 * Reads exported OpenTelemetry traces — OTLP JSON, one `ExportTraceServiceRequest` per line, as the
 * Collector's `file` exporter writes them — into LLM records. Attributes of the GenAI semantic
 * conventions, OpenLLMetry and OpenInference are mapped onto the record fields Vigia's detectors
 * and metrics use (`model`, `prompt`, `response`, `input_tokens`, `latency_ms`, …); every span
 * attribute is also kept under its own dotted name (`gen_ai.request.temperature`), and resource
 * attributes under `resource.<name>` (`resource.service.name`).
 */
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An OTLP JSON `AnyValue` as a plain value (64-bit ints as numbers). */
export function anyValue(v: unknown): unknown {
  if (!isObj(v)) return undefined;
  if ('stringValue' in v) return v.stringValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return Number(v.doubleValue);
  if ('boolValue' in v) return Boolean(v.boolValue);
  if ('arrayValue' in v) return ((isObj(v.arrayValue) ? v.arrayValue.values : []) as unknown[] ?? []).map(anyValue);
  if ('kvlistValue' in v) return attributeMap(isObj(v.kvlistValue) ? v.kvlistValue.values : []);
  if ('bytesValue' in v) return v.bytesValue;
  return undefined;
}

export function attributeMap(list: unknown): Obj {
  const out: Obj = {};
  if (!Array.isArray(list)) return out;
  for (const kv of list) if (isObj(kv) && typeof kv.key === 'string') out[kv.key] = anyValue(kv.value);
  return out;
}

const first = (a: Obj, ...keys: string[]): unknown => {
  for (const k of keys) if (a[k] !== undefined && a[k] !== null && a[k] !== '') return a[k];
  return undefined;
};
const num = (v: unknown): number | undefined => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
};

export interface Message { role: string; content: string }

/** Text of a GenAI message: `content` string, or its text `parts` joined. */
function messageText(m: Obj): string {
  if (typeof m.content === 'string') return m.content;
  const parts = Array.isArray(m.parts) ? m.parts : Array.isArray(m.content) ? m.content : [];
  return parts.map((p) => (typeof p === 'string' ? p : isObj(p) ? String(p.content ?? p.text ?? '') : '')).filter(Boolean).join('\n');
}

/** `gen_ai.input.messages` / `gen_ai.output.messages`: a JSON string or an already structured array. */
function semconvMessages(v: unknown): Message[] | undefined {
  let value = v;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  if (!Array.isArray(value)) return undefined;
  return value.filter(isObj).map((m) => ({ role: String(m.role ?? ''), content: messageText(m) }));
}

/** Indexed attributes: `<prefix>.<N>.<roleKey>` and `<prefix>.<N>.<contentKey>`. */
function indexedMessages(a: Obj, prefix: string, roleKey: string, contentKey: string): Message[] | undefined {
  const byIndex = new Map<number, Message>();
  const re = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(\\d+)\\.(.+)$`);
  for (const [k, v] of Object.entries(a)) {
    const m = re.exec(k);
    if (!m) continue;
    const i = Number(m[1]);
    const msg = byIndex.get(i) ?? { role: '', content: '' };
    if (m[2] === roleKey) msg.role = String(v);
    else if (m[2] === contentKey) msg.content = typeof v === 'string' ? v : JSON.stringify(v);
    byIndex.set(i, msg);
  }
  if (byIndex.size === 0) return undefined;
  return [...byIndex.entries()].sort((x, y) => x[0] - y[0]).map(([, m]) => m);
}

function lastOf(messages: Message[] | undefined, role?: string): string | undefined {
  if (!messages?.length) return undefined;
  const pick = role ? messages.filter((m) => m.role === role) : messages;
  const m = (pick.length ? pick : messages)[(pick.length ? pick : messages).length - 1];
  return m?.content || undefined;
}

function nanosToMs(v: unknown): number | undefined {
  if (typeof v === 'number') return v / 1e6;
  if (typeof v !== 'string' || !/^\d+$/.test(v)) return undefined;
  return Number(BigInt(v) / 1000n) / 1000;
}

/** Whether a span describes an LLM call (any GenAI, OpenLLMetry or OpenInference LLM attribute). */
export function isLlmSpan(a: Obj): boolean {
  if (a['openinference.span.kind'] !== undefined) return String(a['openinference.span.kind']).toUpperCase() === 'LLM';
  return Object.keys(a).some((k) => k.startsWith('gen_ai.') || k.startsWith('llm.'));
}

/** One span as a record (the mapping table of the README). */
export function spanToRecord(span: Obj, resource: Obj): VigiaRecord {
  const a = attributeMap(span.attributes);
  const start = nanosToMs(span.startTimeUnixNano);
  const end = nanosToMs(span.endTimeUnixNano);
  const input = semconvMessages(a['gen_ai.input.messages'])
    ?? indexedMessages(a, 'gen_ai.prompt', 'role', 'content')
    ?? indexedMessages(a, 'llm.input_messages', 'message.role', 'message.content');
  const output = semconvMessages(a['gen_ai.output.messages'])
    ?? indexedMessages(a, 'gen_ai.completion', 'role', 'content')
    ?? indexedMessages(a, 'llm.output_messages', 'message.role', 'message.content');
  const inputTokens = num(first(a, 'gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens', 'llm.usage.prompt_tokens', 'llm.token_count.prompt'));
  const outputTokens = num(first(a, 'gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens', 'llm.usage.completion_tokens', 'llm.token_count.completion'));
  const totalTokens = num(first(a, 'llm.usage.total_tokens', 'llm.token_count.total', 'gen_ai.usage.total_tokens')) ?? (inputTokens !== undefined && outputTokens !== undefined ? inputTokens + outputTokens : undefined);
  const status = isObj(span.status) ? span.status : {};
  const failed = status.code === 2 || status.code === 'STATUS_CODE_ERROR';
  const error = failed ? (first(a, 'error.type') ?? (typeof status.message === 'string' && status.message ? status.message : 'error')) : first(a, 'error.type');

  const record: VigiaRecord = {};
  const set = (k: string, v: unknown) => {
    if (v !== undefined) record[k] = v;
  };
  set('id', first(a, 'gen_ai.response.id') ?? span.spanId);
  set('trace_id', span.traceId);
  set('span_id', span.spanId);
  set('parent_span_id', span.parentSpanId || undefined);
  set('name', span.name);
  set('timestamp', start !== undefined ? new Date(start).toISOString() : undefined);
  set('latency_ms', start !== undefined && end !== undefined && end >= start ? end - start : undefined);
  set('model', first(a, 'gen_ai.response.model', 'gen_ai.request.model', 'llm.model_name', 'llm.request.model'));
  set('provider', first(a, 'gen_ai.provider.name', 'gen_ai.system', 'llm.provider', 'llm.system', 'llm.vendor'));
  set('operation', first(a, 'gen_ai.operation.name', 'llm.request.type'));
  set('prompt', lastOf(input, 'user') ?? first(a, 'input.value'));
  set('response', lastOf(output) ?? first(a, 'output.value'));
  set('system', lastOf(input?.filter((m) => m.role === 'system')) ?? first(a, 'gen_ai.system_instructions'));
  set('messages', input);
  set('input_tokens', inputTokens);
  set('output_tokens', outputTokens);
  set('total_tokens', totalTokens);
  set('temperature', num(first(a, 'gen_ai.request.temperature', 'llm.request.temperature')));
  set('finish_reason', (() => {
    const f = first(a, 'gen_ai.response.finish_reasons', 'llm.response.finish_reason');
    return Array.isArray(f) ? f[0] : f;
  })());
  set('error', error);
  for (const [k, v] of Object.entries(a)) if (!(k in record)) record[k] = v;
  for (const [k, v] of Object.entries(resource)) record[`resource.${k}`] = v;
  return record;
}

export interface OtlpJsonOptions {
  path: string;
  limit?: number;
  sample?: number;
  onInvalid?: 'error' | 'skip';
  spans: 'llm' | 'all';
}

export async function readOtlpJson(options: OtlpJsonOptions, ctx: ComponentContext): Promise<SourceOutput> {
  // Lines that are not JSON objects are handled (error or counted) by the JSON Lines reader.
  const lines = await readJsonl({ path: options.path, onInvalid: options.onInvalid }, ctx);
  const collector = new RecordCollector<VigiaRecord>({ path: options.path, limit: options.limit, sample: options.sample, onInvalid: options.onInvalid }, options.path, ctx.rng);
  let spans = 0;
  let kept = 0;
  outer: for (const [n, request] of lines.records.entries()) {
    const resourceSpans = request.resourceSpans;
    if (!Array.isArray(resourceSpans)) {
      collector.invalid(n + 1, `export request ${n + 1} has no resourceSpans array (expected one OTLP JSON ExportTraceServiceRequest per line, as the Collector's file exporter writes)`);
      continue;
    }
    for (const rs of resourceSpans) {
      const resource = isObj(rs) && isObj(rs.resource) ? attributeMap(rs.resource.attributes) : {};
      const scopes = isObj(rs) ? (rs.scopeSpans ?? rs.instrumentationLibrarySpans) : undefined;
      for (const ss of Array.isArray(scopes) ? scopes : []) {
        for (const span of isObj(ss) && Array.isArray(ss.spans) ? ss.spans : []) {
          spans++;
          if (!isObj(span) || nanosToMs(span.startTimeUnixNano) === undefined) {
            collector.invalid(n + 1, `export request ${n + 1}: span ${isObj(span) ? String(span.spanId ?? '?') : ''} has no valid startTimeUnixNano`);
            continue;
          }
          if (options.spans === 'llm' && !isLlmSpan(attributeMap(span.attributes))) continue;
          kept++;
          if (!collector.add(spanToRecord(span, resource))) break outer;
        }
      }
    }
  }
  const out = collector.finish();
  ctx.logger.info(`otlp-json ${options.path}: ${kept} ${options.spans === 'llm' ? 'LLM ' : ''}span(s) of ${spans} in ${lines.records.length} export request(s)`);
  const skippedExamples = [...(lines.skippedExamples ?? []), ...(out.skippedExamples ?? [])].slice(0, 5);
  return { records: out.items, skipped: lines.skipped + out.skipped, ...(skippedExamples.length ? { skippedExamples } : {}) };
}

export const otlpJsonSource = defineSource({
  description: "Reads exported OpenTelemetry traces (OTLP JSON, one export request per line as the Collector's file exporter writes) into LLM records, mapping GenAI semantic-convention, OpenLLMetry and OpenInference attributes to model, prompt, response, token and latency fields.",
  options: {
    type: 'object',
    properties: {
      ...commonProperties,
      spans: { enum: ['llm', 'all'], default: 'llm', description: '`llm`: only spans with GenAI/OpenLLMetry/OpenInference LLM attributes become records; `all`: every span.' },
    },
    required: ['path'],
    additionalProperties: false,
  },
  example: { path: './traces/otel-export.jsonl' },
  create: (options) => ({
    read: (ctx) => readOtlpJson(options as unknown as OtlpJsonOptions, ctx),
  }),
});
