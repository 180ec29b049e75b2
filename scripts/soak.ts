// Bounded soak test (npm run soak): CONCURRENCY concurrent streams (two thirds /v1/messages, one third
// /v1/chat/completions) through the real service process against a mock upstream on 127.0.0.1, with random
// client disconnects and injected upstream failures, for SOAK_SECONDS (default 60). Prints its figures and
// exits 1 when any of these fails:
//  - every client request has exactly one outcome, seen from the client, and each answer carries its own
//    request's tag exactly once (nothing lost, nothing answered twice or to the wrong client);
//  - reconciliation with what the upstream received, request by request (each request carries a tag the
//    upstream reads): a request that never reached the upstream was refused by the proxy or abandoned by its
//    client; no more attempts than 1 + MAX_RETRIES, and a retry only after a retryable failure; the outcome
//    matches the upstream's last answer (a complete stream <- a full answer, a stream error event/chunk <- an
//    answer broken off, an HTTP error <- retries used up on 529s / dropped connections); the retries the
//    upstream saw agree with the proxy's proxy_upstream_retries_total;
//  - after the load and a short settle, with the service still running: nothing in flight in the proxy, no
//    upstream exchange unfinished, and no more upstream connections open than the proxy's pool may hold;
//  - memory: the live heap and the Buffer memory after a full GC back near their idle baseline (the leak
//    check), RSS not growing over the last third of the load, not climbing after it, and within a stated
//    budget above the idle figure (see the comments at the checks).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { anthropicErrorBody, sseText, textStreamEvents } from '../test/helpers/mock-upstream.ts';
import { freePort, waitUntilUp } from '../test/helpers/process.ts';
import { SERVICE_ENV, SERVICE_NODE_FLAGS } from './node-flags.ts';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 500);
const DISCONNECT_RATE = 0.1;
const CHAT_SHARE = 1 / 3;
const MAX_RETRIES = 1;
/** MAX_CONCURRENT_UPSTREAM: also the number of connections in the service's upstream pool. */
const POOL_CONNECTIONS = 512;
const SETTLE_MS = 2000;
/** No single request may take longer than this; one that does is a failure (a hang), not a wait. */
const REQUEST_TIMEOUT_MS = 30_000;
const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const failures: string[] = [];

// A watchdog: whatever hangs, the soak ends.
const watchdog = setTimeout(() => {
  process.stdout.write('soak: FAILED\n- the soak did not finish in time\n');
  process.exit(1);
}, SECONDS * 1000 + 120_000);

// ---------------------------------------------------------------------------------------------------------
// The mock upstream. Its own server (not test/helpers' MockUpstream) so that it can watch every connection
// and every exchange on it. It answers each attempt with one of:
type Attempt = 'full' | 'overloaded' | 'broken' | 'dropped';
//   full: a complete 24-event stream; overloaded: a 529 (retryable); broken: 6 events, then the connection
//   drops (a 200 already sent: not retryable); dropped: the connection drops before any answer (retryable).
const RETRYABLE: ReadonlySet<Attempt> = new Set(['overloaded', 'dropped']);
const TAG = /\[soak:(\d+)\]/g;

function pickAttempt(): Attempt {
  const roll = Math.random();
  if (roll < 0.04) return 'overloaded';
  if (roll < 0.07) return 'broken';
  if (roll < 0.09) return 'dropped';
  return 'full';
}

/** Attempts the upstream received, by the client request's tag, in order. */
const attemptsOf = new Map<number, Attempt[]>();
const upstreamStats = { requests: 0, bodyAborted: 0, untagged: 0, inProgress: 0, peakInProgress: 0, connections: 0, peakSockets: 0 };
/** Open connections from the service, with the exchanges in progress on each. */
const sockets = new Map<Socket, { exchanges: number }>();
let served = 0;

