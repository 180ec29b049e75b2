// `npm run bench`: what the proxy adds, measured side by side in one run on this machine. Starts the mock
// upstream and the service as separate processes, measures direct-to-mock and through-the-service for the
// translated and passthrough routes (JSON and 50-event streams, 10 and 100 connections), unloaded latency and
// time to first byte, the service's memory, the cost of the info access line, and the stream translator
// micro-benchmark; prints a table and writes JSON (+ Markdown) under bench-results/. Everything it starts is
// stopped at the end, also on failure or Ctrl-C.
//
// Options: --duration=S (5) --warmup=S (1) --connections=10,100 --loader=wrk|autocannon (wrk when on PATH)
//          --latency-requests=N (200) --latency-warmup=N (2000: unmeasured requests first, so that the client and
//          the service run optimised code, as a service that has been up for a while does) --no-log-cost --no-translator --cpu-prof (profile the service into
//          bench-results/profiles/) --keep-logs (keep the service's stdout log) --only=chat-json,messages-sse
//          (a subset; the direct baselines always run) --src (run src/main.ts through type stripping instead
//          of the build in dist/, which is what `npm start` and the container run) --node-flags="..." (extra
//          flags for the service's node, for experiments)
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { measureLatency, probe } from './latency.ts';
import { runLoad, wrkAvailable, type LoadResult, type LoaderName } from './load.ts';
import { cpuMsOf, firstJsonLine, freePort, installCleanup, memoryOf, startChild, stopChild, waitUntilUp } from './processes.ts';
import { evaluateTargets, formatMarkdown, formatText, type LatencyRow, type LoadRow, type LogCostRow, type Report } from './report.ts';
import { SCENARIOS, type Scenario, type ScenarioId } from './scenarios.ts';
import { SERVICE_NODE_FLAGS } from '../node-flags.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const RESULTS = join(ROOT, 'bench-results');

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    connections: { type: 'string', default: '10,100' },
    loader: { type: 'string' },
    'latency-requests': { type: 'string', default: '200' },
    'latency-warmup': { type: 'string', default: '2000' },
    'no-log-cost': { type: 'boolean', default: false },
    'no-translator': { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    'keep-logs': { type: 'boolean', default: false },
    only: { type: 'string' },
    src: { type: 'boolean', default: false },
    // The flags `npm start`, the image and the host scripts run the service with (package.json config).
    'node-flags': { type: 'string', default: SERVICE_NODE_FLAGS.join(' ') },
  },
});

const durationS = Number(args.duration);
const warmupS = Number(args.warmup);
const connectionCounts = args.connections!.split(',').map(Number);
const latencyRequests = Number(args['latency-requests']);
const latencyWarmup = Number(args['latency-warmup']);
const loader: LoaderName = (args.loader as LoaderName | undefined) ?? (wrkAvailable() ? 'wrk' : 'autocannon');
if (loader === 'wrk' && !wrkAvailable()) throw new Error('--loader=wrk but wrk is not on PATH');

const only = args.only ? new Set(args.only.split(',')) : null;
const selected = SCENARIOS.filter((scenario) => scenario.target === 'mock' || !only || only.has(scenario.id));

const log = (text: string) => process.stderr.write(`bench: ${text}\n`);

