import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdir, open, readdir, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, defineSource, type VigiaRecord } from '@vigia/core';
import { attributeMap, isLlmSpan, spanToRecord } from '@vigia/plugin-exporters';

/**
 * The `http` source: applications POST records to the watcher (`/v1/records`, JSON Lines) or send
 * their traces directly (`/v1/traces`, OTLP/HTTP with JSON encoding, mapped to records like the
 * `otlp-json` source). Accepted records are appended to a spool of JSONL files and synced to disk
 * BEFORE the request is answered, and the watcher follows the spool like any growing file: the
 * spool position is committed with each window, so records received over HTTP are counted exactly
 * once across crashes too. Spool files the committed position has passed are deleted.
 */
export interface IngestOptions {
  listen: string;
  /** Directory of the spool files. */
  spool: string;
  maxBodyBytes: number;
  spans: 'llm' | 'all';
  /** Start a new spool file past this size. */
  rotateBytes?: number;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `HOST:PORT` → parts (port 0 picks a free one). */
export function parseHostPort(value: string, what: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new ConfigError('VIGIA_CONFIG_INVALID', `${what} must be HOST:PORT (e.g. 127.0.0.1:4318), got "${value}"`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

/** Records of an OTLP JSON `ExportTraceServiceRequest`. */
export function otlpRecords(body: unknown, spans: 'llm' | 'all'): { records: VigiaRecord[]; rejected: number; total: number; problems: string[] } {
  const records: VigiaRecord[] = [];
  const problems: string[] = [];
  let rejected = 0;
  let total = 0;
  if (!isObj(body) || !Array.isArray(body.resourceSpans)) {
    return { records, rejected: 0, total: 0, problems: ['the body is not an OTLP ExportTraceServiceRequest (no resourceSpans array)'] };
  }
  for (const rs of body.resourceSpans) {
    const resource = isObj(rs) && isObj(rs.resource) ? attributeMap(rs.resource.attributes) : {};
    const scopes = isObj(rs) ? rs.scopeSpans : undefined;
    for (const ss of Array.isArray(scopes) ? scopes : []) {
      for (const span of isObj(ss) && Array.isArray(ss.spans) ? ss.spans : []) {
        total++;
        if (!isObj(span) || span.startTimeUnixNano === undefined) {
          rejected++;
          if (problems.length < 3) problems.push(`span ${isObj(span) ? String(span.spanId ?? '?') : '?'} has no startTimeUnixNano`);
          continue;
        }
        if (spans === 'llm' && !isLlmSpan(attributeMap(span.attributes))) continue;
        records.push(spanToRecord(span, resource));
      }
    }
  }
  return { records, rejected, total, problems };
}

/** Records of a JSON Lines body (or one JSON array of records). */
export function jsonlRecords(text: string): { records: VigiaRecord[]; rejected: number; problems: string[] } {
  const records: VigiaRecord[] = [];
  const problems: string[] = [];
  let rejected = 0;
  const trimmed = text.trimStart();
  const items: Array<[number, unknown]> = [];
  if (trimmed.startsWith('[')) {
    try {
      const arr = JSON.parse(trimmed) as unknown[];
      arr.forEach((v, i) => items.push([i + 1, v]));
    } catch (error) {
      return { records, rejected: 1, problems: [`the body is not valid JSON: ${(error as Error).message.slice(0, 100)}`] };
    }
  } else {
    const lines = text.split('\n');
    for (const [i, raw] of lines.entries()) {
      const line = raw.trim();
      if (!line) continue;
      try {
        items.push([i + 1, JSON.parse(line)]);
      } catch (error) {
        rejected++;
        if (problems.length < 3) problems.push(`line ${i + 1}: not valid JSON (${(error as Error).message.slice(0, 80)})`);
      }
    }
  }
  for (const [n, v] of items) {
    if (isObj(v)) records.push(v);
    else {
      rejected++;
      if (problems.length < 3) problems.push(`line ${n}: not a JSON object`);
    }
  }
  return { records, rejected, problems };
}

export class IngestServer {
  readonly #o: IngestOptions;
  #server?: Server;
  #handle?: FileHandle;
  #file?: string;
  #size = 0;
  #queue: Promise<unknown> = Promise.resolve();
  address?: { host: string; port: number };
  readonly stats = { requests: 0, accepted: 0, rejected: 0, rejectedRequests: 0 };

  constructor(options: IngestOptions) {
    this.#o = options;
  }

  async start(): Promise<void> {
    await mkdir(this.#o.spool, { recursive: true });
    const { host, port } = parseHostPort(this.#o.listen, 'http source: listen');
    const server = createServer((req, res) => {
      this.#serve(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: String(error) }));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => reject(new Error(`http source: cannot listen on ${this.#o.listen}: ${error.code === 'EADDRINUSE' ? 'the port is in use' : error.message}`)));
      server.listen(port, host, () => resolve());
    });
    const a = server.address();
    this.address = a && typeof a === 'object' ? { host: a.address, port: a.port } : { host, port };
    this.#server = server;
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    const json = (status: number, body: unknown) => res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body) + '\n');
    if (path !== '/v1/records' && path !== '/v1/traces') {
      json(404, { error: 'POST JSON Lines records to /v1/records or OTLP/HTTP JSON traces to /v1/traces' });
      return;
    }
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      json(405, { error: `${path} takes POST` });
      return;
    }
    this.stats.requests++;
    const type = String(req.headers['content-type'] ?? '');
    if (path === '/v1/traces' && /protobuf/i.test(type)) {
      req.resume();
      this.stats.rejectedRequests++;
      json(415, { error: 'send OTLP/HTTP with JSON encoding (Content-Type: application/json); set the exporter\'s protocol to http/json' });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > this.#o.maxBodyBytes) {
        this.stats.rejectedRequests++;
        json(413, { error: `request body over ${this.#o.maxBodyBytes} bytes (maxBodyBytes); send smaller batches` });
        req.destroy();
        return;
      }
      chunks.push(chunk);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    let records: VigiaRecord[];
    let rejected: number;
    let problems: string[];
    if (path === '/v1/traces') {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (error) {
        this.stats.rejectedRequests++;
        json(400, { error: `the body is not valid JSON: ${(error as Error).message.slice(0, 100)}` });
        return;
      }
      ({ records, rejected, problems } = otlpRecords(body, this.#o.spans));
      if (!isObj(body) || !Array.isArray(body.resourceSpans)) {
        this.stats.rejectedRequests++;
        json(400, { error: problems[0] });
        return;
      }
    } else {
      ({ records, rejected, problems } = jsonlRecords(text));
      if (records.length === 0 && rejected > 0) {
        this.stats.rejectedRequests++;
        this.stats.rejected += rejected;
        json(400, { accepted: 0, rejected, errors: problems });
        return;
      }
    }
    await this.append(records);
    this.stats.accepted += records.length;
    this.stats.rejected += rejected;
    if (path === '/v1/traces') {
      json(200, rejected ? { partialSuccess: { rejectedSpans: rejected, errorMessage: problems.join('; ') } } : {});
    } else {
      json(200, { accepted: records.length, rejected, ...(problems.length ? { errors: problems } : {}) });
    }
  }

  /** Append records to the spool and sync them to disk; resolves once they are durable. */
  append(records: readonly VigiaRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    const text = records.map((r) => JSON.stringify(r)).join('\n') + '\n';
    const next = this.#queue.then(async () => {
      const rotate = this.#o.rotateBytes ?? 64 * 1024 * 1024;
      if (!this.#handle || this.#size >= rotate) await this.#nextFile();
      const bytes = Buffer.from(text, 'utf8');
      await this.#handle!.write(bytes);
      await this.#handle!.datasync();
      this.#size += bytes.length;
    });
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async #nextFile(): Promise<void> {
    await this.#handle?.close();
    const names = (await readdir(this.#o.spool)).filter((n) => /^spool-\d+\.jsonl$/.test(n)).sort();
    const last = names.at(-1);
    const seq = last ? Number(/\d+/.exec(last)![0]) + 1 : 1;
    this.#file = `spool-${String(seq).padStart(9, '0')}.jsonl`;
    this.#handle = await open(join(this.#o.spool, this.#file), 'a');
    this.#size = 0;
  }

  /** Delete spool files before `file` (the committed read position has passed them). */
  async prune(file: string | undefined): Promise<number> {
    if (!file) return 0;
    const names = (await readdir(this.#o.spool).catch(() => [] as string[])).filter((n) => /^spool-\d+\.jsonl$/.test(n) && n < file && n !== this.#file);
    for (const n of names) await unlink(join(this.#o.spool, n)).catch(() => undefined);
    return names.length;
  }

  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server) {
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await this.#queue;
    await this.#handle?.close();
    this.#handle = undefined;
  }
}

export const httpSource = defineSource({
  description: 'Receives records over HTTP while `vigia watch` runs: JSON Lines POSTed to `/v1/records`, and OpenTelemetry traces sent directly to `/v1/traces` (OTLP/HTTP, JSON encoding; GenAI spans mapped to records as the `otlp-json` source does). Records are synced to a spool on disk before the request is answered, so none is lost or counted twice across restarts.',
  options: {
    type: 'object',
    properties: {
      listen: { type: 'string', minLength: 3, default: '127.0.0.1:4318', description: 'Where to listen (`HOST:PORT`; `0.0.0.0:4318` for other machines; 4318 is the OTLP/HTTP port).' },
      spool: { type: 'string', minLength: 1, description: 'Spool directory, relative to the config (default: `<store path>.spool`).' },
      maxBodyBytes: { type: 'integer', minimum: 1024, default: 16777216, description: 'Largest request body accepted (413 above it).' },
      spans: { enum: ['llm', 'all'], default: 'llm', description: '`/v1/traces`: keep only LLM spans (with gen_ai.* or llm.* attributes), or every span.' },
    },
    additionalProperties: false,
  },
  example: { listen: '127.0.0.1:4318' },
  create: (options) => {
    parseHostPort(options.listen, 'http source: listen');
    return {
      read: async () => {
        throw new ConfigError('VIGIA_CONFIG_INVALID', 'the http source receives records only while `vigia watch` runs; `vigia run` reads files: use a jsonl source (or point the http source\'s spool directory at a jsonl source with the directory as its path)');
      },
    };
  },
});