async function serveUpstream(req: IncomingMessage, res: ServerResponse): Promise<void> {
  upstreamStats.requests++;
  const socketState = sockets.get(req.socket) ?? { exchanges: 0 };
  socketState.exchanges++;
  upstreamStats.inProgress++;
  upstreamStats.peakInProgress = Math.max(upstreamStats.peakInProgress, upstreamStats.inProgress);
  // 'close' comes once per exchange: the answer finished, or the connection went.
  res.once('close', () => {
    socketState.exchanges--;
    upstreamStats.inProgress--;
  });
  let text = '';
  try {
    for await (const chunk of req) text += chunk;
  } catch {
    upstreamStats.bodyAborted++;
    return;
  }
  if (!req.complete) {
    upstreamStats.bodyAborted++;
    return;
  }
  const tag = Number(new RegExp(TAG.source).exec(text)?.[1] ?? NaN);
  if (!Number.isSafeInteger(tag)) {
    upstreamStats.untagged++;
    res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify(anthropicErrorBody('invalid_request_error', 'no soak tag')));
    return;
  }
  const attempt = pickAttempt();
  const list = attemptsOf.get(tag);
  if (list) list.push(attempt);
  else attemptsOf.set(tag, [attempt]);

  if (attempt === 'dropped') {
    req.socket.destroy();
    return;
  }
  if (attempt === 'overloaded') {
    res.writeHead(529, { 'content-type': 'application/json' }).end(JSON.stringify(anthropicErrorBody('overloaded_error', 'Overloaded')));
    return;
  }
  // The first delta carries the request's tag back, so the client can tell that the answer is its own.
  const events = textStreamEvents([`[soak:${tag}] `, ...Array.from({ length: 17 }, (_, i) => `t${i} `)], { id: `msg_soak_${++served}` });
  const count = attempt === 'broken' ? 6 : events.length;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  res.flushHeaders();
  for (const event of events.slice(0, count)) {
    if (res.destroyed) return;
    res.write(sseText([event]));
    await sleep(15);
  }
  if (attempt === 'broken') {
    // Let the written events reach the proxy before the connection drops.
    await sleep(30);
    res.destroy();
    return;
  }
  res.end();
}

const upstream = createServer((req, res) => void serveUpstream(req, res));
// Idle connections stay open until the service closes them, so the count after the load is the pool's.
upstream.keepAliveTimeout = 120_000;
upstream.on('connection', (socket: Socket) => {
  upstreamStats.connections++;
  sockets.set(socket, { exchanges: 0 });
  upstreamStats.peakSockets = Math.max(upstreamStats.peakSockets, sockets.size);
  socket.once('close', () => sockets.delete(socket));
});
upstream.listen(0, '127.0.0.1');
await once(upstream, 'listening');
const upstreamUrl = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`;

// ---------------------------------------------------------------------------------------------------------
// The service, started as in production (npm start, the image): the same node flags and environment.
const port = await freePort();
const PROBE = fileURLToPath(new URL('./soak-heap-probe.ts', import.meta.url));
const service = spawn(process.execPath, [...SERVICE_NODE_FLAGS, '--expose-gc', '--import', PROBE, MAIN], {
  env: {
    ...SERVICE_ENV,
    PATH: process.env.PATH ?? '',
    HOST: '127.0.0.1',
    PORT: String(port),
    UPSTREAM_BASE: upstreamUrl,
    LOG_LEVEL: 'warn',
    LOG_DIR: '',
    MAX_RETRIES: String(MAX_RETRIES),
    MAX_CONCURRENT_UPSTREAM: String(POOL_CONNECTIONS),
    MAX_EVENT_LOOP_DELAY_MS: '0',
  },
  stdio: ['ignore', 'ignore', 'pipe'],
});
let serviceStderr = '';
service.stderr!.on('data', (chunk: Buffer) => {
  serviceStderr += chunk.toString();
  process.stderr.write(chunk.toString().replace(/^soak-heap .*\n/gm, ''));
});
const exited = once(service, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;

interface HeapFigures {
  heap_used: number;
  external: number;
  array_buffers: number;
}
/** The service's live heap and Buffer memory in MB after a full GC (from the preloaded probe). */
async function liveMemory(): Promise<{ heap: number; external: number }> {
  const before = serviceStderr.length;
  service.kill('SIGUSR2');
  for (let waited = 0; waited < 5000; waited += 50) {
    const line = /soak-heap (\{.*\})/.exec(serviceStderr.slice(before));
    if (line) {
      const figures = JSON.parse(line[1]) as HeapFigures;
      return { heap: figures.heap_used / 1024 / 1024, external: figures.external / 1024 / 1024 };
    }
    await sleep(50);
  }
  throw new Error('the heap probe did not answer');
}

// ---------------------------------------------------------------------------------------------------------
// The clients.
type Route = 'messages' | 'chat';
type Outcome = 'completed' | 'stream_error' | 'http_error' | 'refused' | 'disconnected' | 'broken';
interface Result {
  route: Route;
  outcome: Outcome;
  detail?: string;
}
const results = new Map<number, Result>();
let doubleOutcomes = 0;
const brokenExamples: string[] = [];

function record(n: number, result: Result): void {
  if (results.has(n)) {
    doubleOutcomes++;
    return;
  }
  results.set(n, result);
  if (result.outcome === 'broken' && brokenExamples.length < 5) brokenExamples.push(`#${n} ${result.route}: ${result.detail}`);
}