function machine(): Record<string, string | number> {
  const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.+)$/m)?.[1] ?? 'unknown';
  const wrk = loader === 'wrk' ? spawnSync('wrk', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0].split(' [')[0] : 'autocannon 9';
  return { cpus: availableParallelism(), cpu, memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`, node: process.version, loader: wrk };
}

interface Service {
  port: number;
  pid: number;
  alive(): boolean;
  logPath: string;
  stop(): Promise<void>;
}

async function startMock(): Promise<{ port: number; pid: number; stop(): Promise<void> }> {
  const child = startChild(process.execPath, [join(ROOT, 'scripts/bench/mock-upstream.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const { port } = await firstJsonLine<{ port: number }>(child);
  return { port, pid: child.pid!, stop: () => stopChild(child) };
}

/** The service as it runs in production: compiled to dist/ (rebuilt here so that it matches src/). */
function entryPoint(): string {
  if (args.src) return join(ROOT, 'src/main.ts');
  const built = join(ROOT, 'dist/main.js');
  const newestSource = Math.max(...readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' }).map((file) => statSync(join(ROOT, 'src', file)).mtimeMs));
  if (existsSync(built) && statSync(built).mtimeMs >= newestSource) return built;
  log('building dist/ (npm run build): it is older than src/');
  const build = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'src')], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('npm run build failed');
  return built;
}

async function startService(entry: string, upstreamPort: number, logLevel: string, name: string): Promise<Service> {
  const port = await freePort();
  mkdirSync(RESULTS, { recursive: true });
  const logPath = join(RESULTS, `service-${name}.log`);
  const out = openSync(logPath, 'w');
  const flags = args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${join(RESULTS, 'profiles')}`, `--cpu-prof-name=service-${name}-${Date.now()}.cpuprofile`] : [];
  const extra = args['node-flags']!.split(' ').filter((flag) => flag !== '');
  const child = startChild(process.execPath, [...extra, ...flags, entry], {
    // A neutral working directory, so that a developer's .env cannot change what is measured.
    cwd: RESULTS,
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: String(port),
      UPSTREAM_BASE: `http://127.0.0.1:${upstreamPort}`,
      LOG_LEVEL: logLevel,
      LOG_DIR: '',
      SHUTDOWN_TIMEOUT_MS: '2000',
    },
    stdio: ['ignore', out, 'inherit'],
  });
  closeSync(out);
  await waitUntilUp(`http://127.0.0.1:${port}/healthz`, child);
  return { port, pid: child.pid!, logPath, alive: () => child.exitCode === null && child.signalCode === null, stop: () => stopChild(child, 8000) };
}

function urlOf(scenario: Scenario, mockPort: number, servicePort: number): string {
  return `http://127.0.0.1:${scenario.target === 'mock' ? mockPort : servicePort}${scenario.path}`;
}

/** null when the scenario can run; else why not ("not available" for a 404: the route is not merged yet). */
async function availability(scenario: Scenario, url: string): Promise<string | null> {
  try {
    const answer = await probe(url, scenario.body, scenario.headers);
    if (answer.status === 404) return 'not available (404)';
    if (answer.status < 200 || answer.status >= 300) return `failed (HTTP ${answer.status})`;
    if (!answer.body.includes(scenario.expect)) return `failed (answer lacks ${scenario.expect})`;
    return null;
  } catch (error) {
    return `failed (${(error as Error).message})`;
  }
}

function logSummary(path: string): { lines: number; errorLines: number; bytes: number; bytesPerLine: number } {
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n').filter((line) => line !== '');
  const errorLines = lines.filter((line) => /"level":(50|60)/.test(line)).length;
  const bytes = statSync(path).size;
  return { lines: lines.length, errorLines, bytes, bytesPerLine: lines.length ? Math.round(bytes / lines.length) : 0 };
}

