// Bounded soak test (npm run soak): 500 concurrent streams through the real service process against a mock
// upstream on 127.0.0.1, with random client disconnects and injected upstream failures, for SOAK_SECONDS
// (default 60). Afterwards: no request in flight anywhere, no request lost or answered twice, the live heap
// (after a full GC) back near its baseline, RSS flat over the second half of the load and back down from its
// peak, and no upstream socket left once the service stops. Prints its figures; exits 1 on a failure.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { MockUpstream, textStreamEvents, anthropicErrorBody, type MockReply } from '../test/helpers/mock-upstream.ts';
import { freePort, waitUntilUp } from '../test/helpers/process.ts';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 500);
const DISCONNECT_RATE = 0.1;
const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// The upstream: mostly good 20-event streams, with injected failures.
let served = 0;
function upstreamReply(): MockReply {
  const id = `msg_soak_${++served}`;
  const events = textStreamEvents(Array.from({ length: 18 }, (_, i) => `t${i} `), { id });
  const roll = Math.random();
  if (roll < 0.04) return { kind: 'json', status: 529, body: anthropicErrorBody('overloaded_error', 'Overloaded') };
  if (roll < 0.07) return { kind: 'sse', events: events.slice(0, 6), delayMs: 15, after: 'destroy' };
  if (roll < 0.09) return { kind: 'destroy' };
  return { kind: 'sse', events, delayMs: 15 };
}

const mock = await MockUpstream.start();
mock.setHandler(upstreamReply);
const port = await freePort();
// Started as in production (npm start, the image): the same young-generation limit.
const PROBE = fileURLToPath(new URL('./soak-heap-probe.ts', import.meta.url));
const service = spawn(process.execPath, ['--max-semi-space-size=8', '--expose-gc', '--import', PROBE, MAIN], {
  env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), UPSTREAM_BASE: mock.url, LOG_LEVEL: 'warn', LOG_DIR: '', MAX_RETRIES: '1', MAX_EVENT_LOOP_DELAY_MS: '0' },
  stdio: ['ignore', 'ignore', 'pipe'],
});
let serviceStderr = '';
service.stderr!.on('data', (chunk: Buffer) => {
  serviceStderr += chunk.toString();
  process.stderr.write(chunk.toString().replace(/^soak-heap .*\n/gm, ''));
});

/** The service's live heap in MB after a full GC (from the preloaded probe). */
async function liveHeapMb(): Promise<number> {
  const before = serviceStderr.length;
  service.kill('SIGUSR2');
  for (let waited = 0; waited < 5000; waited += 50) {
    const line = /soak-heap (\{.*\})/.exec(serviceStderr.slice(before));
    if (line) return (JSON.parse(line[1]) as { heap_used: number }).heap_used / 1024 / 1024;
    await sleep(50);
  }
  throw new Error('the heap probe did not answer');
}
const exited = once(service, 'exit');
const base = `http://127.0.0.1:${port}`;
const failures: string[] = [];