/** What a 200 stream's text says: its own tag exactly once, no other, and a proper ending. */
function classifyStream(n: number, route: Route, text: string): Result {
  const tags = [...text.matchAll(TAG)].map((match) => Number(match[1]));
  if (tags.some((tag) => tag !== n)) return { route, outcome: 'broken', detail: `carries another request's answer (tags ${tags.join(', ')})` };
  if (tags.length > 1) return { route, outcome: 'broken', detail: `its answer came ${tags.length} times` };
  if (route === 'messages') {
    const errorEvent = text.includes('event: error');
    if (text.includes('event: message_stop') && !errorEvent && tags.length === 1) return { route, outcome: 'completed' };
    if (errorEvent && /event: error\ndata: [^\n]*\n\n$/.test(text) && !text.includes('event: message_stop')) return { route, outcome: 'stream_error' };
  } else {
    const errorChunk = text.includes('data: {"error":');
    if (text.endsWith('data: [DONE]\n\n') && !errorChunk && tags.length === 1) return { route, outcome: 'completed' };
    if (errorChunk && /data: \{"error":\{[^\n]*\}\}\n\n$/.test(text) && !text.includes('[DONE]')) return { route, outcome: 'stream_error' };
  }
  return { route, outcome: 'broken', detail: `ends neither properly nor with an error: ...${JSON.stringify(text.slice(-120))}` };
}

/** A non-200 answer: in the route's error shape; a 503 proxy_overloaded is the proxy refusing. */
function classifyHttpError(route: Route, status: number, text: string): Result {
  let body: { type?: unknown; error?: { type?: unknown; code?: unknown; message?: unknown } } | null = null;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: broken below
  }
  const shapeOk = route === 'messages'
    ? body?.type === 'error' && typeof body.error?.type === 'string' && typeof body.error.message === 'string'
    : typeof body?.error?.type === 'string' && typeof body.error.message === 'string' && 'code' in body.error;
  if (!shapeOk) return { route, outcome: 'broken', detail: `HTTP ${status} not in the ${route} error shape: ${text.slice(0, 120)}` };
  // The Anthropic shape has no code: the message names the bound.
  if (status === 503 && (body!.error!.code === 'proxy_overloaded' || /MAX_CONCURRENT_UPSTREAM/.test(String(body!.error!.message)))) {
    return { route, outcome: 'refused', detail: String(status) };
  }
  return { route, outcome: 'http_error', detail: String(status) };
}

const base = `http://127.0.0.1:${port}`;
const client = new Agent({ connections: CONCURRENCY + 10, keepAliveTimeout: 5_000 });