function translatorBench(): unknown {
  const result = spawnSync(process.execPath, [join(ROOT, 'scripts/bench/stream-translator.ts'), '--json'], { encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) return { error: (result.stderr || result.stdout || `exit ${result.status}`).trim() };
  return JSON.parse(result.stdout);
}

async function main(): Promise<void> {
  installCleanup();
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  log(`loader ${loader}, ${durationS}s per run after ${warmupS}s warm-up, connections ${connectionCounts.join('/')}`);

  const entry = entryPoint();
  const mock = await startMock();
  let service = await startService(entry, mock.port, 'info', 'info');
  const scenarios = new Map<ScenarioId, Scenario>(SCENARIOS.map((scenario) => [scenario.id, scenario]));
  const url = (scenario: Scenario) => urlOf(scenario, mock.port, service.port);

  // One request through every route (also the check that each works), then the idle footprint.
  const unavailable = new Map<ScenarioId, string>();
  let previous: Scenario | null = null;
  for (const scenario of selected) {
    await new Promise((done) => setTimeout(done, 300));
    if (!service.alive()) {
      // A route that takes the process down is reported, and the run goes on with a fresh service.
      if (previous) unavailable.set(previous.id, 'failed (the service crashed on this request; see bench-results/service-info.log)');
      log(`${previous?.id}: the service crashed; starting a fresh one`);
      await service.stop();
      service = await startService(entry, mock.port, 'info', 'info-restarted');
    }
    previous = scenario;
    const why = await availability(scenario, url(scenario));
    if (why) {
      unavailable.set(scenario.id, unavailable.get(scenario.id) ?? why);
      log(`${scenario.id}: ${why}`);
      if (scenario.target === 'mock') throw new Error(`the mock upstream does not answer ${scenario.id}: ${why}`);
    }
  }
  if (!service.alive()) throw new Error(`the service crashed on ${previous?.id}`);
  await new Promise((done) => setTimeout(done, 500));
  const idleRssMb = memoryOf(service.pid).rssMb;
  log(`service idle RSS ${idleRssMb.toFixed(1)} MB`);

  // Unloaded latency and TTFB, direct and proxied, one request at a time.
  const latency: LatencyRow[] = [];
  const latencyBaseline = new Map<ScenarioId, { ttfb: number; total: number }>();
  for (const scenario of selected) {
    const why = unavailable.get(scenario.id);
    const row: LatencyRow = { scenario: scenario.id, label: scenario.label, stream: scenario.stream, result: null, ttfbAddedMs: null, totalAddedMs: null, ...(why ? { unavailable: why } : {}) };
    latency.push(row);
    if (why) continue;
    const result = await measureLatency({ url: url(scenario), body: scenario.body, headers: scenario.headers, requests: latencyRequests, warmup: latencyWarmup });
    row.result = result;
    if (scenario.target === 'mock') latencyBaseline.set(scenario.id, { ttfb: result.ttfbP50Ms, total: result.totalP50Ms });
    else {
      const base = latencyBaseline.get(scenario.baseline)!;
      row.ttfbAddedMs = result.ttfbP50Ms - base.ttfb;
      row.totalAddedMs = result.totalP50Ms - base.total;
    }
    log(`latency ${scenario.id}: TTFB p50 ${result.ttfbP50Ms.toFixed(3)} ms, total p50 ${result.totalP50Ms.toFixed(3)} ms`);
  }

  // Load: for each connection count, the direct baseline right before the proxied scenarios it anchors.
  const loads: LoadRow[] = [];
  for (const connections of connectionCounts) {
    const baselines = new Map<ScenarioId, LoadResult>();
    for (const scenario of selected) {
      const why = unavailable.get(scenario.id);
      const row: LoadRow = { scenario: scenario.id, label: scenario.label, stream: scenario.stream, connections, result: null, ratio: null, p50AddedMs: null, serviceCpuUsPerRequest: null, mockCpuUsPerRequest: null, ...(why ? { unavailable: why } : {}) };
      loads.push(row);
      if (why) continue;
      const spec = { url: url(scenario), body: scenario.body, headers: scenario.headers, connections, durationS };
      if (warmupS > 0) await runLoad(loader, { ...spec, durationS: warmupS });
      const cpuBefore = { service: cpuMsOf(service.pid), mock: cpuMsOf(mock.pid) };
      const result = await runLoad(loader, spec);
      row.result = result;
      // CPU per request is robust to a busy machine, where requests/s is not: it says what the proxy costs.
      row.serviceCpuUsPerRequest = scenario.target === 'service' ? ((cpuMsOf(service.pid) - cpuBefore.service) * 1000) / result.requests : null;
      row.mockCpuUsPerRequest = ((cpuMsOf(mock.pid) - cpuBefore.mock) * 1000) / result.requests;
      if (scenario.target === 'mock') baselines.set(scenario.id, result);
      const base = baselines.get(scenario.baseline)!;
      row.ratio = result.requestsPerS / base.requestsPerS;
      row.p50AddedMs = result.p50Ms - base.p50Ms;
      log(`load ${scenario.id} @${connections}: ${Math.round(result.requestsPerS)} req/s (${Math.round(row.ratio * 100)}%), p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms, errors ${result.errors}, non-2xx ${result.non2xx}, CPU/request service ${row.serviceCpuUsPerRequest?.toFixed(0) ?? '-'} µs mock ${row.mockCpuUsPerRequest.toFixed(0)} µs`);
    }
  }
  const afterLoad = memoryOf(service.pid);
  log(`service RSS after the loads ${afterLoad.rssMb.toFixed(1)} MB, peak ${afterLoad.peakMb.toFixed(1)} MB`);

  // What the one info access line per request costs: the same load against a second service at warn.
  const logCost: LogCostRow[] = [];
  if (!args['no-log-cost']) {
    const quiet = await startService(entry, mock.port, 'warn', 'warn');
    for (const id of ['messages-json', 'chat-json'] as const) {
      if (unavailable.has(id) || !selected.some((scenario) => scenario.id === id)) continue;
      const scenario = scenarios.get(id)!;
      const spec = { body: scenario.body, headers: scenario.headers, connections: 10, durationS };
      const measured = async (target: Service) => {
        const specFor = { ...spec, url: urlOf(scenario, mock.port, target.port) };
        if (warmupS > 0) await runLoad(loader, { ...specFor, durationS: warmupS });
        const before = cpuMsOf(target.pid);
        const result = await runLoad(loader, specFor);
        return { result, cpuUsPerRequest: ((cpuMsOf(target.pid) - before) * 1000) / result.requests };
      };
      const info = await measured(service);
      const warn = await measured(quiet);
      logCost.push({ scenario: id, connections: 10, info: info.result, warn: warn.result, infoCpuUsPerRequest: info.cpuUsPerRequest, warnCpuUsPerRequest: warn.cpuUsPerRequest });
      log(`access line ${id}: info ${Math.round(info.result.requestsPerS)} req/s ${info.cpuUsPerRequest.toFixed(0)} µs/request vs warn ${Math.round(warn.result.requestsPerS)} req/s ${warn.cpuUsPerRequest.toFixed(0)} µs/request`);
    }
    await quiet.stop();
    if (!args['keep-logs']) rmSync(quiet.logPath, { force: true });
  }

  await service.stop();
  await mock.stop();
  const serviceLog = logSummary(service.logPath);
  if (!args['keep-logs']) rmSync(service.logPath, { force: true });

  const streamTranslator = args['no-translator'] ? null : translatorBench();
  const memory = { idleRssMb, peakRssMb: afterLoad.peakMb, rssAfterLoadMb: afterLoad.rssMb };
  const report: Report = {
    startedAt,
    machine: machine(),
    settings: {
      durationS,
      warmupS,
      latencyRequests,
      latencyWarmup,
      service: `node ${args['node-flags'] ? `${args['node-flags']} ` : ''}${args.src ? 'src/main.ts (type stripping)' : 'dist/main.js'}`,
      serviceLogLevel: 'info',
      serviceLogLines: serviceLog.lines,
      serviceLogErrorLines: serviceLog.errorLines,
      accessLineBytes: serviceLog.bytesPerLine,
      cpuProf: args['cpu-prof'] ?? false,
      runSeconds: Math.round((Date.now() - started) / 1000),
    },
    loads,
    latency,
    memory,
    logCost,
    streamTranslator,
    targets: evaluateTargets(loads, latency, memory),
  };
  mkdirSync(RESULTS, { recursive: true });
  const stamp = startedAt.replace(/[:.]/g, '-');
  writeFileSync(join(RESULTS, `bench-${stamp}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(RESULTS, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(RESULTS, 'latest.md'), `${formatMarkdown(report)}\n`);
  process.stdout.write(`${formatText(report)}\n\n`);
  log(`results: bench-results/bench-${stamp}.json (and latest.json, latest.md), ${report.settings.runSeconds}s`);
}

// A failure anywhere still stops every child (installCleanup kills them on exit).
main().catch((error) => {
  process.stderr.write(`bench: failed: ${(error as Error).stack ?? error}\n`);
  process.exitCode = 1;
  // Exit explicitly: open sockets or timers must not keep a failed run alive.
  setImmediate(() => process.exit(1));
});
