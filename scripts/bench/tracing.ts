// The cost of tracing per request: the same service in-process, on 127.0.0.1, answering streamed chat
// completions from a local mock upstream, with tracing off and on at full sampling (every span exported over
// OTLP/HTTP to a local receiver that only counts). Reports CPU µs and wall ms per request for each, in
// alternating rounds (a busy machine moves both alike). Bounded: ROUNDS x 2 x REQUESTS requests.
//
// Usage: node scripts/bench/tracing.ts [--requests=1500] [--rounds=3] [--concurrency=8]
import { createServer, type Server } from 'node:http';
import { parseArgs } from 'node:util';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { streamText } from './payloads.ts';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '1500' }, rounds: { type: 'string', default: '3' }, concurrency: { type: 'string', default: '8' } } });
const REQUESTS = Math.min(Number(values.requests), 20_000);
const ROUNDS = Math.min(Number(values.rounds), 10);
const CONCURRENCY = Math.min(Number(values.concurrency), 64);

async function listening(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

const answer = streamText();
const upstream = createServer((request, response) => {
  request.resume();
  request.on('end', () => response.writeHead(200, { 'content-type': 'text/event-stream' }).end(answer));
});
let spansReceived = 0;
const receiver = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    spansReceived += (Buffer.concat(chunks).toString().match(/"spanId"/g) ?? []).length;
    response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
const upstreamUrl = await listening(upstream);
const receiverUrl = await listening(receiver);

async function serve(traced: boolean) {
  const env: Record<string, string> = { UPSTREAM_BASE: upstreamUrl, LOG_LEVEL: 'silent', LOG_DIR: '', MAX_EVENT_LOOP_DELAY_MS: '0' };
  if (traced) Object.assign(env, { OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl, OTEL_TRACES_SAMPLER: 'always_on' });
  const app = await buildApp(loadConfig({ env, dotenvPath: null }));
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, base };
}

const body = JSON.stringify({ model: 'glm-4.5', stream: true, messages: [{ role: 'user', content: 'hello' }] });
async function load(base: string, count: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next++ < count) {
      const response = await fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer bench' }, body });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`status ${response.status}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

const totals = { off: { cpuUs: 0, wallMs: 0 }, on: { cpuUs: 0, wallMs: 0 } };
for (let round = 0; round < ROUNDS; round++) {
  for (const mode of ['off', 'on'] as const) {
    const { app, base } = await serve(mode === 'on');
    await load(base, 200);
    const cpu = process.cpuUsage();
    const start = performance.now();
    await load(base, REQUESTS);
    const used = process.cpuUsage(cpu);
    totals[mode].wallMs += performance.now() - start;
    totals[mode].cpuUs += used.user + used.system;
    await app.close();
  }
}
const per = (mode: 'off' | 'on') => ({ cpuUsPerRequest: Math.round(totals[mode].cpuUs / (ROUNDS * REQUESTS)), wallMsPerRequest: Math.round((totals[mode].wallMs / (ROUNDS * REQUESTS)) * 1000) / 1000 });
const off = per('off');
const on = per('on');
process.stdout.write(`${JSON.stringify({ requests: ROUNDS * REQUESTS, concurrency: CONCURRENCY, off, on, tracingCpuUsPerRequest: on.cpuUsPerRequest - off.cpuUsPerRequest, spansReceived }, null, 2)}\n`);
upstream.close();
receiver.close();