async function oneRequest(n: number): Promise<void> {
  const route: Route = Math.random() < CHAT_SHARE ? 'chat' : 'messages';
  const body = JSON.stringify({ model: 'glm-4.5', max_tokens: 64, stream: true, messages: [{ role: 'user', content: `[soak:${n}]` }] });
  const controller = new AbortController();
  let disconnected = false;
  const disconnect = Math.random() < DISCONNECT_RATE
    ? setTimeout(() => {
        disconnected = true;
        controller.abort();
      }, 20 + Math.random() * 200)
    : undefined;
  const hardStop = setTimeout(() => controller.abort(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)), REQUEST_TIMEOUT_MS);
  try {
    const res = await request(`${base}${route === 'chat' ? '/v1/chat/completions' : '/v1/messages'}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      dispatcher: client,
      signal: controller.signal,
    });
    const text = await res.body.text();
    clearTimeout(disconnect);
    clearTimeout(hardStop);
    record(n, res.statusCode === 200 ? classifyStream(n, route, text) : classifyHttpError(route, res.statusCode, text));
  } catch (error) {
    if (disconnected) record(n, { route, outcome: 'disconnected' });
    else record(n, { route, outcome: 'broken', detail: (error as Error).message });
  } finally {
    clearTimeout(disconnect);
    clearTimeout(hardStop);
  }
}

// ---------------------------------------------------------------------------------------------------------
try {
  await waitUntilUp(`${base}/healthz`);
  await sleep(500);
  const baselineRss = rssOf(service.pid!);
  const baselineMemory = await liveMemory();

  let sent = 0;
  const started = Date.now();
  const deadline = started + SECONDS * 1000;
  const rssSamples: Array<{ at: number; mb: number }> = [];
  const sampler = setInterval(() => rssSamples.push({ at: Date.now() - started, mb: rssOf(service.pid!) }), 250);
  const worker = async () => {
    while (Date.now() < deadline) await oneRequest(++sent);
  };
  process.stdout.write(`soak: ${CONCURRENCY} concurrent streams for ${SECONDS} s against ${base}\n`);
  const progress = setInterval(() => process.stdout.write(`  ${sent} sent, ${results.size} answered, RSS ${rssOf(service.pid!).toFixed(0)} MB\n`), 10_000);
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  clearInterval(progress);
  clearInterval(sampler);
  await client.close();

  await sleep(SETTLE_MS);
  // Everything below is read while the service still runs.
  const metrics = await (await fetch(`${base}/metrics`)).text();
  const gauge = (name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(metrics)?.[1] ?? NaN);
  const inFlight = gauge('proxy_requests_in_flight');
  const openStreams = gauge('proxy_open_streams');
  const retriesMetric = [...metrics.matchAll(/^proxy_upstream_retries_total\{[^}]*\} (\d+)/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
  const openSockets = sockets.size;
  const busySockets = [...sockets.values()].filter((state) => state.exchanges > 0).length;
  const afterRss = rssOf(service.pid!);
  const afterMemory = await liveMemory();

  service.kill('SIGTERM');
  const exit = await Promise.race([exited, sleep(20_000).then(() => null)]);
  if (exit === null) failures.push('the service did not exit within 20 s of SIGTERM');
  else if (exit[0] !== 0) failures.push(`the service exited with ${exit[0] ?? exit[1]} after SIGTERM`);

  // --- Outcomes, and reconciliation with the upstream, request by request.
  const count = (route: Route | null, outcome: Outcome) => [...results.values()].filter((r) => (route === null || r.route === route) && r.outcome === outcome).length;
  const outcomes = (route: Route | null) => Object.fromEntries((['completed', 'stream_error', 'http_error', 'refused', 'disconnected', 'broken'] as const).map((o) => [o, count(route, o)]));
  const recon = { reached_upstream: 0, refused_before_upstream: 0, disconnected_before_upstream: 0, upstream_retries: 0 };
  const mismatches: string[] = [];
  const mismatch = (text: string) => void mismatches.push(text);
  let lost = 0;
  for (let n = 1; n <= sent; n++) {
    const result = results.get(n);
    if (!result) {
      lost++;
      continue;
    }
    const attempts = attemptsOf.get(n) ?? [];
    const what = `#${n} (${result.route}, ${result.outcome}, upstream saw ${attempts.join(' > ') || 'nothing'})`;
    if (attempts.length === 0) {
      if (result.outcome === 'refused') recon.refused_before_upstream++;
      else if (result.outcome === 'disconnected') recon.disconnected_before_upstream++;
      else if (result.outcome !== 'broken') mismatch(`${what}: answered without reaching the upstream`);
      continue;
    }
    recon.reached_upstream++;
    recon.upstream_retries += attempts.length - 1;
    if (attempts.length > MAX_RETRIES + 1) mismatch(`${what}: more attempts than 1 + MAX_RETRIES`);
    if (attempts.slice(0, -1).some((attempt) => !RETRYABLE.has(attempt))) mismatch(`${what}: retried after an answer that is not retryable`);
    const last = attempts.at(-1)!;
    switch (result.outcome) {
      case 'completed':
        if (last !== 'full') mismatch(`${what}: a complete stream from an answer that was not`);
        break;
      case 'stream_error':
        if (last !== 'broken') mismatch(`${what}: a stream error from an answer that was not broken off`);
        break;
      case 'http_error':
        if (!RETRYABLE.has(last) || attempts.length !== MAX_RETRIES + 1) mismatch(`${what}: an HTTP error before the retries were used up`);
        break;
      case 'refused':
        mismatch(`${what}: refused by the proxy, yet it reached the upstream`);
        break;
      case 'disconnected':
      case 'broken':
        break;
    }
  }
  const phantoms = [...attemptsOf.keys()].filter((tag) => tag < 1 || tag > sent).length;
  const taggedAttempts = [...attemptsOf.values()].reduce((sum, list) => sum + list.length, 0);
  const disconnectedCount = count(null, 'disconnected');

  // --- Memory.
  const during = (from: number, to: number) => rssSamples.filter((s) => s.at >= (SECONDS * 1000 * from) / 3 && s.at < (SECONDS * 1000 * to) / 3).map((s) => s.mb);
  const plateauRss = Math.max(0, ...during(1, 2));
  const lastThirdRss = Math.max(0, ...during(2, 3));
  const peakRss = Math.max(baselineRss, ...rssSamples.map((s) => s.mb));
  const rssBudget = 32 + (CONCURRENCY * 256) / 1024;

  const figures = {
    seconds: SECONDS,
    concurrency: CONCURRENCY,
    client_requests: sent,
    client_requests_by_route: { messages: [...results.values()].filter((r) => r.route === 'messages').length, chat: [...results.values()].filter((r) => r.route === 'chat').length },
    outcomes: outcomes(null),
    messages: outcomes('messages'),
    chat: outcomes('chat'),
    requests_without_outcome: lost,
    requests_with_two_outcomes: doubleOutcomes,
    upstream_requests: upstreamStats.requests,
    upstream_requests_tagged: taggedAttempts,
    upstream_requests_abandoned_mid_body: upstreamStats.bodyAborted,
    ...recon,
    proxy_retries_metric: retriesMetric,
    reconciliation_mismatches: mismatches.length,
    proxy_in_flight_after: inFlight,
    proxy_open_streams_after: openStreams,
    upstream_exchanges_unfinished_after: upstreamStats.inProgress,
    upstream_sockets_open_after: openSockets,
    upstream_sockets_busy_after: busySockets,
    upstream_sockets_peak: upstreamStats.peakSockets,
    upstream_connections_total: upstreamStats.connections,
    upstream_exchanges_peak: upstreamStats.peakInProgress,
    rss_idle_mb: Math.round(baselineRss),
    rss_plateau_mb: Math.round(plateauRss),
    rss_last_third_max_mb: Math.round(lastThirdRss),
    rss_peak_mb: Math.round(peakRss),
    rss_after_mb: Math.round(afterRss),
    rss_after_above_idle_mb: Math.round(afterRss - baselineRss),
    live_heap_idle_mb: Math.round(baselineMemory.heap),
    live_heap_after_mb: Math.round(afterMemory.heap),
    external_idle_mb: Math.round(baselineMemory.external),
    external_after_mb: Math.round(afterMemory.external),
  };
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);

  // --- Checks.
  if (lost > 0) failures.push(`${lost} client requests have no outcome`);
  if (doubleOutcomes > 0) failures.push(`${doubleOutcomes} client requests have two outcomes`);
  if (results.size !== sent) failures.push(`${sent} requests sent, ${results.size} outcomes recorded`);
  const broken = count(null, 'broken');
  if (broken > 0) failures.push(`${broken} requests ended badly, e.g. ${brokenExamples.join('; ')}`);
  if (mismatches.length > 0) failures.push(`${mismatches.length} outcomes do not match what the upstream saw, e.g. ${mismatches.slice(0, 5).join('; ')}`);
  if (phantoms > 0) failures.push(`the upstream received ${phantoms} requests no client sent`);
  if (upstreamStats.untagged > 0) failures.push(`the upstream received ${upstreamStats.untagged} requests without a client's tag`);
  // Every request the upstream received is one client request's attempt; only an attempt the proxy abandoned
  // mid-body (its client gone) cannot be attributed.
  if (upstreamStats.requests !== taggedAttempts + upstreamStats.bodyAborted) failures.push('upstream request count does not add up');
  if (upstreamStats.bodyAborted > disconnectedCount) failures.push(`${upstreamStats.bodyAborted} upstream requests abandoned mid-body, more than the ${disconnectedCount} client disconnects`);
  if (recon.reached_upstream + recon.refused_before_upstream + recon.disconnected_before_upstream + broken !== sent) failures.push('client requests do not add up to reached + refused + abandoned');
  // The proxy counts a retry before its back-off; a client that leaves during the back-off takes the retry with it.
  if (retriesMetric < recon.upstream_retries || retriesMetric > recon.upstream_retries + disconnectedCount) {
    failures.push(`the proxy counted ${retriesMetric} retries, the upstream saw ${recon.upstream_retries}`);
  }
  if (count(null, 'completed') < sent / 2) failures.push('fewer than half of the requests completed');
  if (figures.client_requests_by_route.chat < sent / 5) failures.push('too few chat-completions streams');

  if (inFlight !== 0 || openStreams !== 0) failures.push(`proxy still has ${inFlight} requests / ${openStreams} streams in flight`);
  // Upstream connections, counted on the upstream's side while the service still runs. Idle keep-alive
  // connections in the service's pool are expected, so the criterion is: (1) no exchange unfinished: every
  // request the upstream received has its answer finished or its connection closed, and no connection has an
  // exchange in progress; (2) no more connections open than the pool's size (MAX_CONCURRENT_UPSTREAM): the
  // pool opens a connection only when all of its others are busy, so more would mean connections that are
  // not returned to the pool or reused (e.g. a client or pool per request).
  if (upstreamStats.inProgress !== 0 || busySockets !== 0) failures.push(`${upstreamStats.inProgress} upstream exchanges unfinished on ${busySockets} connections`);
  if (openSockets > POOL_CONNECTIONS) failures.push(`${openSockets} upstream connections open, more than the pool's ${POOL_CONNECTIONS}`);

  // Memory. A leak shows in the live heap and in Buffer memory after a full GC: both must come back within
  // 10 MB of their idle figures. RSS does not come back to its idle figure by design: after this many
  // sockets glibc's allocator keeps freed native memory for reuse (docs/operations.md, Soak test). So for RSS:
  //  - no growth over the last third of the load: its highest sample there is within 5% + 8 MB of the
  //    highest in the middle third (the plateau after the warm-up);
  //  - no climb after the load: RSS after the settle is within 3% + 5 MB of the peak during it (the peak is
  //    sampled every 250 ms, and reading /metrics allocates a little);
  //  - a budget above idle: 32 MB + 256 KB per concurrent stream (about twice what one costs here).
  if (afterMemory.heap > baselineMemory.heap + 10) failures.push(`live heap did not return near its baseline (${afterMemory.heap.toFixed(0)} MB after a full GC, ${baselineMemory.heap.toFixed(0)} MB idle)`);
  if (afterMemory.external > baselineMemory.external + 10) failures.push(`Buffer memory did not return near its baseline (${afterMemory.external.toFixed(0)} MB after a full GC, ${baselineMemory.external.toFixed(0)} MB idle)`);
  if (lastThirdRss > plateauRss * 1.05 + 8) failures.push(`RSS kept growing in the last third of the load (${lastThirdRss.toFixed(0)} MB, plateau ${plateauRss.toFixed(0)} MB)`);
  if (afterRss > peakRss * 1.03 + 5) failures.push(`RSS grew after the load (${afterRss.toFixed(0)} MB after, ${peakRss.toFixed(0)} MB peak)`);
  if (afterRss - baselineRss > rssBudget) failures.push(`RSS after the load is ${(afterRss - baselineRss).toFixed(0)} MB above idle, over the ${rssBudget.toFixed(0)} MB budget`);
} catch (error) {
  failures.push(`the soak itself failed: ${(error as Error).stack ?? String(error)}`);
} finally {
  if (service.exitCode === null && service.signalCode === null) service.kill('SIGKILL');
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
  clearTimeout(watchdog);
}

if (failures.length > 0) {
  process.stdout.write(`soak: FAILED\n${failures.map((f) => `- ${f}`).join('\n')}\n`);
  process.exit(1);
}
process.stdout.write('soak: passed\n');
