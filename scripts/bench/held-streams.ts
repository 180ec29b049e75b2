// `npm run bench:held`: what holding many slow streams at once costs. N concurrent streams (default 1,000),
// each ~2 s long with one Anthropic text_delta event every 20 ms from the mock upstream, go through one column
// at a time (nginx as a byte relay, the bare fastify + undici relay, this service's passthrough and translated
// routes), each column a fresh process on 127.0.0.1. Reports CPU per relayed event (the process's CPU over the
// run / N x events per stream) and RSS per held stream ((peak RSS while the N are held - idle RSS) / N).
//
// Usage: npm run bench:held -- [--streams=1000] [--events=100 (x 20 ms)] [--no-nginx] [--json]
import { request, type IncomingMessage } from 'node:http';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { HELD_EVENT_MS } from './payloads.ts';
import { cpuMsOf, firstJsonLine, freePort, installCleanup, memoryOf, startChild, stopChild, waitUntilUp } from './processes.ts';
import { ensureDebianTools, startBareRelay, startNginx, type Server } from './references.ts';
import { COLUMN_LABELS, scenarioFor, type Column, type Scenario } from './scenarios.ts';
import { SERVICE_ENV, SERVICE_NODE_FLAGS } from '../node-flags.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const RESULTS = join(ROOT, 'bench-results');
const { values: args } = parseArgs({
  options: {
    streams: { type: 'string', default: '1000' },
    events: { type: 'string', default: '100' },
    'no-nginx': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const streams = Number(args.streams);
const events = Number(args.events);
const COLUMNS: readonly Column[] = ['nginx', 'bare', 'messages', 'chat'];
/** Streams run before idle RSS is read, so that every column is measured warm. */
const WARMUP_STREAMS = Math.min(streams, 50);
/** The bound of one run: the streams' own length, and as much again for a loaded machine, plus 30 s. */
const RUN_TIMEOUT_MS = 2 * events * HELD_EVENT_MS + 30_000;

const log = (text: string) => process.stderr.write(`bench:held: ${text}\n`);
const pause = (ms: number) => new Promise((done) => setTimeout(done, ms));

async function startMock(): Promise<Server> {
  const child = startChild(process.execPath, [join(ROOT, 'scripts/bench/mock-upstream.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const { port } = await firstJsonLine<{ port: number }>(child);
  return { name: 'mock upstream', port, pid: child.pid!, alive: () => child.exitCode === null, stop: () => stopChild(child) };
}

/** The service from dist/ (`npm run bench:held` builds it first), with room for every stream in its upstream pool and connection limit. */
async function startService(upstreamPort: number, column: Column): Promise<Server> {
  const port = await freePort();
  const out = openSync(join(RESULTS, `held-service-${column}.log`), 'w');
  const child = startChild(process.execPath, [...SERVICE_NODE_FLAGS, join(ROOT, 'dist/main.js')], {
    cwd: RESULTS,
    env: {
      ...SERVICE_ENV,
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: String(port),
      UPSTREAM_BASE: `http://127.0.0.1:${upstreamPort}`,
      LOG_LEVEL: 'info',
      LOG_DIR: '',
      MAX_CONCURRENT_UPSTREAM: String(streams + 64),
      MAX_CONNECTIONS: String(streams + 64),
    },
    stdio: ['ignore', out, 'inherit'],
  });
  closeSync(out);
  await waitUntilUp(`http://127.0.0.1:${port}/healthz`, child);
  return { name: 'this service', port, pid: child.pid!, alive: () => child.exitCode === null, stop: () => stopChild(child, 8000) };
}

/** One stream to its end: 'ok' when it ended the way a healthy one does, else its status or error. Each has its own connection. */
function holdOne(url: string, scenario: Scenario, signal: AbortSignal): Promise<string> {
  return new Promise((done) => {
    const req = request(url, { method: 'POST', headers: scenario.headers, agent: false, signal }, (res: IncomingMessage) => {
      let tail = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (tail = (tail + chunk).slice(-200)));
      res.on('end', () => done(res.statusCode !== 200 ? `HTTP ${res.statusCode}` : tail.includes(scenario.expect) ? 'ok' : 'cut short'));
      res.on('error', (error) => done(error.message));
    });
    req.on('error', (error) => done(error.message));
    req.end(scenario.body);
  });
}

/** `count` streams at once; the server's peak RSS while they are held (sampled every 50 ms) and its CPU over the run. */
async function holdMany(server: Server, scenario: Scenario, count: number) {
  const url = `http://127.0.0.1:${server.port}${scenario.path}`;
  const signal = AbortSignal.timeout(RUN_TIMEOUT_MS);
  const cpuBefore = cpuMsOf(server.pid);
  let peakRssMb = 0;
  const sampler = setInterval(() => (peakRssMb = Math.max(peakRssMb, memoryOf(server.pid).rssMb)), 50);
  const started = Date.now();
  const results = await Promise.all(Array.from({ length: count }, () => holdOne(url, scenario, signal)));
  clearInterval(sampler);
  const failures = new Map<string, number>();
  for (const result of results) if (result !== 'ok') failures.set(result, (failures.get(result) ?? 0) + 1);
  return { ok: count - [...failures.values()].reduce((sum, n) => sum + n, 0), failures, seconds: (Date.now() - started) / 1000, cpuMs: cpuMsOf(server.pid) - cpuBefore, peakRssMb };
}

interface Row {
  column: string;
  ok: number;
  seconds: number;
  cpuUsPerEvent: number;
  idleRssMb: number;
  peakRssMb: number;
  kbPerStream: number;
}

async function measureColumn(column: Column, mockPort: number): Promise<Row | null> {
  const server = column === 'nginx' ? await startNginx(mockPort) : column === 'bare' ? await startBareRelay(mockPort, [...SERVICE_NODE_FLAGS], join(RESULTS, 'held-bare.log'), join(RESULTS, 'js'), SERVICE_ENV) : await startService(mockPort, column);
  if ('skipped' in server) {
    log(`${column}: skipped: ${server.skipped}`);
    return null;
  }
  try {
    const scenario = scenarioFor(column, 'sse', mockPort, { heldEvents: events });
    const warm = await holdMany(server, scenario, WARMUP_STREAMS);
    if (warm.ok !== WARMUP_STREAMS) throw new Error(`${column}: ${WARMUP_STREAMS - warm.ok} of ${WARMUP_STREAMS} warm-up streams failed`);
    await pause(500);
    const idleRssMb = memoryOf(server.pid).rssMb;
    const run = await holdMany(server, scenario, streams);
    const row = {
      column: COLUMN_LABELS[column],
      ok: run.ok,
      seconds: run.seconds,
      cpuUsPerEvent: (run.cpuMs * 1000) / (streams * events),
      idleRssMb,
      peakRssMb: run.peakRssMb,
      kbPerStream: ((run.peakRssMb - idleRssMb) * 1024) / streams,
    };
    log(`${column}: ${run.ok}/${streams} streams complete in ${run.seconds.toFixed(1)} s${run.failures.size ? ` (failed: ${[...run.failures].map(([why, n]) => `${n} ${why}`).join(', ')})` : ''}, ${row.cpuUsPerEvent.toFixed(2)} µs CPU per event, ${row.kbPerStream.toFixed(1)} KB per held stream`);
    return row;
  } finally {
    await server.stop();
  }
}

function table(rows: Row[]): string {
  const lines = [
    `${streams} streams at once, ${events} events each, one every ${HELD_EVENT_MS} ms; ${process.version}, ${availableParallelism()} CPUs, load average at the end ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
    '',
    '| column | streams complete | run | CPU per relayed event | idle RSS | peak RSS, all held | RSS per held stream |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((row) => `| ${row.column} | ${row.ok}/${streams} | ${row.seconds.toFixed(1)} s | ${row.cpuUsPerEvent.toFixed(2)} µs | ${row.idleRssMb.toFixed(1)} MB | ${row.peakRssMb.toFixed(1)} MB | ${row.kbPerStream.toFixed(1)} KB |`),
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  installCleanup();
  mkdirSync(RESULTS, { recursive: true });
  if (!Number.isInteger(streams) || streams < 1 || !Number.isInteger(events) || events < 6) throw new Error('--streams must be >= 1 and --events >= 6');
  if (!args['no-nginx']) for (const [, note] of ensureDebianTools([{ command: 'nginx', pkg: 'nginx-light' }], log)) log(note);
  const mock = await startMock();
  const rows: Row[] = [];
  try {
    for (const column of COLUMNS) {
      if (column === 'nginx' && args['no-nginx']) continue;
      const row = await measureColumn(column, mock.port);
      if (row) rows.push(row);
    }
  } finally {
    await mock.stop();
  }
  process.stdout.write(`${args.json ? JSON.stringify({ streams, events, eventMs: HELD_EVENT_MS, rows }, null, 2) : table(rows)}\n`);
  if (rows.some((row) => row.ok !== streams)) process.exitCode = 1;
}

await main();