try {
  await waitUntilUp(`${base}/healthz`);
  const client = new Agent({ connections: CONCURRENCY + 10, keepAliveTimeout: 5_000 });
  const body = JSON.stringify({ model: 'glm-4.5', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'soak' }] });

  const outcome = { completed: 0, errorEvent: 0, httpError: 0, disconnected: 0, broken: 0 };
  const seenIds = new Set<string>();
  let duplicates = 0;

  async function oneStream(): Promise<void> {
    const disconnect = Math.random() < DISCONNECT_RATE;
    const controller = new AbortController();
    if (disconnect) setTimeout(() => controller.abort(), 20 + Math.random() * 200);
    try {
      const res = await request(`${base}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, dispatcher: client, signal: controller.signal });
      if (res.statusCode !== 200) {
        await res.body.dump();
        outcome.httpError++;
        return;
      }
      const text = await res.body.text();
      const id = /"id":"(msg_soak_\d+)"/.exec(text)?.[1];
      if (id) {
        if (seenIds.has(id)) duplicates++;
        seenIds.add(id);
      }
      if (text.includes('event: message_stop') && !text.includes('event: error')) outcome.completed++;
      else if (text.includes('event: error')) outcome.errorEvent++;
      else outcome.broken++;
    } catch (error) {
      if (controller.signal.aborted) outcome.disconnected++;
      else outcome.broken++;
    }
  }

  await sleep(500);
  const baselineRss = rssOf(service.pid!);
  const baselineHeap = await liveHeapMb();
  let midRss = 0;
  setTimeout(() => (midRss = rssOf(service.pid!)), (SECONDS * 1000) / 2).unref();
  let sent = 0;
  const deadline = Date.now() + SECONDS * 1000;
  let peakRss = baselineRss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssOf(service.pid!))), 250);
  const worker = async () => {
    while (Date.now() < deadline) {
      sent++;
      await oneStream();
    }
  };
  process.stdout.write(`soak: ${CONCURRENCY} concurrent streams for ${SECONDS} s against ${base}\n`);
  const progress = setInterval(() => process.stdout.write(`  ${sent} sent, ${outcome.completed} completed, RSS ${rssOf(service.pid!).toFixed(0)} MB\n`), 10_000);
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  clearInterval(progress);
  clearInterval(sampler);
  await client.close();

  await sleep(2000);
  const metrics = await (await fetch(`${base}/metrics`)).text();
  const gauge = (name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(metrics)?.[1] ?? NaN);
  const inFlight = gauge('proxy_requests_in_flight');
  const openStreams = gauge('proxy_open_streams');
  const afterRss = rssOf(service.pid!);
  const afterHeap = await liveHeapMb();
  const pending = (await Promise.all(mock.requests.map((r) => Promise.race([r.done.then(() => 0), sleep(10).then(() => 1)])))).reduce((a: number, b) => a + b, 0);

  service.kill('SIGTERM');
  await exited;
  await sleep(200);
  const socketsAfterStop = await mock.openConnections();

  const accounted = outcome.completed + outcome.errorEvent + outcome.httpError + outcome.disconnected + outcome.broken;
  const figures = {
    seconds: SECONDS,
    concurrency: CONCURRENCY,
    client_requests: sent,
    upstream_requests: mock.requests.length,
    ...outcome,
    duplicate_answers: duplicates,
    proxy_in_flight_after: inFlight,
    proxy_open_streams_after: openStreams,
    upstream_exchanges_unfinished: pending,
    upstream_sockets_after_stop: socketsAfterStop,
    rss_baseline_mb: Math.round(baselineRss),
    rss_peak_mb: Math.round(peakRss),
    rss_mid_load_mb: Math.round(midRss),
    rss_after_mb: Math.round(afterRss),
    live_heap_baseline_mb: Math.round(baselineHeap),
    live_heap_after_mb: Math.round(afterHeap),
  };
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);

  if (accounted !== sent) failures.push(`${sent - accounted} requests unaccounted for`);
  if (outcome.broken > 0) failures.push(`${outcome.broken} streams ended without message_stop or an error event`);
  if (duplicates > 0) failures.push(`${duplicates} answers delivered twice`);
  if (inFlight !== 0 || openStreams !== 0) failures.push(`proxy still has ${inFlight} requests / ${openStreams} streams in flight`);
  if (pending !== 0) failures.push(`${pending} upstream exchanges never finished`);
  if (socketsAfterStop !== 0) failures.push(`${socketsAfterStop} upstream sockets left after the service stopped`);
  // A leak shows in the live heap; RSS also holds what the allocator keeps for reuse after 1,000 sockets,
  // so for RSS the test asks that it stopped growing during the load and did not climb after it.
  if (afterHeap > baselineHeap + 10) failures.push(`live heap did not return near baseline (${afterHeap.toFixed(0)} MB after a full GC, ${baselineHeap.toFixed(0)} MB before)`);
  if (peakRss > midRss * 1.15 + 10) failures.push(`RSS kept growing during the load (${midRss.toFixed(0)} MB half-way, ${peakRss.toFixed(0)} MB peak)`);
  // (a few MB of slack: the peak is sampled every 250 ms, and reading /metrics allocates a little)
  if (afterRss > peakRss * 1.03 + 5) failures.push(`RSS grew after the load (${afterRss.toFixed(0)} MB after, ${peakRss.toFixed(0)} MB peak)`);
} finally {
  if (service.exitCode === null) service.kill('SIGKILL');
  await mock.close();
}

if (failures.length > 0) {
  process.stdout.write(`soak: FAILED\n${failures.map((f) => `- ${f}`).join('\n')}\n`);
  process.exit(1);
}
process.stdout.write('soak: passed\n');
