import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { decodeOtlp, startRecorder, startUdp } from './receivers.js';
import { freePort, runConfig, sampleRecords } from './services.js';

const snappy = createRequire(import.meta.url)('snappyjs') as { uncompress(b: Uint8Array): Uint8Array };

/**
 * Secrets interpolated with ${env:…} go where they must (auth headers, URLs) and nowhere else:
 * not in any sink's output (files, request bodies, datagrams) nor in the run's warnings when the
 * endpoint fails. The config's name carries one too, to check every sink reads the redacted report.
 */
const SECRET = { VIGIA_T_TOKEN: 'sEcReT-token-4f9a1c', VIGIA_T_PASS: 'sEcReT-pass-77b2e0', VIGIA_T_NAME: 'sEcReT-name-0c3d' };
const env = { ...process.env, ...SECRET };
const files = { 'reference.jsonl': sampleRecords(150, 0, 9), 'current.jsonl': sampleRecords(150, 900, 10) };

function config(sinks: string[]): string {
  return `version: 1
name: "secret-\${env:VIGIA_T_NAME}"
data:
  reference: { use: jsonl, with: { path: reference.jsonl } }
  current: { use: jsonl, with: { path: current.jsonl } }
detectors:
  - { id: latency-drift, use: feature-drift, with: { field: latency_ms, test: ks } }
metrics:
  - { id: latency, use: latency }
  - { id: tokens, use: tokens }
sinks:
${sinks.map((s) => `  - ${s}`).join('\n')}
`;
}

function sinksFor(http: string, udpPort: number): string[] {
  const auth = 'headers: { Authorization: "Bearer ${env:VIGIA_T_TOKEN}" }';
  return [
    `{ use: prometheus, with: { pushgateway: "${http}/pgw", remoteWrite: "${http}/rw?key=\${env:VIGIA_T_TOKEN}", basicAuth: { username: u, password: "\${env:VIGIA_T_PASS}" }, timeoutMs: 1000, retries: 0 } }`,
    `{ use: otlp, with: { endpoint: "${http}/otlp", ${auth}, timeoutMs: 1000 } }`,
    `{ use: otlp, with: { endpoint: "${http}/otlpjson", protocol: http/json, ${auth}, timeoutMs: 1000 } }`,
    `{ use: webhook, with: { url: "${http}/hook?token=\${env:VIGIA_T_TOKEN}", ${auth}, retries: 0 } }`,
    `{ use: webhook, with: { url: "${http}/slack?token=\${env:VIGIA_T_TOKEN}", format: slack, retries: 0 } }`,
    `{ use: dogstatsd, with: { port: ${udpPort} } }`,
    '{ use: html, with: { path: out/report.html } }',
    '{ use: json, with: { path: out/report.json } }',
    '{ use: junit, with: { path: out/junit.xml } }',
  ];
}

function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? allFiles(join(dir, f)) : [join(dir, f)]));
}

function expectNoSecret(text: string, where: string): void {
  for (const s of Object.values(SECRET)) expect(text.includes(s), `${where} contains a secret`).toBe(false);
}

describe('secrets from ${env:…} never appear in a sink\'s output', () => {
  it('delivered: request bodies, datagrams and files carry none; auth reaches the endpoint', async () => {
    const rx = await startRecorder();
    const udp = await startUdp();
    const dir = mkdtempSync(join(tmpdir(), 'vigia-secrets-'));
    try {
      const report = await runConfig(config(sinksFor(rx.url, udp.port)), { dir, files, env });
      expect(report.warnings ?? []).toEqual([]);
      expect(report.name).toBe('secret-***');
      const paths = rx.received.map((r) => r.path.split('?')[0]).sort();
      expect(paths).toEqual(['/hook', '/otlp/v1/logs', '/otlp/v1/metrics', '/otlpjson/v1/logs', '/otlpjson/v1/metrics', '/pgw/metrics/job/vigia/config/secret-***', '/rw', '/slack'].sort());
      for (const r of rx.received) {
        const path = r.path.split('?')[0]!;
        let text = r.body.toString('latin1');
        if (path === '/rw') text = Buffer.from(snappy.uncompress(r.body)).toString('utf8');
        if (path.startsWith('/otlp/')) text = JSON.stringify(decodeOtlp(path.endsWith('logs') ? 'logs' : 'metrics', 'application/x-protobuf', r.body));
        expect(text.length, path).toBeGreaterThan(50);
        expectNoSecret(text, `request body to ${path}`);
        expectNoSecret(decodeURIComponent(path), `request path ${path}`);
      }
      // The secrets did reach the endpoint where they belong.
      expect(rx.received.find((r) => r.path.startsWith('/otlp/'))!.headers.authorization).toBe(`Bearer ${SECRET.VIGIA_T_TOKEN}`);
      expect(rx.received.find((r) => r.path.startsWith('/rw'))!.headers.authorization).toBe(`Basic ${Buffer.from(`u:${SECRET.VIGIA_T_PASS}`).toString('base64')}`);
      expect(rx.received.find((r) => r.path.startsWith('/hook'))!.path).toContain(SECRET.VIGIA_T_TOKEN);
      const deadline = Date.now() + 3000;
      while (!udp.datagrams.join('\n').includes('vigia.run.status') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(udp.datagrams.length).toBeGreaterThan(0);
      expectNoSecret(udp.datagrams.join('\n'), 'dogstatsd datagrams');
      const written = allFiles(join(dir, 'out'));
      expect(written.map((f) => f.split('/').pop()).sort()).toEqual(['junit.xml', 'report.html', 'report.json']);
      for (const f of written) expectNoSecret(readFileSync(f, 'utf8'), f);
    } finally {
      await rx.close();
      await udp.close();
    }
  });

  it('failed: the warnings of dead or rejecting endpoints carry none', async () => {
    const rx = await startRecorder((r) => ({ status: 500, body: `echo ${r.path} ${String(r.headers.authorization)}` }));
    const dead = await freePort();
    try {
      const report = await runConfig(config([...sinksFor(rx.url, 9).slice(0, 5), ...sinksFor(`http://127.0.0.1:${dead}`, 9).slice(0, 5)]), { files, env });
      const warnings = (report.warnings ?? []).join('\n');
      expect(report.warnings!.length).toBeGreaterThanOrEqual(8);
      expectNoSecret(warnings, 'warnings');
    } finally {
      await rx.close();
    }
  });
});
