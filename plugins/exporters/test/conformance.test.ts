import { afterAll, describe, it } from 'vitest';
import { testPlugin } from '@vigia/testing';
import plugin from '../src/index.js';
import { startRecorder, startUdp } from './receivers.js';

// The network sinks send an empty run to receivers on 127.0.0.1 (nothing leaves the machine).
const http = await startRecorder();
const udp = await startUdp();
afterAll(async () => {
  await http.close();
  await udp.close();
});

testPlugin(plugin, {
  prometheus: { options: { listen: '127.0.0.1:0' } },
  html: { options: { path: 'out/report.html' } },
  otlp: { options: { endpoint: http.url, timeoutMs: 2000 } },
  dogstatsd: { options: { port: udp.port } },
  webhook: { options: { url: `${http.url}/hook`, timeoutMs: 2000, retries: 0 } },
  'otlp-json': { options: { path: 'traces.jsonl' } },
}, { describe, it });
